package split

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/codec"
	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/plan"
)

// bufSize is the read buffer: records up to this long cost no copy.
const bufSize = 1 << 20

// RecordFunc receives one record: line is the record without its "\n" (valid
// only during the call), offset the byte offset of its first byte in the object.
type RecordFunc func(line []byte, offset int64) error

// Stats counts what a part read cost.
type Stats struct {
	// BytesRead is how many bytes were read from the store (compressed bytes for .gz).
	BytesRead int64
	// Records is how many records were delivered.
	Records int64
}

// BlockFunc receives a run of whole records at once: data holds n records,
// each ending in "\n" (kept), and offset is the object offset of data[0]. data
// is only valid during the call.
type BlockFunc func(data []byte, offset int64, n int) error

// CSVBlockFunc receives a run of whole CSV lines at once (data ends in
// "\n"; its first byte, at object offset offset, starts a record) and reads
// the records it can from its start: those before the first record holding
// a quote, whose end a "\n" may not be (record.Reader.ReadCSVBlock). It
// returns the bytes and the records it read; the scanner reads the next
// record itself.
type CSVBlockFunc func(data []byte, offset int64) (used, records int, err error)

// Part reads the records of part from store and calls fn for each, in order.
func Part(ctx context.Context, store blob.Store, part plan.Part, fn RecordFunc) (Stats, error) {
	return PartBlocks(ctx, store, part, fn, nil)
}

// PartBlocks is Part for a consumer that also takes runs of whole records:
// it calls block with as many of the part's records as its buffer holds at a
// time, and fn only for a record that does not fit the buffer or lacks its
// "\n" (the last of an object). A nil block, or a compressed part, calls fn for every record.
func PartBlocks(ctx context.Context, store blob.Store, part plan.Part, fn RecordFunc, block BlockFunc) (Stats, error) {
	if part.Compression() != "" {
		return compressedPart(ctx, store, part, fn, 0)
	}
	if part.Start < 0 || part.End < part.Start || part.End > part.Size {
		return Stats{}, fmt.Errorf("part %s [%d,%d) of %d bytes: bad range", part.Source, part.Start, part.End, part.Size)
	}
	if part.Start == part.End {
		return Stats{}, nil
	}
	from := part.Start
	if from > 0 {
		from-- // the byte before start decides whether a record begins at start
	}
	rr := newRangeReader(ctx, store, part, from)
	defer rr.Close()
	s := NewScanner(rr, from)
	defer s.Free()
	if part.Start > 0 {
		if err := s.SkipLine(); err != nil {
			return s.stats(), fmt.Errorf("read %s at byte %d: %w", part.Source, from, err)
		}
	}
	for s.Offset() < part.End {
		if block != nil {
			data, off, n, err := s.nextBlock(part.End)
			if err != nil {
				return s.stats(), fmt.Errorf("read %s at byte %d: %w", part.Source, s.Offset(), err)
			}
			if n > 0 {
				if err := block(data, off, n); err != nil {
					return s.stats(), err
				}
				s.records += int64(n)
				continue
			}
		}
		line, off, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return s.stats(), fmt.Errorf("read %s at byte %d: %w", part.Source, s.Offset(), err)
		}
		if err := fn(line, off); err != nil {
			return s.stats(), err
		}
		s.records++
	}
	return s.stats(), nil
}

// openWhole opens the whole object of part, decompressed when the part is
// compressed. counted counts the bytes read from the store and tells a store
// failure from corruption (readError).
func openWhole(ctx context.Context, store blob.Store, part plan.Part) (r io.Reader, counted *countingReader, closeAll func(), err error) {
	rc, err := store.Open(ctx, part.URL, 0, -1)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open %s: %w", part.Source, err)
	}
	counted = &countingReader{r: rc}
	if part.Compression() == "" {
		return counted, counted, func() { rc.Close() }, nil
	}
	zr, err := codec.Reader(part.Compression(), counted)
	if err != nil {
		rc.Close()
		return nil, counted, nil, readError(part, counted, 0, err)
	}
	return zr, counted, func() { zr.Close(); rc.Close() }, nil
}

