package pqcheck

import (
	"fmt"
	"path/filepath"
	"testing"
)

// floatsQuery is a table of FLOAT columns: f of thirds and eighths
// (whose float32 text is not the double's: 1/3 is 0.33333334), x of the
// same with NaN, infinities, -0.0, a subnormal and the largest float in
// some rows, and a DOUBLE d, with NULLs.
const floatsQuery = `SELECT
	i::BIGINT AS id,
	i % 7 AS k,
	CASE WHEN i % 50 = 1 THEN NULL ELSE (i % 23 - 11) / 3 END::FLOAT AS f,
	CASE
		WHEN i = 15 THEN 'inf'::FLOAT
		WHEN i = 23 THEN '-inf'::FLOAT
		WHEN i = 38 OR i = 61 THEN 'nan'::FLOAT
		WHEN i = 46 THEN 3.4028235e38::FLOAT
		WHEN i = 52 THEN 1e-45::FLOAT
		WHEN i % 13 = 0 THEN -0.0::FLOAT
		ELSE (i % 11 - 5) / 8 END::FLOAT AS x,
	((i % 17) / 7)::DOUBLE AS d
FROM range(600) t(i)`

// TestSQLOnParquetFloats: the sql job over a Parquet file's FLOAT columns
// answers as DuckDB does: a FLOAT prints in its 32-bit shortest form
// (0.33333334), arithmetic with an integer is a FLOAT computed in float32
// (f * 2 0.6666667), with a DOUBLE a DOUBLE, sum and avg add the floats as
// doubles (3.3333334028720856), a NaN is a value (the row is kept), CAST
// to FLOAT or REAL rounds to a float; a .parquet output types them FLOAT,
// as DuckDB's COPY.
func TestSQLOnParquetFloats(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "floats.parquet")
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 100)`, floatsQuery, in))
	queries := []string{
		"SELECT id, f, x, f * 2 AS f2, f + 1 AS f1, x * 2 AS x2, f + id AS fi, f + d AS fd, f - x AS fx, f / 3 AS q FROM 'F' WHERE id < 80 ORDER BY id",
		"SELECT k, sum(f) AS s, avg(f) AS a, min(f) AS lo, max(f) AS hi, sum(x) AS sx, min(x) AS lx, max(x) AS hx FROM 'F' GROUP BY k ORDER BY k",
		"SELECT x, count(*) AS n FROM 'F' GROUP BY x ORDER BY x",
		// DuckDB prints a -0.0 that is an ORDER BY key as 0.0 (docs/sql.md).
		"SELECT id, x FROM 'F' WHERE id < 70 AND x <> 0 ORDER BY x, id",
		"SELECT id, CAST(d AS FLOAT) AS c, CAST(d AS REAL) * 3 AS r, CAST(f AS DOUBLE) AS w FROM 'F' WHERE id < 40 ORDER BY id",
		"SELECT sum(f) AS s, avg(f) AS a, sum(f * 2) AS s2 FROM 'F'",
		"SELECT id, f, x FROM 'F' WHERE f = -3.6666667 OR f = 0.33333334 OR x = 0.375 OR f > 3.6 ORDER BY id",
	}
	duckAgrees(t, db, in, "8KiB", queries)
	sqlWritesAsDuckDB(t, db, dir, in, "read_parquet('"+in+"')", "8KiB", queries[0], queries[1], queries[4])
}
