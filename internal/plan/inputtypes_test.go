package plan_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

type typedA struct {
	N int32  `parquet:"n"`
	S string `parquet:"s"`
	X int64  `parquet:"x"`
}

type typedB struct {
	N int32   `parquet:"n"`
	S string  `parquet:"s"`
	X float64 `parquet:"x"`
}

// TestResolveJobInputTypes: for select over Parquet inputs, ResolveJob
// gives the --columns' types in the inputs (input-types), leaving out a
// column the files disagree on or one a file lacks, and replaces what a
// user gave; over a CSV input it sets none (and removes a given one).
func TestResolveJobInputTypes(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	pqtest.WriteGo(t, a, [][]typedA{{{N: 1, S: "x", X: 2}}})
	pqtest.WriteGo(t, b, [][]typedB{{{N: 1, S: "x", X: 2.5}}})
	writeFiles(t, dir, map[string]string{"c.csv": "n,s,x\n1,x,2\n"})
	for _, c := range []struct {
		inputs []string
		given  string
		want   string
	}{
		{[]string{a}, "", `{"n":"INTEGER","s":"VARCHAR","x":"BIGINT"}`},
		{[]string{a, b}, "", `{"n":"INTEGER","s":"VARCHAR"}`},
		{[]string{a}, `{"n":"DATE"}`, `{"n":"INTEGER","s":"VARCHAR","x":"BIGINT"}`},
		{[]string{filepath.Join(dir, "c.csv")}, `{"n":"DATE"}`, ""},
		{[]string{a, filepath.Join(dir, "c.csv")}, "", ""},
	} {
		params := map[string]string{"columns": "n, s,x,missing"}
		if c.given != "" {
			params[plan.InputTypesParam] = c.given
		}
		_, got, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "select", params, c.inputs)
		if err != nil {
			t.Fatal(err)
		}
		if got[plan.InputTypesParam] != c.want {
			t.Errorf("%v given %q: input-types %q, want %q", c.inputs, c.given, got[plan.InputTypesParam], c.want)
		}
	}
	// A column named in another case is the file's column, as the mapper
	// reads it (colname), and keeps its type under the name as given.
	_, got, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "select", map[string]string{"columns": "N,S"}, []string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"N":"INTEGER","S":"VARCHAR"}`; got[plan.InputTypesParam] != want {
		t.Errorf("columns N,S: input-types %q, want %q", got[plan.InputTypesParam], want)
	}
	// sql: the columns the query reads; every column for SELECT *
	for q, want := range map[string]string{
		"SELECT n, upper(s) AS u FROM 'x' WHERE x > 1": `{"n":"INTEGER","s":"VARCHAR","x":"BIGINT"}`,
		"SELECT * FROM 'x'":                            `{"n":"INTEGER","s":"VARCHAR","x":"BIGINT"}`,
		"SELECT s FROM 'x'":                            `{"s":"VARCHAR"}`,
	} {
		_, got, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "sql", map[string]string{"query": q}, []string{a})
		if err != nil {
			t.Fatal(err)
		}
		if got[plan.InputTypesParam] != want {
			t.Errorf("%s: input-types %q, want %q", q, got[plan.InputTypesParam], want)
		}
	}
}
