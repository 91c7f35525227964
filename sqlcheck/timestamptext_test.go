package sqlcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTimestampTextAgreesWithDuckDB: texts in a TIMESTAMP column read as
// DuckDB casts them (TRY_CAST): a date alone (midnight), a T or spaces
// before the time, seconds left out, one-digit fields, a fraction of more
// than six digits (cut), 24:00:00, a trailing Z, " (BC)" before the time;
// the texts that are not timestamps are the rows the job skips and
// TRY_CAST makes NULL. Offsets and time zone names, which DuckDB's cast
// takes, are left out: the job refuses them (docs/sql.md).
func TestTimestampTextAgreesWithDuckDB(t *testing.T) {
	texts := []string{
		"2020-01-01 10:00:00", "2020-01-01", "2020-01-01T10:00:00", "2020-01-01 10:00", "2020-01-01 10",
		"2020-01-01 10:00:00.5", "2020-01-01 10:00:00.1234567", "2020-01-01 10:00:00Z", " 2020-01-01 10:00:00 ",
		"2020-01-01 24:00:00", "2020-01-01 24:00:01", "2020-01-01 10:60:00", "2020-01-01 1:2:3",
		"0044-03-15 (BC) 10:00:00", "2020-01-01  10:00:00", "2020/01/01 10:00:00", "2020-01-01 10:00:00x",
		"2020-01-01x", "2020-01-01 10:00:00.", "2020-01-01 10:00:60", "2020-01-01 23:59:59.999999999",
		"2020-01-01T10:00", "2020-01-01 10:00:00.000", "2020-01-01 10:00:00 Z", "2020-02-30 10:00:00",
		"2020-01-01 10:00:00 ", "2020-01-01 10:0", "2020-01-01 100:00:00", "2020-01-01 10:00:00.0000005",
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "t.csv")
	var b strings.Builder
	b.WriteString("id,s\n")
	for i, s := range texts {
		fmt.Fprintf(&b, "%d,\"%s\"\n", i, s)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	duckFrom := fmt.Sprintf("read_csv('%s', all_varchar=true)", path)
	for _, c := range []struct{ ours, duck, schema string }{
		{"SELECT id, s FROM '{f}' ORDER BY id", "SELECT id::BIGINT AS id, TRY_CAST(s AS TIMESTAMP) AS s FROM {f} WHERE TRY_CAST(s AS TIMESTAMP) IS NOT NULL ORDER BY id", "s:TIMESTAMP"},
		{"SELECT id FROM '{f}' WHERE s = TIMESTAMP '2020-01-01 10:00:00' ORDER BY id", "SELECT id::BIGINT AS id FROM {f} WHERE TRY_CAST(s AS TIMESTAMP) = TIMESTAMP '2020-01-01 10:00:00' ORDER BY id", ""},
	} {
		t.Run(c.ours, func(t *testing.T) {
			want, err := duckQuery(db, strings.ReplaceAll(c.duck, "{f}", duckFrom))
			if err != nil {
				t.Fatal(err)
			}
			if len(want.rows) < 2 {
				t.Fatalf("DuckDB returns %d rows: the query tests little", len(want.rows))
			}
			got, out := r.answer(t, strings.ReplaceAll(c.ours, "{f}", path), c.schema)
			if msg := diff(got, want, true); msg != "" {
				t.Errorf("%s\nours:\n%s\nDuckDB: %v", msg, out, want.rows)
			}
		})
	}
}
