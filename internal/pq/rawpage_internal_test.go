package pq

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// TestPlainOffsets: PLAIN byte arrays are found in place, and a length that
// runs past the page, or a page shorter than its values, is an error.
func TestPlainOffsets(t *testing.T) {
	var b []byte
	for _, s := range []string{"ab", "", "cde"} {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	offs, err := plainOffsets(nil, b, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := 0; i < 3; i++ {
		got = append(got, string(b[offs[i]+4:offs[i+1]]))
	}
	if got[0] != "ab" || got[1] != "" || got[2] != "cde" {
		t.Fatalf("values %q", got)
	}
	if _, err := plainOffsets(offs, b, 4); err == nil {
		t.Fatal("4 values read from a page of 3")
	}
	bad := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(bad[6:], 1000) // the second value's length
	if _, err := plainOffsets(offs, bad, 3); err == nil {
		t.Fatal("a length past the page's end was read")
	}
	binary.LittleEndian.PutUint32(bad[6:], 0xFFFFFFFF)
	if _, err := plainOffsets(offs, bad, 2); err == nil {
		t.Fatal("the last length past the page's end was read")
	}
}

// TestPlainOffsetsCountFromHeader: a page header claiming far more byte
// arrays than the page can hold (each takes at least its 4-byte length) is
// an error found before the offsets are allocated for that many.
func TestPlainOffsetsCountFromHeader(t *testing.T) {
	b := binary.LittleEndian.AppendUint32(nil, 2)
	b = append(b, "ab"...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := plainOffsets(nil, b, 1<<24)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("16M byte arrays read from a page of 6 bytes")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("%d bytes allocated for a page of 6 bytes", n)
	}
}

// rawChunk is a column chunk of one page: its header h (with the body's
// size) and then body.
func rawChunk(t *testing.T, h format.PageHeader, body []byte) []byte {
	t.Helper()
	h.CompressedPageSize = int32(len(body))
	b, err := thrift.Marshal(&thrift.CompactProtocol{}, &h)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, body...)
}

// TestRawDictionaryUncompressedSize: an uncompressed dictionary page is
// copied at its own size, not allocated at the size its header claims.
func TestRawDictionaryUncompressedSize(t *testing.T) {
	body := binary.LittleEndian.AppendUint32(nil, 2)
	body = append(body, "ab"...)
	h := format.PageHeader{Type: format.DictionaryPage, UncompressedPageSize: 1 << 26}
	h.DictionaryPageHeader.Valid = true
	h.DictionaryPageHeader.V = format.DictionaryPageHeader{NumValues: 1, Encoding: format.Plain}
	chunk := rawChunk(t, h, body)
	var p rawPages
	p.reset(chunk, &format.ColumnChunk{}, format.ByteArray, 0)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, d, err := p.next()
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.bytes) != 1 || string(d.bytes[0]) != "ab" {
		t.Fatalf("dictionary %q", d.bytes)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("%d bytes allocated for a dictionary page of %d", n, len(body))
	}
}

