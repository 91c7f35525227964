package pq_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// TestReaderBuffersPassToNextReader: a closed reader's fetch and page
// buffers go to the pools (none before it is closed), the next reader of
// the process takes them, and it reads the same values as the first.
func TestReaderBuffersPassToNextReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.parquet")
	writeXFile(t, path, &parquet.Snappy)
	span, store := pqtest.WholeFile(t, path)
	read := func() ([]string, *pq.Reader) {
		r, err := pq.Open(context.Background(), store, span, []string{"x"}, pq.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for r.Next() {
			got = append(got, string(r.Text(0)))
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		return got, r
	}
	pq.EmptyPools()
	first, r := read()
	if f, p := pq.PooledBytes(); f != 0 || p != 0 {
		t.Fatalf("pools hold %d and %d bytes before the reader is closed", f, p)
	}
	r.Close()
	f1, p1 := pq.PooledBytes()
	if f1 == 0 || p1 == 0 {
		t.Fatalf("the closed reader gave the pools %d fetched and %d page bytes", f1, p1)
	}
	second, r := read()
	if f, p := pq.PooledBytes(); f >= f1 || p >= p1 {
		t.Fatalf("the next reader took nothing from the pools: %d, %d bytes before, %d, %d after", f1, p1, f, p)
	}
	r.Close()
	if len(first) != 1000 || !slices.Equal(first, second) {
		t.Fatalf("the next reader read %d values, the first %d, or other ones", len(second), len(first))
	}
}
