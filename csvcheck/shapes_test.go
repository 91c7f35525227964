package csvcheck

import (
	"bytes"
	gosql "database/sql"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// allShapes runs the shapes whose difference from DuckDB is known too
// (go test -run TestShapesAsDuckDB -args -shapes.all), to see what each
// does now.
var allShapes = flag.Bool("shapes.all", false, "run the shapes with a known difference from DuckDB too")

// shape is one awkward CSV file as exports write it, which DuckDB's
// read_csv reads with no options, and the columns the checks use (as
// DuckDB names them): key is grouped by, num counted, its min and max
// taken.
type shape struct {
	name     string
	data     string
	key, num string
	// known is why the shape's answer differs from DuckDB's (docs/jobs.md,
	// "CSV as DuckDB reads it: awkward files"): the shape is skipped,
	// unless -shapes.all.
	known string
}

// longField is a field longer than the planner's 64 KiB sample.
var longField = strings.Repeat("lorem ipsum ", 5600)

// rowsOf writes n rows of id,city,amount ended by eol, sep between fields.
func rowsOf(n int, sep, eol string) string {
	cities := []string{"Oslo", "Rome", "Lima"}
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d%s%s%s%d.5%s", i, sep, cities[i%3], sep, i%7, eol)
	}
	return b.String()
}

// The known differences from DuckDB of the shapes that have one (docs/jobs.md, "CSV as
// DuckDB reads it: awkward files").
const (
	noheader  = "a file without a header row: its first row is the header, where DuckDB sniffs no header (the first row's types are those of the others) and names the columns column0, column1, ..."
	backslash = "quotes escaped with a backslash (\\\"): those records are skipped as bad quoting, where DuckDB's sniffer takes the escape"
	single    = "fields quoted with ' (a delimiter inside them): refused at planning as a ragged CSV, where DuckDB's sniffer takes the quote"
	untyped   = "untyped columns are not sniffed (docs/sql.md): sql writes the text (True), groups and orders it as text or numbers, where DuckDB sniffs a BOOLEAN or, for numbers mixed with text (1,234 or a field of spaces), a VARCHAR"
)

// shapes is the corpus of awkward files, each one DuckDB reads with
// read_csv's detection alone.
func shapes() []shape {
	rows := rowsOf(40, ",", "\n")
	return []shape{
		{name: "duplicate-names.csv", data: "id,city,city,amount\n" + strings.NewReplacer(",Oslo,", ",Oslo,N,", ",Rome,", ",Rome,S,", ",Lima,", ",Lima,S,").Replace(rows), key: "city_1", num: "amount"},
		{name: "empty-header-field.csv", data: "id,,amount\n" + rows, key: "column1", num: "amount"},
		{name: "trailing-delimiter.csv", data: "id,city,amount,\n" + strings.ReplaceAll(rows, "\n", ",\n"), key: "city", num: "amount"},
		{name: "blank-lines.csv", data: "id,city,amount\n" + rowsOf(20, ",", "\n") + "\n\n" + rowsOf(20, ",", "\n") + "\n\n", key: "city", num: "amount"},
		{name: "no-trailing-newline.csv", data: "id,city,amount\n" + strings.TrimSuffix(rows, "\n"), key: "city", num: "amount"},
		{name: "header-only.csv", data: "id,city,amount\n", key: "city", num: "amount"},
		{name: "empty.csv", data: "", key: "column0", num: "column0"},
		{name: "no-header.csv", data: rows, key: "column1", num: "column2", known: noheader},
		{name: "backslash-escape.csv", data: "id,city,amount\n" + strings.Repeat("1,\"Say \\\"hi\\\", Oslo\",7\n2,Rome,8\n", 20), key: "city", num: "amount", known: backslash},
		{name: "single-quote.csv", data: "id,city,amount\n" + strings.Repeat("1,'Oslo, NO',7\n2,Rome,8\n", 20), key: "city", num: "amount", known: single},
		{name: "null-ish.csv", data: "id,city,amount\n" + strings.Repeat("1,Oslo,7\n2,,8\n3,NULL,\n4,NA,NA\n5,Rome,NULL\n", 10), key: "city", num: "amount"},
		{name: "long-field.csv", data: "id,city,note\n1,Oslo,\"" + longField + ",\n\"\n2,Rome,x\n" + rowsOf(20, ",", "\n"), key: "city", num: "id"},
		{name: "crlf-bom-quoted-crlf.csv", data: "\ufeffid,city,amount\r\n" + strings.Repeat("1,\"Oslo\r\nNO\",7\r\n2,Rome,8\r\n", 20), key: "city", num: "amount"},
		{name: "spaces-only.csv", data: "id,city,amount\n" + strings.Repeat("1,   ,7\n2,Rome,  \n3, ,8\n", 15), key: "city", num: "amount", known: untyped},
		{name: "unicode-names.csv", data: "ид,Stadt_ä,金额\n" + rows, key: "Stadt_ä", num: "金额"},
		{name: "spaced-header.csv", data: " id , city ,amount \n" + rows, key: "city", num: "amount"},
		{name: "quoted-header.csv", data: "\"id\",\"city name\",\"amount\"\n" + rows, key: "city name", num: "amount"},
		{name: "thousands.csv", data: "id,city,amount\n" + strings.Repeat("1,Oslo,\"1,234\"\n2,Rome,\"12,345.50\"\n3,Lima,999\n", 15), key: "city", num: "amount", known: untyped},
		{name: "mixed-booleans.csv", data: "id,city,flag\n" + strings.Repeat("1,Oslo,True\n2,Rome,FALSE\n3,Lima,true\n4,Oslo,false\n", 12), key: "flag", num: "id", known: untyped},
	}
}

