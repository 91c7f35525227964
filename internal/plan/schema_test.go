package plan_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		testutil.WriteFile(t, dir, name, []byte(data))
	}
}

// TestResolveJobSchemaFile: a schema.json in a query's input directory, or
// beside its input file, becomes the sql job's schema parameter (and that
// of select and groupby with a --where) and is not an input; --schema wins
// over it; other jobs read it as any other file.
func TestResolveJobSchemaFile(t *testing.T) {
	dir := t.TempDir()
	schema := `{"amount": "DECIMAL(10,2)"}`
	writeFiles(t, dir, map[string]string{
		"d/a.csv": "id,amount\n1,2\n", "d/b.csv": "id,amount\n3,4\n", "d/schema.json": schema,
		"e/x.csv": "id\n1\n", "e/schema.json": `{"id": "BIGINT"}`,
		"f/y.csv": "id\n1\n", "g/schema.json": schema,
		"g/one/x.csv": "id,amount\n1,2\n", "g/two/x.csv": "id,amount\n3,4\n",
	})
	ctx, store := context.Background(), blob.NewMux(nil)
	d := filepath.Join(dir, "d")
	names := func(objs []plan.Object) string {
		var s []string
		for i, o := range objs {
			if o.Ordinal != i {
				t.Errorf("%s has ordinal %d at %d", o.Source, o.Ordinal, i)
			}
			s = append(s, filepath.Base(o.URL))
		}
		return strings.Join(s, " ")
	}

	objs, params, err := plan.ResolveJob(ctx, store, "sql", map[string]string{"query": "q"}, []string{d})
	if err != nil || names(objs) != "a.csv b.csv" || params["schema"] != schema || params["query"] != "q" {
		t.Fatalf("directory: %s, %v, %v; want a.csv b.csv with the schema", names(objs), params, err)
	}
	objs, params, err = plan.ResolveJob(ctx, store, "sql", map[string]string{"schema": "amount:DOUBLE"}, []string{d})
	if err != nil || names(objs) != "a.csv b.csv" || params["schema"] != "amount:DOUBLE" {
		t.Fatalf("--schema given: %s, %v, %v; want it kept and schema.json dropped", names(objs), params, err)
	}
	objs, params, err = plan.ResolveJob(ctx, store, "sql", nil, []string{filepath.Join(d, "a.csv")})
	if err != nil || names(objs) != "a.csv" || params["schema"] != schema {
		t.Fatalf("file: %s, %v, %v; want the schema beside it", names(objs), params, err)
	}
	objs, params, err = plan.ResolveJob(ctx, store, "sql", nil, []string{filepath.Join(d, "[ab].csv")})
	if err != nil || names(objs) != "a.csv b.csv" || params["schema"] != schema {
		t.Fatalf("pattern: %s, %v, %v; want a.csv b.csv with the schema of the directory of its fixed part", names(objs), params, err)
	}
	objs, params, err = plan.ResolveJob(ctx, store, "sql", nil, []string{filepath.Join(dir, "g", "*", "x.csv")})
	if err != nil || names(objs) != "x.csv x.csv" || params["schema"] != schema {
		t.Fatalf("pattern g/*/x.csv: %s, %v, %v; want both x.csv with the schema in g", names(objs), params, err)
	}
	objs, params, err = plan.ResolveJob(ctx, store, "sql", nil, []string{filepath.Join(dir, "f")})
	if err != nil || names(objs) != "y.csv" || params != nil {
		t.Fatalf("no schema file: %s, %v, %v; want the params unchanged", names(objs), params, err)
	}
	objs, params, err = plan.ResolveJob(ctx, store, "wordcount", nil, []string{d})
	if err != nil || names(objs) != "a.csv b.csv schema.json" || params != nil {
		t.Fatalf("wordcount: %s, %v, %v; want every file as input", names(objs), params, err)
	}
	// select and groupby: the schema types their --where; without one, the
	// file is still not an input, and no schema is added.
	for _, job := range []string{"select", "groupby"} {
		objs, params, err = plan.ResolveJob(ctx, store, job, map[string]string{"where": "amount > 2"}, []string{d})
		if err != nil || names(objs) != "a.csv b.csv" || params["schema"] != schema || params["where"] != "amount > 2" {
			t.Fatalf("%s --where: %s, %v, %v; want a.csv b.csv with the schema", job, names(objs), params, err)
		}
		objs, params, err = plan.ResolveJob(ctx, store, job, map[string]string{"columns": "id"}, []string{d})
		if err != nil || names(objs) != "a.csv b.csv" || params["schema"] != "" {
			t.Fatalf("%s without --where: %s, %v, %v; want a.csv b.csv and no schema", job, names(objs), params, err)
		}
	}

	var ie *plan.InputError
	_, _, err = plan.ResolveJob(ctx, store, "sql", nil, []string{d, filepath.Join(dir, "e")})
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), filepath.Join(dir, "e", "schema.json")) || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("two schemas: %v, want an InputError naming e/schema.json", err)
	}
	for name, bad := range map[string]string{"type": `{"amount": "MONEY"}`, "json": `{"amount": `, "pairs": "amount:DOUBLE"} {
		writeFiles(t, dir, map[string]string{"g/x.csv": "amount\n1\n", "g/schema.json": bad})
		_, _, err = plan.ResolveJob(ctx, store, "sql", nil, []string{filepath.Join(dir, "g")})
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), filepath.Join(dir, "g", "schema.json")) {
			t.Errorf("bad schema (%s): %v, want an InputError naming g/schema.json", name, err)
		}
	}
	writeFiles(t, dir, map[string]string{"h/schema.json": schema})
	if _, _, err = plan.ResolveJob(ctx, store, "sql", nil, []string{filepath.Join(dir, "h")}); !errors.As(err, &ie) {
		t.Fatalf("only a schema.json: %v, want an InputError", err)
	}
}

