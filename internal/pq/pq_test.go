package pq_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
)

type row struct {
	ID   int64   `parquet:"id"`
	Name *string `parquet:"name,optional,dict"`
	Amt  int64   `parquet:"amt,decimal(2:18)"`
}

type nested struct {
	ID   int64    `parquet:"id"`
	Tags []string `parquet:"tags,list"`
}

// writeFile writes n rows in row groups of the given sizes (cycled).
func writeFile(t testing.TB, path string, n int, groupSizes []int) {
	writePaged(t, path, n, groupSizes, 512)
}

// writePaged is writeFile with pages of about pageSize bytes.
func writePaged(t testing.TB, path string, n int, groupSizes []int, pageSize int) {
	t.Helper()
	var groups [][]row
	for id, g := 0, 0; id < n; g++ {
		rows := make([]row, min(groupSizes[g%len(groupSizes)], n-id))
		for i := range rows {
			rows[i].ID = int64(id)
			if id%3 != 0 {
				s := "n" + strings.Repeat("x", id%7)
				rows[i].Name = &s
			}
			rows[i].Amt = int64(id*101 - 5000)
			id++
		}
		groups = append(groups, rows)
	}
	pqtest.WriteGo(t, path, groups, parquet.PageBufferSize(pageSize))
}

// TestEveryRowOnce: for random row-group layouts and chunk sizes, the chunks
// Split plans from the footers own every row exactly once, and reading them
// in order gives the rows in file order.
func TestEveryRowOnce(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	dir := t.TempDir()
	store := blob.NewMux(nil)
	ctx := context.Background()
	for iter := 0; iter < 40; iter++ {
		var paths []string
		files := 1 + rng.Intn(3)
		total := 0
		for k := 0; k < files; k++ {
			n := rng.Intn(3000)
			var sizes []int
			for g := 0; g < 1+rng.Intn(4); g++ {
				sizes = append(sizes, 1+rng.Intn(700))
			}
			p := filepath.Join(dir, "f"+string(rune('a'+iter%26))+string(rune('a'+k))+".parquet")
			writeFile(t, p, n, sizes)
			paths = append(paths, p)
			total += n
		}
		objs, err := plan.Resolve(ctx, store, paths)
		if err != nil {
			t.Fatal(err)
		}
		chunkSize := int64(1 + rng.Intn(40000))
		var cols []string
		if rng.Intn(2) == 0 {
			cols = []string{"amt"}
		}
		chunks := plan.SplitColumns(objs, chunkSize, cols)
		seen := map[string]int64{}
		for _, ch := range chunks {
			for _, p := range ch.Parts {
				r, err := pq.Open(ctx, store, pq.Span{Source: p.Source, URL: p.URL, Size: p.Size, Start: p.Start, End: p.End}, []string{"id"}, pq.Options{})
				if err != nil {
					t.Fatal(err)
				}
				for r.Next() {
					id, ok := r.Int64(0)
					if !ok {
						t.Fatal("id not an integer")
					}
					if want := seen[p.URL]; id != want {
						t.Fatalf("iter %d chunk size %d: %s: read id %d, want %d next (a row lost or read twice)", iter, chunkSize, p.URL, id, want)
					}
					seen[p.URL]++
				}
				if err := r.Err(); err != nil {
					t.Fatal(err)
				}
				r.Close()
			}
		}
		got := 0
		for _, o := range objs {
			if seen[o.URL] != o.Parquet.NumRows() {
				t.Fatalf("iter %d: %s: read %d rows, the file has %d", iter, o.URL, seen[o.URL], o.Parquet.NumRows())
			}
			got += int(seen[o.URL])
		}
		if got != total {
			t.Fatalf("iter %d: %d rows read, %d written", iter, got, total)
		}
	}
}

