package pqtest

import (
	"os"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// WriteRows writes rows to a new Parquet file at path with the Go library's
// generic writer (the schema from T's struct tags) and opts, and returns the
// file's size.
func WriteRows[T any](tb testing.TB, path string, rows []T, opts ...parquet.WriterOption) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, opts...)
	if _, err := w.Write(rows); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}
