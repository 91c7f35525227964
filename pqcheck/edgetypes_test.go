package pqcheck

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/testutil"
)

// edgeTypesQuery is the edge values of the types a .parquet output keeps
// (BLOB, UUID, TIME, TIME WITH TIME ZONE, JSON): an empty BLOB, one of
// every byte's escape, NULL in each, TIME 24:00:00 and 00:00:00, TIME
// WITH TIME ZONE at negative, positive and zero offsets across midnight,
// an empty JSON string and JSON null.
const edgeTypesQuery = `SELECT
	i::BIGINT AS id,
	CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN ''::BLOB WHEN 2 THEN '\x00\x5C\xFFa,"b'::BLOB ELSE 'x'::BLOB END AS bl,
	CASE WHEN i % 3 = 0 THEN NULL ELSE ('00000000-0000-0000-0000-' || lpad(i::VARCHAR, 12, '0'))::UUID END AS u,
	CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN '24:00:00'::TIME WHEN 2 THEN '00:00:00'::TIME ELSE '23:59:59.999999'::TIME END AS tm,
	CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN '23:30:00-05:30'::TIMETZ WHEN 2 THEN '00:15:00+02'::TIMETZ WHEN 3 THEN '12:00:00-00:00:30'::TIMETZ ELSE '00:00:00+00'::TIMETZ END AS ttz,
	CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN 'null'::JSON ELSE '""'::JSON END AS js
FROM range(60) t(i)`

// TestSelectKeepsEdgeValuesOfMoreTypes: select over edgeTypesQuery's file
// writes a CSV output equal to DuckDB's CSV of it, and a .parquet output
// of the input's types and values, as DuckDB's COPY writes them.
func TestSelectKeepsEdgeValuesOfMoreTypes(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "edge.parquet")
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 20)`, edgeTypesQuery, in))
	cols := columnNames(t, blob.NewMux(nil), in)
	state := filepath.Join(dir, "state")
	csvOut := filepath.Join(dir, "out.csv")
	runCLI(t, "run", "--job", "select", "--input", in, "--columns", strings.Join(cols, ","), "--output", csvOut, "--state-dir", state)
	got, err := os.ReadFile(csvOut)
	if err != nil {
		t.Fatal(err)
	}
	if want := duckCSVBytes(t, db, in, ""); !bytes.Equal(got, want) {
		t.Errorf("select's CSV output differs from DuckDB's CSV: %s", testutil.FirstLineDiff(got, want))
	}
	out := filepath.Join(dir, "out.parquet")
	runCLI(t, "run", "--job", "select", "--input", in, "--columns", strings.Join(cols, ","), "--output", out, "--state-dir", state)
	want := filepath.Join(dir, "want.parquet")
	exec(t, db, fmt.Sprintf(`COPY (SELECT * FROM read_parquet('%s')) TO '%s' (FORMAT parquet)`, in, want))
	sameAsDuckDB(t, db, out, want, nil)
}
