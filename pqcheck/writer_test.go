package pqcheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pq"
)

// TestWriterReadByDuckDB: an output written by pq.Writer reads in DuckDB with
// the columns in order, their types, and every value (nulls included).
func TestWriterReadByDuckDB(t *testing.T) {
	cols := []pq.OutputColumn{
		{Name: "key", Kind: pq.OutString},
		{Name: "count_x", Kind: pq.OutInt64},
		{Name: "sum_x", Kind: pq.OutDecimal, Precision: 38, Scale: 2},
		{Name: "small", Kind: pq.OutDecimal, Precision: 9, Scale: 3},
		{Name: "avg_x", Kind: pq.OutDouble},
		{Name: "day", Kind: pq.OutDate},
		{Name: "at", Kind: pq.OutTimestamp},
		{Name: "ok", Kind: pq.OutBoolean},
	}
	rows := [][]string{
		{"a,\"b\"", "3", "12345678901234567890123.45", "-1.5", "0.1", "2024-01-02", "2024-01-02 03:04:05.123456", "true"},
		{"", "0", "-12345678901234567890123.4", "0", "1e+20", "1969-12-31", "1969-12-31 23:59:59.5", "false"},
		{"z", "-7", "7", "999999.999", "-2.5", "", "", ""},
	}
	want := [][]string{
		{"a,\"b\"", "3", "12345678901234567890123.45", "-1.500", "0.1", "2024-01-02", "2024-01-02 03:04:05.123456", "true"},
		{"", "0", "-12345678901234567890123.40", "0.000", "1e+20", "1969-12-31", "1969-12-31 23:59:59.5", "false"},
		{"z", "-7", "7.00", "999999.999", "-2.5", nullText, nullText, nullText},
		{nullText, nullText, nullText, nullText, nullText, nullText, nullText, nullText},
	}
	file := filepath.Join(t.TempDir(), "out.parquet")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pq.NewWriter(f, cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for c, v := range r {
			if err := w.Text(c, []byte(v)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.EndRow(); err != nil { // a row of nulls
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	db := openDB(t)
	wantTypes := "key VARCHAR,count_x BIGINT,sum_x DECIMAL(38,2),small DECIMAL(9,3),avg_x DOUBLE,day DATE,at TIMESTAMP,ok BOOLEAN"
	if got := duckTypes(t, db, file); got != wantTypes {
		t.Errorf("DuckDB's types: %s\nwant %s", got, wantTypes)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	got := duckCSV(t, db, file, names)
	compare(t, want, got[1:], names)
	// and our reader reads it back the same
	back, _ := readAll(t, blob.NewMux(nil), file, names, 1<<20)
	compare(t, want, back, names)

	t.Run("bad values name the column", func(t *testing.T) {
		w, _ := pq.NewWriter(&strings.Builder{}, cols)
		for c, v := range map[int]string{1: "x", 2: "1.234", 3: "12345678.9", 5: "2024-13-01"} {
			err := w.Text(c, []byte(v))
			if err == nil || !strings.Contains(err.Error(), cols[c].Name) {
				t.Errorf("column %s value %q: error %v, want one naming the column", cols[c].Name, v, err)
			}
		}
	})
	_ = context.Background
}