// TestShapesAsDuckDB: each awkward file of shapes gives, at chunk sizes
// 1 MiB, 97 (files up to 16 KiB) and 1000, DuckDB's answers (read_csv detecting everything):
// sql's SELECT *, a GROUP BY of the key column counting rows and
// num values, min and max of num (or the same refusal); select's columns
// (the text of every field, as DuckDB's all_varchar reads it); groupby's
// count and sum of num by key (the values DuckDB casts to a number).
func TestShapesAsDuckDB(t *testing.T) {
	db := openDuck(t)
	files := map[string][]byte{}
	for _, s := range shapes() {
		files[s.name] = []byte(s.data)
	}
	paths := writeFiles(t, files)
	for _, s := range shapes() {
		t.Run(s.name, func(t *testing.T) {
			if s.known != "" && !*allShapes {
				t.Skip("a known difference: " + s.known)
			}
			checkShape(t, db, s, paths[s.name])
		})
	}
}

// checkShape runs the checks of TestShapesAsDuckDB over one file.
func checkShape(t *testing.T, db *gosql.DB, s shape, file string) {
	names := duckNames(t, db, "SELECT * FROM '"+file+"'")
	if !slices.Contains(names, s.key) || !slices.Contains(names, s.num) {
		t.Fatalf("DuckDB reads the columns %q, without %q or %q", names, s.key, s.num)
	}
	k, n := quoteName(s.key), quoteName(s.num)
	queries := []struct {
		q       string
		ordered bool
	}{
		{"SELECT * FROM 'F'", true},
		{fmt.Sprintf("SELECT %s AS k, count(*) AS n, count(%s) AS c FROM 'F' GROUP BY %s", k, n, k), false},
		{fmt.Sprintf("SELECT min(%s) AS lo, max(%s) AS hi FROM 'F'", n, n), true},
	}
	text := fmt.Sprintf("read_csv('%s', all_varchar = true)", file)
	if got := duckNames(t, db, "SELECT * FROM "+text); !slices.Equal(got, names) {
		t.Fatalf("DuckDB reads the columns %q with all_varchar, %q without", got, names)
	}
	chunks := []int64{1 << 20, 97, 1000}
	if len(s.data) > 16<<10 {
		// 97-byte chunks of the long field's 67 KiB are 700 chunks a
		// job, most of this test's time; at 1000 bytes its quoted field
		// still crosses 67 chunk boundaries.
		chunks = []int64{1 << 20, 1000}
	}
	for _, chunk := range chunks {
		for _, q := range queries {
			q := strings.ReplaceAll(q.q, "'F'", "'"+file+"'")
			want, werr := duckResult(db, q)
			got, gerr := ours(t, db, "sql", jobs.Params{"query": q}, file, chunk)
			if msg := compare(got, gerr, want, werr, !strings.Contains(q, "GROUP BY")); msg != "" {
				t.Errorf("sql %q at chunk size %d: %s", strings.ReplaceAll(q, file, "F"), chunk, msg)
			}
		}
		want, werr := duckResult(db, "SELECT * FROM "+text)
		got, gerr := ours(t, db, "select", jobs.Params{"columns": strings.Join(names, ",")}, file, chunk)
		if msg := compare(got, gerr, want, werr, true); msg != "" {
			t.Errorf("select --columns %s at chunk size %d: %s", strings.Join(names, ","), chunk, msg)
		}
		want, werr = duckResult(db, fmt.Sprintf(`SELECT k AS %s, sum(a)::VARCHAR AS s, count(a) AS c FROM (
			SELECT %s AS k, TRY_CAST(%s AS DECIMAL(38,6)) AS a FROM %s) WHERE a IS NOT NULL GROUP BY k`, k, k, n, text))
		got, gerr = ours(t, db, "groupby", jobs.Params{"key": s.key, "agg": "sum:" + s.num + ",count:" + s.num}, file, chunk)
		if gerr == nil && len(got.names) == len(want.names) {
			got.names = want.names // the job names its columns key, sum_num, count_num
		}
		if msg := compare(got, gerr, want, werr, false); msg != "" {
			t.Errorf("groupby --key %s --agg sum:%s,count:%s at chunk size %d: %s", s.key, s.num, s.num, chunk, msg)
		}
	}
}

