package pqcheck

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
)

// int96Row is a row of legacy INT96 timestamps (Spark's, Hive's and
// Impala's default for years): one plain and nullable, one dictionary
// encoded.
type int96Row struct {
	ID  int64             `parquet:"id"`
	T96 *deprecated.Int96 `parquet:"t96,optional"`
	D96 deprecated.Int96  `parquet:"d96,dict"`
}

// int96Of is the INT96 of nanoseconds (of the day, or not) and a Julian day.
func int96Of(nanos int64, julianDay uint32) deprecated.Int96 {
	return deprecated.Int96{uint32(nanos), uint32(uint64(nanos) >> 32), julianDay}
}

// int96Edges are INT96 values at the edges of how DuckDB reads them
// (microseconds = (day - 2440588) * 86400e6 + nanos / 1000, the division
// cut toward zero): the epoch, nanoseconds below a microsecond on both
// sides of 0, nanoseconds of more than a day and far more, Julian day 0
// (4714 BC), the first day of year 1 and the last of 9999.
var int96Edges = []deprecated.Int96{
	int96Of(0, 2440588), int96Of(-1, 2440588), int96Of(-1001, 2440588), int96Of(999, 2440588),
	int96Of(86_400_000_000_000+5000, 2440588), int96Of(1<<62, 2440588), int96Of(1500, 0),
	int96Of(0, 1721426), int96Of(86_399_999_999_999, 5373484), int96Of(45_296_789_012_345, 2451545),
}

// TestInt96AsDuckDB: a legacy INT96 timestamp column, plain (with NULLs)
// and dictionary encoded, in several row groups, is DuckDB's TIMESTAMP:
// select's CSV output (also with a SQL --where on it) is DuckDB's CSV, its
// .parquet output has DuckDB's types and values (TIMESTAMP(MICROS)), and
// the sql job's GROUP BY, min/max, WHERE and ORDER BY over it answer as
// DuckDB does.
func TestInt96AsDuckDB(t *testing.T) {
	var groups [][]int96Row
	for g := range 4 {
		var rows []int96Row
		for i := range 150 {
			id := g*150 + i
			r := int96Row{ID: int64(id), D96: int96Edges[(id*7)%len(int96Edges)]}
			if id%9 != 4 {
				v := int96Edges[id%len(int96Edges)]
				if id%4 == 1 { // spread over the years too
					v = int96Of(int64(id)*1_234_567_891%86_400_000_000_000, uint32(2440588+id*53-15000))
				}
				r.T96 = &v
			}
			rows = append(rows, r)
		}
		groups = append(groups, rows)
	}
	db := openDB(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "int96.parquet")
	pqtest.WriteGo(t, in, groups)
	if got := duckTypes(t, db, in); got != "id BIGINT,t96 TIMESTAMP,d96 TIMESTAMP" {
		t.Fatalf("DuckDB reads the file's columns as %s: the test tests less than it says", got)
	}
	state := filepath.Join(dir, "state")
	for i, where := range []string{"", "t96 >= TIMESTAMP '2000-01-01 12:34:56.789012'", "d96 < DATE '1970-01-01' AND t96 IS NOT NULL"} {
		out := filepath.Join(dir, fmt.Sprintf("out%d.csv", i))
		args := []string{"run", "--job", "select", "--input", in, "--columns", "id,t96,d96", "--output", out,
			"--chunk-size", "4KiB", "--state-dir", state}
		cond := ""
		if where != "" {
			args, cond = append(args, "--where", where), " WHERE "+where
		}
		runCLI(t, args...)
		got := testutil.ReadFile(t, out)
		want := filepath.Join(dir, fmt.Sprintf("want%d.csv", i))
		exec(t, db, fmt.Sprintf(`COPY (SELECT id, t96, d96 FROM read_parquet('%s')%s) TO '%s' (HEADER)`, in, cond, want))
		wantData := testutil.ReadFile(t, want)
		if !bytes.Equal(got, wantData) || bytes.Count(wantData, []byte("\n")) < 20 {
			t.Errorf("--where %q: select's CSV output differs from DuckDB's: %s", where, testutil.FirstLineDiff(got, wantData))
		}
	}
	out := filepath.Join(dir, "out.parquet")
	runCLI(t, "run", "--job", "select", "--input", in, "--columns", "id,t96,d96", "--output", out,
		"--chunk-size", "4KiB", "--state-dir", state)
	want := filepath.Join(dir, "want.parquet")
	exec(t, db, fmt.Sprintf(`COPY (SELECT id, t96, d96 FROM read_parquet('%s')) TO '%s' (FORMAT parquet)`, in, want))
	sameAsDuckDB(t, db, out, want, nil)
	duckAgrees(t, db, in, "4KiB", []string{
		"SELECT d96, count(*) AS n, min(t96) AS lo, max(t96) AS hi FROM 'F' GROUP BY d96 ORDER BY d96",
		"SELECT id, t96, d96 FROM 'F' WHERE t96 < d96 OR t96 = TIMESTAMP '1969-12-31 23:59:59.999999' ORDER BY t96 DESC NULLS FIRST, id",
		"SELECT CAST(t96 AS DATE) AS d, count(DISTINCT d96) AS n FROM 'F' GROUP BY 1 ORDER BY 1 NULLS FIRST",
	})
}
