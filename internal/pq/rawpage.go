package pq

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// rawPages reads the pages of one column chunk straight from its fetched
// bytes, for a chunk read whole from its first row, of a typed column
// (INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY), not encrypted, with only the
// PLAIN and dictionary encodings. It does what parquet-go's page reader
// does for those pages (the page headers, decompression, parquet-go's RLE
// decoding of levels and dictionary indexes) but leaves a PLAIN page's
// values where the decompression put them: a BYTE_ARRAY value is a slice
// of the page (parquet-go copies every value into a buffer of its own),
// and the compressed bytes are not copied out of the fetched ones. Any
// other chunk is read through parquet-go (parquet.FilePages).
type rawPages struct {
	chunk    []byte // the column chunk's bytes
	pos      int
	codec    format.CompressionCodec
	total    int64 // the chunk's decompressed bytes, as its metadata says
	numVals  int64 // the chunk's values, as its metadata says
	physical format.Type
	maxDef   byte
	levels   rle.Encoding
	free     []*rawPage // page buffers to reuse
}

// rawPage is one decoded data page: its definition levels (nil when the
// column is required) and its values, which may point into buf.
type rawPage struct {
	buf   []byte // the decompressed page (reused)
	defs  []byte
	rows  int
	vals  pageValues
	nvals int
	offs  []uint32
	flts  []float64 // aligned copies of fixed-size values, when needed
	ints  []int64
	idx   []int32
}

// pageValues is the values of a page: fixed-size ones in data, byte arrays
// as b[offs[i]+skip : offs[i+1]], or dictionary indexes.
type pageValues struct {
	data    encoding.Values
	b       []byte
	offs    []uint32
	skip    uint32
	indexes []int32
}

// rawDict is a dictionary page's values as the cursor holds them.
type rawDict struct {
	ints  []int64
	flts  []float64
	bytes [][]byte
}

// rawPagesOff makes every chunk read through parquet-go (for tests that
// compare both readers).
var rawPagesOff bool

// rawEligible reports whether rawPages can read column chunk cc.
func rawEligible(cc *format.ColumnChunk, physical format.Type, maxRep int) bool {
	if rawPagesOff || maxRep != 0 || cc.CryptoMetadata.Value != nil || len(cc.EncryptedColumnMetadata) > 0 {
		return false
	}
	switch physical {
	case format.Int32, format.Int64, format.Float, format.Double, format.ByteArray:
	default:
		return false
	}
	switch cc.MetaData.Codec {
	case format.Uncompressed, format.Snappy, format.Gzip, format.Zstd, format.Lz4Raw, format.Brotli:
	default:
		return false
	}
	for _, e := range cc.MetaData.Encoding {
		switch e {
		case format.Plain, format.PlainDictionary, format.RLEDictionary, format.RLE:
		default:
			return false
		}
	}
	return true
}

func (p *rawPages) reset(chunk []byte, cc *format.ColumnChunk, physical format.Type, maxDef byte) {
	p.chunk, p.pos, p.physical, p.maxDef = chunk, 0, physical, maxDef
	p.codec, p.total, p.numVals = cc.MetaData.Codec, cc.MetaData.TotalUncompressedSize, cc.MetaData.NumValues
	p.levels = rle.Encoding{BitWidth: bits.Len8(maxDef)}
}

