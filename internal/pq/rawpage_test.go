package pq_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
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
	b := testutil.ReadFile(t, path)
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

// rewriteFirstPage rewrites the Parquet file at path (one row group, one
// column) with its first page's header changed by edit and its column
// chunk's metadata by meta, keeping the file well formed around them: the
// chunk's compressed size follows the header's new length, and the page
// index, whose offsets would no longer hold, is dropped.
func rewriteFirstPage(t *testing.T, path string, edit func(*format.PageHeader), meta func(*format.ColumnMetaData)) {
	t.Helper()
	b := testutil.ReadFile(t, path)
	n := int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	footerAt := len(b) - 8 - n
	var md format.FileMetaData
	if err := thrift.Unmarshal(&thrift.CompactProtocol{}, b[footerAt:len(b)-8], &md); err != nil {
		t.Fatal(err)
	}
	if len(md.RowGroups) != 1 || len(md.RowGroups[0].Columns) != 1 {
		t.Fatalf("%d row groups, want 1 of 1 column", len(md.RowGroups))
	}
	cc := &md.RowGroups[0].Columns[0]
	start := cc.MetaData.DataPageOffset
	if d := cc.MetaData.DictionaryPageOffset; d > 0 && d < start {
		t.Fatal("the first page is a dictionary page")
	}
	var h format.PageHeader
	tr := (&thrift.CompactProtocol{}).NewReaderFromBytes(b[start:])
	if err := thrift.NewDecoder(tr).Decode(&h); err != nil {
		t.Fatal(err)
	}
	edit(&h)
	hb, err := thrift.Marshal(&thrift.CompactProtocol{}, &h)
	if err != nil {
		t.Fatal(err)
	}
	delta := int64(len(hb) - tr.BytesRead())
	cc.MetaData.TotalCompressedSize += delta
	md.RowGroups[0].TotalCompressedSize += delta
	cc.ColumnIndexOffset, cc.ColumnIndexLength, cc.OffsetIndexOffset, cc.OffsetIndexLength = 0, 0, 0, 0
	meta(&cc.MetaData)
	fb, err := thrift.Marshal(&thrift.CompactProtocol{}, &md)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.Write(b[:start])
	out.Write(hb)
	out.Write(b[int(start)+tr.BytesRead() : footerAt])
	out.Write(fb)
	out.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(fb))))
	out.WriteString("PAR1")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeXFile writes a file of one column, x (PLAIN INT64), of 1000 rows,
// compressed with codec: one page.
func writeXFile(t *testing.T, path string, codec compress.Codec) {
	type row struct {
		X int64 `parquet:"x,plain"`
	}
	rows := make([]row, 1000)
	for i := range rows {
		rows[i].X = int64(i * 7)
	}
	pqtest.WriteGo(t, path, [][]row{rows}, parquet.Compression(codec))
}

// TestPageDeclaresHugeSize: a compressed page whose header declares a huge
// decompressed size (a corrupt header) is an error naming the file, row
// group and column, found before anything is allocated for that size: by
// the raw page reader and before parquet-go reads the chunk, for codecs
// whose stream bounds what it can decompress to (zstd) and for those whose
// stream says it (snappy), whether or not the column chunk's metadata
// bounds the size too.
func TestPageDeclaresHugeSize(t *testing.T) {
	cases := []struct {
		name  string
		size  int32 // the page's declared decompressed size
		total int64 // the column chunk's decompressed size in its metadata (0: as written)
		want  string
	}{
		{"over the chunk's total", 1 << 30, 0, "more than the column chunk's"},
		{"metadata corrupt too", 1 << 30, 1 << 40, "decompress"},
		{"over the page cap", 1<<31 - 1, 1 << 40, "more than the 1073741824 a page may have"},
	}
	for _, codec := range []compress.Codec{&parquet.Zstd, &parquet.Snappy, &parquet.Lz4Raw, &parquet.Gzip} {
		for _, tc := range cases {
			for _, raw := range []bool{true, false} {
				name := fmt.Sprintf("%s/%s/raw=%v", codec.CompressionCodec(), tc.name, raw)
				t.Run(name, func(t *testing.T) {
					path := filepath.Join(t.TempDir(), "huge.parquet")
					writeXFile(t, path, codec)
					rewriteFirstPage(t, path, func(h *format.PageHeader) { h.UncompressedPageSize = tc.size }, func(m *format.ColumnMetaData) {
						if tc.total != 0 {
							m.TotalUncompressedSize = tc.total
						}
					})
					readCorrupt(t, path, raw, tc.want)
				})
			}
		}
	}
}

