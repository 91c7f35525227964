package pqcheck

import (
	"bytes"
	"context"
	"os"

	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/cli"
)

// arithQuery is a table of integer columns of each width and decimal
// columns of several widths and scales, with NULLs, whose arithmetic stays
// within DuckDB's types (no overflow).
const arithQuery = `SELECT
	i::BIGINT AS id,
	(i % 7)::TINYINT AS ti,
	(i * 3 - 4000)::SMALLINT AS si,
	CASE WHEN i % 40 = 1 THEN NULL ELSE (i * 7919) % 100003 - 50000 END::INTEGER AS n,
	(i * 1000003)::BIGINT AS b,
	CASE WHEN i % 30 = 2 THEN NULL ELSE ((i * 37) % 9973 - 4000) / 100 END::DECIMAL(9,2) AS d,
	((i * 7) % 100000 - 30000) / 1000::DECIMAL(18,3) AS e,
	(i % 999) / 10::DECIMAL(4,1) AS f
FROM range(3000) t(i)`

// TestSQLParquetArithmeticKeepsDuckDBTypes: +, -, * (and // and % of
// integers) over a Parquet file's integer and decimal columns print as
// DuckDB's (a DECIMAL(18,2) with two decimals) and a .parquet output types
// them as DuckDB's COPY does: INTEGER + INTEGER an INTEGER, BIGINT -
// INTEGER a BIGINT, a TINYINT + 1 a TINYINT, DECIMAL(9,2) * 2 a
// DECIMAL(18,2), * DECIMAL(9,2) a DECIMAL(18,4), + 1 a DECIMAL(13,2) (were
// DECIMAL(38,s)).
func TestSQLParquetArithmeticKeepsDuckDBTypes(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "arith.parquet")
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 500)`, arithQuery, in))
	queries := []string{
		"SELECT id, n + 1 AS a, n + n AS b, b - n AS c, ti + 1 AS t1, ti + ti AS t2, si * 2 AS s2, ti + si AS ts, ti + 300 AS t3, -n AS m, n * 3 - id AS x FROM 'F' WHERE id < 800 ORDER BY id",
		"SELECT id, d * 2 AS d2, d * d AS dd, d + 1 AS d1, d - n AS dn, n - d AS nd, d + e AS de, d * e AS dxe, e * e AS ee, f * f AS ff, f + f AS f2, d + 1.5 AS dl, d * 1.5 AS dm, n * 1.5 AS nm, b + d AS bd, (d + 1) * n AS dn2, -d AS md FROM 'F' WHERE id < 800 ORDER BY id",
		"SELECT n // 7 AS q, n % 7 AS r, ti * 2 AS k, count(*) AS c FROM 'F' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 LIMIT 300",
	}
	duckAgrees(t, db, in, "20KiB", queries)
	sqlWritesAsDuckDB(t, db, dir, in, "read_parquet('"+in+"')", "20KiB", queries...)
}

// TestSQLParquetArithmeticOverflow: where DuckDB fails a query on an
// overflow of its type (an INTEGER + an INTEGER past 2^31 - 1, a
// DECIMAL(18,4) product past 18 digits), the sql job prints the exact
// value in a CSV output (no wrong number), and a .parquet output, typed as
// DuckDB's, fails naming the column.
func TestSQLParquetArithmeticOverflow(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "big.parquet")
	exec(t, db, fmt.Sprintf(`COPY (SELECT 2147483000::INTEGER AS n, 99999999.99::DECIMAL(10,2) AS d) TO '%s' (FORMAT parquet)`, in))
	for _, c := range []struct{ q, csv, col string }{
		{"SELECT n + n AS a FROM 'F'", "a\n4294966000\n", "a"},
		{"SELECT d * d AS p FROM 'F'", "p\n9999999998000000.0001\n", "p"},
	} {
		q := strings.ReplaceAll(c.q, "'F'", "'"+in+"'")
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "Overflow") {
			t.Errorf("%s: DuckDB's error %v, want an overflow", q, err)
		}
		csv := filepath.Join(dir, "out.csv")
		runCLI(t, "sql", q, "--output", csv, "--state-dir", filepath.Join(dir, "state"))
		if got, err := os.ReadFile(csv); err != nil || string(got) != c.csv {
			t.Errorf("%s: CSV %q (%v), want %q", q, got, err, c.csv)
		}
		var out, errOut bytes.Buffer
		err := cli.Run(context.Background(), []string{"sql", q, "--output", filepath.Join(dir, "out.parquet"),
			"--state-dir", filepath.Join(dir, "state")}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.col) {
			t.Errorf("%s: .parquet output's error %v, want one naming column %s", q, err, c.col)
		} else {
			t.Log(err)
		}
	}
}

// unsignedQuery adds unsigned columns of each width to arithQuery's table,
// their arithmetic within their types (no wrap below 0, no overflow).
const unsignedQuery = `SELECT *, (id % 100 + 10)::UTINYINT AS ut, (id * 3 + 10)::USMALLINT AS us,
	(id * 70001 + 10)::UINTEGER AS ui, (id * 1000000007 + 10)::UBIGINT AS ub FROM (` + arithQuery + `)`

// TestSQLParquetUnsignedCastAndAggregateTypes: arithmetic over a Parquet
// file's unsigned columns (a UTINYINT + 1 a UTINYINT, + a TINYINT a
// BIGINT, a UINTEGER + an INTEGER a BIGINT, a UBIGINT + a BIGINT a
// HUGEINT, written as DuckDB writes one, a DOUBLE; * a DECIMAL(9,2) a
// DECIMAL(12,2)), a CAST to an integer or DECIMAL type (CAST(b AS
// INTEGER) an INTEGER), and sum, min and max of arithmetic (sum(si * ti) a
// HUGEINT, sum(d * 2) a DECIMAL(38,2), min(n + 1) an INTEGER) are typed
// in a .parquet output as DuckDB's COPY types them (were BIGINT or
// DECIMAL(38,s)), with DuckDB's values; a decimal GROUP BY key or max
// computed by arithmetic prints with its type's scale (d * 2 -80.00, was
// -80).
func TestSQLParquetUnsignedCastAndAggregateTypes(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "unsigned.parquet")
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 500)`, unsignedQuery, in))
	queries := []string{
		"SELECT id, ut + 1 AS a, ut + ut AS b, ut + ti AS c, us + si AS e, ui + n AS g, ub + b AS h, ut * d AS k, ub + 1.5 AS l, ut - 5 AS m, us + 300 AS o, ub * 2 AS q, ui // 3 AS r, ut + 300 AS s FROM 'F' WHERE id < 700 ORDER BY id",
		"SELECT id, CAST(b AS INTEGER) % 1000 AS a, CAST(n AS SMALLINT) AS c, CAST(ti AS TINYINT) + 1 AS e, CAST(d AS DECIMAL(10,3)) AS g, CAST(d AS DECIMAL(5,1)) * 2 AS h FROM 'F' WHERE id < 700 AND n BETWEEN -30000 AND 30000 ORDER BY id",
		"SELECT d * 2 AS k, f + 1 AS g, e - d AS h, count(*) AS c FROM 'F' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 LIMIT 400",
		"SELECT ti, sum(si * ti) AS a, sum(d * 2) AS b, min(n + 1) AS c, max(d * 2) AS e, sum(ut + 1) AS g, max(ui + ui) AS h, count(*) AS k FROM 'F' GROUP BY ti ORDER BY ti",
	}
	duckAgrees(t, db, in, "20KiB", queries)
	sqlWritesAsDuckDB(t, db, dir, in, "read_parquet('"+in+"')", "20KiB", queries...)
}
