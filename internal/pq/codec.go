package pq

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// maxPageBytes is the most bytes a page may declare it decompresses to.
// Writers cut pages near a megabyte (parquet-go 256 KiB, Arrow and DuckDB
// 1 MiB); only a single value larger than that makes a larger page. The
// format allows 2 GiB, which a mapper of the template's 1769 MB cannot hold.
const maxPageBytes = 1 << 30

// maxRatio is the most bytes one compressed byte can decompress to in a
// codec's format, 0 when no useful bound is known (Brotli): a Snappy copy
// of 3 bytes gives at most 64; a DEFLATE length/distance code of about 2
// bits gives 258 bytes (1032 to 1); an LZ4 sequence's length bytes each add
// 255; a zstd RLE block of 4 bytes gives a block's 128 KiB.
//
// Brotli's bound is sound but of no use: a meta-block decompresses to up
// to 2^24 bytes (MLEN, RFC 7932 section 9.2), and its commands can cost no
// bits at all, since a prefix code of one symbol (a simple prefix code of
// NSYM 1, section 3.4) has a code of length 0, so an insert-and-copy
// command of lengths with no extra bits, and literals of one symbol, read
// nothing. A meta-block's header and its three prefix codes take some 70
// bits, so the bound is about 2^24 bytes per 9 compressed, near 2 M to 1:
// a page of under 600 compressed bytes could declare maxPageBytes. A
// Brotli page's declared size is bounded only by maxPageBytes and the
// column chunk's decompressed total, which the footer states.
func maxRatio(codec format.CompressionCodec) int64 {
	switch codec {
	case format.Snappy:
		return 22
	case format.Gzip:
		return 1032
	case format.Lz4Raw:
		return 256
	case format.Zstd:
		return 32 << 10
	}
	return 0
}

// checkPageSizes checks the sizes a page header declares, before anything
// is allocated for them: its compressed bytes must lie in the left bytes
// of the column chunk after the header, and the bytes it declares it
// decompresses to must fit in the column chunk's decompressed total (from
// its metadata), in what its compressed bytes can decompress to and in
// maxPageBytes; and a data page's count of values (and rows) must fit in
// the column chunk's values, values (from its metadata; 0: not known), since
// a reader allocates for that count (parquet-go its levels and values
// before it decodes them). codec is the column chunk's.
func checkPageSizes(h *format.PageHeader, left int64, codec format.CompressionCodec, total, values int64) error {
	c, u := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
	if n := declaredValues(h); values > 0 && n > values {
		return fmt.Errorf("its header declares %d values, more than the column chunk's %d in all", n, values)
	}
	switch {
	case c < 0 || u < 0:
		return fmt.Errorf("its header declares negative sizes (%d compressed, %d not)", c, u)
	case c > left:
		return fmt.Errorf("its %d compressed bytes overrun the column chunk, which has %d left", c, left)
	case codec == format.Uncompressed:
		return nil
	case total > 0 && u > total:
		return fmt.Errorf("its header declares %d bytes decompressed, more than the column chunk's %d in all", u, total)
	case u > maxPageBytes:
		return fmt.Errorf("its header declares %d bytes decompressed, more than the %d a page may have", u, int64(maxPageBytes))
	}
	if r := maxRatio(codec); r > 0 && u > r*c+64 {
		return fmt.Errorf("its header declares %d bytes decompressed, more than its %d bytes of %s can hold", u, c, codec)
	}
	return nil
}

// declaredValues is the most of the values and rows a data page's header
// declares; 0 for another page.
func declaredValues(h *format.PageHeader) int64 {
	switch {
	case h.DataPageHeader.Valid:
		return int64(h.DataPageHeader.V.NumValues)
	case h.DataPageHeaderV2.Valid:
		return max(int64(h.DataPageHeaderV2.V.NumValues), int64(h.DataPageHeaderV2.V.NumRows))
	}
	return 0
}

