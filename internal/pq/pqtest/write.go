package pqtest

import (
	"os"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/scattergather/scattergather/internal/pq"
)

// WriteGo writes groups of rows to a new Parquet file at path with the Go library
// (parquet-go), each group a row group of its own (or several, where opts bound a row
// group's rows), with the writer options opts.
func WriteGo[T any](t testing.TB, path string, groups [][]T, opts ...parquet.WriterOption) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, opts...)
	for _, rows := range groups {
		if _, err := w.Write(rows); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
		if err := w.Flush(); err != nil { // ends the row group (nothing when none is open)
			t.Fatalf("write %s: %v", path, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// WriteOurs writes rows rows to a new Parquet file at path with the product's own
// writer (pq.NewWriter over cols, with the writer options opts); row writes row i's
// values, and WriteOurs ends each row and closes the writer and the file.
func WriteOurs(t testing.TB, path string, cols []pq.OutputColumn, rows int, row func(w *pq.Writer, i int) error, opts ...parquet.WriterOption) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pq.NewWriter(f, cols, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if err := row(w, i); err != nil {
			t.Fatal(err)
		}
		if err := w.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