// TestSplitFansOutAndPacks: a big file becomes many chunks of whole row
// groups; many small files pack into one.
func TestSplitFansOutAndPacks(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	big := filepath.Join(dir, "big.parquet")
	writeFile(t, big, 20000, []int{1000})
	var smalls []string
	for i := 0; i < 10; i++ {
		p := filepath.Join(dir, "small"+string(rune('a'+i))+".parquet")
		writeFile(t, p, 50, []int{50})
		smalls = append(smalls, p)
	}
	objs, err := plan.Resolve(ctx, blob.NewMux(nil), []string{big})
	if err != nil {
		t.Fatal(err)
	}
	var per int64
	for _, g := range objs[0].Parquet.RowGroups() {
		per = max(per, g.Decoded)
	}
	if n := len(plan.Split(objs, 4*per)); n != 5 {
		t.Errorf("20 row groups at 4 per chunk: %d chunks, want 5", n)
	}
	// a file of 2.1 chunks' weight is three even runs (7, 6, 7 row groups),
	// not two full ones and a sliver of two
	var total int64
	groups := objs[0].Parquet.RowGroups()
	for _, g := range groups {
		total += g.Decoded
	}
	chunks := plan.Split(objs, total*10/21)
	if len(chunks) != 3 {
		t.Fatalf("20 row groups at 2.1 chunks' weight: %d chunks, want 3", len(chunks))
	}
	for i, c := range chunks {
		n := 0
		for _, g := range groups {
			if g.Start >= c.Parts[0].Start && g.Start < c.Parts[0].End {
				n++
			}
		}
		if n < 6 || n > 7 {
			t.Errorf("20 row groups in 3 chunks: chunk %d has %d, want 6 or 7", i, n)
		}
	}
	objs, err = plan.Resolve(ctx, blob.NewMux(nil), smalls)
	if err != nil {
		t.Fatal(err)
	}
	if chunks := plan.Split(objs, 1<<20); len(chunks) != 1 || len(chunks[0].Parts) != 10 {
		t.Errorf("10 small files: %d chunks, want 1 of 10 parts", len(chunks))
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	store := blob.NewMux(nil)
	good := filepath.Join(dir, "good.parquet")
	writeFile(t, good, 1000, []int{300})
	data := testutil.ReadFile(t, good)
	write := func(name string, b []byte) string {
		p := testutil.WriteFile(t, dir, name, b)
		return p
	}
	corrupt := bytes.Clone(data)
	flen := int(corrupt[len(corrupt)-8]) | int(corrupt[len(corrupt)-7])<<8
	for i := len(corrupt) - 8 - flen; i < len(corrupt)-8-flen/2; i++ {
		corrupt[i] = 0xff
	}
	nestedPath := filepath.Join(dir, "nested.parquet")
	pqtest.WriteGo(t, nestedPath, [][]nested{{{ID: 1, Tags: []string{"a"}}}})
	for _, tc := range []struct {
		name, path string
		cols       []string
		want       string
	}{
		{"truncated", write("trunc.parquet", data[:len(data)-100]), []string{"id"}, "no PAR1 magic at its end"},
		{"tiny", write("tiny.parquet", []byte("PAR1")), []string{"id"}, "too short"},
		{"corrupt footer", write("corrupt.parquet", corrupt), []string{"id"}, "corrupt footer"},
		{"missing column", good, []string{"id", "price"}, `column "price" is not in the file (its columns: id, name, amt)`},
		{"nested column", nestedPath, []string{"tags"}, `column "tags" is nested`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fi, _ := os.Stat(tc.path)
			_, err := pq.Open(ctx, store, pq.Span{Source: tc.path, URL: tc.path, Size: fi.Size(), End: fi.Size()}, tc.cols, pq.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, tc.path, tc.want)
			}
			if tc.name == "truncated" || tc.name == "corrupt footer" {
				_, err := plan.Resolve(ctx, store, []string{tc.path})
				var ie *plan.InputError
				if !errorsAs(err, &ie) {
					t.Fatalf("Resolve: %v, want an InputError", err)
				}
			}
		})
	}
	t.Run("names in another case", func(t *testing.T) {
		// A name matches a column's ignoring ASCII case, as a CSV header's does.
		r, err := pq.Open(ctx, store, pq.Span{Source: good, URL: good, Size: int64(len(data)), End: int64(len(data))}, []string{"ID", "Amt"}, pq.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if cols := r.Columns(); len(cols) != 2 || cols[0].Name != "id" || cols[1].Name != "amt" {
			t.Fatalf("columns %v, want id and amt", cols)
		}
		if !r.Next() {
			t.Fatalf("no row: %v", r.Err())
		}
		if v := r.Text(0); string(v) != "0" {
			t.Errorf("ID of the first row %q, want 0", v)
		}
	})
	t.Run("object shorter than planned", func(t *testing.T) {
		// the footer read, then the object replaced by a shorter one
		f, err := pq.ReadFooter(ctx, store, good, good, int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		short := write("short.parquet", data[:len(data)/2])
		_, _ = short, f
		r, err := pq.Open(ctx, store, pq.Span{Source: short, URL: short, Size: int64(len(data)), End: int64(len(data))}, []string{"id"}, pq.Options{Footer: f})
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
		}
		if err := r.Err(); err == nil || !strings.Contains(err.Error(), "row group") || !strings.Contains(err.Error(), short) {
			t.Fatalf("error %v, want one naming the file and row group", err)
		}
	})
	t.Run("type error names file, row group and column", func(t *testing.T) {
		r, err := pq.Open(ctx, store, pq.Span{Source: good, URL: good, Size: int64(len(data)), End: int64(len(data))}, []string{"name"}, pq.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Next() {
			t.Fatal(r.Err())
		}
		if r.Numeric(0) {
			t.Fatal("a string column reads as numeric")
		}
		err = r.Errorf(0, "sum needs a number, not %s", r.Columns()[0].Type)
		for _, want := range []string{good, "row group 0", `column "name"`, "VARCHAR"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%v does not say %q", err, want)
			}
		}
	})
}

// TestPlanReadsOnlyFooters: planning a Parquet object reads its last 8 bytes,
// then its footer, and nothing else (two ranged GETs); an object whose name
// says no format is first sniffed for the PAR1 magic (its first 4 bytes).
func TestPlanReadsOnlyFooters(t *testing.T) {
	dir := t.TempDir()
	named := filepath.Join(dir, "f.parquet")
	writeFile(t, named, 5000, []int{400})
	data := testutil.ReadFile(t, named)
	bare := testutil.WriteFile(t, dir, "export-0001", data)
	size := int64(len(data))
	flen := int64(data[size-8]) | int64(data[size-7])<<8 | int64(data[size-6])<<16 | int64(data[size-5])<<24
	footer := []pqtest.Range{{Off: size - 8, Len: 8}, {Off: size - 8 - flen, Len: flen}}
	for _, c := range []struct {
		path string
		want []pqtest.Range
	}{
		{named, footer},
		{bare, append([]pqtest.Range{{Off: 0, Len: 4}}, footer...)},
	} {
		store := pqtest.NewCountingStore(blob.NewMux(nil))
		objs, err := plan.Resolve(context.Background(), store, []string{c.path})
		if err != nil {
			t.Fatal(err)
		}
		if objs[0].Parquet == nil || len(objs[0].Parquet.RowGroups()) != 13 {
			t.Fatalf("%s: not planned as Parquet of 13 row groups", c.path)
		}
		got := store.Reads()
		for i := range got {
			got[i].Key = ""
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: planning read %v, want %v (the footer only)", c.path, got, c.want)
		}
	}
}