// decodePage decompresses src (of codec) into dst's array when large
// enough, else a new one a little larger than size (room for the next row
// group's page), and checks that it decompresses to size bytes, the size
// its header declares (checked by checkPageSizes). It allocates no more
// than that and its quarter of room for the output (1.25 GiB for a page of
// maxPageBytes), whatever the compressed stream claims: parquet-go's
// codecs grow their output as the stream asks (its LZ4 codec without end
// on a corrupt block). A gzip or Brotli page's buffer grows as its stream
// fills it (readPage).
func decodePage(codec format.CompressionCodec, dst, src []byte, size int) ([]byte, error) {
	if codec == format.Snappy {
		n, err := snappy.DecodedLen(src)
		if err != nil {
			return nil, fmt.Errorf("decompressing page: %w", err)
		}
		if n != size {
			return nil, fmt.Errorf("page decompresses to %d bytes, its header says %d", n, size)
		}
	}
	switch codec {
	case format.Gzip:
		return checkDecoded(readPage(&gzipReaders, dst, src, size))
	case format.Brotli:
		return checkDecoded(readPage(&brotliReaders, dst, src, size))
	}
	var out []byte
	var err error
	if cap(dst) < size {
		dst = make([]byte, 0, size+size/4)
	}
	dst = dst[:size]
	switch codec {
	case format.Snappy:
		out, err = dst, decodeSnappy(dst, src)
	case format.Lz4Raw:
		var n int
		n, err = lz4.UncompressBlock(src, dst)
		out = dst[:n]
	case format.Zstd:
		d := zstdDecoders.Get().(*zstd.Decoder)
		out, err = d.DecodeAll(src, dst[:0])
		zstdDecoders.Put(d)
	default:
		return nil, fmt.Errorf("decompressing page: codec %s", codec)
	}
	return checkDecoded(out, size, err)
}

// checkDecoded checks that a page decompressed to size bytes.
func checkDecoded(out []byte, size int, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("decompressing page: %w", err)
	}
	if len(out) != size {
		return nil, fmt.Errorf("page decompressed to %d bytes, its header says %d", len(out), size)
	}
	return out, nil
}

// zstdDecoders decode into the capacity of the slice given them, no more
// (WithDecodeAllCapLimit): a frame whose header declares more is an error.
var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecodeAllCapLimit(true))
	if err != nil {
		panic(err) // only for invalid options
	}
	return d
}}

// streamReader is a pooled decompressing reader of a page's bytes.
type streamReader struct {
	src bytes.Reader
	r   interface {
		io.Reader
		Reset(io.Reader) error
	}
}

var (
	gzipReaders   = sync.Pool{New: func() any { return &streamReader{r: new(gzip.Reader)} }}
	brotliReaders = sync.Pool{New: func() any { return &streamReader{r: brotli.NewReader(nil)} }}
)

var errLongPage = errors.New("the page decompresses to more bytes than its header says")

// streamStep is the least a streamed page's buffer grows by.
const streamStep = 64 << 10

// readPage decompresses src with a reader from pool into dst's array, or a
// larger one, up to size bytes (the page's declared size): the stream must
// fill them and end there; it returns size for checkDecoded. A new array grows as the stream fills it, so a
// page declaring more than it holds (a Brotli page has no useful ratio
// bound, maxRatio, and a footer may overstate the chunk's total) allocates
// about what it decompresses to, not what it declares.
func readPage(pool *sync.Pool, dst, src []byte, size int) ([]byte, int, error) {
	s := pool.Get().(*streamReader)
	defer pool.Put(s)
	s.src.Reset(src)
	if err := s.r.Reset(&s.src); err != nil {
		return nil, size, err
	}
	buf := dst[:0]
	for len(buf) < size {
		if len(buf) == cap(buf) {
			n := min(size+size/4, max(2*cap(buf), streamStep))
			buf = append(make([]byte, 0, n), buf...)
		}
		n, err := s.r.Read(buf[len(buf):min(size, cap(buf))])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return buf, size, nil // shorter than declared: the caller says so
		}
		if err != nil {
			return nil, size, err
		}
	}
	var one [1]byte
	m, err := io.ReadFull(s.r, one[:])
	if m > 0 {
		return nil, size, errLongPage
	}
	if !errors.Is(err, io.EOF) {
		return nil, size, err
	}
	return buf, size, nil
}
