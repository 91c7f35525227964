package pq_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// TestRawPagesMatchParquetGo: the column chunks read from their fetched
// bytes (rawPages) give the same nulls and texts as parquet-go's page
// reader, for every codec, data pages v1 and v2, dictionary and plain pages,
// several pages per chunk, required and optional columns, read whole and
// lazily (every third row asked for), beside a delta-encoded column that
// parquet-go reads.
func TestRawPagesMatchParquetGo(t *testing.T) {
	rows := lazyRows(3000)
	cols := []string{"id", "name", "plain", "delta", "f", "n", "amt"}
	third := func(id int64) bool { return id%3 == 0 }
	read := func(path string, raw, lazy bool) ([]string, int) {
		pq.SetRawPages(raw)
		defer pq.SetRawPages(true)
		if lazy {
			return readRows(t, path, cols, true, third)
		}
		return readRows(t, path, cols, false, func(int64) bool { return true })
	}
	codecs := []compress.Codec{&parquet.Uncompressed, &parquet.Snappy, &parquet.Gzip, &parquet.Zstd, &parquet.Lz4Raw, &parquet.Brotli}
	for _, codec := range codecs {
		for _, version := range []int{1, 2} {
			name := fmt.Sprintf("%s-v%d", codec.CompressionCodec(), version)
			path := filepath.Join(t.TempDir(), name+".parquet")
			pqtest.WriteGo(t, path, [][]lazyRow{rows}, parquet.Compression(codec), parquet.DataPageVersion(version),
				parquet.PageBufferSize(300), parquet.MaxRowsPerRowGroup(700))
			for _, lazy := range []bool{false, true} {
				want, off := read(path, false, lazy)
				got, on := read(path, true, lazy)
				if off != 0 || on == 0 {
					t.Fatalf("%s: %d chunks read raw with rawPages off, %d with it on", name, off, on)
				}
				if len(want) == 0 || len(want) != len(got) {
					t.Fatalf("%s (lazy %v): %d rows through parquet-go, %d raw", name, lazy, len(want), len(got))
				}
				for i := range want {
					if want[i] != got[i] {
						t.Fatalf("%s (lazy %v): row %d: parquet-go %q, raw %q", name, lazy, i, want[i], got[i])
					}
				}
			}
		}
	}
}

// TestRawPagesCorrupt: a page whose bytes were changed (a byte array's
// length, here) is an error naming the file, row group and column: its
// crc32 checksum no longer matches.
func TestRawPagesCorrupt(t *testing.T) {
	type row struct {
		S string `parquet:"s,plain"`
	}
	path := filepath.Join(t.TempDir(), "corrupt.parquet")
	pqtest.WriteGo(t, path, [][]row{{{"aaaa"}, {"marker"}, {"bbbb"}}}, parquet.Compression(&parquet.Uncompressed))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("marker"))
	if i < 4 {
		t.Fatal("the value is not in the file")
	}
	binary.LittleEndian.PutUint32(b[i-4:], 1<<20)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	size, store := pqtest.LocalFile(t, path)
	r, err := pq.Open(context.Background(), store, pq.Span{Source: path, URL: path, Size: size, End: size}, []string{"s"}, pq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
	}
	want := fmt.Sprintf(`parquet %s, row group 0, column "s": `, path)
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "crc32 checksum mismatch") {
		t.Fatalf("error %v, want one starting %q about the checksum", err, want)
	}
}
