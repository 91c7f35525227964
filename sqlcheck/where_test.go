package sqlcheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/local/engine"
)

// TestWhereSchemaAgreesWithDuckDB: select's --where, its columns typed by
// --schema, keeps the rows DuckDB's read_csv(types=...) keeps; and where
// the typed answer differs from the untyped one (a DECIMAL(10,0) rounds,
// a VARCHAR compares as text), the typed one is DuckDB's.
func TestWhereSchemaAgreesWithDuckDB(t *testing.T) {
	d := generate(t)
	db := openDuck(t)
	cases := []struct {
		where, schema, duckWhere string
		differs                  bool // the untyped answer is another
	}{
		{"amount BETWEEN 1000 AND 1010", "amount:DECIMAL(10,0)", "amount BETWEEN 1000 AND 1010", true},
		{"qty > 5", "qty:VARCHAR", "qty > '5'", true},
		{"orderDate < DATE '2018-03-01' AND amount > 500", "orderDate:DATE,amount:DECIMAL(10,2)", "orderDate < DATE '2018-03-01' AND amount > 500", false},
		{"discount > 0.3 AND flag", "discount:DOUBLE,flag:BOOLEAN", "discount > 0.3 AND flag", false},
	}
	r := newRunner(t, 24<<10, 3)
	for _, c := range cases {
		t.Run(c.where, func(t *testing.T) {
			want, err := duckQuery(db, d.duck("SELECT id FROM '{orders}' WHERE "+c.duckWhere, c.schema))
			if err != nil {
				t.Fatal(err)
			}
			if len(want.rows) == 0 {
				t.Fatal("DuckDB keeps no row: the case tests little on this data")
			}
			typed, err := r.selectWhere(d.orders, c.where, c.schema)
			if err != nil {
				t.Fatal(err)
			}
			if msg := diff(typed, want, false); msg != "" {
				t.Fatalf("typed: %s", msg)
			}
			untyped, err := r.selectWhere(d.orders, c.where, "")
			if err != nil {
				t.Fatal(err)
			}
			if same := diff(untyped, want, false) == ""; same == c.differs {
				t.Fatalf("untyped answer the same as the typed one: %v, want %v", same, !c.differs)
			}
		})
	}
}

// selectWhere runs `select --columns id --where WHERE [--schema SCHEMA]` over input.
func (r *runner) selectWhere(input, where, schema string) (result, error) {
	r.n++
	out := filepath.Join(r.dir, fmt.Sprintf("out-%d.csv", r.n))
	params := jobs.Params{"where": where, "columns": "id"}
	if schema != "" {
		params["schema"] = schema
	}
	eng := &engine.Engine{Handler: r.local.Handler, MaxParallel: 2}
	if _, err := eng.Run(context.Background(), pipeline.PlanInput{Job: "select", Params: params, Inputs: []string{input}, Output: out, ChunkSize: r.chunkSize}); err != nil {
		return result{}, err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return result{}, err
	}
	res, err := parseCSV(b)
	if err == nil && len(res.names) == 1 {
		res.names[0] = strings.ToLower(res.names[0])
	}
	return res, err
}
