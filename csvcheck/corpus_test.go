package csvcheck

import (
	"bytes"
	gosql "database/sql"
	"encoding/csv"
	"fmt"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// corpus is the awkward files: what Python's csv module, spreadsheets and
// CRM exports write. Every file has the columns id, city, amount, note.
func corpus() map[string][]byte {
	files := map[string][]byte{}
	cities := []string{`"Washington, D.C."`, "Boston", `"Springfield ""IL"""`, "Oslo", `"Zürich, CH"`, `""`, `"multi` + "\r\n" + `line"`}
	amounts := []string{"  7", "7 ", "5.", ".5", "+3", "12.25", "-1.5e1", "1_000", "100", "\t2.5\t", "1E+2", "0.000001"}
	refused := []string{"abc", "1__0", "", ".", "e3", "- 5", "1,5", "0x10"}
	gen := func(seed uint64, rows int, crlf, bom bool, newlineEvery int, bad bool) []byte {
		r := rand.New(rand.NewPCG(seed, 16))
		eol := "\n"
		if crlf {
			eol = "\r\n"
		}
		var b bytes.Buffer
		if bom {
			b.WriteString("\ufeff")
		}
		b.WriteString("id,city,amount,note" + eol)
		for i := 0; i < rows; i++ {
			amount := amounts[r.IntN(len(amounts))]
			if bad && i%5 == 2 {
				amount = refused[r.IntN(len(refused))]
			}
			if strings.ContainsAny(amount, ",") {
				amount = `"` + amount + `"`
			}
			note := fmt.Sprintf("n%d", r.IntN(50))
			if newlineEvery > 0 && i%newlineEvery == 3 {
				note = fmt.Sprintf("\"said \"\"hi\"\",%s then%sleft, %d\"", eol, eol, i)
			}
			fmt.Fprintf(&b, "%d,%s,%s,%s%s", i, cities[r.IntN(len(cities))], amount, note, eol)
		}
		return b.Bytes()
	}
	files["python.csv"] = gen(1, 900, true, false, 8, false)
	files["bom-lf.csv"] = gen(2, 600, false, true, 5, false)
	files["refused-numbers.csv"] = gen(3, 700, true, false, 8, true)
	files["every-row-quoted-newline.csv"] = gen(4, 400, false, false, 1, false)
	return files
}

// writeCorpus writes the corpus into a temporary directory of t and returns the
// files' paths by name.
func writeCorpus(t *testing.T) map[string]string {
	t.Helper()
	return writeFiles(t, corpus())
}

// writeFiles writes files into a temporary directory of t and returns their
// paths by name.
func writeFiles(t *testing.T, files map[string][]byte) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	for name, data := range files {
		paths[name] = testutil.WriteFile(t, dir, name, data)
	}
	return paths
}

// openDuck opens an in-memory DuckDB, closed when t ends.
func openDuck(t *testing.T) *gosql.DB {
	t.Helper()
	return testutil.OpenSQL(t, "duckdb", "")
}

// run runs a job over one file through the local engine and returns its output.
func run(t *testing.T, job string, params jobs.Params, file string, chunk int64) []byte {
	t.Helper()
	local, dir := enginetest.Open(t, engine.Options{})
	out, _ := enginetest.Run(t, local, pipeline.PlanInput{Job: job, Params: params, Inputs: []string{file}, Output: filepath.Join(dir, "out.csv"), ChunkSize: chunk})
	return out
}

// rows reads CSV output (header dropped) with DuckDB's read_csv, values
// exactly as decoded: a "\r\n" inside a quoted value stays "\r\n" (Go's
// encoding/csv would turn it into "\n"), so scatter's values are compared
// with DuckDB's byte for byte.
func rows(t *testing.T, db *gosql.DB, out []byte) [][]string {
	t.Helper()
	if _, err := csv.NewReader(bytes.NewReader(out)).ReadAll(); err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, out)
	}
	f := testutil.WriteFile(t, t.TempDir(), "out.csv", out)
	return duck(t, db, "SELECT * FROM "+readCSV(f))
}

