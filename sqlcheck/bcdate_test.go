package sqlcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBCDatesAgreeWithDuckDB: dates before year 1, in a CSV read with a DATE
// schema and in a Parquet file DuckDB wrote from it, read, compare, add and
// print as DuckDB does them (" (BC)", year 0 as 1 BC, a negative year),
// literals included.
func TestBCDatesAgreeWithDuckDB(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "bc.csv")
	var b strings.Builder
	b.WriteString("id,d\n")
	for i, d := range []string{
		"0044-03-15 (BC)", "0044-03-15 (bc)", "0001-12-31 (BC)", "0001-01-01 (BC)", "0000-06-30", "-0043-03-15",
		"0001-02-29 (BC)", "0005-02-29 (BC)", "0753-04-21 (BC)", "0001-01-01", "1970-01-01", "2024-02-29",
		"0100-01-01 (BC)", "0099-12-31 (BC)", "5877642-06-25 (BC)", "5881580-07-10", " 0300-07-04 (BC) ",
	} {
		fmt.Fprintf(&b, "%d,%s\n", i, d)
	}
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := openDuck(t)
	pqPath := filepath.Join(dir, "bc.parquet")
	if _, err := db.Exec(fmt.Sprintf("COPY (SELECT * FROM read_csv('%s', types={'d': 'DATE'})) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 5)", csvPath, pqPath)); err != nil {
		t.Fatal(err)
	}
	queries := []string{
		"SELECT id, d, d + 1 AS next, d - 1 AS prev FROM '{f}' WHERE d BETWEEN DATE '1000-01-01 (BC)' AND DATE '3000-01-01' ORDER BY d, id",
		"SELECT id FROM '{f}' WHERE d < DATE '0001-01-01' ORDER BY id",
		"SELECT id, d FROM '{f}' WHERE d BETWEEN DATE '0100-01-01 (BC)' AND DATE '0000-12-31' ORDER BY id",
		"SELECT min(d) AS lo, max(d) AS hi, count(*) AS n FROM '{f}' WHERE d <= DATE '-0043-03-15'",
		"SELECT d, count(*) AS n FROM '{f}' GROUP BY d ORDER BY d",
		"SELECT id, CAST(d AS VARCHAR) AS s FROM '{f}' WHERE d > '0045-01-01 (BC)' AND d < '0001-01-01' ORDER BY id",
	}
	r := newRunner(t, 64, 2)
	for _, src := range []struct{ name, ours, duck, schema string }{
		{"csv", csvPath, fmt.Sprintf("read_csv('%s', types={'d': 'DATE'})", csvPath), "d:DATE"},
		{"parquet", pqPath, fmt.Sprintf("'%s'", pqPath), ""},
	} {
		for _, q := range queries {
			t.Run(src.name+"/"+q, func(t *testing.T) {
				want, err := duckQuery(db, strings.ReplaceAll(q, "'{f}'", src.duck))
				if err != nil {
					t.Fatal(err)
				}
				if len(want.rows) == 0 {
					t.Fatal("DuckDB returns no row: the query tests little")
				}
				got, _ := r.answer(t, strings.ReplaceAll(q, "{f}", src.ours), src.schema)
				if msg := diff(got, want, strings.Contains(q, "ORDER BY")); msg != "" {
					t.Fatal(msg)
				}
			})
		}
	}
}
