package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/sql"
)

// sqlQueries cover every plan kind over the property tests' CSV and JSON
// Lines inputs (columns k, n, m, s and x"y, with malformed records).
var sqlQueries = []string{
	`SELECT k, n, s FROM 'x'`,
	`SELECT * FROM 'x' WHERE n > 5`,
	`SELECT k, n * 2 AS d FROM 'x' WHERE s LIKE '%b%' OR n IS NULL`,
	`SELECT k, s FROM 'x' WHERE k <> 'a' LIMIT 7`,
	`SELECT k, n FROM 'x' ORDER BY n DESC, k`,
	`SELECT k, m FROM 'x' ORDER BY m NULLS FIRST LIMIT 5`,
	`SELECT k, count(*), sum(n), min(m), max(s), avg(n), count(DISTINCT s) FROM 'x' GROUP BY k`,
	`SELECT count(*), sum(m), min(k) FROM 'x' WHERE n < 100`,
	`SELECT DISTINCT s FROM 'x'`,
	`SELECT upper(k) AS u, count(*) AS c FROM 'x' GROUP BY u HAVING count(*) > 1 ORDER BY c DESC, u LIMIT 3`,
	`SELECT k, sum(n) AS s, count(*) AS c FROM 'x' GROUP BY k ORDER BY s DESC NULLS FIRST, c`,
	`SELECT substr(s, 1, 1) AS p, sum(CAST(n AS DOUBLE)) AS f FROM 'x' GROUP BY p`,
}

// runWhole runs a job as one chunk per input.
func runWhole(job string, p jobs.Params, inputs []reference.Input) ([]byte, error) {
	j, err := jobs.New(job, p)
	if err != nil {
		return nil, err
	}
	m := feeder(nil, j, p)
	for ord, in := range inputs {
		if err := m.Object(jobs.Part{Source: in.Source, Ordinal: ord}, in.Data); err != nil {
			return nil, err
		}
	}
	var partial, out bytes.Buffer
	if _, err := m.Finish(&partial); err != nil {
		return nil, err
	}
	if _, err := j.Output(&out, readers([][]byte{partial.Bytes()})); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// TestSQLIndependentOfChunking: whatever the chunking, the merge tree and
// the spills, the sql job's output is the one-chunk output, byte for byte.
func TestSQLIndependentOfChunking(t *testing.T) {
	for qi, q := range sqlQueries {
		for _, gen := range []struct {
			name string
			f    func(*rand.Rand) []reference.Input
		}{{"csv", genCSV}, {"jsonl", genJSONL}} {
			t.Run(gen.name+"/"+q, func(t *testing.T) {
				spill := jobs.SpillEveryOther(t)
				for iter := 0; iter < 10; iter++ {
					spill(iter)
					r := rand.New(rand.NewPCG(uint64(qi), uint64(iter)))
					inputs := gen.f(r)
					if strings.Contains(q, "*") {
						if gen.name == "jsonl" {
							continue // * takes each object's first line's members: the generated lines differ
						}
						inputs = inputs[:1] // the generated CSV files order their columns differently
					}
					p := jobs.Params{"query": q}
					want, err := runWhole("sql", p, inputs)
					if err != nil {
						t.Fatalf("iter %d: one chunk: %v", iter, err)
					}
					got, _, err := runChunked(r, "sql", p, inputs)
					if err != nil {
						t.Fatalf("iter %d: %v", iter, err)
					}
					if !bytes.Equal(got, want) {
						t.Fatalf("iter %d: output differs\n got: %q\nwant: %q\ninputs: %q", iter, got, want, inputs)
					}
				}
			})
		}
	}
}

func TestSQLOutputs(t *testing.T) {
	csv := in("t.csv", "id,name,amount,day\n1,\"Smith, J\",10.50,2020-01-02\n2,Lee,,2021-05-06\n3,,-3,\n4,lee,7.25,2020-12-31\n")
	cases := []struct {
		name, query, schema, want string
	}{
		{"scan", `SELECT name, amount FROM 't.csv' WHERE amount > 5`, "", "name,amount\n\"Smith, J\",10.50\nlee,7.25\n"},
		{"null is empty, empty string quoted", `SELECT id, name, trim(name) = '' AS e FROM 't.csv' WHERE id >= 3`, "", "id,name,e\n3,,\n4,lee,false\n"},
		{"order nulls last", `SELECT id FROM 't.csv' ORDER BY amount DESC`, "", "id\n1\n4\n3\n2\n"},
		{"aggregate in key order", `SELECT lower(name) AS n, count(*) AS c, sum(amount) AS s FROM 't.csv' GROUP BY n`, "",
			"n,c,s\nlee,2,7.25\n\"smith, j\",1,10.50\n,1,-3\n"},
		{"typed decimal", `SELECT sum(amount) AS s, avg(amount) AS a FROM 't.csv'`, "amount:DECIMAL(10,3)", "s,a\n14.750,4.916666666666667\n"},
		{"dates", `SELECT day + 1 AS next, day - DATE '2020-01-01' AS since FROM 't.csv' WHERE day < DATE '2021-01-01'`, "day:DATE",
			"next,since\n2020-01-03,1\n2021-01-01,365\n"},
		{"global over nothing", `SELECT count(*) AS c, sum(amount) AS s FROM 't.csv' WHERE id > 9`, "", "c,s\n0,\n"},
		{"double", `SELECT CAST(amount AS DOUBLE) * 2 AS d FROM 't.csv' WHERE id = 1`, "", "d\n21.0\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := jobs.Params{"query": c.query}
			if c.schema != "" {
				p["schema"] = c.schema
			}
			got, err := runWhole("sql", p, []reference.Input{csv})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("output\n got: %q\nwant: %q", got, c.want)
			}
		})
	}
}

