package pqcheck

import (
	"bytes"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
)

// edgeRow holds a value at the edges of each timestamp kind and of DATE, the
// others null: DuckDB's infinities (the largest int64, and its negation;
// for a DATE the largest int32 and its negation), the values next to them,
// and nanoseconds adjusted to UTC, which DuckDB reads as microseconds.
type edgeRow struct {
	ID   int64  `parquet:"id"`
	NS   *int64 `parquet:"ns,optional,timestamp(nanosecond:local)"`
	US   *int64 `parquet:"us,optional,timestamp(microsecond:local)"`
	MS   *int64 `parquet:"ms,optional,timestamp(millisecond:local)"`
	TZ   *int64 `parquet:"tz,optional,timestamp(microsecond:utc)"`
	TZNS *int64 `parquet:"tzns,optional,timestamp(nanosecond:utc)"`
	D    *int32 `parquet:"d,optional,date"`
}

// edgeRows is a row per edge value of each column. Values DuckDB refuses to
// read (below its TIMESTAMP and TIMESTAMP_NS ranges; milliseconds past the
// microseconds' range) are left out, and so is a TIMESTAMPTZ of the
// microsecond before infinity, which DuckDB prints a millisecond off.
func edgeRows() []edgeRow {
	const maxI, negI = math.MaxInt64, -math.MaxInt64
	sub := int64(-62135596800000001) // before year 1 as microseconds, 1968 as nanoseconds
	vals := map[string][]int64{
		"ns":   {maxI, negI, maxI - 1, 0, -1, sub, 1_234_567_891},
		"us":   {maxI, negI, maxI - 1, 0, -1, sub, 253402300800000005},
		"ms":   {maxI, negI, 0, -1, 1_234_567_891},
		"tz":   {maxI, negI, 0, -1, sub, 253402300800000005},
		"tzns": {maxI, negI, maxI - 1, math.MinInt64, -1, sub, math.MinInt64 / 1000, 1_234_567_891},
		"d":    {math.MaxInt32, -math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, 0, -1000000, 3000000},
	}
	var rows []edgeRow
	for _, col := range []string{"ns", "us", "ms", "tz", "tzns", "d"} {
		for _, v := range vals[col] {
			r := edgeRow{ID: int64(len(rows))}
			v := v
			switch col {
			case "ns":
				r.NS = &v
			case "us":
				r.US = &v
			case "ms":
				r.MS = &v
			case "tz":
				r.TZ = &v
			case "tzns":
				r.TZNS = &v
			case "d":
				d := int32(v)
				r.D = &d
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// TestTimestampEdgesReadAsDuckDB: timestamps of every unit (adjusted to UTC
// or not) and dates at DuckDB's infinities read as DuckDB's CSV writer
// prints them, "infinity" and "-infinity" (not a date in the year 294247 or
// 5881580), the values beside them as dates; and nanoseconds adjusted to
// UTC as DuckDB's TIMESTAMP WITH TIME ZONE, microseconds cut toward zero.
func TestTimestampEdgesReadAsDuckDB(t *testing.T) {
	db := openDB(t)
	file := filepath.Join(t.TempDir(), "edges.parquet")
	pqtest.WriteGo(t, file, [][]edgeRow{edgeRows()})
	cols := []string{"id", "ns", "us", "ms", "tz", "tzns", "d"}
	want := duckCSV(t, db, file, cols)
	got, _ := readAll(t, blob.NewMux(nil), file, cols, 1<<30)
	compare(t, want[1:], got, cols)
	infinities := 0
	for _, rec := range want[1:] {
		for _, v := range rec[1:] {
			if v == "infinity" || v == "-infinity" {
				infinities++
			}
		}
	}
	if infinities != 12 {
		t.Errorf("DuckDB printed %d infinities, want 12 (the test's rows are not what it says)", infinities)
	}
}

// outRow is a row of every type the sql job types from Parquet that a
// Parquet output keeps: nanoseconds (TIMESTAMP_NS), microseconds and INT96
// (TIMESTAMP), and DATE, with years before 1 and after 9999.
type outRow struct {
	ID  int64             `parquet:"id"`
	NS  *int64            `parquet:"ns,optional,timestamp(nanosecond:local)"`
	US  *int64            `parquet:"us,optional,timestamp(microsecond:local)"`
	D   *int32            `parquet:"d,optional,date"`
	T96 *deprecated.Int96 `parquet:"t96,optional"`
}

func outRows(n int) []outRow {
	rows := make([]outRow, n)
	for i := range rows {
		r := &rows[i]
		r.ID = int64(i)
		if i%7 != 0 {
			ns := (int64(i)*7_919_000_000_001 + int64(i%3)*999) * int64(1-2*(i%2)) // sub-µs, both sides of 1970
			r.NS = &ns
		}
		if i%5 != 0 {
			us := int64(i-n/2) * 400_000_000_000_007 // 0001 BC and before, 9999 and after
			r.US = &us
		}
		if i%6 != 0 {
			d := int32((i - n/2) * 5_001)
			r.D = &d
		}
		if i%4 != 0 {
			nanos := int64(i) * 1_234_567_891 % 86_400_000_000_000
			v := deprecated.Int96{uint32(nanos), uint32(nanos >> 32), uint32(2440588 + i*37 - 5000)}
			r.T96 = &v
		}
	}
	return rows
}

// TestSQLParquetOutputKeepsTimestamps: the sql job's Parquet output of
// TIMESTAMP_NS, TIMESTAMP (from microseconds and INT96) and DATE columns,
// and of their min and max, has DuckDB's types (TIMESTAMP(NANOS) and
// TIMESTAMP(MICROS) not adjusted to UTC, DATE) and, read by DuckDB, the
// values DuckDB answers over the input: nanoseconds kept, years before 1
// and after 9999.
func TestSQLParquetOutputKeepsTimestamps(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "in.parquet")
	pqtest.WriteGo(t, file, [][]outRow{outRows(1500)})
	for i, c := range []struct{ query, types string }{
		{"SELECT id, ns, us, d, t96 FROM 'F' ORDER BY id", "id BIGINT,ns TIMESTAMP_NS,us TIMESTAMP,d DATE,t96 TIMESTAMP"},
		{"SELECT id % 10 AS k, min(ns) AS lo, max(ns) AS hi, max(us) AS u, min(d) AS d, max(t96) AS t FROM 'F' GROUP BY 1 ORDER BY 1",
			"k BIGINT,lo TIMESTAMP_NS,hi TIMESTAMP_NS,u TIMESTAMP,d DATE,t TIMESTAMP"},
	} {
		q := strings.ReplaceAll(c.query, "'F'", "'"+file+"'")
		out := filepath.Join(dir, fmt.Sprintf("out%d.parquet", i))
		runCLI(t, "sql", q, "--output", out, "--chunk-size", "20KiB", "--state-dir", filepath.Join(dir, "state"))
		if got := duckTypes(t, db, out); got != c.types {
			t.Errorf("%s\nDuckDB reads our output's types as %s\nwant %s", c.query, got, c.types)
		}
		want := filepath.Join(dir, fmt.Sprintf("want%d.csv", i))
		exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (HEADER)`, q, want))
		wantData := testutil.ReadFile(t, want)
		gotData := duckCSVBytes(t, db, out, "")
		if !bytes.Equal(gotData, wantData) || bytes.Count(wantData, []byte("\n")) < 10 {
			t.Errorf("%s\nour Parquet output, read by DuckDB, differs from DuckDB's answer: %s", c.query, testutil.FirstLineDiff(gotData, wantData))
		}
		for _, re := range []string{`\(BC\)`, `[0-9]{5}-[0-9]{2}-[0-9]{2} `, `\.[0-9]{9}`} {
			if !regexp.MustCompile(re).Match(wantData) {
				t.Errorf("%s\nDuckDB's answer has no match of %s: the case tests less than it says", c.query, re)
			}
		}
	}
}

// duckTypes is "name TYPE" of each column of a Parquet file as DuckDB reads
// it, joined by commas.
func duckTypes(t *testing.T, db *sql.DB, file string) string {
	t.Helper()
	_, rows, err := testutil.QueryStrings(db, `SELECT column_name || ' ' || column_type FROM (DESCRIBE SELECT * FROM read_parquet('`+file+`'))`, nil)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range rows {
		types = append(types, r[0])
	}
	return strings.Join(types, ",")
}

// TestSQLOrdersUTCTimestampsByInstant: timestamps adjusted to UTC of years
// before 1 (printed "(BC)") and after 9999 (five digits), which sort
// otherwise as text, are ordered by instant as DuckDB orders its TIMESTAMP
// WITH TIME ZONE: ORDER BY both ways, min and max, GROUP BY with ORDER BY,
// a top-k, and min and max per group.
func TestSQLOrdersUTCTimestampsByInstant(t *testing.T) {
	rows := make([]edgeRow, 3000)
	for i := range rows {
		rows[i].ID = int64(i)
		if i%9 != 0 {
			us := int64(i%700-300)*1_000_000_000_037_000 + int64(i%700%7) // 7500 BC to 14600 AD, repeated
			rows[i].TZ = &us
		}
	}
	file := filepath.Join(t.TempDir(), "tz.parquet")
	pqtest.WriteGo(t, file, [][]edgeRow{rows})
	db := openDB(t)
	duckAgrees(t, db, file, "20KiB", []string{
		"SELECT id, tz FROM 'F' WHERE id < 800 ORDER BY tz, id",
		"SELECT id, tz FROM 'F' WHERE id < 800 ORDER BY tz DESC NULLS FIRST, id",
		"SELECT min(tz) AS lo, max(tz) AS hi, count(DISTINCT tz) AS n FROM 'F'",
		"SELECT tz, count(*) AS n FROM 'F' GROUP BY tz ORDER BY tz DESC",
		"SELECT id, tz FROM 'F' ORDER BY tz DESC, id LIMIT 7",
		"SELECT id % 5 AS k, min(tz) AS lo, max(tz) AS hi FROM 'F' GROUP BY 1 ORDER BY 1",
	})
	// the data spans what the test says, as DuckDB prints it
	var bc, late int
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE CAST(tz AS VARCHAR) LIKE '%(BC)%'), count(*) FILTER (WHERE tz >= TIMESTAMPTZ '10000-01-01 00:00:00+00') FROM read_parquet('`+file+`')`).Scan(&bc, &late); err != nil || bc < 100 || late < 100 {
		t.Fatalf("%d values before year 1, %d after 9999 (%v): the test tests less than it says", bc, late, err)
	}
}