// quoteName is a column name as a query writes it: in double quotes.
func quoteName(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// duckNames is the names of the columns of DuckDB's answer to q.
func duckNames(t *testing.T, db *gosql.DB, q string) []string {
	t.Helper()
	r, err := duckResult(db, q)
	if err != nil {
		t.Fatal(err)
	}
	return r.names
}

// answer is a query's answer: column names and rows of text ("" for NULL).
type answer struct {
	names []string
	rows  [][]string
}

// duckResult is DuckDB's answer to q, values as text (as database/sql
// converts them: a DOUBLE shortest, a BOOLEAN true or false), NULL as "".
func duckResult(db *gosql.DB, q string) (answer, error) {
	rs, err := db.Query(q)
	if err != nil {
		return answer{}, err
	}
	defer rs.Close()
	var a answer
	if a.names, err = rs.Columns(); err != nil {
		return answer{}, err
	}
	vals := make([]gosql.NullString, len(a.names))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return answer{}, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = v.String
		}
		a.rows = append(a.rows, row)
	}
	return a, rs.Err()
}

// ours runs a job over file at chunk size chunk and reads its output: the
// header's names, and the rows as DuckDB's read_csv decodes them (a quoted
// "\r\n" kept).
func ours(t *testing.T, db *gosql.DB, job string, params jobs.Params, file string, chunk int64) (answer, error) {
	t.Helper()
	local, dir := enginetest.Open(t, engine.Options{})
	out := filepath.Join(dir, "out.csv")
	eng := &engine.Engine{Handler: local.Handler, MaxParallel: 4, NoBackups: true}
	if _, err := eng.Run(t.Context(), pipeline.PlanInput{Job: job, Params: params, Inputs: []string{file}, Output: out, ChunkSize: chunk}); err != nil {
		return answer{}, err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return answer{}, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		return answer{}, fmt.Errorf("output %q is not CSV with a header: %v", b, err)
	}
	a := answer{names: recs[0]}
	if len(recs) > 1 {
		a.rows = duck(t, db, fmt.Sprintf("SELECT * FROM read_csv('%s', header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')", out))
	}
	if len(recs[0]) == 1 && len(a.rows) < len(recs)-1 {
		a.rows = nil // one column: a NULL is an empty line, which read_csv skips
		for _, rec := range recs[1:] {
			a.rows = append(a.rows, rec)
		}
	}
	return a, nil
}

