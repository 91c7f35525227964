package pqcheck

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
)

// TestDatesOfEveryYearLength: DATE and TIMESTAMP values of years of one to
// seven digits, after and before the common era (every year from 1400 BC to
// 1400 AD, a few days each, and DuckDB's extreme dates, those as DATE only), read as DuckDB's CSV
// writer prints them: the year padded to four digits, " (BC)" after a year
// before 1 (0000 being 1 BC).
func TestDatesOfEveryYearLength(t *testing.T) {
	db := openDB(t)
	store := blob.NewMux(nil)
	file := filepath.Join(t.TempDir(), "dates.parquet")
	q := `SELECT i AS id, d, ts, ts::TIMESTAMPTZ AS tstz FROM (SELECT i, d, CASE WHEN i < 100000 THEN d::TIMESTAMP + to_microseconds((i % 86400) * 1000001) END AS ts FROM (
		SELECT i, DATE '0001-01-01' + (i * 97)::INTEGER AS d FROM range(-5300, 5300) t(i)
		UNION ALL SELECT 100000 + i, d FROM (VALUES
			(0, DATE '5877642-06-25 (BC)'), (1, DATE '5881580-07-10'), (2, DATE '9999-12-31'),
			(3, DATE '10000-01-01'), (4, DATE '0010-01-01 (BC)'), (5, DATE '0100-12-31 (BC)'),
			(6, DATE '0999-02-28'), (7, DATE '0005-01-01'), (8, DATE '0001-01-01 (BC)')) v(i, d)
	)) ORDER BY id`
	exec(t, db, fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet)`, q, file))
	cols := []string{"id", "d", "ts", "tstz"}
	want := duckCSV(t, db, file, cols)
	if len(want) < 10000 {
		t.Fatalf("DuckDB wrote %d rows", len(want))
	}
	got, _ := readAll(t, store, file, cols, 1<<30)
	compare(t, want[1:], got, cols)
	// the rule, seen in DuckDB's own output (not only ours equal to it)
	for _, rec := range want[1:] {
		switch rec[0] {
		case "100007":
			if rec[1] != "0005-01-01" {
				t.Errorf("DuckDB prints year 5 as %q", rec[1])
			}
		case "100004":
			if rec[1] != "0010-01-01 (BC)" {
				t.Errorf("DuckDB prints 10 BC as %q", rec[1])
			}
		}
	}
}
