package pq_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pq"
)

// BenchmarkReadText reads 3 columns of 100,000 rows as text; allocations are
// per page and row group, not per row.
func BenchmarkReadText(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.parquet")
	writePaged(b, path, 100000, []int{20000}, 64<<10)
	fi, _ := os.Stat(path)
	store := blob.NewMux(nil)
	span := pq.Span{Source: path, URL: path, Size: fi.Size(), End: fi.Size()}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		r, err := pq.Open(context.Background(), store, span, []string{"id", "name", "amt"}, pq.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var n int
		for r.Next() {
			n += len(r.Text(0)) + len(r.Text(1)) + len(r.Text(2))
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}