// TestCorruptLZ4Page: a corrupt LZ4_RAW page is an error naming the file,
// row group and column on both readers; parquet-go's LZ4 codec, which
// doubles its buffer without end on a corrupt block (out of memory at
// 4 GiB before), never sees it.
func TestCorruptLZ4Page(t *testing.T) {
	for _, raw := range []bool{true, false} {
		t.Run(fmt.Sprintf("raw=%v", raw), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lz4.parquet")
			writeXFile(t, path, &parquet.Lz4Raw)
			rewriteFirstPage(t, path, func(h *format.PageHeader) { h.CRC = 0 }, func(*format.ColumnMetaData) {})
			b := testutil.ReadFile(t, path)
			// the page (the file's first, after its magic): mid-page, a
			// literal run far longer than the block
			var h format.PageHeader
			tr := (&thrift.CompactProtocol{}).NewReaderFromBytes(b[4:])
			if err := thrift.NewDecoder(tr).Decode(&h); err != nil {
				t.Fatal(err)
			}
			copy(b[4+tr.BytesRead()+int(h.CompressedPageSize)/2:], []byte{0xF0, 0xFF, 0xFF, 0xFF, 0xFF})
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			readCorrupt(t, path, raw, "decompressing page")
		})
	}
}

// readCorrupt reads column x of the corrupt file at path (of 1000 rows),
// with the raw page reader or parquet-go's, and fails t unless that is an
// error naming the file, row group 0 and the column and saying want, found
// with at most 16 MiB allocated.
func readCorrupt(t *testing.T, path string, raw bool, want string) {
	t.Helper()
	pq.SetRawPages(raw)
	defer pq.SetRawPages(true)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := readAll(t, path)
	runtime.ReadMemStats(&after)
	prefix := fmt.Sprintf(`parquet %s, row group 0, column "x": `, path)
	if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one starting %q saying %q", err, prefix, want)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Fatalf("%d bytes allocated reading a file of 1000 rows (error %v)", n, err)
	}
}

// readAll reads every row of column x of the file at path; the reader's
// error.
func readAll(t *testing.T, path string) error {
	t.Helper()
	size, store := pqtest.LocalFile(t, path)
	r, err := pq.Open(context.Background(), store, pq.Span{Source: path, URL: path, Size: size, End: size}, []string{"x"}, pq.Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
	}
	return r.Err()
}

// TestPageDeclaresHugeValueCount: a data page whose header declares far
// more values than its column chunk holds (a corrupt header: 2^30 for a
// chunk of 1000) is an error naming the file, row group and column, found
// before anything is allocated for that count: parquet-go's reader
// allocates its definition levels for the count before it decodes them
// (1.2 GiB here, where a mapper has 1769 MB), and the raw reader its
// levels for what the runs say, up to the count.
func TestPageDeclaresHugeValueCount(t *testing.T) {
	type row struct {
		X *int64 `parquet:"x,optional,plain"`
	}
	rows := make([]row, 1000)
	for i := range rows {
		v := int64(i * 7)
		rows[i].X = &v
	}
	for _, version := range []int{1, 2} {
		for _, raw := range []bool{true, false} {
			t.Run(fmt.Sprintf("v%d/raw=%v", version, raw), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "count.parquet")
				pqtest.WriteGo(t, path, [][]row{rows}, parquet.Compression(&parquet.Snappy), parquet.DataPageVersion(version))
				rewriteFirstPage(t, path, func(h *format.PageHeader) {
					switch {
					case h.DataPageHeader.Valid:
						h.DataPageHeader.V.NumValues = 1 << 30
					case h.DataPageHeaderV2.Valid:
						h.DataPageHeaderV2.V.NumValues, h.DataPageHeaderV2.V.NumRows = 1<<30, 1<<30
					default:
						t.Fatal("the first page is no data page")
					}
				}, func(*format.ColumnMetaData) {})
				readCorrupt(t, path, raw, "declares 1073741824 values, more than the column chunk's 1000")
			})
		}
	}
}
