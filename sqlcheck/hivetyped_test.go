package sqlcheck

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestHiveTreeOfDuckDBAgrees: a table DuckDB wrote with COPY ...
// PARTITION_BY (year, month, d, ts, k), in CSV and in Parquet, its NULL
// keys in __HIVE_DEFAULT_PARTITION__ directories, reads as DuckDB reads it
// back: the keys typed by hive_types_autocast (year and month BIGINT, d
// DATE, ts VARCHAR for its URL-encoded colons, k VARCHAR), the NULLs NULL,
// in SELECT *, WHERE (the comparisons that prune typed: year > 2019,
// month = 3, d >= DATE), GROUP BY and ORDER BY (numbers and dates by value,
// NULLs last).
func TestHiveTreeOfDuckDBAgrees(t *testing.T) {
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	dir := t.TempDir()
	src := `SELECT i AS id, i * 10 AS v,
		CASE WHEN i % 7 = 0 THEN NULL ELSE 2017 + i % 5 END AS year,
		CASE WHEN i % 11 = 0 THEN NULL ELSE 1 + i % 12 END AS month,
		DATE '2024-01-01' + (i % 4)::INTEGER AS d,
		TIMESTAMP '2024-01-01 10:00:00' + to_hours(i % 3) AS ts,
		CASE WHEN i % 5 = 0 THEN NULL ELSE ['a b', 'x', 'y/z', '9'][1 + i % 4] END AS k
		FROM range(1, 60) t(i)`
	for _, f := range []string{"csv", "parquet"} {
		if _, err := db.Exec("COPY (" + src + ") TO '" + filepath.Join(dir, f) + "' (FORMAT " + f + ", PARTITION_BY (year, month, d, ts, k))"); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		"SELECT * FROM '{t}' ORDER BY id",
		"SELECT year, month, count(*) AS n, sum(v) AS s FROM '{t}' GROUP BY year, month ORDER BY year, month",
		"SELECT id, year FROM '{t}' WHERE year > 2019 ORDER BY id",
		"SELECT id FROM '{t}' WHERE month = 3 ORDER BY id",
		"SELECT id FROM '{t}' WHERE month IN (1, 12) AND year <= 2018 ORDER BY id",
		"SELECT id, d FROM '{t}' WHERE d >= DATE '2024-01-03' ORDER BY id",
		"SELECT id FROM '{t}' WHERE year IS NULL OR k IS NULL ORDER BY id",
		"SELECT k, count(*) AS n FROM '{t}' GROUP BY k ORDER BY k",
		"SELECT ts, max(year) AS y, min(month) AS m FROM '{t}' GROUP BY ts ORDER BY ts",
		"SELECT id, year, month FROM '{t}' ORDER BY year DESC, month, id LIMIT 9",
		"SELECT year + month AS ym, d + 1 AS next FROM '{t}' WHERE k = 'a b' ORDER BY id",
		"SELECT DISTINCT year FROM '{t}' ORDER BY year",
	} {
		for _, f := range []string{"csv", "parquet"} {
			q := strings.ReplaceAll(q, "{t}", filepath.Join(dir, f, "*/*/*/*/*/*."+f))
			r.agrees(t, db, strings.ReplaceAll(q, dir+"/", ""), q, true)
		}
	}
}
