package pqcheck

import (
	"path/filepath"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestSQLParquetOutputOfHiveTypes: the sql job's .parquet output of a
// Hive tree's partition columns, typed by hive_types_autocast (year
// BIGINT, d DATE, a NULL key's __HIVE_DEFAULT_PARTITION__ not weighing in)
// or by the query's hive_types (month=03 as BIGINT, DOUBLE or
// DECIMAL(5,2)), is DuckDB's COPY of the same query: the same Parquet
// types and values.
func TestSQLParquetOutputOfHiveTypes(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	for _, name := range []string{
		"t/year=2019/month=03/d=2024-01-02/p.csv", "t/year=2020/month=3/d=2024-01-03/p.csv",
		"t/year=2020/month=11/d=__HIVE_DEFAULT_PARTITION__/p.csv", "t/year=__HIVE_DEFAULT_PARTITION__/month=2/d=2024-02-01/p.csv",
	} {
		testutil.WriteFile(t, dir, name, []byte("id,v\n1,10\n2,20\n"))
	}
	in := filepath.Join(dir, "t/*/*/*/*.csv")
	sqlWritesAsDuckDB(t, db, dir, in, "'"+in+"'", "1MiB",
		"SELECT * FROM 'F' ORDER BY year, month, id",
		"SELECT year, d, count(*) AS n FROM 'F' GROUP BY year, d ORDER BY year, d",
		"SELECT d + 1 AS next, year * 2 AS y2 FROM 'F' ORDER BY next, y2",
	)
	sqlWritesAsDuckDB(t, db, dir, in, "'"+in+"'", "1MiB",
		"SELECT * FROM read_csv('F', hive_types = {'month': 'BIGINT'}) ORDER BY month, year, id",
		"SELECT month, count(*) AS n FROM read_csv('F', hive_types = {'month': 'DOUBLE'}) GROUP BY month ORDER BY month",
		"SELECT month, id FROM read_csv('F', hive_types = {'month': 'DECIMAL(5,2)'}) ORDER BY month, id",
		"SELECT year, month FROM read_csv('F', hive_types_autocast = false) ORDER BY year, month",
		"SELECT month, max(year) AS y FROM read_csv('F', hive_types = {'month': 'INTEGER'}) GROUP BY month ORDER BY month",
		"SELECT month, year, id FROM read_csv('F', hive_types = {'month': 'SMALLINT', 'year': 'int'}) ORDER BY month, year, id",
	)
}