// duck runs a query and returns its rows as text, NULL as "".
func duck(t *testing.T, db *gosql.DB, q string) [][]string {
	t.Helper()
	a, err := duckResult(db, q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	return a.rows
}

// hasCRLF reports whether a value of rows holds "\r\n" (inside quotes in
// the file, which DuckDB and scatter both keep as it is).
func hasCRLF(rows [][]string) bool {
	for _, r := range rows {
		for _, v := range r {
			if strings.Contains(v, "\r\n") {
				return true
			}
		}
	}
	return false
}

// sameNumber compares two numbers' values exactly.
func sameNumber(a, b string) bool {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// readCSV is DuckDB's read_csv of a file, every column as text.
func readCSV(file string) string {
	return fmt.Sprintf("read_csv('%s', header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')", file)
}

// TestGroupbyMatchesDuckDB: groupby --key city --agg sum:amount,count:amount
// over each awkward file, at several chunk sizes (cutting inside quoted
// newlines), gives DuckDB's answer: the rows whose amount DuckDB casts to a
// number, grouped by the decoded city, sums compared as numbers.
func TestGroupbyMatchesDuckDB(t *testing.T) {
	db := openDuck(t)
	for name, file := range writeCorpus(t) {
		want := duckGroups(t, db, readCSV(file))
		if len(want) < 5 || !hasCRLF(want) {
			t.Fatalf("%s: DuckDB found %d groups, none with a \"\\r\\n\" inside: %q", name, len(want), want)
		}
		t.Logf("%s: DuckDB's groups %q", name, want)
		for _, chunk := range []int64{1 << 20, 97, 1000, 4096} {
			checkGroupby(t, db, name, file, chunk, want)
		}
	}
}

// duckGroups is DuckDB's answer to groupby --key city --agg
// sum:amount,count:amount over from (a read_csv): the rows whose amount it
// casts to a number, grouped by city, in the order of the cities' bytes.
func duckGroups(t *testing.T, db *gosql.DB, from string) [][]string {
	t.Helper()
	want := duck(t, db, fmt.Sprintf(`SELECT city, sum(a)::VARCHAR, count(a)::VARCHAR FROM (
			SELECT city, TRY_CAST(amount AS DECIMAL(38,6)) AS a FROM %s)
			WHERE a IS NOT NULL GROUP BY city`, from))
	sort.Slice(want, func(i, j int) bool { return want[i][0] < want[j][0] })
	return want
}

// checkGroupby runs groupby --key city --agg sum:amount,count:amount over
// file at chunk size chunk and compares its groups with want (duckGroups),
// sums as numbers.
func checkGroupby(t *testing.T, db *gosql.DB, name, file string, chunk int64, want [][]string) {
	t.Helper()
	got := rows(t, db, run(t, "groupby", jobs.Params{"key": "city", "agg": "sum:amount,count:amount"}, file, chunk))
	if len(got) != len(want) {
		t.Fatalf("%s at chunk size %d: %d groups\n%q\nDuckDB %d\n%q", name, chunk, len(got), got, len(want), want)
	}
	for i := range got {
		if got[i][0] != want[i][0] || !sameNumber(got[i][1], want[i][1]) || got[i][2] != want[i][2] {
			t.Fatalf("%s at chunk size %d: group %d is %q, DuckDB %q", name, chunk, i, got[i], want[i])
		}
	}
}

// TestSelectMatchesDuckDB: select --where 'amount > 6' --columns id,city,note
// over the files whose amounts are all numbers gives DuckDB's rows, in input
// order, values decoded (quoted newlines and doubled quotes included).
func TestSelectMatchesDuckDB(t *testing.T) {
	db := openDuck(t)
	for name, file := range writeCorpus(t) {
		if name == "refused-numbers.csv" {
			continue // select compares non-numbers byte-wise, where DuckDB's cast fails
		}
		want := duck(t, db, fmt.Sprintf(`SELECT id, city, note FROM %s WHERE TRY_CAST(amount AS DECIMAL(38,6)) > 6`, readCSV(file)))
		if !hasCRLF(want) {
			t.Fatalf("%s: no value DuckDB selects holds a \"\\r\\n\": the raw comparison is not exercised", name)
		}
		t.Logf("%s: DuckDB selects %d rows", name, len(want))
		for _, chunk := range []int64{1 << 20, 61, 2048} {
			got := rows(t, db, run(t, "select", jobs.Params{"where": "amount > 6", "columns": "id,city,note"}, file, chunk))
			if fmt.Sprint(got) != fmt.Sprint(want) || len(want) < 50 {
				t.Fatalf("%s at chunk size %d: %d rows, DuckDB %d\n%.600q\n%.600q", name, chunk, len(got), len(want), got, want)
			}
		}
	}
}
