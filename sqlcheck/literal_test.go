package sqlcheck

import (
	"errors"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/sql"
)

// TestLiteralErrorsAgreeWithDuckDB: a string literal that does not cast to
// the type of the typed column it is compared with is an error in DuckDB
// (its Conversion Error), and the job refuses the query before anything
// runs with a type error naming the column and the value (the answers of
// the literals that do cast are the corpus's literal- queries).
func TestLiteralErrorsAgreeWithDuckDB(t *testing.T) {
	d := generate(t)
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	cases := []struct{ where, schema, want string }{
		{"qty = 'x'", "qty:BIGINT", `'x' compared with column qty (BIGINT): "x" is not a BIGINT`},
		{"qty > '9999999999999999999'", "qty:BIGINT", `"9999999999999999999" is not a BIGINT`},
		{"qty IN (1, '2.5x')", "qty:BIGINT", `"2.5x" is not a BIGINT`},
		{"amount = '123456789012'", "amount:DECIMAL(10,2)", `column amount (DECIMAL(10,2)): "123456789012" is not a DECIMAL(10,2)`},
		{"amount BETWEEN '1' AND 'ten'", "amount:DECIMAL(10,2)", `"ten" is not a DECIMAL(10,2)`},
		{"discount < 'x'", "discount:DOUBLE", `column discount (DOUBLE): "x" is not a DOUBLE`},
		{"orderDate >= '2021-13-01'", "orderDate:DATE", `column orderDate (DATE): "2021-13-01" is not a DATE`},
		{"flag = 'on'", "flag:BOOLEAN", `column flag (BOOLEAN): "on" is not a BOOLEAN`},
	}
	for _, c := range cases {
		t.Run(c.where, func(t *testing.T) {
			q := "SELECT id FROM '{orders}' WHERE " + c.where
			if _, err := duckQuery(db, d.duck(q, c.schema)); err == nil || !strings.Contains(err.Error(), "Conversion Error") {
				t.Fatalf("DuckDB: %v, want a Conversion Error", err)
			}
			if _, err := jobs.New("sql", jobs.Params{"query": d.ours(q), "schema": c.schema}); !errors.Is(err, sql.ErrType) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("jobs.New: %v, want a type error containing %s", err, c.want)
			}
			_, err := r.run(d.ours(q), c.schema)
			if err == nil || !strings.Contains(err.Error(), "sql: type error") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ours: %v, want a type error containing %s", err, c.want)
			}
		})
	}
}