// TestSQLValueErrors: a value that is not of its column's type is a
// malformed record: skipped and counted, or under strict a RecordError
// naming the column and the value.
func TestSQLValueErrors(t *testing.T) {
	data := in("t.csv", "id,qty\n1,5\n2,x7\n3,9\n")
	p := jobs.Params{"query": `SELECT sum(qty) AS s FROM 't.csv'`, "schema": "qty:BIGINT"}
	st := mapperStats(t, p, data)
	if st.Skipped != 1 || st.SkipReason["sql: column qty is not a BIGINT"] != 1 {
		t.Fatalf("skipped %d %v, want 1 under %q", st.Skipped, st.SkipReason, "sql: column qty is not a BIGINT")
	}
	p["strict"] = "true"
	_, err := runWhole("sql", p, []reference.Input{data})
	var re *jobs.RecordError
	if !errors.As(err, &re) || re.Offset != 11 || !strings.Contains(re.Reason, `column qty: "x7" is not a BIGINT`) {
		t.Fatalf("strict: %v, want a RecordError at byte 11 naming qty and \"x7\"", err)
	}
}

// mapperStats runs one sql mapper over data (one object) and returns its stats.
func mapperStats(t *testing.T, p jobs.Params, data reference.Input) jobs.Stats {
	t.Helper()
	return jobStats(t, "sql", p, data)
}

