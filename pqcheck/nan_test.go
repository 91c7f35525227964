package pqcheck

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// nanQuery is a table of a DOUBLE x and a FLOAT fx holding NaNs with and
// without the sign bit (-('nan'), inf - inf: -nan on amd64), infinities
// and numbers.
const nanQuery = `SELECT i::BIGINT AS id,
	CASE i % 6 WHEN 0 THEN 'nan'::DOUBLE WHEN 1 THEN -('nan'::DOUBLE) WHEN 2 THEN 'inf'::DOUBLE - 'inf'::DOUBLE
		WHEN 3 THEN i / 8 WHEN 4 THEN '-inf'::DOUBLE ELSE -i / 4 END AS x,
	CASE i % 5 WHEN 0 THEN 'nan'::FLOAT WHEN 1 THEN -('nan'::FLOAT) ELSE (i / 16)::FLOAT END AS fx
FROM range(200) t(i)`

// TestSQLPrintsNegativeNaNAsDuckDB: a Parquet DOUBLE or FLOAT NaN whose
// sign bit is set prints -nan, as DuckDB's CSV writer prints it (it
// printed nan), through SELECT * and the select job, and carries its sign
// through arithmetic (-nan * 2 is -nan, -(-nan) nan) as DuckDB's does.
func TestSQLPrintsNegativeNaNAsDuckDB(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "nan.parquet")
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 50)`, nanQuery, in))
	duckAgrees(t, db, in, "2KiB", []string{
		"SELECT * FROM 'F'",
		"SELECT id, x, x * 2 AS y, -x AS z FROM 'F' WHERE id < 100 ORDER BY id",
		"SELECT id % 6 AS k, sum(x) AS s, avg(x) AS a FROM 'F' WHERE id % 6 <> 0 GROUP BY 1 ORDER BY 1",
	})
	got := filepath.Join(dir, "select.csv")
	runCLI(t, "run", "--job", "select", "--input", in, "--columns", "id,x,fx", "--output", got, "--chunk-size", "2KiB", "--state-dir", filepath.Join(dir, "state"))
	want := filepath.Join(dir, "duck.csv")
	exec(t, db, fmt.Sprintf(`COPY (SELECT id, x, fx FROM '%s') TO '%s' (HEADER)`, in, want))
	if g, w := testutil.ReadFile(t, got), testutil.ReadFile(t, want); !bytes.Equal(g, w) {
		t.Errorf("select's output differs from DuckDB's: %s", testutil.FirstLineDiff(g, w))
	}
	// A .parquet output keeps the NaNs' sign bits and the columns' types.
	out := filepath.Join(dir, "select.parquet")
	runCLI(t, "run", "--job", "select", "--input", in, "--columns", "id,x,fx", "--output", out, "--chunk-size", "2KiB", "--state-dir", filepath.Join(dir, "state"))
	wantPQ := filepath.Join(dir, "duck.parquet")
	exec(t, db, fmt.Sprintf(`COPY (SELECT id, x, fx FROM '%s') TO '%s' (FORMAT parquet)`, in, wantPQ))
	sameAsDuckDB(t, db, out, wantPQ, nil)
	sqlWritesAsDuckDB(t, db, dir, in, "'"+in+"'", "2KiB", "SELECT id, x, -x AS z, fx FROM 'F'")
}
