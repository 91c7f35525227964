package sqlcheck

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestColumnNamesAgreeWithDuckDB: an unaliased select item's name in the
// header is DuckDB's: CAST by the type's name as written (INTEGER, "DOUBLE",
// DECIMAL(10, 2)), NOT of a comparison as the opposite comparison, NOT
// BETWEEN and NOT IN as DuckDB writes them, <> as !=, TRUE and DATE
// literals as casts.
func TestColumnNamesAgreeWithDuckDB(t *testing.T) {
	path := testutil.WriteFile(t, t.TempDir(), "t.csv", []byte("id,d,flag\n1,2020-01-02,true\n2,2021-03-04,false\n"))
	items := []string{
		"id NOT BETWEEN 1 AND 2", "id BETWEEN 1 AND 2", "id NOT IN (1, 2)", "NOT id > 1", "NOT (id = 1)",
		"NOT (id <> 1)", "NOT (NOT (id > 1))", "NOT NOT flag", "NOT (id IS NULL)", "NOT (id IN (1))",
		"id <> 1", "id != 1", "id == 1", "NOT (id <> 1 OR flag)",
		"NOT (id NOT IN (1, 2))", "NOT (NOT (id IN (1)))", "NOT (NOT (id NOT IN (1)))", "NOT (id NOT BETWEEN 1 AND 2)",
		"id::INTEGER", "id::INT", "CAST(id AS DOUBLE)", "CAST(id AS FLOAT8)", "CAST(id AS DOUBLE PRECISION)",
		"CAST(id AS TEXT)", "CAST(id AS NUMERIC)", "CAST(id AS DECIMAL(10,2))", "CAST(id AS DECIMAL(5))",
		"CAST(d AS DATE)", "CAST(flag AS BOOL)", "CAST(id AS INT8)", "CAST(id AS VARCHAR)",
		"CAST(id AS TINYINT)", "CAST(id AS INT1)", "CAST(id AS CHAR)", "CAST(id AS BPCHAR)", "CAST(id AS SMALLINT)",
		"DATE '2020-01-01'", "TRUE", "FALSE", "NULL", "-id", "+id", "id // 2",
		"d > DATE '2020-01-01' AND flag = TRUE", "lower(CAST(id AS VARCHAR))", "count(*)",
	}
	query := fmt.Sprintf("SELECT %s FROM '%s' LIMIT 1", strings.Join(items, ", "), path)
	query = strings.Replace(query, ", count(*)", "", 1) // an aggregate needs its own query
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	for _, q := range []string{query, fmt.Sprintf("SELECT count(*), sum(id), count(DISTINCT d) FROM '%s'", path)} {
		want, err := duckQuery(db, q)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := r.answer(t, q, "")
		if !slices.Equal(got.names, want.names) {
			for i := range min(len(got.names), len(want.names)) {
				if got.names[i] != want.names[i] {
					t.Errorf("column %d: ours %q, DuckDB %q", i+1, got.names[i], want.names[i])
				}
			}
			if len(got.names) != len(want.names) {
				t.Errorf("%d columns, DuckDB %d", len(got.names), len(want.names))
			}
		}
	}
}
