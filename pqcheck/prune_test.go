package pqcheck

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// wideFile has DuckDB write 20 columns of 32-byte strings (hard to compress)
// and a sorted id, 10 row groups of 10,000 rows.
func wideFile(t *testing.T) string {
	t.Helper()
	db := openDB(t)
	var cols []string
	for c := 0; c < 20; c++ {
		cols = append(cols, fmt.Sprintf("md5((i * %d)::VARCHAR) AS c%d", c+1, c))
	}
	file := filepath.Join(t.TempDir(), "wide.parquet")
	exec(t, db, fmt.Sprintf(`COPY (SELECT i::BIGINT AS id, %s FROM range(100000) t(i)) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 10000)`,
		strings.Join(cols, ", "), file))
	return file
}

// openWhole opens a reader of the columns cols over the whole file, closed when t ends.
func openWhole(t *testing.T, store blob.Store, file string, cols []string, opts pq.Options) *pq.Reader {
	t.Helper()
	span, _ := pqtest.WholeFile(t, file)
	r, err := pq.Open(context.Background(), store, span, cols, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func drain(t *testing.T, r *pq.Reader) int64 {
	t.Helper()
	var n int64
	for r.Next() {
		n++
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPruningReadsNoColumnData: a --where that no row group's statistics allow
// reads the footer and nothing else, counted by the store.
func TestPruningReadsNoColumnData(t *testing.T) {
	file := wideFile(t)
	store := pqtest.NewCountingStore(blob.NewMux(nil))
	for _, where := range []string{"id > 100000", "id < 0", "id == 100000.5", "c3 > 'g'"} {
		t.Run(where, func(t *testing.T) {
			store.Reset()
			pred, err := jobs.WherePredicate(where)
			if err != nil {
				t.Fatal(err)
			}
			r := openWhole(t, store, file, []string{"id", "c1", "c3"}, pq.Options{Predicate: pred})
			if n := drain(t, r); n != 0 {
				t.Errorf("%d rows delivered, want 0", n)
			}
			st := r.Stats()
			if n := len(r.Footer().RowGroups()); st.RowGroupsPruned != n || st.RowGroups != n || n < 5 {
				t.Errorf("pruned %d of %d row groups, want all %d", st.RowGroupsPruned, st.RowGroups, n)
			}
			if got, footer := store.Bytes(), r.Footer().BytesRead; got != footer || store.Gets() != 2 {
				t.Errorf("read %d bytes in %d GETs, want only the footer's %d bytes in 2", got, store.Gets(), footer)
			}
			if st.BytesSkipped <= 0 || st.BytesRead != store.Bytes() {
				t.Errorf("stats %+v disagree with the store's %d bytes", st, store.Bytes())
			}
		})
	}
	t.Run("a satisfiable where reads", func(t *testing.T) {
		store.Reset()
		pred, _ := jobs.WherePredicate("id >= 95000")
		r := openWhole(t, store, file, []string{"id"}, pq.Options{Predicate: pred})
		matching := 0
		for r.Next() {
			if v, _ := r.Int64(0); v >= 95000 {
				matching++
			}
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		groups := r.Footer().RowGroups()
		last := groups[len(groups)-1]
		if st := r.Stats(); matching != 5000 || st.RowGroupsPruned != len(groups)-1 || st.Rows != last.Rows {
			t.Errorf("%d matching rows (want 5000), stats %+v: want all but the last row group (%d rows) pruned", matching, st, last.Rows)
		}
	})
}

// TestTwoColumnsOfWideFile: reading two of 21 columns fetches only the bytes of
// those two columns' chunks (and the footer).
func TestTwoColumnsOfWideFile(t *testing.T) {
	file := wideFile(t)
	store := pqtest.NewCountingStore(blob.NewMux(nil))
	cols := []string{"c4", "c15"}
	r := openWhole(t, store, file, cols, pq.Options{})
	if n := drain(t, r); n != 100000 {
		t.Fatalf("%d rows, want 100000", n)
	}
	f := r.Footer()
	var want int64
	inChunks := func(off, end int64) bool {
		for rg := range f.RowGroups() {
			for _, c := range cols {
				s, e, _ := f.ChunkRange(rg, c)
				if off >= s && end <= e {
					return true
				}
			}
		}
		return false
	}
	for rg := range f.RowGroups() {
		want += f.ColumnBytes(rg, cols)
	}
	footerStart := f.Size - f.BytesRead
	for _, rd := range store.Reads() {
		if rd.Off >= footerStart {
			continue
		}
		if !inChunks(rd.Off, rd.Off+rd.Len) {
			t.Errorf("read [%d,%d) lies outside the chunks of %v", rd.Off, rd.Off+rd.Len, cols)
		}
	}
	if got := store.Bytes() - f.BytesRead; got != want {
		t.Errorf("read %d bytes of column data, want the two columns' %d", got, want)
	}
	if store.Bytes()*5 > f.Size {
		t.Errorf("read %d of the file's %d bytes: over a fifth for 2 of 21 columns", store.Bytes(), f.Size)
	}
	t.Logf("read %d of %d bytes (%.1f%%) in %d GETs", store.Bytes(), f.Size, 100*float64(store.Bytes())/float64(f.Size), store.Gets())
}

// TestPageIndexPruning: in a file with a page index (the Go library writes
// one), a point predicate reads only the pages that may hold the row.
func TestPageIndexPruning(t *testing.T) {
	file := filepath.Join(t.TempDir(), "paged.parquet")
	writeGo(t, file, goRows(200000), 200000, 2) // one row group, many small pages
	store := pqtest.NewCountingStore(blob.NewMux(nil))
	pred, _ := jobs.WherePredicate("id == 123456")
	r := openWhole(t, store, file, []string{"id", "sp", "s"}, pq.Options{Predicate: pred})
	found := false
	var n int64
	for r.Next() {
		n++
		if v, ok := r.Int64(0); ok && v == 123456 {
			found = true
			if got := string(r.Text(1)); got != `p,123456"` {
				t.Errorf("row 123456's sp is %q", got)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatal("row 123456 not delivered")
	}
	st := r.Stats()
	f := r.Footer()
	chunks := f.ColumnBytes(0, []string{"id", "sp", "s"})
	if st.PagesPruned == 0 || n >= 200000 {
		t.Errorf("pages pruned %d, rows %d: the page index saved nothing", st.PagesPruned, n)
	}
	if data := store.Bytes() - f.BytesRead; data*10 > chunks {
		t.Errorf("read %d bytes beyond the footer for chunks of %d: over a tenth", data, chunks)
	}
	t.Logf("%d rows of 200000, %d pages pruned, %d bytes beyond the footer of chunks %d", n, st.PagesPruned, store.Bytes()-f.BytesRead, chunks)
}