// dated is a Parquet row with a DATE column and an integer.
type dated struct {
	D int32 `parquet:"d,date"`
	N int64 `parquet:"n"`
}

// accented has two columns whose names differ in the case of a letter that
// is not ASCII: two columns to DuckDB, and to a query.
type accented struct {
	Small int64 `parquet:"é"`
	Big   int32 `parquet:"É,date"`
}

// TestParquetDatesTypeSQL: for the sql job over Parquet inputs only,
// ResolveJob types the DATE columns the query reads (keeping the types the
// user gave), dates before the year 1 included; other jobs, other columns,
// a CSV among the inputs, and a DATE column holding DuckDB's infinity (the
// int32's end) stay untyped.
func TestParquetDatesTypeSQL(t *testing.T) {
	dir := t.TempDir()
	pqFile, old := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "old.parquet")
	pqtest.WriteGo(t, pqFile, [][]dated{{{D: 11000, N: 1}, {D: 11001, N: 2}}})
	pqtest.WriteGo(t, old, [][]dated{{{D: -800000, N: 1}}})
	acc := filepath.Join(dir, "acc.parquet")
	pqtest.WriteGo(t, acc, [][]accented{{{Small: 1, Big: 11000}}})
	inf := filepath.Join(dir, "inf.parquet")
	pqtest.WriteGo(t, inf, [][]dated{{{D: 11000, N: 1}, {D: math.MaxInt32, N: 2}}})
	csvFile := testutil.WriteFile(t, dir, "b.csv", []byte("d,n\n2000-01-01,1\n"))
	for _, c := range []struct {
		name, job, query, schema string
		inputs                   []string
		want                     string
	}{
		{"typed", "sql", "SELECT d + 1 AS e, n FROM 'x'", "", []string{pqFile}, `{"d":"DATE"}`},
		{"star", "sql", "SELECT * FROM 'x'", "", []string{pqFile}, `{"d":"DATE"}`},
		{"checks only typed", "sql", "SELECT d - DATE '2000-01-01' AS days FROM 'x'", "", []string{pqFile}, `{"d":"DATE"}`},
		// A query that fails whatever the types gets them all, so that its
		// error is year's, not the type error of d - DATE untyped.
		{"fails otherwise", "sql", "SELECT d - DATE '2000-01-01' AS days, year(d) FROM 'x'", "", []string{pqFile}, `{"d":"DATE"}`},
		{"checks only untyped", "sql", "SELECT length(d) AS l FROM 'x'", "", []string{pqFile}, ""},
		{"with the user's", "sql", "SELECT d, n FROM 'x'", "n:DECIMAL(10,2)", []string{pqFile}, `{"d":"DATE","n":"DECIMAL(10,2)"}`},
		{"user's first", "sql", "SELECT d FROM 'x'", "d:VARCHAR", []string{pqFile}, "d:VARCHAR"},
		{"not read", "sql", "SELECT n FROM 'x'", "", []string{pqFile}, ""},
		{"a csv too", "sql", "SELECT d FROM 'x'", "", []string{pqFile, csvFile}, ""},
		{"before the year 1", "sql", "SELECT d FROM 'x'", "", []string{old}, `{"d":"DATE"}`},
		{"infinity", "sql", "SELECT d FROM 'x'", "", []string{inf}, ""},
		{"not the accented column's twin", "sql", "SELECT é FROM 'x'", "", []string{acc}, ""},
		{"the accented column", "sql", "SELECT É FROM 'x'", "", []string{acc}, `{"É":"DATE"}`},
		{"select", "select", "", "", []string{pqFile}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			params := map[string]string{"query": c.query, "schema": c.schema}
			_, got, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), c.job, params, c.inputs)
			if err != nil {
				t.Fatal(err)
			}
			if got["schema"] != c.want {
				t.Errorf("schema %q, want %q", got["schema"], c.want)
			}
		})
	}
}