// checkHeaders checks the sizes the page headers of column chunk cc
// (metadata meta) declare (checkPageSizes) before parquet-go reads its
// pages, which allocates what a header declares before it checks anything:
// the headers in the fetched bytes, walked from the chunk's start and, when
// only some pages were fetched (not whole), from each page its offset index
// lists. A header that does not decode is left to parquet-go to report.
func checkHeaders(r *rangeReader, cc *parquet.FileColumnChunk, meta *format.ColumnChunk, whole bool) error {
	if meta.CryptoMetadata.Value != nil || len(meta.EncryptedColumnMetadata) > 0 {
		return nil // encrypted headers
	}
	start, end := chunkRange(meta)
	starts := []int64{start}
	if !whole {
		if oi, err := cc.OffsetIndexFrom(r); err == nil {
			for p := 0; p < oi.NumPages(); p++ {
				starts = append(starts, oi.Offset(p))
			}
		}
	}
	reached := start // the headers before were checked
	var scratch []byte
	for _, pos := range starts {
		if pos < reached {
			continue
		}
		for pos < end {
			b := r.viewFrom(pos, end)
			if b == nil {
				break
			}
			var h format.PageHeader
			tr := (&thrift.CompactProtocol{}).NewReaderFromBytes(b)
			if err := thrift.NewDecoder(tr).Decode(&h); err != nil {
				break
			}
			body := pos + int64(tr.BytesRead())
			if err := checkPageSizes(&h, end-body, meta.MetaData.Codec, meta.MetaData.TotalUncompressedSize, meta.MetaData.NumValues); err != nil {
				return fmt.Errorf("page at byte %d of the column chunk: %w", pos-start, err)
			}
			if meta.MetaData.Codec == format.Lz4Raw {
				if err := checkLZ4(&h, b[tr.BytesRead():], &scratch); err != nil {
					return fmt.Errorf("page at byte %d of the column chunk: %w", pos-start, err)
				}
			}
			pos = body + int64(h.CompressedPageSize)
			reached = pos
		}
	}
	return nil
}

// checkLZ4 decompresses an LZ4_RAW page (header h, then rest, when it
// holds the page's bytes) into scratch, bounded (decodePage), before
// parquet-go does: its LZ4 codec doubles its buffer without end on a
// corrupt block. It costs a second decompression, for the rare LZ4_RAW
// chunk rawPages does not read.
func checkLZ4(h *format.PageHeader, rest []byte, scratch *[]byte) error {
	c, size := int(h.CompressedPageSize), int(h.UncompressedPageSize)
	if c > len(rest) {
		return nil // not fetched: parquet-go will not read it either
	}
	src := rest[:c]
	switch h.Type {
	case format.DataPage, format.DictionaryPage:
	case format.DataPageV2:
		v := &h.DataPageHeaderV2.V
		levels := int(v.RepetitionLevelsByteLength) + int(v.DefinitionLevelsByteLength)
		if !h.DataPageHeaderV2.Valid || v.IsCompressed.Valid && !v.IsCompressed.V || levels < 0 || levels > c || levels > size {
			return nil // parquet-go's own checks
		}
		src, size = src[levels:], size-levels
	default:
		return nil
	}
	out, err := decodePage(format.Lz4Raw, *scratch, src, size)
	if out != nil {
		*scratch = out[:0]
	}
	return err
}

// release returns a page's buffers for reuse; its values must be unused.
func (p *rawPages) release(pg *rawPage) {
	poisonBytes(pg.buf)
	p.free = append(p.free, pg)
}

// releaseBuffers gives the decompressed pages' buffers of the free pages
// to pageBuffers, for the process's next reader.
func (p *rawPages) releaseBuffers() {
	for _, pg := range p.free {
		pageBuffers.put(pg.buf)
		pg.buf = nil
	}
}

// pageBuffer is pg's buffer when it can hold size bytes (or the chunk is
// not compressed: its pages are read where they were fetched), else a
// pooled buffer that can, which becomes pg's as its own goes to the pool
// (so that a page that then fails to decompress, released, does not give
// that one to the pool again: releaseBuffers), else pg's (decodePage
// allocates).
func (p *rawPages) pageBuffer(pg *rawPage, size int) []byte {
	if cap(pg.buf) >= size || p.codec == format.Uncompressed {
		return pg.buf
	}
	if b := pageBuffers.get(size); b != nil {
		pageBuffers.put(pg.buf)
		pg.buf = b[:0]
	}
	return pg.buf
}

func (p *rawPages) newPage() *rawPage {
	if n := len(p.free); n > 0 {
		pg := p.free[n-1]
		p.free = p.free[:n-1]
		return pg
	}
	return &rawPage{}
}

