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

// TestNearMissBuffersAreReplaced: a fetch buffer a little too small for
// the next row group's chunk (as each row group's is for the next, larger
// one) is replaced by the new buffer, in a reader's spares and in the
// pool, rather than kept for good; the new one has room for a slightly
// larger chunk still. Kept, such buffers piled up to the pool's 16 MiB
// over a mapper's chunks (5.8 MB after 7 chunks of the 405 MB bench file).
func TestNearMissBuffersAreReplaced(t *testing.T) {
	old := fetchBuffers.bufs
	fetchBuffers.bufs, fetchBuffers.bytes = nil, 0
	defer func() { fetchBuffers.bufs, fetchBuffers.bytes = old, 0 }()

	r := &rangeReader{spare: [][]byte{make([]byte, 4000), make([]byte, 100)}}
	b := r.buffer(4100)
	if len(b) != 4100 || cap(b) < 4100+4100/8 {
		t.Fatalf("a new buffer of %d bytes has room for %d", len(b), cap(b))
	}
	if len(r.spare) != 1 || cap(r.spare[0]) != 100 {
		t.Fatalf("the spares after a near miss: %d of them", len(r.spare))
	}
	fetchBuffers.put(make([]byte, 4000))
	fetchBuffers.put(make([]byte, 100))
	if fetchBuffers.get(4100) != nil {
		t.Fatal("the pool gave a buffer too small")
	}
	if len(fetchBuffers.bufs) != 1 || fetchBuffers.bytes != 100 {
		t.Fatalf("the pool holds %d buffers, %d bytes, after a near miss", len(fetchBuffers.bufs), fetchBuffers.bytes)
	}
	for i := 0; i < 100; i++ { // chunks growing by 0.5% each
		n := 4100 * (200 + i) / 200
		r.drop()
		r.cache = []fetched{{data: r.buffer(n)}}
	}
	held := 0
	for _, s := range r.spare {
		held += cap(s)
	}
	if len(r.spare) > 2 || held > 3*4100 {
		t.Fatalf("after 100 growing row groups the reader keeps %d spares, %d bytes", len(r.spare), held)
	}
}
