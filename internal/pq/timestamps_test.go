package pq_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// TestWriterTimestampsReadBack: the Writer takes dates and timestamps as
// DuckDB prints them (years before 1 and after 9999, nine fraction digits
// for nanoseconds, DuckDB's infinities) and the reader prints them back the
// same; a TIMESTAMP_NS output column keeps every nanosecond; a text of
// another form is an error naming the column.
func TestWriterTimestampsReadBack(t *testing.T) {
	cols := []pq.OutputColumn{{Name: "ns", Kind: pq.OutTimestampNS}, {Name: "us", Kind: pq.OutTimestamp}, {Name: "d", Kind: pq.OutDate}}
	rows := [][3]string{
		{"2020-01-01 10:00:00.123456789", "0044-03-15 (BC) 12:00:00.5", "0044-03-15 (BC)"},
		{"1969-12-31 23:59:59.999999999", "10000-01-01 00:00:00.000001", "5881580-07-10"},
		{"1677-09-21 00:12:43.145225", "290309-12-22 (BC) 00:00:00", "5877642-06-25 (BC)"},
		{"2262-04-11 23:47:16.854775806", "294247-01-10 04:00:54.775806", "1970-01-01"},
		{"infinity", "-infinity", "infinity"},
		{"-infinity", "infinity", "-infinity"},
	}
	path := filepath.Join(t.TempDir(), "ts.parquet")
	pqtest.WriteOurs(t, path, cols, len(rows), func(w *pq.Writer, i int) error {
		for c, v := range rows[i] {
			if err := w.Text(c, []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	size, store := pqtest.LocalFile(t, path)
	r, err := pq.Open(context.Background(), store, pq.Span{Source: path, URL: path, Size: size, End: size}, []string{"ns", "us", "d"}, pq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; r.Next(); i++ {
		for c := range cols {
			if got := string(r.Text(c)); got != rows[i][c] {
				t.Errorf("row %d column %s: read back %q, wrote %q", i, cols[c].Name, got, rows[i][c])
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	w, err := pq.NewWriter(discard{}, cols)
	if err != nil {
		t.Fatal(err)
	}
	for c, bad := range []string{"2262-04-11 23:47:16.854775808", "294247-01-10 04:00:54.775807", "5881580-07-11"} {
		if err := w.Text(c, []byte(bad)); err == nil {
			t.Errorf("column %s took %q, past DuckDB's range", cols[c].Name, bad)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