// TestParquetTimestampsTypeSQL: a Parquet TIMESTAMP column (microseconds,
// not adjusted to UTC) that the query reads is typed TIMESTAMP for the sql
// job, as DuckDB reads it; one it does not read stays untyped.
func TestParquetTimestampsTypeSQL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ts.parquet")
	stamps := []string{"2020-01-01 10:00:00.5", "2021-06-30 23:59:59"}
	pqtest.WriteOurs(t, path, []pq.OutputColumn{{Name: "ts", Kind: pq.OutTimestamp}, {Name: "n", Kind: pq.OutInt64}}, len(stamps), func(w *pq.Writer, i int) error {
		if err := w.Text(0, []byte(stamps[i])); err != nil {
			return err
		}
		return w.Int64(1, int64(i))
	})
	wantSQLSchemas(t, path, map[string]string{
		"SELECT max(ts) FROM 'x'":                                      `{"ts":"TIMESTAMP"}`,
		"SELECT n FROM 'x' WHERE ts < TIMESTAMP '2021-01-01 00:00:00'": `{"ts":"TIMESTAMP"}`,
		"SELECT n FROM 'x'":                                            "",
	})
}

// wantSQLSchemas checks the schema the planner resolves for the sql job over
// the file at path, for each query.
func wantSQLSchemas(t *testing.T, path string, want map[string]string) {
	t.Helper()
	for query, w := range want {
		_, got, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "sql", map[string]string{"query": query}, []string{path})
		if err != nil {
			t.Fatal(err)
		}
		if got["schema"] != w {
			t.Errorf("%s: schema %q, want %q", query, got["schema"], w)
		}
	}
}

// TestParquetInt96TypesSQL: a legacy INT96 timestamp column (Spark's,
// Hive's) is typed TIMESTAMP for the sql job, as DuckDB reads it.
func TestParquetInt96TypesSQL(t *testing.T) {
	type row struct {
		T deprecated.Int96 `parquet:"t"`
		N int64            `parquet:"n"`
	}
	path := filepath.Join(t.TempDir(), "t96.parquet")
	pqtest.WriteGo(t, path, [][]row{{{T: deprecated.Int96{0, 0, 2440588}}, {T: deprecated.Int96{5, 0, 2459000}, N: 1}}})
	wantSQLSchemas(t, path, map[string]string{
		"SELECT max(t) FROM 'x'": `{"t":"TIMESTAMP"}`,
		"SELECT n FROM 'x'":      "",
	})
}
