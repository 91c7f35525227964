package pqtest

import (
	"os"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pq"
)

// BenchFileEnv names the Parquet file the Parquet benchmarks read: make
// bench's uservisits Parquet (testdata/generated/bench/uservisits-high-*.parquet).
const BenchFileEnv = "SCATTER_BENCH_PARQUET"

// BenchFile returns the Parquet file BenchFileEnv names, its size and a
// store that reads local files; it skips tb when the variable is empty.
func BenchFile(tb testing.TB) (path string, size int64, store *blob.Mux) {
	tb.Helper()
	path = os.Getenv(BenchFileEnv)
	if path == "" {
		tb.Skip(BenchFileEnv + " names no Parquet file (make bench writes one under testdata/generated/bench)")
	}
	size, store = LocalFile(tb, path)
	return path, size, store
}

// LocalFile returns the size of the local file at path and a store that
// reads local files, failing tb when path cannot be stat'd.
func LocalFile(tb testing.TB, path string) (size int64, store *blob.Mux) {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size(), blob.NewMux(nil)
}

// WholeFile returns the span of the whole local Parquet file at path (its
// source and URL the path) and a store that reads local files, failing tb
// when path cannot be stat'd.
func WholeFile(tb testing.TB, path string) (pq.Span, *blob.Mux) {
	tb.Helper()
	size, store := LocalFile(tb, path)
	return pq.Span{Source: path, URL: path, Size: size, End: size}, store
}