// next reads the next page: a data page (pg), or a dictionary page's
// values (dict). io.EOF at the chunk's end. An index page, or one of a type
// to ignore, is skipped (in a loop: a chunk of many would otherwise recurse
// as deep).
func (p *rawPages) next() (pg *rawPage, dict *rawDict, err error) {
	for p.pos < len(p.chunk) {
		var h format.PageHeader
		tr := (&thrift.CompactProtocol{}).NewReaderFromBytes(p.chunk[p.pos:])
		if err := thrift.NewDecoder(tr).Decode(&h); err != nil {
			return nil, nil, fmt.Errorf("page header at byte %d of the column chunk: %w", p.pos, err)
		}
		start := p.pos + tr.BytesRead()
		if err := checkPageSizes(&h, int64(len(p.chunk)-start), p.codec, p.total, p.numVals); err != nil {
			return nil, nil, fmt.Errorf("page at byte %d of the column chunk: %w", p.pos, err)
		}
		end := start + int(h.CompressedPageSize)
		p.pos = end
		body := p.chunk[start:end]
		if h.CRC != 0 && uint32(h.CRC) != crc32.ChecksumIEEE(body) {
			return nil, nil, fmt.Errorf("page at byte %d of the column chunk: crc32 checksum mismatch", start)
		}
		switch h.Type {
		case format.DictionaryPage:
			d, err := p.dictionary(&h, body)
			return nil, d, err
		case format.DataPage, format.DataPageV2:
			pg = p.newPage()
			if err := p.data(pg, &h, body); err != nil {
				p.release(pg)
				return nil, nil, err
			}
			return pg, nil, nil
		}
	}
	return nil, nil, io.EOF
}

// decompress decodes src into dst's array (when large enough) and checks
// its size (which next has checked against the chunk's).
func (p *rawPages) decompress(dst, src []byte, size int) ([]byte, error) {
	if p.codec == format.Uncompressed {
		return src, nil
	}
	if size < 0 {
		return nil, fmt.Errorf("a page of %d bytes decompressed", size)
	}
	return decodePage(p.codec, dst, src, size)
}

// dictionary decodes a dictionary page (PLAIN values) into a fresh buffer:
// its byte arrays may be kept by a caller of Reader.Dictionary.
func (p *rawPages) dictionary(h *format.PageHeader, body []byte) (*rawDict, error) {
	if !h.DictionaryPageHeader.Valid {
		return nil, fmt.Errorf("a dictionary page without its header")
	}
	n := int(h.DictionaryPageHeader.V.NumValues)
	if n < 0 {
		return nil, fmt.Errorf("a dictionary page of %d values", n)
	}
	if e := h.DictionaryPageHeader.V.Encoding; e != format.Plain && e != format.PlainDictionary {
		return nil, fmt.Errorf("dictionary page of encoding %s", e)
	}
	var b []byte
	if p.codec == format.Uncompressed {
		b = bytes.Clone(body) // not the fetched bytes, which the next row group's reuse
	} else {
		var err error
		if b, err = p.decompress(make([]byte, 0, h.UncompressedPageSize), body, int(h.UncompressedPageSize)); err != nil {
			return nil, err
		}
	}
	d := &rawDict{}
	switch p.physical {
	case format.ByteArray:
		offs, err := plainOffsets(nil, b, n)
		if err != nil {
			return nil, fmt.Errorf("dictionary page: %w", err)
		}
		d.bytes = make([][]byte, n)
		for i := range d.bytes {
			d.bytes[i] = b[offs[i]+4 : offs[i+1] : offs[i+1]]
		}
	default:
		w := fixedWidth(p.physical)
		if len(b) < n*w {
			return nil, fmt.Errorf("dictionary page of %d bytes holds fewer than its %d values", len(b), n)
		}
		for i := 0; i < n; i++ {
			v := b[i*w:]
			switch p.physical {
			case format.Int32:
				d.ints = append(d.ints, int64(int32(binary.LittleEndian.Uint32(v))))
			case format.Int64:
				d.ints = append(d.ints, int64(binary.LittleEndian.Uint64(v)))
			case format.Float:
				d.flts = append(d.flts, float64(math.Float32frombits(binary.LittleEndian.Uint32(v))))
			case format.Double:
				d.flts = append(d.flts, math.Float64frombits(binary.LittleEndian.Uint64(v)))
			}
		}
	}
	return d, nil
}

func fixedWidth(t format.Type) int {
	if t == format.Int32 || t == format.Float {
		return 4
	}
	return 8
}

