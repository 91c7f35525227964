package csvcheck

import (
	"bytes"
	gosql "database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// delimited writes a file of the columns id, city, amount, note separated
// by d: cities and notes quoted when they hold d, a comma, a quote or a
// newline, a note in every fourth row spanning lines, rows ended by "\r\n"
// when crlf.
func delimited(seed uint64, rows int, d byte, crlf bool) []byte {
	r := rand.New(rand.NewPCG(seed, 17))
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	sep := string(d)
	cities := []string{`"Washington` + sep + ` D.C."`, "Boston", `"Springfield ""IL"""`, `"Oslo, NO"`, `"Zürich` + sep + sep + `CH"`, `""`, `"multi` + eol + `line` + sep + `"`}
	amounts := []string{"7", "5.", ".5", "+3", "12.25", "-1.5e1", "100", "1E+2", "0.000001", "8"}
	var b bytes.Buffer
	b.WriteString(strings.Join([]string{"id", "city", "amount", "note"}, sep) + eol)
	for i := 0; i < rows; i++ {
		note := fmt.Sprintf("n%d", r.IntN(50))
		if i%4 == 3 {
			note = fmt.Sprintf("\"said \"\"hi\"\"%s%s then%sleft, %d\"", sep, eol, eol, i)
		}
		fields := []string{fmt.Sprint(i), cities[r.IntN(len(cities))], amounts[r.IntN(len(amounts))], note}
		b.WriteString(strings.Join(fields, sep) + eol)
	}
	return b.Bytes()
}

// delimitedFiles writes a ';' file with CRLF rows, a .tsv and a '|' file
// into a temporary directory of t: their paths by name.
func delimitedFiles(t *testing.T) map[string]string {
	t.Helper()
	return writeFiles(t, map[string][]byte{
		"semicolon.csv": delimited(1, 700, ';', true),
		"tabs.tsv":      delimited(2, 600, '\t', false),
		"pipes.txt":     delimited(3, 650, '|', true),
	})
}

// sniffed is DuckDB's read_csv of a file as it sniffs it (no delim given),
// every column as text.
func sniffed(file string) string {
	return fmt.Sprintf("read_csv('%s', header = true, all_varchar = true)", file)
}

// TestDelimitedMatchesDuckDB: over ';', tab and '|' files with quoted
// delimiters, quoted newlines and CRLF, given no delimiter (the planner
// sniffs it, or takes a tab for .tsv), groupby, select and sql give what
// DuckDB's read_csv gives sniffing the file itself, at every chunk size
// (cutting inside quoted fields).
func TestDelimitedMatchesDuckDB(t *testing.T) {
	db := openDuck(t)
	for name, file := range delimitedFiles(t) {
		checkSniffedJobs(t, db, name, file)
	}
}

// checkSniffedJobs runs groupby, select and sql over file (one of
// delimited's columns, given no delimiter) at chunk sizes 1 MiB, 97 and
// 1000, and compares their answers with DuckDB's read_csv sniffing the
// file itself (sniffed).
func checkSniffedJobs(t *testing.T, db *gosql.DB, name, file string) {
	t.Helper()
	groups := duckGroups(t, db, sniffed(file))
	selected := duck(t, db, fmt.Sprintf(`SELECT id, city, note FROM %s WHERE TRY_CAST(amount AS DECIMAL(38,6)) > 6`, sniffed(file)))
	counts := duck(t, db, fmt.Sprintf(`SELECT city, count(*)::VARCHAR, min(note) FROM %s GROUP BY city ORDER BY city`, sniffed(file)))
	if len(groups) < 7 || len(selected) < 50 {
		t.Fatalf("%s: DuckDB found %d groups (want the 7 cities at least), selected %d rows", name, len(groups), len(selected))
	}
	for _, chunk := range []int64{1 << 20, 97, 1000} {
		checkGroupby(t, db, name, file, chunk, groups)
		got := rows(t, db, run(t, "select", jobs.Params{"where": "amount > 6", "columns": "id,city,note"}, file, chunk))
		if fmt.Sprint(got) != fmt.Sprint(selected) {
			t.Fatalf("%s at chunk size %d: select %d rows, DuckDB %d\n%.600q\n%.600q", name, chunk, len(got), len(selected), got, selected)
		}
		q := fmt.Sprintf("SELECT city, count(*) AS n, min(note) AS m FROM '%s' GROUP BY city ORDER BY city", file)
		got = rows(t, db, run(t, "sql", jobs.Params{"query": q}, file, chunk))
		if fmt.Sprint(got) != fmt.Sprint(counts) {
			t.Fatalf("%s at chunk size %d: sql %q\nDuckDB %q", name, chunk, got, counts)
		}
	}
}

// TestSniffMatchesDuckDB: the planner's sniffing (plan.SniffDelim) picks
// the delimiter DuckDB's sniff_csv picks, ties and quoted delimiters
// included. Where every candidate is inconsistent (a ragged file) DuckDB
// reads one column and the planner refuses (TestRaggedAsDuckDB).
func TestSniffMatchesDuckDB(t *testing.T) {
	db := openDuck(t)
	files := map[string]string{
		"tie-comma-pipe":  "a,b|c\n1,2|3\n4,5|6\n",
		"tie-semi-tab":    "a;b\tc\n1;2\t3\n4;5\t6\n",
		"tie-pipe-semi":   "a|b;c\n1|2;3\n4|5;6\n",
		"more-semicolons": "a;b;c,d\n1;2;3,4\n",
		"one-column":      "a\n1\n2\n",
		"quoted":          "a;b\n\"x;y\";2\n\"m\nn,o\";3\n",
		"tab-crlf":        "a\tb\r\n\"1;2\"\t3\r\n4\t5\r\n",
		"pipe":            "x|y|z\n1|2|3\n",
	}
	dir := t.TempDir()
	for name, data := range files {
		f := testutil.WriteFile(t, dir, name+".csv", []byte(data))
		want := duck(t, db, "SELECT Delimiter FROM sniff_csv('"+f+"')")
		if got, err := plan.SniffDelim([]byte(data), true); err != nil || len(want) != 1 || string(got) != want[0][0] {
			t.Errorf("%s: sniffed %q, DuckDB %q", name, got, want)
		}
	}
}

// TestInputsSniffedEachAsDuckDB: DuckDB's read_csv over a list of files
// sniffs each and reads each with its own dialect: a ';' file with CRLF, a
// '|' file and a ',' file after a title line give the rows of all three. A
// job reads each with its own too (the plan's parts carry the delimiter
// and header of an input that differs from the first), where it refused
// such a list at planning: groupby, select and sql over the glob of them
// give DuckDB's answers at every chunk size. Inputs that sniff alike give
// DuckDB's answer over the list at every chunk size.
func TestInputsSniffedEachAsDuckDB(t *testing.T) {
	db := openDuck(t)
	files := writeFiles(t, map[string][]byte{
		"a.csv": delimited(4, 300, ';', true),
		"b.csv": delimited(5, 300, '|', false),
		"c.csv": delimited(6, 300, ';', false),
	})
	a, b, c := files["a.csv"], files["b.csv"], files["c.csv"]
	both := fmt.Sprintf("read_csv(['%s', '%s'], header = true, all_varchar = true)", a, b)
	if n := duck(t, db, "SELECT count(*)::VARCHAR FROM "+both); n[0][0] != "600" {
		t.Fatalf("DuckDB reads %s rows of a ';' and a '|' file, want 600", n[0][0])
	}
	mixed := writeFiles(t, map[string][]byte{
		"1.csv": delimited(4, 300, ';', true),
		"2.csv": delimited(5, 300, '|', false),
		"3.csv": append([]byte("Report generated 2026-01-01\n"), delimited(7, 300, ',', false)...),
	})
	glob := filepath.Join(filepath.Dir(mixed["1.csv"]), "*.csv")
	if n := duck(t, db, "SELECT count(*)::VARCHAR FROM "+sniffed(glob)); n[0][0] != "900" {
		t.Fatalf("DuckDB reads %s rows of a ';', a '|' and a titled ',' file, want 900", n[0][0])
	}
	checkSniffedJobs(t, db, "a ';', a '|' and a titled ',' file", glob)
	alike := fmt.Sprintf("read_csv(['%s', '%s'], header = true, all_varchar = true)", a, c)
	groups := duckGroups(t, db, alike)
	for _, chunk := range []int64{1 << 20, 97, 1000} {
		local, dir := enginetest.Open(t, engine.Options{})
		out, _ := enginetest.Run(t, local, pipeline.PlanInput{Job: "groupby", Params: raggedJobs[0].params, Inputs: []string{a, c}, Output: filepath.Join(dir, "out.csv"), ChunkSize: chunk})
		got := rows(t, db, out)
		if len(got) != len(groups) {
			t.Fatalf("groupby over two ';' files at chunk size %d: %q, DuckDB %q", chunk, got, groups)
		}
		for i := range got {
			if got[i][0] != groups[i][0] || !sameNumber(got[i][1], groups[i][1]) || got[i][2] != groups[i][2] {
				t.Fatalf("groupby over two ';' files at chunk size %d: group %d is %q, DuckDB %q", chunk, i, got[i], groups[i])
			}
		}
	}
}