// compressedPart reads a compressed object whole, counting the compressed
// bytes read; record offsets are offsets in the decompressed stream. A
// delim other than 0 reads CSV records, their fields separated by delim,
// instead of lines.
func compressedPart(ctx context.Context, store blob.Store, part plan.Part, fn RecordFunc, delim byte) (Stats, error) {
	r, counted, closeAll, err := openWhole(ctx, store, part)
	if err != nil {
		var n int64
		if counted != nil {
			n = counted.n
		}
		return Stats{BytesRead: n}, err
	}
	defer closeAll()
	s := NewScanner(r, 0)
	s.delim, s.qt = delim, part.Quoting()
	defer s.Free()
	if err := s.skipTo(part.Header); err != nil {
		return Stats{BytesRead: counted.n}, readError(part, counted, s.Offset(), err)
	}
	for {
		line, off, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Stats{BytesRead: counted.n, Records: s.records}, readError(part, counted, s.Offset(), err)
		}
		if err := fn(line, off); err != nil {
			return Stats{BytesRead: counted.n, Records: s.records}, err
		}
		s.records++
	}
	return Stats{BytesRead: counted.n, Records: s.records}, nil
}

// Header returns the first line of the object (without "\n" and a "\r" before
// it), reading at most what the line needs. A compressed object is decompressed.
func Header(ctx context.Context, store blob.Store, part plan.Part) ([]byte, error) {
	return header(ctx, store, part, 0)
}

// header returns the object's first record: a line (delim 0), or a CSV
// record whose fields delim separates, at part.Header.
func header(ctx context.Context, store blob.Store, part plan.Part, delim byte) ([]byte, error) {
	r, counted, closeAll, err := openWhole(ctx, store, part)
	if err != nil {
		return nil, err
	}
	defer closeAll()
	s := NewScanner(r, 0)
	s.delim, s.qt = delim, part.Quoting()
	defer s.Free()
	var line []byte
	if delim != 0 {
		err = s.skipTo(part.Header) // a preamble before the header
	}
	if err == nil {
		line, _, err = s.Next()
	}
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		if part.Compression() != "" {
			return nil, readError(part, counted, s.Offset(), err)
		}
		return nil, fmt.Errorf("read header of %s: %w", part.Source, err)
	}
	return bytes.Clone(bytes.TrimSuffix(line, []byte{'\r'})), nil
}

// Scanner splits a stream into "\n"-terminated lines (or CSV records, see
// PartCSV) without copying lines that fit in its buffer; a longer line is
// assembled in a growing buffer.
type Scanner struct {
	// delim is, for a scanner of CSV records, the byte that separates
	// their fields; 0 for one of lines.
	delim byte
	// qt is how a CSV scanner's fields are quoted.
	qt      csvline.Quoting
	r       io.Reader
	buf     []byte
	lo, hi  int   // unread bytes are buf[lo:hi]
	pos     int64 // object offset of buf[lo]
	eof     bool
	long    []byte
	records int64
	read    int64
	// linesEnd is the object offset just past the last "\n" lines found,
	// while its bytes are buffered.
	linesEnd int64
}

// bufs recycles Scanner buffers: a chunk of a few hundred bytes would otherwise
// allocate (and clear) a whole bufSize buffer, which dominated the cost of small chunks.
var bufs = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// NewScanner reads r, whose first byte is at offset base of its object. Free returns
// its buffer for reuse once the caller is done with every line it returned.
func NewScanner(r io.Reader, base int64) *Scanner {
	return &Scanner{r: r, buf: *bufs.Get().(*[]byte), pos: base, qt: csvline.RFC4180}
}

// Free gives the scanner's buffer back for reuse; the scanner and the lines it
// returned must not be used after.
func (s *Scanner) Free() {
	if s.buf != nil {
		b := s.buf[:bufSize]
		bufs.Put(&b)
		s.buf = nil
	}
}

// Offset is the object offset of the next unread byte.
func (s *Scanner) Offset() int64 { return s.pos }

func (s *Scanner) stats() Stats { return Stats{BytesRead: s.read, Records: s.records} }

