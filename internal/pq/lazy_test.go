package pq_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

type lazyRow struct {
	ID    int64    `parquet:"id"`
	Name  *string  `parquet:"name,optional,dict"`
	Plain *string  `parquet:"plain,optional,plain"`
	Delta *string  `parquet:"delta,optional"` // DELTA_LENGTH_BYTE_ARRAY, parquet-go's default
	F     *float64 `parquet:"f,optional"`
	N     *int32   `parquet:"n,optional,dict"`
	Amt   int64    `parquet:"amt,decimal(2:18)"`
}

// lazyRows are n rows with nulls in every optional column (one in 3, 5, 4
// and 6 rows), a dictionary, a plain and a delta-encoded string column, a double, an int32
// and a required decimal.
func lazyRows(n int) []lazyRow {
	var rows []lazyRow
	for i := 0; i < n; i++ {
		r := lazyRow{ID: int64(i), Amt: int64(i*37 - 9000)}
		if i%3 != 0 {
			s := fmt.Sprintf("n%d", i%11)
			r.Name = &s
		}
		if i%5 != 1 {
			s := fmt.Sprintf("plain-%d", i*7919%10007)
			r.Plain = &s
			d := s + "-d"
			r.Delta = &d
		}
		if i%4 != 2 {
			f := float64(i) / 8
			r.F = &f
		}
		if i%6 != 3 {
			n := int32(i % 13)
			r.N = &n
		}
		rows = append(rows, r)
	}
	return rows
}

// TestLazyColumns: columns made Lazy give, for the rows asked for, the same
// nulls and texts as columns decoded whole, over nulls, dictionary and plain
// pages, pages and row groups cut mid-batch, and rows asked for in every
// pattern (one in seven, only after a null, all).
func TestLazyColumns(t *testing.T) {
	rows := lazyRows(5000)
	path := filepath.Join(t.TempDir(), "lazy.parquet")
	pqtest.WriteGo(t, path, [][]lazyRow{rows}, parquet.PageBufferSize(300), parquet.MaxRowsPerRowGroup(700))
	cols := []string{"id", "name", "plain", "delta", "f", "n", "amt"}
	for name, want := range map[string]func(int64) bool{
		"one in seven": func(id int64) bool { return id%7 == 0 },
		"after a null": func(id int64) bool { return id%5 == 2 },
		"every row":    func(int64) bool { return true },
	} {
		eager, _ := readRows(t, path, cols, false, want)
		lazy, _ := readRows(t, path, cols, true, want)
		if len(eager) == 0 || len(eager) != len(lazy) {
			t.Fatalf("%s: %d rows eager, %d lazy", name, len(eager), len(lazy))
		}
		for i := range eager {
			if eager[i] != lazy[i] {
				t.Fatalf("%s: row %d: eager %q, lazy %q", name, i, eager[i], lazy[i])
			}
		}
	}
}

// readRows reads cols (the first an integer id) of the Parquet file at
// path and prints each row want keeps: its id, then every other column's
// null flag and text. lazy makes those columns Lazy. It also returns how
// many column chunks the reader read with rawPages.
func readRows(t *testing.T, path string, cols []string, lazy bool, want func(id int64) bool) ([]string, int) {
	t.Helper()
	size, store := pqtest.LocalFile(t, path)
	span := pq.Span{Source: path, URL: path, Size: size, End: size}
	r, err := pq.Open(context.Background(), store, span, cols, pq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if lazy {
		for c := 1; c < len(cols); c++ {
			r.Lazy(c)
		}
	}
	var out []string
	chunks := 0
	for n := r.NextBatch(); n > 0; n = r.NextBatch() {
		chunks = max(chunks, pq.RawChunks(r))
		for i := 0; i < n; i++ {
			r.At(i)
			id, _ := r.Int64(0)
			if !want(id) {
				continue
			}
			var b bytes.Buffer
			fmt.Fprintf(&b, "%d", id)
			for c := 1; c < len(cols); c++ {
				fmt.Fprintf(&b, " %v:%s", r.Null(c), r.Text(c))
			}
			out = append(out, b.String())
		}
	}
	if err := r.Err(); err != nil {
		t.Fatalf("%s (lazy %v): %v", path, lazy, err)
	}
	return out, chunks
}

// TestBatchAccessorsOfAnotherType: Floats and Bytes of a column of another
// type report false (as their doc says), rather than slice a vector the
// column does not have; of their own type they give the batch.
func TestBatchAccessorsOfAnotherType(t *testing.T) {
	path := filepath.Join(t.TempDir(), "types.parquet")
	pqtest.WriteGo(t, path, [][]lazyRow{lazyRows(100)})
	size, store := pqtest.LocalFile(t, path)
	r, err := pq.Open(context.Background(), store, pq.Span{Source: path, URL: path, Size: size, End: size}, []string{"id", "name", "f"}, pq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := r.NextBatch()
	if n == 0 {
		t.Fatalf("no batch: %v", r.Err())
	}
	for _, c := range []int{0, 1} {
		if vals, null, ok := r.Floats(c); ok || vals != nil || null != nil {
			t.Errorf("Floats of column %d (not a double): %d values, ok %v", c, len(vals), ok)
		}
	}
	for _, c := range []int{0, 2} {
		if vals, null, ok := r.Bytes(c); ok || vals != nil || null != nil {
			t.Errorf("Bytes of column %d (not a VARCHAR): %d values, ok %v", c, len(vals), ok)
		}
	}
	if vals, _, ok := r.Floats(2); !ok || len(vals) != n || vals[1] != 1.0/8 {
		t.Errorf("Floats of the double column: %d values, ok %v", len(vals), ok)
	}
	if vals, _, ok := r.Bytes(1); !ok || len(vals) != n || string(vals[1]) != "n1" {
		t.Errorf("Bytes of the VARCHAR column: %d values, ok %v", len(vals), ok)
	}
}
