package csvcheck

import (
	"bytes"
	"cmp"
	gosql "database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"iter"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// allShapes checks the shapes with a known difference from DuckDB against
// DuckDB's own answers too (go test -run TestShapesAsDuckDB -args
// -shapes.all), to see how each differs now.
var allShapes = flag.Bool("shapes.all", false, "check the shapes with a known difference against DuckDB's answers too")

// shape is one awkward CSV file as exports write it, which DuckDB's
// read_csv reads with no options, and the columns the checks use (as
// DuckDB names them): key is grouped by, num counted, its min and max
// taken.
type shape struct {
	name     string
	data     string
	key, num string
	// known is how our answers differ from DuckDB's today, asserted as
	// they are so that any change of behaviour fails; nil: the shape
	// agrees with DuckDB. A change that makes a shape agree deletes its
	// known (and the difference from docs/jobs.md).
	known *known
}

// known is a shape's documented difference from DuckDB (docs/jobs.md, "CSV
// as DuckDB reads it: awkward files") and what we answer instead.
type known struct {
	why string
	// duck holds read_csv options with which DuckDB reads the file as we
	// do ("header = true"): each check compares with DuckDB's answer so
	// read. "": read_csv's detection.
	duck string
	// key and num name the shape's columns as we read them, when that is
	// not as DuckDB does ("" when it is).
	key, num string
	// answers are our answers to the checks (by checkShape's names) that
	// no read_csv option reproduces, in place of DuckDB's.
	answers map[string][][]string
	// refused is a text of the error with which we refuse the file at
	// planning, for every check.
	refused string
	// skipped counts the records each job skips as unreadable CSV, by
	// reason (none where nil).
	skipped map[string]int64
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

// mysqlRows writes n rows as MySQL's SELECT ... INTO OUTFILE writes them
// with FIELDS ENCLOSED BY '"' (ESCAPED BY '\\', its default): a quote,
// a backslash and a newline inside a field escaped by a backslash (the
// newline kept after it), beside a quoted newline and plain fields, the
// rows of varying length so that chunk boundaries fall everywhere in them.
func mysqlRows(n int) string {
	var b strings.Builder
	b.WriteString("id,city,note,amount\n")
	cities := []string{`"Say \"hi\", Oslo"`, `"C:\\dir\\"`, "Rome", `"Lima\` + "\n" + `Peru"`, `"a` + "\n" + `b"`}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d,%s,\"%s\\\"%d\\\\\",%d.%d\n", i, cities[i%len(cities)], strings.Repeat("x", i%9), i, i%5, i%3)
	}
	return b.String()
}

// singleRows writes n rows whose fields are quoted with ', a ' inside one
// escaped by esc (' doubled, or a backslash), delimiters and newlines in
// them.
func singleRows(n int, esc string) string {
	var b strings.Builder
	b.WriteString("id,city,note,amount\n")
	cities := []string{"'it" + esc + "'s, Oslo'", "Rome", "'Lima\nPeru'", "'a,b'"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d,%s,'%s %s',%d.%d\n", i, cities[i%len(cities)], strings.Repeat("y", i%7), esc+"'", i%5, i%3)
	}
	return b.String()
}

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
		{name: "no-header.csv", data: rows, key: "column1", num: "column2"},
		{name: "backslash-escape.csv", data: "id,city,amount\n" + strings.Repeat("1,\"Say \\\"hi\\\", Oslo\",7\n2,Rome,8\n", 20), key: "city", num: "amount"},
		{name: "single-quote.csv", data: "id,city,amount\n" + strings.Repeat("1,'Oslo, NO',7\n2,Rome,8\n", 20), key: "city", num: "amount"},
		{name: "mysql-outfile.csv", data: mysqlRows(60), key: "city", num: "amount"},
		{name: "single-quote-escapes.csv", data: singleRows(60, "'"), key: "city", num: "amount"},
		{name: "single-quote-backslash.csv", data: singleRows(60, "\\"), key: "city", num: "amount"},
		{name: "null-ish.csv", data: "id,city,amount\n" + strings.Repeat("1,Oslo,7\n2,,8\n3,NULL,\n4,NA,NA\n5,Rome,NULL\n", 10), key: "city", num: "amount"},
		{name: "long-field.csv", data: "id,city,note\n1,Oslo,\"" + longField + ",\n\"\n2,Rome,x\n" + rowsOf(20, ",", "\n"), key: "city", num: "id"},
		{name: "crlf-bom-quoted-crlf.csv", data: "\ufeffid,city,amount\r\n" + strings.Repeat("1,\"Oslo\r\nNO\",7\r\n2,Rome,8\r\n", 20), key: "city", num: "amount"},
		{name: "spaces-only.csv", data: "id,city,amount\n" + strings.Repeat("1,   ,7\n2,Rome,  \n3, ,8\n", 15), key: "city", num: "amount"},
		{name: "unicode-names.csv", data: "ид,Stadt_ä,金额\n" + rows, key: "Stadt_ä", num: "金额"},
		{name: "spaced-header.csv", data: " id , city ,amount \n" + rows, key: "city", num: "amount"},
		{name: "quoted-header.csv", data: "\"id\",\"city name\",\"amount\"\n" + rows, key: "city name", num: "amount"},
		{name: "thousands.csv", data: "id,city,amount\n" + strings.Repeat("1,Oslo,\"1,234\"\n2,Rome,\"12,345.50\"\n3,Lima,999\n", 15), key: "city", num: "amount"},
		{name: "mixed-booleans.csv", data: "id,city,flag\n" + strings.Repeat("1,Oslo,True\n2,Rome,FALSE\n3,Lima,true\n4,Oslo,false\n", 12), key: "flag", num: "id"},
	}
}