// compare returns how our answer (or refusal) differs from DuckDB's, ""
// when it does not: the same names, the same rows (in order when ordered;
// numbers as numbers), or both refused.
func compare(got answer, gerr error, want answer, werr error, ordered bool) string {
	switch {
	case gerr != nil && werr != nil:
		return ""
	case gerr != nil:
		return fmt.Sprintf("we refuse (%v), DuckDB answers %d rows", gerr, len(want.rows))
	case werr != nil:
		return fmt.Sprintf("DuckDB refuses (%v), we answer %d rows", werr, len(got.rows))
	case !slices.Equal(got.names, want.names):
		return fmt.Sprintf("columns %q, DuckDB %q", got.names, want.names)
	case len(got.rows) != len(want.rows):
		return fmt.Sprintf("%d rows, DuckDB %d: %.300q, DuckDB %.300q", len(got.rows), len(want.rows), got.rows, want.rows)
	}
	if !ordered {
		sortText(got.rows)
		sortText(want.rows)
	}
	for i := range got.rows {
		for j := range got.rows[i] {
			if !sameValue(got.rows[i][j], want.rows[i][j]) {
				return fmt.Sprintf("row %d column %s: %.200q, DuckDB %.200q", i, want.names[j], got.rows[i][j], want.rows[i][j])
			}
		}
	}
	return ""
}

// sameValue compares two values: numbers as numbers (a relative difference
// of 1e-9 allowed: DuckDB sums doubles in floating point), else as text.
func sameValue(a, b string) bool {
	if a == b || sameNumber(a, b) {
		return true
	}
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	return errA == nil && errB == nil && math.Abs(x-y) <= 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}

// sortText sorts rows by their cells' text.
func sortText(rows [][]string) {
	slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
}

// TestEmptyCSVAsDuckDB: over an empty CSV file, which DuckDB reads as one
// column, column0, of no rows, queries and jobs give DuckDB's answers, and
// those naming another column are refused as DuckDB refuses them, with an
// error naming the file (checkShape runs the shapes' own queries).
func TestEmptyCSVAsDuckDB(t *testing.T) {
	db := openDuck(t)
	file := writeFiles(t, map[string][]byte{"empty.csv": nil})["empty.csv"]
	for _, q := range []string{
		"SELECT * FROM 'F'",
		"SELECT *, column0 AS y FROM 'F' LIMIT 3",
		"SELECT column0, count(*) AS n FROM 'F' GROUP BY column0",
		"SELECT count(*) AS n, max(column0) AS m FROM 'F'",
		"SELECT x FROM 'F'",
		"SELECT * FROM 'F' WHERE x > 1",
	} {
		q = strings.ReplaceAll(q, "'F'", "'"+file+"'")
		want, werr := duckResult(db, q)
		got, gerr := ours(t, db, "sql", jobs.Params{"query": q}, file, 1<<20)
		if msg := compare(got, gerr, want, werr, true); msg != "" {
			t.Errorf("sql %q: %s", q, msg)
		}
		if gerr != nil && !strings.Contains(gerr.Error(), file) {
			t.Errorf("sql %q: the error does not name the file: %v", q, gerr)
		}
	}
	jobsRun := []struct {
		job    string
		params jobs.Params
		duck   string
	}{
		{"select", jobs.Params{"columns": "column0"}, "SELECT column0 FROM {F}"},
		{"select", jobs.Params{"columns": "x"}, "SELECT x FROM {F}"},
		{"groupby", jobs.Params{"key": "column0", "agg": "count:column0"}, "SELECT column0, count(column0) FROM {F} GROUP BY column0"},
		{"groupby", jobs.Params{"key": "column0", "agg": "sum:x"}, "SELECT column0, sum(x) FROM {F} GROUP BY column0"},
		{"groupby", jobs.Params{"key": "x", "agg": "count:column0"}, "SELECT x, count(column0) FROM {F} GROUP BY x"},
	}
	for _, r := range jobsRun {
		want, werr := duckResult(db, strings.ReplaceAll(r.duck, "{F}", "read_csv('"+file+"', all_varchar = true)"))
		got, gerr := ours(t, db, r.job, r.params, file, 1<<20)
		if gerr == nil && len(got.names) == len(want.names) {
			got.names = want.names // the job names its columns key, count_column0
		}
		if msg := compare(got, gerr, want, werr, true); msg != "" {
			t.Errorf("%s %v: %s", r.job, r.params, msg)
		}
		if gerr != nil && !strings.Contains(gerr.Error(), file) {
			t.Errorf("%s %v: the error does not name the file: %v", r.job, r.params, gerr)
		}
	}
}
