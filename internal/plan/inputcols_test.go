package plan_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/sql"
)

// TestResolveJobInputColumns: when a query's binding depends on the input's
// columns (a GROUP BY name that is a select alias, a select alias in a plain
// query's ORDER BY expression), ResolveJob gives the sql job those names
// that are columns of the first input (its CSV header, compressed or not,
// or its first JSON object's members); none otherwise.
func TestResolveJobInputColumns(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("id,Country\n1,usa\n"))
	zw.Close()
	writeFiles(t, dir, map[string]string{
		"a.csv":       "id,country\r\n1,usa\n2,USA\n",
		"b.jsonl":     `{"id": 1, "country": "usa"}` + "\n",
		"c.csv":       "id,name\n1,x\n",
		"empty.csv":   "",
		"bad.csv":     "id,\"country\n",
		"blank.jsonl": "\n  \n" + `{"country": "usa"}` + "\n",
		// A directory whose first object holds no record: the next tells.
		"dir/a.jsonl": "\n  \n",
		"dir/b.jsonl": `{"country": "usa"}` + "\n",
	})
	if err := os.WriteFile(filepath.Join(dir, "z.csv.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	pqtest.WriteGo(t, filepath.Join(dir, "p.parquet"), [][]dated{{{D: 11000, N: 1}}})
	const group = "SELECT upper(country) AS country, count(*) FROM 'x' GROUP BY country"
	const order = "SELECT id AS k, id AS country FROM 'x' ORDER BY -k, -country"
	_, _, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "sql",
		map[string]string{"query": group}, []string{filepath.Join(dir, "bad.csv")})
	var ie *plan.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "bad.csv") || !strings.Contains(err.Error(), "names country bind") {
		t.Errorf("a header that does not parse: %v, want an InputError naming the object and the name", err)
	}
	// A compressed object cut short: its bytes are wrong, an input error
	// (not retried), naming the object.
	if err := os.WriteFile(filepath.Join(dir, "cut.csv.gz"), gz.Bytes()[:14], 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = plan.ResolveJob(context.Background(), blob.NewMux(nil), "sql",
		map[string]string{"query": group}, []string{filepath.Join(dir, "cut.csv.gz")})
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "cut.csv.gz") {
		t.Errorf("a gzip object cut short: %v, want an InputError naming the object", err)
	}
	// An empty CSV object has DuckDB's one column, column0: a query naming
	// another is refused, naming the object.
	_, _, err = plan.ResolveJob(context.Background(), blob.NewMux(nil), "sql",
		map[string]string{"query": group}, []string{filepath.Join(dir, "empty.csv")})
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "empty.csv") || !strings.Contains(err.Error(), "column0") {
		t.Errorf("a query naming country over an empty CSV: %v, want an InputError naming the object and column0", err)
	}
	for _, c := range []struct {
		name, query, input, want string
	}{
		{"csv", group, "a.csv", `["country"]`},
		{"gzip csv, case", group, "z.csv.gz", `["country"]`},
		{"json lines", group, "b.jsonl", `["country"]`},
		{"no such column", "SELECT upper(name) AS country, count(*) FROM 'x' GROUP BY country", "c.csv", `[]`},
		{"order by", order, "a.csv", `["country"]`},
		{"order by, none", order, "c.csv", `[]`},
		{"empty input: DuckDB's column0", "SELECT upper(column0) AS column0, count(*) FROM 'x' GROUP BY column0", "empty.csv", `["column0"]`},
		{"blank lines first", group, "blank.jsonl", `["country"]`},
		{"first object without a record", group, "dir", `["country"]`},
		{"parquet", "SELECT n + 1 AS n, -n AS d, count(*) FROM 'x' GROUP BY n, d", "p.parquet", `["n","d"]`},
		{"parquet, none", "SELECT n AS k, count(*) FROM 'x' GROUP BY k ORDER BY -k", "p.parquet", `[]`},
		{"no alias", "SELECT country, count(*) FROM 'x' GROUP BY country", "a.csv", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, params, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "sql",
				map[string]string{"query": c.query}, []string{filepath.Join(dir, c.input)})
			if err != nil {
				t.Fatal(err)
			}
			if got := params[plan.InputColumnsParam]; got != c.want {
				t.Errorf("%s = %q, want %q", plan.InputColumnsParam, got, c.want)
			}
		})
	}
}