func (s *Scanner) fill() error {
	if s.eof {
		return io.EOF
	}
	if s.lo > 0 {
		n := copy(s.buf, s.buf[s.lo:s.hi])
		s.lo, s.hi = 0, n
	}
	for s.hi < len(s.buf) {
		n, err := s.r.Read(s.buf[s.hi:])
		s.hi += n
		s.read += int64(n)
		if err == io.EOF {
			s.eof = true
			return nil
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
	return nil
}

// Next returns the next line without its "\n" and its offset, or io.EOF. A
// final line without "\n" is returned like any other. A CSV scanner returns
// the next CSV record the same way.
func (s *Scanner) Next() ([]byte, int64, error) {
	start := s.pos
	s.long = s.long[:0]
	q, scanned := csvline.AtField, 0 // CSV: the state after the scanned bytes of buf[lo:hi]
	for {
		var i int
		if s.delim != 0 {
			if i, q = csvline.EndQuoted(s.buf[s.lo+scanned:s.hi], q, s.delim, s.qt); i >= 0 {
				i += scanned
			} else {
				scanned = s.hi - s.lo
			}
		} else {
			i = bytes.IndexByte(s.buf[s.lo:s.hi], '\n')
		}
		if i >= 0 {
			line := s.buf[s.lo : s.lo+i]
			s.lo += i + 1
			s.pos += int64(i + 1)
			if len(s.long) > 0 {
				s.long = append(s.long, line...)
				return s.long, start, nil
			}
			return line, start, nil
		}
		if s.eof {
			rest := s.buf[s.lo:s.hi]
			s.pos += int64(len(rest))
			s.lo = s.hi
			if len(s.long) > 0 || len(rest) > 0 {
				s.long = append(s.long, rest...)
				return s.long, start, nil
			}
			return nil, start, io.EOF
		}
		if s.lo == 0 && s.hi == len(s.buf) { // a line longer than the buffer
			s.long = append(s.long, s.buf[:s.hi]...)
			s.pos += int64(s.hi)
			s.lo, s.hi, scanned = 0, 0, 0
		}
		if err := s.fill(); err != nil && !errors.Is(err, io.EOF) {
			return nil, start, err
		}
	}
}

// nextBlock returns the whole records in the buffer (reading more when it
// holds none), up to the last one that starts before limit, with their
// offset and count. It returns n == 0 when the next record does not fit the
// buffer or has no "\n" before the end: Next takes that one.
func (s *Scanner) nextBlock(limit int64) (data []byte, offset int64, n int, err error) {
	data, err = s.lines(limit)
	offset = s.pos
	if err != nil || len(data) == 0 {
		return nil, offset, 0, err
	}
	s.advance(len(data))
	return data, offset, bytes.Count(data, []byte{'\n'}), nil
}

// lines returns the buffered bytes from the next one through the "\n" that
// ends the last line starting before limit (reading more when the buffer
// holds no "\n"), without consuming them (advance does); empty when the
// next line does not fit the buffer or has no "\n" before the end. The
// end found is kept (s.linesEnd) while its bytes are buffered, so that a
// caller taking a few bytes at a time does not search the rest again.
func (s *Scanner) lines(limit int64) ([]byte, error) {
	for {
		if n := s.linesEnd - s.pos; n > 0 && n <= int64(s.hi-s.lo) {
			return s.buf[s.lo : s.lo+int(n)], nil
		}
		avail := s.buf[s.lo:s.hi]
		if last := bytes.LastIndexByte(avail, '\n'); last >= 0 {
			cut := last + 1
			if rel := limit - s.pos; int64(cut) > rel {
				// The last line starting before limit holds byte limit-1
				// and ends at the first "\n" from there.
				cut = int(rel-1) + bytes.IndexByte(avail[rel-1:], '\n') + 1
			}
			s.linesEnd = s.pos + int64(cut)
			return avail[:cut], nil
		}
		if s.eof || (s.lo == 0 && s.hi == len(s.buf)) {
			return nil, nil
		}
		if err := s.fill(); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
	}
}

// advance consumes n buffered bytes.
func (s *Scanner) advance(n int) {
	s.lo += n
	s.pos += int64(n)
}

// SkipLine discards bytes through the next "\n" (or to the end).
func (s *Scanner) SkipLine() error {
	return s.skipThrough(func(b []byte) int { return bytes.IndexByte(b, '\n') })
}

// skipThrough discards bytes through the one at end's index in the buffered bytes,
// refilling while end finds none (-1), or to the end of the input.
func (s *Scanner) skipThrough(end func(b []byte) int) error {
	for {
		if i := end(s.buf[s.lo:s.hi]); i >= 0 {
			s.lo += i + 1
			s.pos += int64(i + 1)
			return nil
		}
		s.pos += int64(s.hi - s.lo)
		s.lo, s.hi = 0, 0
		if s.eof {
			return nil
		}
		if err := s.fill(); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
	}
}

// skipTo discards the bytes before offset off of the object (a CSV
// preamble before its header: plan.Part.Header); none when the scanner is
// there or past it.
func (s *Scanner) skipTo(off int64) error {
	if off <= s.pos {
		return nil
	}
	return s.skipThrough(func(b []byte) int {
		if need := off - s.pos; int64(len(b)) >= need {
			return int(need) - 1
		}
		return -1
	})
}

// countingReader counts the bytes read from r and keeps the first read error
// other than io.EOF: a decompressor's error that is not it is corruption.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// CorruptError is a compressed object whose bytes do not decompress: the
// input's fault, which no retry fixes.
type CorruptError struct {
	Source, Codec string
	Offset        int64 // in the decompressed stream
	Err           error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("read %s: corrupt %s near uncompressed byte %d: %v", e.Source, e.Codec, e.Offset, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// readError is err from reading a compressed object through counted: the
// store's error when the store failed, else corruption.
func readError(part plan.Part, counted *countingReader, offset int64, err error) error {
	if counted.err != nil {
		return fmt.Errorf("read %s: %w", part.Source, counted.err)
	}
	return &CorruptError{Source: part.Source, Codec: part.Compression(), Offset: offset, Err: err}
}

// rangeReader reads an object from an offset in bounded ranged requests: the
// first covers the part and a little more, enough to finish its last record in
// the common case; each further one (a record running on past that) is twice
// the last. A chunk so never asks the store for the rest of a large object,
// and its BytesRead is what it really fetched.
type rangeReader struct {
	ctx    context.Context
	store  blob.Store
	part   plan.Part
	off    int64 // the next byte to request
	end    int64 // the end of the open range
	window int64 // the size of the next range after the first
	rc     io.ReadCloser
}

func newRangeReader(ctx context.Context, store blob.Store, part plan.Part, from int64) *rangeReader {
	slack := min(max((part.End-from)/64, 4<<10), 1<<20)
	return &rangeReader{ctx: ctx, store: store, part: part, off: from, end: min(part.End+slack, part.Size), window: 2 * slack}
}

func (r *rangeReader) Read(p []byte) (int, error) {
	for {
		if r.rc == nil {
			if r.off >= r.end {
				if r.off >= r.part.Size {
					return 0, io.EOF
				}
				r.end = min(r.off+r.window, r.part.Size)
				r.window *= 2
			}
			rc, err := r.store.Open(r.ctx, r.part.URL, r.off, r.end-r.off)
			if err != nil {
				return 0, fmt.Errorf("open %s: %w", r.part.Source, err)
			}
			r.rc = rc
		}
		n, err := r.rc.Read(p)
		r.off += int64(n)
		if err == io.EOF {
			r.rc.Close()
			r.rc = nil
			if r.off < r.end {
				return n, fmt.Errorf("%s ends at byte %d, before the %d bytes it had when planned: %w", r.part.Source, r.off, r.part.Size, io.ErrUnexpectedEOF)
			}
			if n == 0 {
				continue
			}
			return n, nil
		}
		return n, err
	}
}

func (r *rangeReader) Close() error {
	if r.rc == nil {
		return nil
	}
	err := r.rc.Close()
	r.rc = nil
	return err
}
