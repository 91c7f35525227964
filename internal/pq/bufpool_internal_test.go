package pq

import (
	"testing"
	"unsafe"

	"github.com/parquet-go/parquet-go/format"
)

// TestCorruptPageKeepsPooledBufferOnce: a page whose buffer is too small
// for the next page takes a pooled one and gives its own to the pool; when
// that page does not decompress (a corrupt Snappy block), the page must
// hold the buffer it took, not the one it gave, or the reader's Close gives
// that one to the pool a second time, and two later readers decompress into
// the same bytes.
func TestCorruptPageKeepsPooledBufferOnce(t *testing.T) {
	old := pageBuffers.bufs
	pageBuffers.bufs, pageBuffers.bytes = nil, 0
	defer func() { pageBuffers.bufs, pageBuffers.bytes = old, 0 }()

	pageBuffers.put(make([]byte, 0, 4096))
	p := &rawPages{codec: format.Snappy, physical: format.Int64}
	pg := p.newPage()
	pg.buf = make([]byte, 0, 16) // an earlier, smaller page's
	var h format.PageHeader
	h.Type = format.DataPage
	h.UncompressedPageSize = 1000
	h.DataPageHeader.Valid = true
	h.DataPageHeader.V = format.DataPageHeader{NumValues: 125, Encoding: format.Plain}
	body := []byte{0xe8, 0x07, 0x01, 0x00} // 1000 bytes, a copy from before the start
	if err := p.data(pg, &h, body); err == nil {
		t.Fatal("a corrupt page decoded")
	}
	p.release(pg)
	p.releaseBuffers()
	seen := map[*byte]bool{}
	for _, b := range pageBuffers.bufs {
		d := unsafe.SliceData(b)
		if seen[d] {
			t.Fatalf("a buffer of %d bytes is in the pool twice", cap(b))
		}
		seen[d] = true
	}
}
