package pq_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestFooterCacheFollowsTheBytes: a footer read again (as each mapper of a
// file reads it) gives the same row groups and the new reader's source
// name; an object rewritten in place with other row groups gives its own
// footer, not the one decoded before, and its rows read through it.
func TestFooterCacheFollowsTheBytes(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	store := blob.NewMux(nil)
	path := filepath.Join(dir, "a.parquet")
	other := filepath.Join(dir, "b.parquet")
	writeFile(t, path, 1000, []int{300})
	writeFile(t, other, 1000, []int{250})
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	first, err := pq.ReadFooter(ctx, store, "first", path, size(path))
	if err != nil {
		t.Fatal(err)
	}
	again, err := pq.ReadFooter(ctx, store, "again", path, size(path))
	if err != nil {
		t.Fatal(err)
	}
	if again.Source != "again" || first.Source != "first" {
		t.Errorf("sources %q and %q, want each reader's own", first.Source, again.Source)
	}
	if got, want := len(again.RowGroups()), len(first.RowGroups()); got != want || got != 4 {
		t.Fatalf("%d row groups read again, %d first, want 4", got, want)
	}
	data := testutil.ReadFile(t, path)
	footer := int64(binary.LittleEndian.Uint32(data[len(data)-8:])) + 8
	if again.BytesRead != footer || first.BytesRead != footer {
		t.Errorf("footer reads took %d bytes, then %d from the cache; want the footer's %d each (a GET of the last 8 bytes, one of the footer)",
			first.BytesRead, again.BytesRead, footer)
	}
	// Rewrite a.parquet with b.parquet's bytes.
	b := testutil.ReadFile(t, other)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	replaced, err := pq.ReadFooter(ctx, store, "replaced", path, int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(replaced.RowGroups()); got != 4 || replaced.RowGroups()[0].Rows != 250 {
		t.Fatalf("the replaced object reads as %d row groups of %d rows, want 4 of 250 (its own footer)", got, replaced.RowGroups()[0].Rows)
	}
	r, err := pq.Open(ctx, store, pq.Span{Source: path, URL: path, Size: int64(len(b)), End: int64(len(b))}, []string{"id"}, pq.Options{Footer: replaced})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var n int64
	for r.Next() {
		if v, _ := r.Int64(0); v != n {
			t.Fatalf("row %d has id %d", n, v)
		}
		n++
	}
	if err := r.Err(); err != nil || n != 1000 {
		t.Fatalf("read %d rows, err %v; want 1000", n, err)
	}
}

// TestCachedFooterSharedByReaders: readers of one file's chunks at once (as
// the local engine's mappers run) share the cached footer, each reading its
// own rows; run with -race it checks that the shared footer is only read.
func TestCachedFooterSharedByReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.parquet")
	writeFile(t, path, 4000, []int{500})
	size, store := pqtest.LocalFile(t, path)
	ctx := context.Background()
	f, err := pq.ReadFooter(ctx, store, path, path, size)
	if err != nil {
		t.Fatal(err)
	}
	groups := f.RowGroups()
	sums := make([]int64, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// each reader reads the footer again, from the cache
			r, err := pq.Open(ctx, store, pq.Span{Source: path, URL: path, Size: size, Start: g.Start, End: g.Start + 1}, []string{"id", "name"}, pq.Options{})
			if err != nil {
				t.Error(err)
				return
			}
			defer r.Close()
			for r.Next() {
				v, _ := r.Int64(0)
				sums[i] += v
				_ = r.Text(1)
			}
			if err := r.Err(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var total int64
	for _, s := range sums {
		total += s
	}
	if want := int64(4000 * 3999 / 2); total != want {
		t.Fatalf("the readers' ids sum to %d, want %d (every row once)", total, want)
	}
}
