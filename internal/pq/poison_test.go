package pq_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// TestPoisonReleasedCatchesAKeptValue: under PoisonReleased a string value
// kept past its reader's next row group reads as other bytes (the poison,
// or the page decoded into its buffer since), and one kept past Close as
// the poison (0xA5 bytes), for a compressed chunk (the value is in a
// decompressed page) and an uncompressed one (in the fetched bytes): what
// the tests of the values' users rely on to fail when one keeps a value.
func TestPoisonReleasedCatchesAKeptValue(t *testing.T) {
	defer pq.PoisonReleased()()
	for _, codec := range []compress.Codec{&parquet.Snappy, &parquet.Uncompressed} {
		path := filepath.Join(t.TempDir(), "p.parquet")
		pqtest.WriteGo(t, path, [][]lazyRow{lazyRows(2000)}, parquet.Compression(codec),
			parquet.PageBufferSize(300), parquet.MaxRowsPerRowGroup(700))
		span, store := pqtest.WholeFile(t, path)
		r, err := pq.Open(context.Background(), store, span, []string{"plain"}, pq.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Next() || r.Null(0) {
			t.Fatalf("%s: no first value", codec.CompressionCodec())
		}
		first := r.Text(0)
		if string(first) != "plain-0" {
			t.Fatalf("%s: the first value is %q", codec.CompressionCodec(), first)
		}
		rg, _ := r.Location()
		for r.Next() {
			if g, _ := r.Location(); g != rg {
				break
			}
		}
		if string(first) == "plain-0" {
			t.Fatalf("%s: a value kept past its row group still reads %q", codec.CompressionCodec(), first)
		}
		last := r.Text(0)
		r.Close()
		if want := bytes.Repeat([]byte{0xA5}, len(last)); len(last) == 0 || !bytes.Equal(last, want) {
			t.Fatalf("%s: a value kept past Close reads %q, not the poison", codec.CompressionCodec(), last)
		}
	}
}

// TestConcurrentReadersOwnTheirBuffers: readers of many chunks at once,
// each of one row group, take their fetch and page buffers from the pools
// and give them back, poisoned, at Close; each reads every value as a
// reader alone does, so that no buffer is ever held by two readers (one's
// pages would be decompressed or poisoned under the other's values; run
// with -race, the race detector sees the two writers). Snappy and
// uncompressed chunks, dictionary and plain strings, doubles.
func TestConcurrentReadersOwnTheirBuffers(t *testing.T) {
	cols := []string{"id", "name", "plain", "f"}
	for _, codec := range []compress.Codec{&parquet.Snappy, &parquet.Uncompressed} {
		path := filepath.Join(t.TempDir(), "c.parquet")
		pqtest.WriteGo(t, path, [][]lazyRow{lazyRows(6000)}, parquet.Compression(codec),
			parquet.PageBufferSize(2000), parquet.MaxRowsPerRowGroup(900))
		want, _ := readRows(t, path, cols, false, func(int64) bool { return true })
		span, store := pqtest.WholeFile(t, path)
		f, err := pq.ReadFooter(context.Background(), store, span.Source, span.URL, span.Size)
		if err != nil {
			t.Fatal(err)
		}
		groups := f.RowGroups()
		if len(groups) < 6 {
			t.Fatalf("%d row groups", len(groups))
		}
		off := pq.PoisonReleased()
		pq.EmptyPools()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for rep := 0; rep < 4; rep++ {
					row := 0
					for _, g := range groups {
						s := span
						s.Start, s.End = g.Start, g.End
						if err := readChunk(s, store, f, cols, want, &row); err != nil {
							errs <- fmt.Errorf("%s: reader %d: %w", codec.CompressionCodec(), w, err)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		off()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
}

// readChunk reads the rows of span (with its file's footer f) and checks
// each against want, from row *row on, as readRows prints them.
func readChunk(span pq.Span, store blob.Store, f *pq.Footer, cols []string, want []string, row *int) error {
	r, err := pq.Open(context.Background(), store, span, cols, pq.Options{Footer: f})
	if err != nil {
		return err
	}
	defer r.Close()
	var b bytes.Buffer
	for r.Next() {
		b.Reset()
		id, _ := r.Int64(0)
		fmt.Fprintf(&b, "%d", id)
		for c := 1; c < len(cols); c++ {
			fmt.Fprintf(&b, " %v:%s", r.Null(c), r.Text(c))
		}
		if *row >= len(want) || b.String() != want[*row] {
			return fmt.Errorf("row %d reads %q", *row, b.String())
		}
		*row++
	}
	return r.Err()
}
