package pq_test

import (
	"context"
	"os"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pq"
)

// BenchmarkReadFooter reads the footer of SCATTER_BENCH_PARQUET (make
// bench's uservisits Parquet) as each mapper of a chunk of it does.
func BenchmarkReadFooter(b *testing.B) {
	path := os.Getenv("SCATTER_BENCH_PARQUET")
	if path == "" {
		b.Skip("SCATTER_BENCH_PARQUET names no Parquet file")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	store := blob.NewMux(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pq.ReadFooter(context.Background(), store, path, path, fi.Size()); err != nil {
			b.Fatal(err)
		}
	}
}