// TestSQLTypeErrorsNameColumnAndValue: a type error names the column and
// the value: a literal that is not of its column's type before anything
// runs (with its position); a value that is not, per record: skipped and
// counted under the column and the type, the first such record kept as the
// reason's example naming the object, the byte offset, the column and the
// value; or under strict a RecordError naming the same.
func TestSQLTypeErrorsNameColumnAndValue(t *testing.T) {
	data := in("t.csv", "id,city,amount\n1,Paris,10.5\n2,Rome,x7\n3,,4\n")
	cases := []struct {
		query, schema string
		skipped       int64
		reason        string // the skip reason (default mode)
		offset        int64  // the first bad record's (strict)
		strict        string // in the strict error's reason
	}{
		{"SELECT sum(city) FROM 't.csv'", "", 2, "sql: column city is not a number", 15, `column city: "Paris" is not a number`},
		{"SELECT id, city + 1 FROM 't.csv'", "", 2, "sql: column city is not a number", 15, `column city: "Paris" is not a number`},
		{"SELECT CAST(city AS BIGINT) FROM 't.csv'", "city:VARCHAR", 2, "sql: column city is not a BIGINT", 15, `column city: "Paris" is not a BIGINT`},
		{"SELECT id FROM 't.csv' WHERE amount > 5", "amount:DECIMAL(10,2)", 1, "sql: column amount is not a DECIMAL(10,2)", 28, `column amount: "x7" is not a DECIMAL(10,2)`},
		{"SELECT avg(amount) FROM 't.csv' WHERE id > 0", "amount:DOUBLE", 1, "sql: column amount is not a DOUBLE", 28, `column amount: "x7" is not a DOUBLE`},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			p := jobs.Params{"query": c.query, "schema": c.schema}
			st := mapperStats(t, p, data)
			if st.Skipped != c.skipped || st.SkipReason[c.reason] != c.skipped {
				t.Fatalf("skipped %d %v, want %d under %q", st.Skipped, st.SkipReason, c.skipped, c.reason)
			}
			if want := fmt.Sprintf("t.csv at byte %d: sql: %s", c.offset, c.strict); st.SkipExamples[c.reason] != want || len(st.SkipExamples) != 1 {
				t.Fatalf("skip examples %q, want %q under %q", st.SkipExamples, want, c.reason)
			}
			p["strict"] = "true"
			_, err := runWhole("sql", p, []reference.Input{data})
			var re *jobs.RecordError
			if !errors.As(err, &re) || re.Source != "t.csv" || re.Offset != c.offset || !strings.Contains(re.Reason, c.strict) {
				t.Fatalf("strict: %v, want a RecordError in t.csv at byte %d with %s", err, c.offset, c.strict)
			}
		})
	}
	// A literal that cannot be of its column's type: refused before
	// anything runs, with its position, the column and the value.
	_, err := jobs.New("sql", jobs.Params{"query": "SELECT id FROM 't.csv' WHERE amount > 'x'", "schema": "amount:DECIMAL(10,2)"})
	if !errors.Is(err, sql.ErrType) || !strings.Contains(err.Error(), `at column 39: 'x' compared with column amount (DECIMAL(10,2)): "x" is not a DECIMAL(10,2)`) {
		t.Fatalf("amount > 'x': %v, want a type error naming the column and the value at column 39", err)
	}
}

func TestSQLNewErrors(t *testing.T) {
	cases := []struct {
		name, query string
		kind        error
		want        string
	}{
		{"syntax", `SELECT FROM 'x'`, sql.ErrSyntax, "column 8"},
		{"join", `SELECT * FROM 'a' JOIN 'b' ON true`, sql.ErrUnsupported, "joins (JOIN)"},
		{"type", `SELECT sum(name) FROM 'x'`, sql.ErrType, "sum takes a number"},
		{"group", `SELECT name, count(*) FROM 'x' GROUP BY id`, sql.ErrName, `column "name" must appear in the GROUP BY`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := jobs.Params{"query": c.query}
			if c.name == "type" {
				p["schema"] = "name:VARCHAR"
			}
			_, err := jobs.New("sql", p)
			if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %v containing %q", err, c.kind, c.want)
			}
		})
	}
}

