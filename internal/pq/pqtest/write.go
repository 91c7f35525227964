package pqtest

import (
	"os"
	"testing"

	"github.com/parquet-go/parquet-go"
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
