package pqcheck

import (
	"fmt"
	"path/filepath"
	"testing"
)

// doublesQuery is a table of DOUBLE columns: d of eighths (whose sums
// every order of addition gives exactly), s of the same with infinities,
// NaN, -0.0 and 1e308 in some groups of k, p of 0.1 (whose floating-point
// sums are not its decimal text's), with NULLs.
const doublesQuery = `SELECT
	i::BIGINT AS id,
	i % 7 AS k,
	CASE WHEN i % 50 = 1 THEN NULL ELSE ((i * 37) % 97 - 40) / 8 END::DOUBLE AS d,
	CASE
		WHEN i = 15 THEN 'inf'::DOUBLE
		WHEN i = 23 THEN '-inf'::DOUBLE WHEN i = 30 THEN 'inf'::DOUBLE
		WHEN i = 38 THEN 'nan'::DOUBLE
		WHEN i = 46 OR i = 81 THEN 1e308
		WHEN i % 13 = 0 THEN -0.0
		ELSE (i % 11 - 5) / 4 END::DOUBLE AS s,
	0.1::DOUBLE AS p
FROM range(3000) t(i)`

// TestSQLOnParquetDoubles: the sql job over a Parquet file's DOUBLE
// columns answers as DuckDB does: sum and avg add as doubles (an infinity
// makes the sum one, inf and -inf nan, NaN nan, 1e308 + 1e308 inf; three
// 0.1s 0.30000000000000004, not 0.3), min and max order NaN last, and
// arithmetic on a DOUBLE is a DOUBLE (printed as DuckDB prints one, not as
// an exact decimal); a .parquet output types them DOUBLE, as DuckDB's COPY.
func TestSQLOnParquetDoubles(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "doubles.parquet")
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 500)`, doublesQuery, in))
	queries := []string{
		"SELECT k, sum(d) AS s, avg(d) AS a, min(d) AS lo, max(d) AS hi, count(d) AS n FROM 'F' GROUP BY k ORDER BY k",
		"SELECT k, sum(s) AS s, avg(s) AS a, min(s) AS lo, max(s) AS hi FROM 'F' GROUP BY k ORDER BY k",
		"SELECT sum(s) AS s, sum(d) AS d FROM 'F' WHERE id < 20 OR id > 100",
		"SELECT id // 3 AS g, sum(p) AS s, avg(p) AS a FROM 'F' WHERE id < 30 GROUP BY 1 ORDER BY 1",
		"SELECT id, d * 2 AS d2, d + id AS e, s - 1 AS f, d / 8 AS q FROM 'F' WHERE d > 0.5 AND id < 400 ORDER BY id",
		"SELECT id, s FROM 'F' WHERE s >= 1 OR s < -1e300 ORDER BY s, id",
	}
	duckAgrees(t, db, in, "20KiB", queries)
	sqlWritesAsDuckDB(t, db, dir, in, "read_parquet('"+in+"')", "20KiB", queries[0], queries[1], queries[4])
}