// TestShapesAsDuckDB: each awkward file of shapes gives, at chunk sizes
// 1 MiB, 97 (files up to 16 KiB) and 1000, DuckDB's answers (read_csv detecting everything):
// sql's SELECT *, a GROUP BY of the key column counting rows and
// num values, min and max of num (or the same refusal); select's columns
// (the text of every field, as DuckDB's all_varchar reads it); groupby's
// count and sum of num by key (the values DuckDB casts to a number). A
// shape with a known difference gives the answers it gives today (its
// known), and, with -shapes.all, is compared with DuckDB's too.
func TestShapesAsDuckDB(t *testing.T) {
	db := openDuck(t)
	files := map[string][]byte{}
	for _, s := range shapes() {
		files[s.name] = []byte(s.data)
	}
	paths := writeFiles(t, files)
	for _, s := range shapes() {
		t.Run(s.name, func(t *testing.T) {
			checkShape(t, db, s, paths[s.name])
			if s.known != nil && *allShapes {
				s.known = nil
				t.Run("as DuckDB", func(t *testing.T) { checkShape(t, db, s, paths[s.name]) })
			}
		})
	}
}

// shapeCheck is one check of checkShape: a job and its parameters, and
// DuckDB's query for the same answer ({F} the file as DuckDB reads it; a
// sql job's query reads {F} as the file's name).
type shapeCheck struct {
	name    string
	job     string
	params  jobs.Params
	duck    string
	ordered bool
}

// checkShape runs the checks of TestShapesAsDuckDB over one file, and
// compares our answers with DuckDB's, or with those s.known gives.
func checkShape(t *testing.T, db *gosql.DB, s shape, file string) {
	k := s.known
	if k == nil {
		k = &known{}
	}
	src, text := "'"+file+"'", fmt.Sprintf("read_csv('%s', all_varchar = true%s)", file, sniffedHeader(db, file))
	if k.duck != "" {
		src = fmt.Sprintf("read_csv('%s', %s)", file, k.duck)
		text = fmt.Sprintf("read_csv('%s', %s)", file, strings.Join(slices.Compact([]string{"all_varchar = true", k.duck}), ", "))
	}
	key, num := cmp.Or(k.key, s.key), cmp.Or(k.num, s.num)
	names := duckNames(t, db, "SELECT * FROM "+src)
	if !slices.Contains(names, key) || !slices.Contains(names, num) {
		t.Fatalf("DuckDB reads the columns %q, without %q or %q", names, key, num)
	}
	if got := duckNames(t, db, "SELECT * FROM "+text); !slices.Equal(got, names) {
		t.Fatalf("DuckDB reads the columns %q with all_varchar, %q without", got, names)
	}
	kq, nq := quoteName(key), quoteName(num)
	sql := func(q string) jobs.Params { return jobs.Params{"query": strings.ReplaceAll(q, "{F}", "'"+file+"'")} }
	checks := []shapeCheck{
		{"SELECT *", "sql", sql("SELECT * FROM {F}"), "SELECT * FROM {F}", true},
		{"GROUP BY", "sql", sql(fmt.Sprintf("SELECT %s AS k, count(*) AS n, count(%s) AS c FROM {F} GROUP BY %s", kq, nq, kq)),
			fmt.Sprintf("SELECT %s AS k, count(*) AS n, count(%s) AS c FROM {F} GROUP BY %s", kq, nq, kq), false},
		{"min/max", "sql", sql(fmt.Sprintf("SELECT min(%s) AS lo, max(%s) AS hi FROM {F}", nq, nq)), fmt.Sprintf("SELECT min(%s) AS lo, max(%s) AS hi FROM {F}", nq, nq), true},
		{"select", "select", jobs.Params{"columns": strings.Join(names, ",")}, "SELECT * FROM " + text, true},
		{"groupby", "groupby", jobs.Params{"key": key, "agg": "sum:" + num + ",count:" + num}, fmt.Sprintf(`SELECT k AS %s, sum(a)::VARCHAR AS s, count(a) AS c FROM (
			SELECT %s AS k, TRY_CAST(%s AS DECIMAL(38,6)) AS a FROM %s) WHERE a IS NOT NULL GROUP BY k`, kq, kq, nq, text), false},
	}
	chunks := []int64{1 << 20, 97, 1000}
	if len(s.data) > 16<<10 {
		// 97-byte chunks of the long field's 67 KiB are 700 chunks a
		// job, most of this test's time; at 1000 bytes its quoted field
		// still crosses 67 chunk boundaries.
		chunks = []int64{1 << 20, 1000}
	}
	for _, chunk := range chunks {
		for _, c := range checks {
			if msg := checkOne(t, db, c, k, file, src, chunk); msg != "" {
				t.Error(strings.ReplaceAll(fmt.Sprintf("%s %v at chunk size %d: %s", c.job, c.params, chunk, msg), file, "F"))
			}
		}
	}
}