// TestResolveJobRefusesMissingColumn: a column the query reads that the
// first CSV or Parquet input does not have (a typo) refuses the query when
// it is planned, before any mapper starts, as DuckDB's binder does: a
// sql.ErrName naming the column, its position, the object and the columns
// it has; with *, a name outside the columns * stands for too (it used to
// reach the mapper, which read past the row). A JSON Lines member the first
// line lacks is not refused (it is NULL there, and may be present further
// on), unless * stands for that line's members. A header is split by the
// job's "delim" parameter.
func TestResolveJobRefusesMissingColumn(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.csv":    "id,country\n1,usa\n",
		"semi.csv": "id;country\n1;usa\n",
		"b.jsonl":  `{"id": 1}` + "\n" + `{"id": 2, "country": "usa"}` + "\n",
	})
	pqtest.WriteGo(t, filepath.Join(dir, "p.parquet"), [][]dated{{{D: 11000, N: 1}}})
	for _, c := range []struct {
		name, query, input string
		refused            bool
		want               []string
	}{
		{"csv", "SELECT id FROM 'x' WHERE nope = 1", "a.csv", true, []string{`"nope"`, "at column 26", "a.csv", "id, country"}},
		{"csv, second line", "SELECT id,\n  sum(Nope) FROM 'x' GROUP BY id", "a.csv", true, []string{`"Nope"`, "line 2, column 7"}},
		{"csv, case", "SELECT ID, COUNTRY FROM 'x'", "a.csv", false, nil},
		{"csv star", "SELECT * FROM 'x' WHERE nope > 1", "a.csv", true, []string{`"nope"`, "at column 25", "id, country"}},
		{"csv star, case", "SELECT * FROM 'x' WHERE COUNTRY = 'usa'", "a.csv", false, nil},
		{"parquet", "SELECT n, nope FROM 'x'", "p.parquet", true, []string{`"nope"`, "at column 11", "p.parquet"}},
		{"json lines", "SELECT id, country, nope FROM 'x'", "b.jsonl", false, nil},
		{"json lines star", "SELECT * FROM 'x' WHERE country IS NULL", "b.jsonl", true, []string{`"country"`, "its columns: id"}},
		// The header split by the job's delimiter.
		{"delimiter", "SELECT id, country FROM 'x'", "semi.csv", false, nil},
		{"delimiter, missing", "SELECT id, nope FROM 'x'", "semi.csv", true, []string{`"nope"`, "its columns: id, country)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			params := map[string]string{"query": c.query}
			if strings.HasPrefix(c.input, "semi") {
				params["delim"] = ";"
			}
			_, _, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "sql", params, []string{filepath.Join(dir, c.input)})
			if !c.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ie *plan.InputError
			if !errors.As(err, &ie) || !errors.Is(err, sql.ErrName) {
				t.Fatalf("got %v, want an InputError of sql.ErrName", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v: does not say %q", err, w)
				}
			}
		})
	}
}

