package sqlcheck

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/scattergather/scattergather/internal/hive"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestHiveValuesAsDuckDB: for each partition value (a k=VALUE directory),
// the type hive_types_autocast gives it (hive.TypeOf) and the value a row
// reads (hive.Value: its text, or NULL) are DuckDB's typeof(k) and
// k::VARCHAR over read_csv of that one directory. The NULL spellings
// (NULL in any case, Hive's and DuckDB's __HIVE_DEFAULT_PARTITION__) are
// NULL whatever the type.
func TestHiveValuesAsDuckDB(t *testing.T) {
	db := openDuck(t)
	dir := t.TempDir()
	for i, v := range []string{
		"03", "3", "2020", "-5", " 5", "-0", "+5", "1.5", "1e3", "1_000", "20240102", "9223372036854775808",
		"NULL", "null", "__HIVE_DEFAULT_PARTITION__", "__hive_default_partition__", "",
		"2024-01-02", "2024-1-2", "2024-02-30", "2024-01-02 03:04:05", "2024-01-02T03:04:05",
		"2024-01-02 03:04", "2024-01-02 03:04:05.5", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05.123456",
		"a%20b", "a%2Cb", "2024-01-02%2003%3A04%3A05", "true", "2024-01-02 03:04:05.1234567", "2024-01-02 03:04:05.9999999", "2024-01-02 03:04:05+05", "2024-01-02 03:04:05-05:30", "2024-01-02T03:04:05.5Z", "2024-01-02 03:04:05 Z", "2024-01-02 03:04:05+0530", "2024-01-02 03:04:05.5+05", "2024-01-02T03:04Z", "2024-01-02 03:04:05.123456789", "2024-01-02 03:04:05+5",
	} {
		testutil.WriteFile(t, dir, fmt.Sprintf("v%d/k=%s/p.csv", i, v), []byte("id\n1\n"))
		q := fmt.Sprintf("SELECT typeof(k), k IS NULL, k::VARCHAR FROM read_csv('%s')", filepath.Join(dir, fmt.Sprintf("v%d/*/p.csv", i)))
		res, err := duckQuery(db, q)
		if err != nil || len(res.rows) != 1 {
			t.Fatalf("%s: %v %v", q, res.rows, err)
		}
		want := fmt.Sprintf("%s %v %q", res.rows[0][0], res.rows[0][1] == "true", res.rows[0][2])
		typ := "VARCHAR"
		if cols := hive.Detect([]string{filepath.Join(dir, fmt.Sprintf("v%d/k=%s/p.csv", i, v))}); len(cols) == 1 {
			typ = cols[0].Type
		}
		text, null := hive.Value(v, typ)
		if got := fmt.Sprintf("%s %v %q", typ, null, text); got != want {
			t.Errorf("k=%s: %s, DuckDB %s", v, got, want)
		}
	}
}