// data decodes a data page (v1 or v2) into pg.
func (p *rawPages) data(pg *rawPage, h *format.PageHeader, body []byte) error {
	var enc format.Encoding
	var b []byte
	var err error
	var defs []byte
	switch h.Type {
	case format.DataPage:
		if !h.DataPageHeader.Valid {
			return fmt.Errorf("a data page without its header")
		}
		dh := &h.DataPageHeader.V
		enc, pg.rows = dh.Encoding, int(dh.NumValues)
		if b, err = p.decompress(p.pageBuffer(pg, int(h.UncompressedPageSize)), body, int(h.UncompressedPageSize)); err != nil {
			return err
		}
		if p.codec != format.Uncompressed {
			pg.buf = b
		}
		if p.maxDef > 0 {
			if dh.DefinitionLevelEncoding != format.RLE {
				return fmt.Errorf("definition levels of encoding %s", dh.DefinitionLevelEncoding)
			}
			if len(b) < 4 || 4+int(binary.LittleEndian.Uint32(b)) > len(b) {
				return fmt.Errorf("definition levels overrun the page")
			}
			n := 4 + int(binary.LittleEndian.Uint32(b))
			defs, b = b[4:n], b[n:]
		}
	case format.DataPageV2:
		if !h.DataPageHeaderV2.Valid {
			return fmt.Errorf("a data page without its header")
		}
		dh := &h.DataPageHeaderV2.V
		enc, pg.rows = dh.Encoding, int(dh.NumRows)
		rl, dl := int(dh.RepetitionLevelsByteLength), int(dh.DefinitionLevelsByteLength)
		if rl < 0 || dl < 0 || rl+dl > len(body) {
			return fmt.Errorf("levels overrun the page")
		}
		if dl > 0 && p.maxDef > 0 {
			defs = body[rl : rl+dl]
		}
		b = body[rl+dl:]
		if !dh.IsCompressed.Valid || dh.IsCompressed.V {
			if b, err = p.decompress(p.pageBuffer(pg, int(h.UncompressedPageSize)-rl-dl), b, int(h.UncompressedPageSize)-rl-dl); err != nil {
				return err
			}
			if p.codec != format.Uncompressed {
				pg.buf = b
			}
		}
	}
	if pg.rows < 0 {
		return fmt.Errorf("a data page of %d rows", pg.rows)
	}
	nvals := pg.rows
	pg.defs = pg.defs[:0]
	if p.maxDef == 0 {
		pg.defs = nil
	} else {
		if defs, err = rleRuns(defs, uint(p.levels.BitWidth), pg.rows); err != nil {
			return fmt.Errorf("definition levels: %w", err)
		}
		if pg.defs, err = p.levels.DecodeLevels(pg.defs[:0], defs); err != nil {
			return fmt.Errorf("definition levels: %w", err)
		}
		if len(pg.defs) < pg.rows {
			return fmt.Errorf("the page has %d definition levels for %d rows", len(pg.defs), pg.rows)
		}
		pg.defs = pg.defs[:pg.rows]
		nvals = bytes.Count(pg.defs, []byte{p.maxDef})
	}
	pg.nvals = nvals
	return p.values(pg, enc, b, nvals)
}

// values takes a page's nvals values, encoded enc in b.
func (p *rawPages) values(pg *rawPage, enc format.Encoding, b []byte, nvals int) error {
	pg.vals = pageValues{}
	switch enc {
	case format.RLEDictionary, format.PlainDictionary:
		if len(b) > 0 {
			runs, err := rleRuns(b[1:], uint(b[0]), nvals)
			if err != nil {
				return fmt.Errorf("dictionary indexes: %w", err)
			}
			b = b[:1+len(runs)]
		}
		idx, err := (&rle.DictionaryEncoding{}).DecodeInt32(pg.idx[:0], b)
		if err != nil {
			return fmt.Errorf("dictionary indexes: %w", err)
		}
		pg.idx = idx
		if len(idx) < nvals {
			return errShortPage
		}
		pg.vals.indexes = idx[:nvals]
		return nil
	case format.Plain:
	default:
		return fmt.Errorf("a page of encoding %s, which the column chunk's metadata does not list", enc)
	}
	if p.physical == format.ByteArray {
		offs, err := plainOffsets(pg.offs[:0], b, nvals)
		if err != nil {
			return err
		}
		pg.offs = offs
		pg.vals.b, pg.vals.offs, pg.vals.skip = b, offs, 4
		return nil
	}
	w := fixedWidth(p.physical)
	if len(b) < nvals*w {
		return errShortPage
	}
	b = b[:nvals*w]
	if nvals == 0 {
		b = nil
	}
	switch p.physical {
	case format.Int32:
		pg.vals.data = encoding.Int32Values(aligned[int32](b, &pg.ints))
	case format.Int64:
		pg.vals.data = encoding.Int64Values(aligned[int64](b, &pg.ints))
	case format.Float:
		pg.vals.data = encoding.FloatValues(aligned[float32](b, &pg.flts))
	case format.Double:
		pg.vals.data = encoding.DoubleValues(aligned[float64](b, &pg.flts))
	}
	return nil
}

