package pq_test

import (
	"context"
	"testing"

	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// BenchmarkReadFooter reads the footer of SCATTER_BENCH_PARQUET (make
// bench's uservisits Parquet) as each mapper of a chunk of it does.
func BenchmarkReadFooter(b *testing.B) {
	path, size, store := pqtest.BenchFile(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pq.ReadFooter(context.Background(), store, path, path, size); err != nil {
			b.Fatal(err)
		}
	}
}