// TestResolveJobChecksGivenInputColumns: an input-columns parameter given
// with the job (not set by the planner) is checked against the input: the
// same names as the planner would give (in any order, either case) pass,
// anything else (other names, a name the input lacks, a parameter on a query
// that does not depend on the input's columns, text that is not a JSON array
// of names) is an error naming the parameter and what the input gives.
func TestResolveJobChecksGivenInputColumns(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.csv": "id,country,qty\n1,usa,2\n"})
	const group = "SELECT upper(country) AS country, id AS k, count(*) FROM 'x' GROUP BY country, k"
	const plain = "SELECT country, count(*) FROM 'x' GROUP BY country"
	for _, c := range []struct {
		query, given, fault string // fault: "" when accepted
	}{
		{group, `["country"]`, ""},
		{group, `["COUNTRY"]`, ""},
		{group, `[]`, `input has ["country"]`},
		{group, `["country","k"]`, `input has ["country"]`},
		{group, `["k"]`, `input has ["country"]`},
		{group, `"country"`, "want a JSON array of column names"},
		{group, `[1]`, "want a JSON array of column names"},
		{group, `null`, "want a JSON array of column names"},
		{plain, `[]`, ""},
		{plain, `["country"]`, "no name of the query binds by the input's columns"},
	} {
		params := map[string]string{"query": c.query, plan.InputColumnsParam: c.given}
		_, got, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "sql", params, []string{filepath.Join(dir, "a.csv")})
		switch {
		case c.fault == "" && err != nil:
			t.Errorf("%s with %s: %v", c.query, c.given, err)
		case c.fault == "" && got[plan.InputColumnsParam] != c.given:
			t.Errorf("%s with %s: the parameter became %q", c.query, c.given, got[plan.InputColumnsParam])
		case c.fault != "" && (err == nil || !strings.Contains(err.Error(), c.fault) || !strings.Contains(err.Error(), plan.InputColumnsParam)):
			t.Errorf("%s with %s: %v, want an error naming %s and saying %q", c.query, c.given, err, plan.InputColumnsParam, c.fault)
		}
	}
}

// rangeStore records the ranges read of a store's objects.
type rangeStore struct {
	blob.Store
	opens [][2]int64 // off, n
}

func (s *rangeStore) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	s.opens = append(s.opens, [2]int64{off, n})
	return s.Store.Open(ctx, key, off, n)
}

// TestInputColumnsReadInRanges: the planner reads an input's first line for its
// columns in ranged reads, never the whole object: one small range when the header
// is short, more (each twice the one before) only while no newline is found, none past
// the 1 MiB a header may take; a header longer than the first range is still found.
func TestInputColumnsReadInRanges(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 200_000)
	rows := strings.Repeat("1,usa\n", 400_000) // 2.4 MB the planner must not read
	writeFiles(t, dir, map[string]string{
		"short.csv": "id,country\n" + rows,
		"long.csv":  long + ",country\n" + rows,
		"huge.csv":  strings.Repeat("y", 3<<20) + ",country\n",
	})
	const group = "SELECT upper(country) AS country, count(*) FROM 'x' GROUP BY country"
	for _, c := range []struct {
		input, want string
		reads       int
	}{{"short.csv", `["country"]`, 1}, {"long.csv", `["country"]`, 3}, {"huge.csv", "", 5}} {
		store := &rangeStore{Store: blob.NewMux(nil)}
		// The delimiter given: the first read is the preamble's search
		// (one range of the sniffed bytes, givenDialect), the second the
		// types' sample, the others, counted, the header's.
		params := map[string]string{"query": group, "delim": ","}
		_, params, err := plan.ResolveJob(context.Background(), store, "sql", params, []string{filepath.Join(dir, c.input)})
		if c.want == "" {
			if err == nil || !strings.Contains(err.Error(), c.input) {
				t.Errorf("%s: a first line past 1 MiB: %v, want an error naming it", c.input, err)
			}
		} else if err != nil || params[plan.InputColumnsParam] != c.want {
			t.Errorf("%s: %s = %q (%v), want %q", c.input, plan.InputColumnsParam, params[plan.InputColumnsParam], err, c.want)
		}
		if len(store.opens) == 0 || store.opens[0] != [2]int64{0, 64 << 10} {
			t.Fatalf("%s: reads %v, want first the sniffed 64 KiB", c.input, store.opens)
		}
		store.opens = store.opens[1:]
		// The sql job's column types are sniffed from the first MiB
		// (withCSVTypes), in one ranged read.
		if len(store.opens) == 0 || store.opens[0] != [2]int64{0, 1 << 20} {
			t.Fatalf("%s: reads %v, want then the types' sample of 1 MiB", c.input, store.opens)
		}
		store.opens = store.opens[1:]
		var total int64
		for _, o := range store.opens {
			if o[1] < 0 {
				t.Errorf("%s: an unranged read at %d (reads %v)", c.input, o[0], store.opens)
			}
			total += o[1]
		}
		if len(store.opens) != c.reads || total > 1<<20 {
			t.Errorf("%s: reads %v (%d bytes), want %d ranges within 1 MiB", c.input, store.opens, total, c.reads)
		}
	}
}