// aligned is the little-endian values of b as a []T: b itself when it is
// aligned for T, else a copy in the 8-byte words of buf.
func aligned[T int32 | int64 | float32 | float64, W int64 | float64](b []byte, buf *[]W) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	n := len(b) / size
	if n == 0 {
		return nil
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%uintptr(size) != 0 {
		words := (len(b) + 7) / 8
		if cap(*buf) < words {
			*buf = make([]W, words)
		}
		dst := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(*buf))), words*8)
		copy(dst, b)
		b = dst
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// plainOffsets finds the n PLAIN byte arrays of b (each a 4-byte
// little-endian length, then its bytes): value i is b[offs[i]+4:offs[i+1]].
func plainOffsets(offs []uint32, b []byte, n int) ([]uint32, error) {
	if uint64(len(b)) > math.MaxUint32-8 {
		return nil, fmt.Errorf("a page of %d bytes", len(b))
	}
	if n < 0 || n > len(b)/4 { // n comes from a page header: check it before allocating for it
		return nil, fmt.Errorf("a page of %d bytes cannot hold %d byte arrays", len(b), n)
	}
	if cap(offs) < n+1 {
		offs = make([]uint32, n+1, n+1+n/4)
	}
	o := offs[:n+1]
	starts := o[:n]
	pos := 0 // a length overrunning the page is found at the next value, or after the last
	for i := range starts {
		if pos > len(b)-4 {
			return nil, fmt.Errorf("byte array %d is past the page's end", i)
		}
		starts[i] = uint32(pos)
		// b[pos:pos+4] is in the page (just checked): read without a bounds check
		pos += 4 + int(binary.LittleEndian.Uint32(unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), pos)), 4)))
	}
	if pos > len(b) {
		return nil, fmt.Errorf("the last byte array's length overruns the page")
	}
	o[n] = uint32(pos)
	return o, nil
}

// maxRunExcess is how many values past a page's the RLE runs of its levels
// or indexes may hold (a writer's last run a little long, which readers
// ignore) before the page is taken for corrupt.
const maxRunExcess = 1 << 16

// rleRuns checks the runs of RLE/bit-packed hybrid data src (values of
// bitWidth bits) for the n values a page needs, before parquet-go decodes
// them: a bit-packed run must lie within src (parquet-go's int32 decoder
// does not check, and would read the bytes after the page, or panic), and
// the runs must not hold far more values than n (a run's count is a number
// read from the file: a corrupt one of 2^31 would be decoded in full). It
// returns src cut after the run that completes n values.
func rleRuns(src []byte, bitWidth uint, n int) ([]byte, error) {
	if bitWidth > 32 {
		return nil, fmt.Errorf("a bit width of %d", bitWidth)
	}
	have := 0
	for i := 0; i < len(src); {
		if have >= n {
			return src[:i], nil
		}
		u, k := binary.Uvarint(src[i:])
		if k <= 0 {
			return nil, fmt.Errorf("a corrupt run header at byte %d of %d", i, len(src))
		}
		i += k
		count, size := u>>1, uint64(bitWidth+7)/8 // an RLE run: count values, one value's bytes
		if count > uint64(n-have+maxRunExcess) {
			return nil, fmt.Errorf("a run of %d values, where the page has %d left", count, n-have)
		}
		if u&1 != 0 { // bit-packed: count groups of 8 values, bitWidth bytes each
			count, size = 8*count, count*uint64(bitWidth)
		}
		if size > uint64(len(src)-i) {
			return nil, fmt.Errorf("a run of %d bytes at byte %d of %d overruns the page", size, i, len(src))
		}
		have += int(count)
		i += int(size)
	}
	return src, nil
}