// TestRawRunsChecked: the dictionary indexes and definition levels of a
// page are RLE/bit-packed runs whose sizes the file gives. A bit-packed
// run longer than the page is an error, not a read of the bytes after it
// (another page's, here), and a run of far more values than the page has
// is an error before they are decoded.
func TestRawRunsChecked(t *testing.T) {
	var p rawPages
	p.reset(nil, &format.ColumnChunk{}, format.ByteArray, 1)
	buf := make([]byte, 64)
	for i := range buf {
		buf[i] = 0xFF // what follows the page
	}
	// bit width 8, one bit-packed group of 8 values (8 bytes), of which the page holds 3
	page := append(buf[:0], 8, 1<<1|1, 0, 0, 0)
	if err := p.values(p.newPage(), format.RLEDictionary, page, 8); err == nil {
		t.Fatal("a bit-packed run past the page's end was decoded")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	// an RLE run of 2^22 zeros, for a page of 2 values
	runs := binary.AppendUvarint([]byte{8}, (1<<22)<<1)
	err := p.values(p.newPage(), format.RLEDictionary, append(runs, 0), 2)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("a run of 2^22 indexes was decoded for a page of 2")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("%d bytes allocated for a page of 2 values", n)
	}
	// definition levels (bit width 1): a run of 2^22 ones for 3 rows, with the v1 length prefix
	levels := binary.AppendUvarint(nil, (1<<22)<<1)
	levels = append(levels, 1)
	body := binary.LittleEndian.AppendUint32(nil, uint32(len(levels)))
	body = append(body, levels...)
	h := format.PageHeader{Type: format.DataPage, UncompressedPageSize: int32(len(body))}
	h.DataPageHeader.Valid = true
	h.DataPageHeader.V = format.DataPageHeader{NumValues: 3, Encoding: format.Plain, DefinitionLevelEncoding: format.RLE}
	runtime.ReadMemStats(&before)
	err = p.data(p.newPage(), &h, body)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("a run of 2^22 definition levels was decoded for a page of 3 rows")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("%d bytes allocated for a page of 3 rows", n)
	}
}

// TestRawSkipsIndexPages: the pages of a type rawPages does not read (an
// index page) are skipped, however many precede a data page.
func TestRawSkipsIndexPages(t *testing.T) {
	var chunk []byte
	for i := 0; i < 1000; i++ {
		chunk = append(chunk, rawChunk(t, format.PageHeader{Type: format.IndexPage}, nil)...)
	}
	body := binary.LittleEndian.AppendUint64(nil, 42)
	h := format.PageHeader{Type: format.DataPage, UncompressedPageSize: int32(len(body))}
	h.DataPageHeader.Valid = true
	h.DataPageHeader.V = format.DataPageHeader{NumValues: 1, Encoding: format.Plain}
	chunk = append(chunk, rawChunk(t, h, body)...)
	var p rawPages
	p.reset(chunk, &format.ColumnChunk{}, format.Int64, 0)
	pg, _, err := p.next()
	if err != nil {
		t.Fatal(err)
	}
	if got := pg.vals.data.Int64(); pg.rows != 1 || len(got) != 1 || got[0] != 42 {
		t.Fatalf("page of %d rows, values %v, want [42]", pg.rows, got)
	}
	if _, _, err := p.next(); err != io.EOF {
		t.Fatalf("after the last page: %v, want io.EOF", err)
	}
}

// TestDecodePageBounded: a page whose compressed bytes decompress to more
// than its header declares (here 16 MiB of zeros declared as 1000 bytes) is
// an error found without decompressing more than declared, for every codec
// rawPages reads (what is allocated is the decoder's state: Brotli's ring
// buffer of its window, 4 MiB here); and a corrupt LZ4 block is an error (parquet-go's LZ4
// codec doubles its buffer without end on one).
func TestDecodePageBounded(t *testing.T) {
	zeros := make([]byte, 16<<20)
	codecs := []compress.Codec{&parquet.Snappy, &parquet.Gzip, &parquet.Zstd, &parquet.Lz4Raw, &parquet.Brotli}
	for _, c := range codecs {
		t.Run(c.String(), func(t *testing.T) {
			src, err := c.Encode(nil, zeros)
			if err != nil {
				t.Fatal(err)
			}
			// the declared size: decoded whole (which also warms the codec's pool)
			out, err := decodePage(c.CompressionCodec(), nil, src, len(zeros))
			if err != nil || !bytes.Equal(out, zeros) {
				t.Fatalf("decoded at its size: %d bytes, error %v", len(out), err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err = decodePage(c.CompressionCodec(), nil, src, 1000)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("16 MiB decompressed from a page declaring 1000 bytes")
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
				t.Fatalf("%d bytes allocated for a page declaring 1000 (error %v)", n, err)
			}
		})
	}
	bad := []byte{0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2} // a literal run longer than the block
	if _, err := decodePage(format.Lz4Raw, nil, bad, 100); err == nil {
		t.Fatal("a corrupt LZ4 block decoded")
	}
}
