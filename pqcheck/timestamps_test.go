package pqcheck

import (
	"bytes"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
)

// tsRow is a row of the timestamp kinds real files hold: a legacy INT96
// (Spark, Hive, Impala), nanoseconds (pandas' default) and, adjusted to UTC,
// microseconds (a tz-aware column), written by the Go library.
type tsRow struct {
	ID  int64             `parquet:"id"`
	T96 *deprecated.Int96 `parquet:"t96,optional"`
	NS  *int64            `parquet:"ns,optional,timestamp(nanosecond:local)"`
	TZ  int64             `parquet:"tz,timestamp(microsecond:utc)"`
}

// tsRows are n rows of timestamps spread over 1956 to 2025, with
// nanoseconds below the microsecond, repeats (for GROUP BY) and nulls.
func tsRows(n int) []tsRow {
	rows := make([]tsRow, n)
	for i := range rows {
		r := &rows[i]
		r.ID = int64(i)
		day := int64(i*37%25000 - 5000)
		nanos := int64(i) * 1_234_567_891 % 86_400_000_000_000
		if i%10 == 3 {
			day, nanos = int64(i%7*1000), int64(i%5)*1_000_000_000
		}
		if i%13 != 0 {
			v := deprecated.Int96{uint32(nanos), uint32(nanos >> 32), uint32(2440588 + day)}
			r.T96 = &v
		}
		r.TZ = (day*86_400_000_000_000 + nanos) / 1000
		if i%11 != 0 {
			ns := day*86_400_000_000_000 + nanos
			switch i % 10 {
			case 7:
				ns += 1 // a nanosecond past INT96's microsecond
			case 9:
				ns = -int64(i) // just before 1970, cut toward 0 by CAST
			}
			r.NS = &ns
		}
	}
	return rows
}

// duckAgrees runs each query (its 'F' the file) with the sql job, its
// chunks of chunkSize, and with DuckDB, and fails unless their CSV answers
// are equal byte for byte (and hold a row).
func duckAgrees(t *testing.T, db *sql.DB, file, chunkSize string, queries []string) {
	t.Helper()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	for i, q := range queries {
		t.Run(fmt.Sprintf("query%d", i), func(t *testing.T) {
			q = strings.ReplaceAll(q, "'F'", "'"+file+"'")
			want := filepath.Join(dir, fmt.Sprintf("duck%d.csv", i))
			exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (HEADER)`, q, want))
			wantData := testutil.ReadFile(t, want)
			got := filepath.Join(dir, fmt.Sprintf("scatter%d.csv", i))
			runCLI(t, "sql", q, "--output", got, "--chunk-size", chunkSize, "--state-dir", state)
			gotData := testutil.ReadFile(t, got)
			if !bytes.Equal(gotData, wantData) || bytes.Count(wantData, []byte("\n")) < 2 {
				t.Fatalf("%s\nsql's answer differs from DuckDB's: %s", q, testutil.FirstLineDiff(gotData, wantData))
			}
		})
	}
}

// timestampsAgree runs queries (duckAgrees) over the rows of tsRows(3000),
// written to a Parquet file in one row group, at chunks of 20 KiB.
func timestampsAgree(t *testing.T, queries []string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "ts.parquet")
	pqtest.WriteGo(t, file, [][]tsRow{tsRows(3000)})
	duckAgrees(t, openDB(t), file, "20KiB", queries)
}

// TestSQLOnInt96Timestamps: an INT96 column is DuckDB's TIMESTAMP (the
// nanoseconds below the microsecond cut off): it compares with TIMESTAMP
// and DATE literals and quoted timestamps by value, and min, max,
// count(DISTINCT), GROUP BY, ORDER BY and CAST to DATE answer as DuckDB's.
func TestSQLOnInt96Timestamps(t *testing.T) {
	timestampsAgree(t, []string{
		"SELECT id, t96 FROM 'F' WHERE t96 >= TIMESTAMP '2001-01-01 00:00:00' AND t96 < '2001-06-01' ORDER BY id",
		"SELECT id, t96 FROM 'F' WHERE t96 = '1972-09-27 00:00:03.000' OR t96 = '1970-01-01T00:00:03' OR t96 = TIMESTAMP '1971-05-16 00:00:03' ORDER BY id",
		"SELECT min(t96) AS lo, max(t96) AS hi, count(DISTINCT t96) AS n, count(t96) AS c FROM 'F'",
		"SELECT t96, count(*) AS n FROM 'F' WHERE t96 < DATE '1975-01-01' GROUP BY t96 ORDER BY n DESC, t96 DESC",
		"SELECT CAST(t96 AS DATE) AS d, count(*) AS n FROM 'F' GROUP BY 1 ORDER BY 1 NULLS FIRST LIMIT 40",
	})
}

// TestSQLOnNanoTimestamps: a TIMESTAMP of nanoseconds (pandas' default) is
// DuckDB's TIMESTAMP_NS: printed with up to nine fraction digits, compared
// with TIMESTAMP literals, INT96 columns and dates by their nanoseconds,
// with quoted timestamps as TIMESTAMP_NS, cast to TIMESTAMP and DATE as
// DuckDB casts (the microsecond cut toward 0), and min, max,
// count(DISTINCT), GROUP BY and ORDER BY over its nanoseconds.
func TestSQLOnNanoTimestamps(t *testing.T) {
	timestampsAgree(t, []string{
		"SELECT id, ns FROM 'F' WHERE ns > TIMESTAMP '2001-01-01 00:00:00' AND ns < '2001-06-01' ORDER BY id",
		"SELECT id, ns FROM 'F' WHERE ns = '1972-09-27 00:00:03.000' OR ns <= DATE '1956-04-01' OR ns = '1970-01-01 00:00:03.000000000' ORDER BY id",
		"SELECT min(ns) AS lo, max(ns) AS hi, count(DISTINCT ns) AS n, count(ns) AS c FROM 'F'",
		"SELECT ns, count(*) AS n FROM 'F' WHERE ns < DATE '1975-01-01' GROUP BY ns ORDER BY n DESC, ns DESC",
		"SELECT CAST(ns AS DATE) AS d, CAST(ns AS TIMESTAMP) AS t, count(*) AS n FROM 'F' WHERE id < 400 GROUP BY 1, 2 ORDER BY 2 NULLS FIRST",
		"SELECT id, ns, t96, ns > t96 AS later FROM 'F' WHERE ns >= t96 ORDER BY id",
	})
}

// TestSQLOnUTCTimestamps: a timestamp adjusted to UTC, DuckDB's TIMESTAMP
// WITH TIME ZONE, prints as DuckDB prints it with TimeZone 'UTC' (openDB's
// setting), "+00" after it, and compares with TIMESTAMP and DATE literals
// as DuckDB compares the instants in UTC.
func TestSQLOnUTCTimestamps(t *testing.T) {
	timestampsAgree(t, []string{
		"SELECT id, tz FROM 'F' WHERE tz >= TIMESTAMP '2001-01-01 00:00:00' AND tz < DATE '2001-06-01' ORDER BY id",
		"SELECT id, tz FROM 'F' WHERE tz = TIMESTAMP '1972-09-27 00:00:03' OR tz <= DATE '1956-04-01' ORDER BY id",
		"SELECT min(tz) AS lo, max(tz) AS hi, count(DISTINCT tz) AS n FROM 'F'",
		"SELECT tz, count(*) AS n FROM 'F' WHERE tz < DATE '1975-01-01' GROUP BY tz ORDER BY n DESC, tz DESC",
	})
}
