package pq_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// TestReadFooterAtFallsBack: ReadFooterAt given the footer's length reads
// the footer; given a length the object's last bytes do not name (the
// object changed since it was planned), none, or one longer than the
// object, it reads the footer as ReadFooter does: the same rows, columns
// and length.
func TestReadFooterAtFallsBack(t *testing.T) {
	type row struct {
		ID   int64  `parquet:"id"`
		Name string `parquet:"name"`
	}
	path := filepath.Join(t.TempDir(), "f.parquet")
	pqtest.WriteGo(t, path, [][]row{{{1, "a"}, {2, "b"}}, {{3, "c"}}})
	size, store := pqtest.LocalFile(t, path)
	ctx := context.Background()
	want, err := pq.ReadFooter(ctx, store, path, path, size)
	if err != nil {
		t.Fatal(err)
	}
	if want.Len <= 0 || want.Len > size-12 {
		t.Fatalf("footer length %d of an object of %d bytes", want.Len, size)
	}
	for _, flen := range []int64{want.Len, want.Len - 1, want.Len + 1, 0, -5, size, size - 11} {
		got, err := pq.ReadFooterAt(ctx, store, path, path, size, flen)
		if err != nil {
			t.Fatalf("footer length %d: %v", flen, err)
		}
		if got.Len != want.Len || got.NumRows() != 3 || len(got.RowGroups()) != 2 || len(got.Columns) != 2 {
			t.Fatalf("footer length %d: read a footer of length %d, %d rows, %d row groups, %d columns; want %d, 3, 2, 2",
				flen, got.Len, got.NumRows(), len(got.RowGroups()), len(got.Columns), want.Len)
		}
	}
}