// TestSelectWhereExpressions: --where takes the sql job's expressions, and
// the historical 'COL OP VALUE' keeps its meaning.
func TestSelectWhereExpressions(t *testing.T) {
	data := []reference.Input{in("t.csv", "id,name,amount\n1,Ann,10.50\n2,Bob,\n3,ann,-2\n4,Cid,100\n")}
	cases := []struct{ where, want string }{
		{"amount > 5 AND name <> 'Cid'", "id\n1\n"},
		{"amount BETWEEN -5 AND 20 OR name IN ('Bob')", "id\n1\n2\n3\n"},
		{"lower(name) LIKE 'a%'", "id\n1\n3\n"},
		{"amount IS NULL", "id\n2\n"},
		{"NOT (amount < 50)", "id\n4\n"},
		{"name == Bob", "id\n2\n"},          // a bare word is a value, as before
		{`name == "ann"`, "id\n3\n"},        // so is a double-quoted one
		{"amount != 10.5", "id\n2\n3\n4\n"}, // and an empty field is compared as text
	}
	for _, c := range cases {
		t.Run(c.where, func(t *testing.T) {
			j, err := jobs.New("select", jobs.Params{"where": c.where, "columns": "id"})
			if err != nil {
				t.Fatal(err)
			}
			_ = j
			got, err := runWhole("select", jobs.Params{"where": c.where, "columns": "id"}, data)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
	if _, err := jobs.New("select", jobs.Params{"where": "amount > 1 AND", "columns": "id"}); !errors.Is(err, sql.ErrSyntax) {
		t.Fatalf("a broken expression: %v, want a syntax error", err)
	}
}

// TestSkipExamples: the first record skipped under each reason is its
// example, naming the object and the byte offset (and, for a value that is
// not of its column's type, the column and the value), across objects and
// merged stats: a malformed CSV row, and select's --where over a typed
// column.
func TestSkipExamples(t *testing.T) {
	p := jobs.Params{"where": "amount > 5", "schema": "amount:DECIMAL(10,2)", "columns": "id"}
	j, err := jobs.New("select", p)
	if err != nil {
		t.Fatal(err)
	}
	m := feeder(t, j, p)
	for _, in := range []reference.Input{
		in("a.csv", "id,amount\n1,10\n2,x7\n3,4,5\n"),
		in("b.csv", "id,amount\n4,y\n5\n"),
	} {
		if err := m.Object(jobs.Part{Source: in.Source}, in.Data); err != nil {
			t.Fatal(err)
		}
	}
	st, err := m.Finish(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var sum jobs.Stats
	sum.Add(st)
	sum.Add(jobs.Stats{Skipped: 1, SkipReason: map[string]int64{"csv: field count": 1}, SkipExamples: map[string]string{"csv: field count": "z.csv at byte 1"}})
	want := map[string]string{
		"sql: column amount is not a DECIMAL(10,2)": `a.csv at byte 15: sql: column amount: "x7" is not a DECIMAL(10,2)`,
		"csv: field count":                          "a.csv at byte 20",
	}
	if sum.Skipped != 5 || len(sum.SkipExamples) != len(want) {
		t.Fatalf("skipped %d %v, examples %q; want 5 skipped, examples %q", sum.Skipped, sum.SkipReason, sum.SkipExamples, want)
	}
	for reason, ex := range want {
		if sum.SkipExamples[reason] != ex {
			t.Errorf("example of %q: %q, want %q", reason, sum.SkipExamples[reason], ex)
		}
	}
}

// TestSQLPlainProjection: a select list of plain columns, which the mapper
// copies from the record's CSV fields, writes what the program writes for
// the same texts (substr of the whole text, computed): quoted fields
// unquoted when they need no quotes, doubled quotes kept, an empty quoted
// field NULL, a CR inside a field quoted; with and without ORDER BY.
func TestSQLPlainProjection(t *testing.T) {
	csv := in("t.csv", "id,a,b\n1,plain,\"quoted\"\n2,\"x,y\",\"a\"\"b\"\n3,,\"\"\n4,c\rr,Ünï\n5,\"line\nbreak\",z\n")
	for _, tail := range []string{"", " WHERE id > 1", " ORDER BY b DESC, id", " ORDER BY a LIMIT 3"} {
		plain, err := runWhole("sql", jobs.Params{"query": "SELECT id, a, b FROM 't.csv'" + tail}, []reference.Input{csv})
		if err != nil {
			t.Fatal(err)
		}
		computed, err := runWhole("sql", jobs.Params{"query": "SELECT id, substr(a, 1, 1000) AS a, substr(b, 1, 1000) AS b FROM 't.csv'" + tail}, []reference.Input{csv})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(plain, computed) || bytes.Count(plain, []byte("\n")) < 4 {
			t.Fatalf("%q: plain columns\n%q\ncomputed\n%q", tail, plain, computed)
		}
	}
}

// TestSQLFieldAggregate: an aggregate the mapper feeds from the record's
// fields (sql.Program.FieldAggregate) gives the output and the skipped
// records of the same query through the program's row, which a WHERE the
// program evaluates (true of every record) forces.
func TestSQLFieldAggregate(t *testing.T) {
	const always = `(length(k) >= 0 OR k IS NULL)`
	queries := []struct{ field, row string }{
		{`SELECT substr(k, 1, 2) AS p, sum(n), count(m), count(*), avg(n) FROM 'x' GROUP BY p`,
			`SELECT substr(k, 1, 2) AS p, sum(n), count(m), count(*), avg(n) FROM 'x' WHERE ` + always + ` GROUP BY p`},
		{`SELECT DISTINCT substr(s, 1, 2) AS p FROM 'x'`,
			`SELECT DISTINCT substr(s, 1, 2) AS p FROM 'x' WHERE ` + always},
		{`SELECT substr(k, 1, 1) AS p, count(*) FROM 'x' GROUP BY p`,
			`SELECT substr(k, 1, 1) AS p, count(*) FROM 'x' WHERE ` + always + ` GROUP BY p`},
		{`SELECT substr(s, 1, 1) AS p, sum(m) FROM 'x' WHERE s LIKE '%b%' GROUP BY p`,
			`SELECT substr(s, 1, 1) AS p, sum(m) FROM 'x' WHERE s LIKE '%b%' AND ` + always + ` GROUP BY p`},
	}
	for qi, q := range queries {
		for _, gen := range []struct {
			name string
			f    func(*rand.Rand) []reference.Input
		}{{"csv", genCSV}, {"jsonl", genJSONL}} {
			for iter := 0; iter < 20; iter++ {
				r := rand.New(rand.NewPCG(uint64(qi), uint64(iter)))
				inputs := gen.f(r)
				want, err := runWhole("sql", jobs.Params{"query": q.row}, inputs)
				if err != nil {
					t.Fatalf("%s %d: %s: %v", gen.name, iter, q.row, err)
				}
				got, err := runWhole("sql", jobs.Params{"query": q.field}, inputs)
				if err != nil {
					t.Fatalf("%s %d: %s: %v", gen.name, iter, q.field, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s %d: %s\n got: %q\nwant: %q\ninputs: %q", gen.name, iter, q.field, got, want, inputs)
				}
				fs, rs := mapperStats(t, jobs.Params{"query": q.field}, inputs[0]), mapperStats(t, jobs.Params{"query": q.row}, inputs[0])
				if fs.Skipped != rs.Skipped || fmt.Sprint(fs.SkipReason) != fmt.Sprint(rs.SkipReason) {
					t.Fatalf("%s %d: %s: skipped %d %v, want %d %v", gen.name, iter, q.field, fs.Skipped, fs.SkipReason, rs.Skipped, rs.SkipReason)
				}
			}
		}
		// Parquet: NULL is a null, not an empty field, and a text may be
		// empty and not NULL.
		for iter := 0; iter < 20; iter++ {
			paths := genParquet(t, rand.New(rand.NewPCG(uint64(qi), uint64(iter))))
			want, ws := runParquet(t, jobs.Params{"query": q.row}, paths)
			got, gs := runParquet(t, jobs.Params{"query": q.field}, paths)
			if !bytes.Equal(got, want) {
				t.Fatalf("parquet %d: %s\n got: %q\nwant: %q", iter, q.field, got, want)
			}
			if gs.Skipped != ws.Skipped || fmt.Sprint(gs.SkipReason) != fmt.Sprint(ws.SkipReason) {
				t.Fatalf("parquet %d: %s: skipped %d %v, want %d %v", iter, q.field, gs.Skipped, gs.SkipReason, ws.Skipped, ws.SkipReason)
			}
		}
	}
}

// sqlPQRow is a row of genParquet's files: the columns of genCSV's, every
// one with nulls, k dictionary-encoded.
type sqlPQRow struct {
	K *string `parquet:"k,optional,dict"`
	N *string `parquet:"n,optional"`
	M *string `parquet:"m,optional"`
	S *string `parquet:"s,optional"`
}

// genParquet writes one to three Parquet files of up to 60 random rows
// (row groups of up to 16) in a temporary directory, with genCSV's values:
// numbers in n and m (and some texts that are not), keys, empty texts and
// NULLs; it returns their paths.
func genParquet(t *testing.T, r *rand.Rand) []string {
	value := func(numeric bool) *string {
		var v string
		switch {
		case r.IntN(8) == 0:
			return nil
		case numeric && r.IntN(15) > 0:
			v = number(r)
		case r.IntN(6) == 0:
			v = "12"
		default:
			v = keys[r.IntN(len(keys))] // "" among them
		}
		return &v
	}
	dir := t.TempDir()
	var paths []string
	for i := r.IntN(3); i >= 0; i-- {
		rows := make([]sqlPQRow, r.IntN(60))
		for j := range rows {
			rows[j] = sqlPQRow{K: value(false), N: value(true), M: value(true), S: value(false)}
		}
		path := filepath.Join(dir, fmt.Sprintf("t%d.parquet", len(paths)))
		pqtest.WriteGo(t, path, [][]sqlPQRow{rows}, parquet.MaxRowsPerRowGroup(16))
		paths = append(paths, path)
	}
	return paths
}

// runParquet runs the sql job with p over the Parquet files at paths, one
// mapper (a Part each) and the one reducer: its output and the mapper's
// stats.
func runParquet(t *testing.T, p jobs.Params, paths []string) ([]byte, jobs.Stats) {
	t.Helper()
	j, err := jobs.New("sql", p)
	if err != nil {
		t.Fatal(err)
	}
	m := feeder(t, j, p)
	for ord, path := range paths {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		span := pq.Span{Source: path, URL: path, Size: fi.Size(), End: fi.Size()}
		if _, err := m.Parquet(context.Background(), blob.NewMux(nil), span, ord, nil); err != nil {
			t.Fatalf("%s: %s: %v", p["query"], path, err)
		}
	}
	var partial, out bytes.Buffer
	st, err := m.Finish(&partial)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Output(&out, readers([][]byte{partial.Bytes()})); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), st
}

// TestSQLBatchedMinMax: min and max of untyped columns, which the mapper
// folds a batch of records at a time (sql.Program.CanDefer: from the
// fields, FieldAggregate, or from the program's row), give the output of
// the same aggregates folded one record at a time (a count(DISTINCT) in the
// query makes every fold need the record), in one chunk or several:
// numbers and texts mixed, NULLs, equal numbers written differently (the
// first stays), a NULL group, records enough for many batches.
func TestSQLBatchedMinMax(t *testing.T) {
	queries := []string{
		`SELECT substr(k, 1, 1) AS p, min(n) AS a, max(n) AS b, min(s) AS c, max(s) AS d, count(*) AS e FROM 'x' GROUP BY p`,
		`SELECT upper(k) AS p, max(s) AS a, min(n) AS b, sum(m) AS c, max(n) AS d FROM 'x' GROUP BY p`,
		`SELECT min(n) AS a, max(s) AS b, max(n) AS c FROM 'x'`,
	}
	nums := []string{"", "1", "1.0", "1.00", "-3", "-3.000", "10", "9.5", "abc", "zz", "1e3", "0.001", "-0", "12345678901234567890"}
	texts := []string{"", "b", "ab", "abc", "z", "a", "B", "10", "9"}
	keys := []string{"", "a1", "a2", "b", "c", "dd"}
	for qi, q := range queries {
		ref := strings.Replace(q, " FROM", ", count(DISTINCT m) AS zz FROM", 1)
		for _, text := range []string{q, ref} {
			p, err := sql.Compile(text, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.NewProgram().CanDefer() != (text == q) {
				t.Fatalf("%s: CanDefer %v: the query is to be batched, its reference not", text, text != q)
			}
		}
		for iter := 0; iter < 6; iter++ {
			r := rand.New(rand.NewPCG(uint64(qi), uint64(iter)))
			var inputs []reference.Input
			for f := 0; f < 3; f++ {
				lines := []string{"k,n,m,s"}
				for i := r.IntN(400); i > 0; i-- {
					lines = append(lines, keys[r.IntN(len(keys))]+","+nums[r.IntN(len(nums))]+","+fmt.Sprint(r.IntN(9))+","+texts[r.IntN(len(texts))])
				}
				inputs = append(inputs, reference.Input{Source: fmt.Sprintf("f%d.csv", f), Data: []byte(strings.Join(lines, "\n") + "\n")})
			}
			out, err := runWhole("sql", jobs.Params{"query": ref}, inputs)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			for _, line := range strings.SplitAfter(string(out), "\n") {
				if line != "" {
					i := strings.LastIndexByte(line, ',')
					want.WriteString(line[:i] + "\n")
				}
			}
			got, err := runWhole("sql", jobs.Params{"query": q}, inputs)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("%d: %s\n got: %q\nwant: %q", iter, q, got, want.Bytes())
			}
			got, _, err = runChunked(r, "sql", jobs.Params{"query": q}, inputs)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("%d: chunked: %s\n got: %q\nwant: %q", iter, q, got, want.Bytes())
			}
		}
	}
}