// checkOne runs one check of checkShape at chunk size chunk and returns how
// our answer differs from the one wanted, "" when it does not.
func checkOne(t *testing.T, db *gosql.DB, c shapeCheck, k *known, file, src string, chunk int64) string {
	got, gerr := ours(t, db, c.job, c.params, file, chunk)
	if k.refused != "" {
		if want := "plan: input " + file + ": " + k.refused; gerr == nil || !strings.Contains(gerr.Error(), want) {
			return fmt.Sprintf("answers %d rows (error %v), where we refuse it at planning with %q", len(got.rows), gerr, want)
		}
		return ""
	}
	if skipped := maps.Collect(csvSkips(got.skipped)); gerr == nil && !maps.Equal(skipped, k.skipped) {
		return fmt.Sprintf("skips %v as unreadable CSV, want %v", skipped, k.skipped)
	}
	want, werr := duckResult(db, strings.ReplaceAll(c.duck, "{F}", src))
	if rows, ok := k.answers[c.name]; ok && werr == nil {
		want.rows = rows
	}
	if c.job == "groupby" && gerr == nil && len(got.names) == len(want.names) {
		got.names = want.names // the job names its columns key, sum_num, count_num
	}
	return compare(got, gerr, want, werr, c.ordered)
}

// csvSkips is the skips of reasons as records the CSV reader cannot read
// ("csv: bad quoting"), without a job's own (groupby's non-numeric values,
// which DuckDB's TRY_CAST drops too).
func csvSkips(reasons map[string]int64) iter.Seq2[string, int64] {
	return func(yield func(string, int64) bool) {
		for r, n := range reasons {
			if strings.HasPrefix(r, "csv: ") && !yield(r, n) {
				return
			}
		}
	}
}

// sniffedHeader is DuckDB's read_csv option header = HasHeader of its
// sniff_csv of file (", header = false"), which all_varchar = true, typing
// every column VARCHAR, would otherwise decide otherwise (every first
// record a header); "" when sniff_csv does not sniff the file (empty).
func sniffedHeader(db *gosql.DB, file string) string {
	a, err := duckResult(db, fmt.Sprintf("SELECT HasHeader::VARCHAR FROM sniff_csv('%s')", file))
	if err != nil || len(a.rows) != 1 {
		return ""
	}
	return ", header = " + a.rows[0][0]
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

// answer is a query's answer: column names and rows of text ("" for NULL),
// and, for our answers, the records skipped by reason.
type answer struct {
	names   []string
	rows    [][]string
	skipped map[string]int64
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
	vals := make([]any, len(a.names))
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
			if row[i], err = duckText(v); err != nil {
				return answer{}, err
			}
		}
		a.rows = append(a.rows, row)
	}
	return a, rs.Err()
}

// duckText is a value of DuckDB's answer as text: as database/sql
// converts it to a string, but a DATE (a time.Time at midnight UTC) as
// DuckDB prints it, 2026-01-31; NULL as "".
func duckText(v any) (string, error) {
	if d, ok := v.(time.Time); ok && d.Equal(d.Truncate(24*time.Hour)) && d.Location() == time.UTC {
		return d.Format(time.DateOnly), nil
	}
	var s gosql.NullString
	err := s.Scan(v)
	return s.String, err
}

// ours runs a job over file at chunk size chunk and reads its output: the
// header's names, and the rows as DuckDB's read_csv decodes them (a quoted
// "\r\n" kept).
func ours(t *testing.T, db *gosql.DB, job string, params jobs.Params, file string, chunk int64) (answer, error) {
	t.Helper()
	local, dir := enginetest.Open(t, engine.Options{})
	out := filepath.Join(dir, "out.csv")
	eng := &engine.Engine{Handler: local.Handler, MaxParallel: 4, NoBackups: true}
	res, err := eng.Run(t.Context(), pipeline.PlanInput{Job: job, Params: params, Inputs: []string{file}, Output: out, ChunkSize: chunk})
	if err != nil {
		return answer{}, err
	}
	var sum pipeline.Summary
	if err := json.Unmarshal(testutil.ReadFile(t, res.Gather.Summary), &sum); err != nil {
		t.Fatalf("summary %s: %v", res.Gather.Summary, err)
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
	a := answer{names: recs[0], skipped: sum.SkipReasons}
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
