package jobs

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/scattergather/scattergather/internal/runs"
)

// ErrCorruptPartial is wrapped by every error about a partial result that
// cannot be decoded (wrong job, wrong version, truncated, inconsistent).
var ErrCorruptPartial = errors.New("corrupt partial result")

// partialVersion is the encoding version every job writes after its magic.
const partialVersion = 1

// Magic numbers of the partial encodings, one per job.
const (
	magicWordcount = "sgwc"
	magicGrep      = "sggr"
	magicSelect    = "sgse"
	magicGroupby   = "sggb"
	magicSearch    = "sgsr"
)

// Entry flags of the entry-based encodings (wordcount, groupby, search).
const (
	flagEnd   = 0
	flagEntry = 1
)

// encoder writes a partial.
type encoder struct {
	w   *bufio.Writer
	tmp [binary.MaxVarintLen64]byte
}

func newEncoder(w io.Writer, magic string) *encoder {
	e := &encoder{w: bufio.NewWriterSize(w, 64<<10)}
	e.w.WriteString(magic)
	e.w.WriteByte(partialVersion)
	return e
}

func (e *encoder) uvarint(v uint64) {
	n := binary.PutUvarint(e.tmp[:], v)
	e.w.Write(e.tmp[:n])
}

func (e *encoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	e.w.Write(b)
}

func (e *encoder) flag(f byte) { e.w.WriteByte(f) }

// entry writes an entry: flagEntry, then k and v as bytes writes them, in
// one write into the buffer.
func (e *encoder) entry(k, v []byte) {
	b := append(e.w.AvailableBuffer(), flagEntry)
	b = binary.AppendUvarint(b, uint64(len(k)))
	b = append(b, k...)
	b = binary.AppendUvarint(b, uint64(len(v)))
	e.w.Write(append(b, v...))
}

// flush writes what is buffered; bufio keeps the first write error.
func (e *encoder) flush() error { return e.w.Flush() }

// decoder reads one partial.
type decoder struct {
	r   *bufio.Reader
	job string
	n   int // the partial's position in the input, for messages
}

func newDecoder(r io.Reader, job, magic string, n int) (*decoder, error) {
	d := &decoder{r: bufio.NewReaderSize(r, 64<<10), job: job, n: n}
	var h [headerSize]byte
	if _, err := io.ReadFull(d.r, h[:]); err != nil {
		return nil, d.corrupt("truncated header", err)
	}
	if err := d.header(h, magic); err != nil {
		return nil, err
	}
	return d, nil
}

// headerSize is a partial's magic and version.
const headerSize = 5

// header checks a partial's first bytes.
func (d *decoder) header(h [headerSize]byte, magic string) error {
	if string(h[:4]) != magic {
		return d.corrupt(fmt.Sprintf("bad magic %q (not a %s partial)", h[:4], d.job), nil)
	}
	if h[4] != partialVersion {
		return d.corrupt(fmt.Sprintf("version %d, written by another build of scatter (this build reads version %d)", h[4], partialVersion), nil)
	}
	return nil
}

// atEnd checks that the partial ends here; what names the bytes if it does not.
func (d *decoder) atEnd(what string) error {
	if _, err := d.r.ReadByte(); err == nil {
		return d.corrupt(what, nil)
	} else if !errors.Is(err, io.EOF) {
		return d.corrupt("read", err)
	}
	return nil
}

func (d *decoder) corrupt(what string, err error) error {
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		// A read error of the underlying store, not corruption.
		return fmt.Errorf("%s partial %d: %s: %w", d.job, d.n, what, err)
	}
	return fmt.Errorf("%s partial %d: %w: %s", d.job, d.n, ErrCorruptPartial, what)
}

func (d *decoder) uvarint() (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c, err := d.r.ReadByte()
		if err != nil {
			return 0, d.corrupt("truncated varint", err)
		}
		if shift == 63 && c > 1 {
			return 0, d.corrupt("varint overflows 64 bits", nil)
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
}

// int64 reads a uvarint that must fit an int64.
func (d *decoder) int64() (int64, error) {
	v, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if v > 1<<63-1 {
		return 0, d.corrupt("number out of range", nil)
	}
	return int64(v), nil
}

// bytes reads a length-prefixed field into buf[:0].
func (d *decoder) bytes(buf []byte) ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return buf, err
	}
	if n <= uint64(d.r.Buffered()) {
		// The common case, a field in the buffer: copied from it, without
		// the calls of a read.
		b, _ := d.r.Peek(int(n))
		buf = append(buf[:0], b...)
		d.r.Discard(int(n))
		return buf, nil
	}
	buf, err = runs.ReadField(d.r, buf, n)
	if err != nil {
		return buf, d.corrupt("truncated field", err)
	}
	return buf, nil
}

// entry reads an entry as encoder.entry writes it, flag, key and value,
// into k[:0] and v[:0], when the buffer holds all of it: one look at the
// buffer in place of a read per byte of its flag and lengths. whole false:
// nothing was read, and the caller reads the entry field by field (flag,
// bytes), which reports what is wrong with it.
func (d *decoder) entry(k, v []byte) (nk, nv []byte, whole bool) {
	b, _ := d.r.Peek(d.r.Buffered())
	if len(b) < 3 || b[0] != flagEntry {
		return k, v, false
	}
	kn, i := binary.Uvarint(b[1:])
	if i <= 0 || kn > uint64(len(b)) {
		return k, v, false
	}
	at := 1 + i
	if uint64(len(b)-at) < kn {
		return k, v, false
	}
	key := b[at : at+int(kn)]
	at += int(kn)
	vn, i := binary.Uvarint(b[at:])
	if i <= 0 || vn > uint64(len(b)-at-i) {
		return k, v, false
	}
	at += i
	k = append(k[:0], key...)
	v = append(v[:0], b[at:at+int(vn)]...)
	d.r.Discard(at + int(vn))
	return k, v, true
}

// flag reads an entry flag: true for an entry, false at the end marker, which
// must be the last byte.
func (d *decoder) flag() (bool, error) {
	c, err := d.r.ReadByte()
	if err != nil {
		return false, d.corrupt("missing end marker", err)
	}
	switch c {
	case flagEntry:
		return true, nil
	case flagEnd:
		return false, d.atEnd("bytes after the end marker")
	}
	return false, d.corrupt(fmt.Sprintf("bad entry flag %d", c), nil)
}

// runTagger is a job whose partials are sorted runs tagged runTag().
type runTagger interface{ runTag() []byte }

// RunTag is the tag of the sorted runs j's mappers write as partials
// (runs.NewTaggedWriter), which a reader of a partial checks (a run of
// another job, other parameters or another build's encoding is refused);
// false for a job whose partials carry no such tag.
func RunTag(j Job) ([]byte, bool) {
	if t, ok := j.(runTagger); ok {
		return t.runTag(), true
	}
	return nil, false
}

// openRuns opens partials that are sorted runs (package runs) tagged tag:
// wordcount's and groupby's.
func openRuns(partials []io.Reader, job string, tag []byte) ([]*runs.Reader, error) {
	rs := make([]*runs.Reader, len(partials))
	for i, p := range partials {
		r, err := runs.NewReader(p, fmt.Sprintf("%s partial %d", job, i))
		if err != nil {
			return nil, corruptRun(err)
		}
		if !bytes.Equal(r.Tag(), tag) {
			return nil, fmt.Errorf("%s partial %d: %w: a run tagged %q, not %q (another job's, or other parameters')", job, i, ErrCorruptPartial, r.Tag(), tag)
		}
		rs[i] = r
	}
	return rs, nil
}

// corruptRun marks an error about a corrupt run as one about a corrupt partial.
func corruptRun(err error) error {
	if errors.Is(err, runs.ErrCorrupt) && !errors.Is(err, ErrCorruptPartial) {
		return fmt.Errorf("%w: %w", ErrCorruptPartial, err)
	}
	return err
}

// mergeRuns merges the runs of partials (tagged tag) into one on w and
// returns its entries.
func mergeRuns(w io.Writer, k runs.Keyed, partials []io.Reader, job string, tag []byte) (int64, error) {
	rs, err := openRuns(partials, job, tag)
	if err != nil {
		return 0, err
	}
	n, err := runs.MergeTaggedTo(w, k, rs, tag)
	return n, corruptRun(err)
}

// outputRuns writes the output of the runs of partials (tagged tag): the
// job's header, then its lines in key order.
func outputRuns(w io.Writer, k runs.Keyed, partials []io.Reader, job string, tag []byte) (Stats, error) {
	rs, err := openRuns(partials, job, tag)
	if err != nil {
		return Stats{}, err
	}
	n, err := runs.OutputTo(w, k, rs, true)
	return Stats{RecordsOut: n}, corruptRun(err)
}

// keyed is a sorted run of entries, one of the inputs of a k-way merge.
type keyed interface {
	// next decodes the following entry; false at the end of the run.
	next() (bool, error)
	// key is the current entry's key, valid until the next call of next.
	key() []byte
}

// runHeap orders runs by current key, then by input position, so equal keys
// come out in input order.
type runHeap[R keyed] struct {
	runs []R
	idx  []int
}

func (h *runHeap[R]) Len() int { return len(h.idx) }
func (h *runHeap[R]) Less(i, j int) bool {
	a, b := h.idx[i], h.idx[j]
	if c := bytes.Compare(h.runs[a].key(), h.runs[b].key()); c != 0 {
		return c < 0
	}
	return a < b
}
func (h *runHeap[R]) Swap(i, j int) { h.idx[i], h.idx[j] = h.idx[j], h.idx[i] }
func (h *runHeap[R]) Push(x any)    { h.idx = append(h.idx, x.(int)) }
func (h *runHeap[R]) Pop() any {
	n := len(h.idx) - 1
	x := h.idx[n]
	h.idx = h.idx[:n]
	return x
}

// merger is a streaming k-way merge of sorted runs.
type merger[R keyed] struct {
	h       runHeap[R]
	group   []int
	started bool
}

func newMerger[R keyed](runs []R) *merger[R] {
	return &merger[R]{h: runHeap[R]{runs: runs}}
}

// next returns the positions of the runs whose current entry has the smallest
// key, in input order; nil when every run is done. The entries stay valid
// until the following call.
func (m *merger[R]) next() ([]int, error) {
	advance := m.group
	if !m.started {
		m.started = true
		advance = make([]int, len(m.h.runs))
		for i := range advance {
			advance[i] = i
		}
	}
	for _, i := range advance {
		ok, err := m.h.runs[i].next()
		if err != nil {
			return nil, err
		}
		if ok {
			heap.Push(&m.h, i)
		}
	}
	m.group = m.group[:0]
	if m.h.Len() == 0 {
		return nil, nil
	}
	first := heap.Pop(&m.h).(int)
	m.group = append(m.group, first)
	k := m.h.runs[first].key()
	for m.h.Len() > 0 && bytes.Equal(m.h.runs[m.h.idx[0]].key(), k) {
		m.group = append(m.group, heap.Pop(&m.h).(int))
	}
	return m.group, nil
}

// Streams of the order-keeping jobs (grep, select): length-prefixed blocks of
// output bytes, an empty block, then the number of output rows they hold. A
// mapper writes one block (outBuffer.finish); a merge keeps its partials' blocks.

// copyBlocks streams the bytes of d's blocks to w, or re-frames them as blocks
// into reframe when it is not nil, and returns the stream's row count.
func copyBlocks(d *decoder, w io.Writer, reframe *encoder) (int64, error) {
	buf := make([]byte, 32<<10)
	for {
		n, err := d.uvarint()
		if err != nil {
			return 0, err
		}
		if n == 0 {
			break
		}
		if reframe != nil {
			reframe.uvarint(n)
		}
		for n > 0 {
			k := int(min(n, uint64(len(buf))))
			if _, err := io.ReadFull(d.r, buf[:k]); err != nil {
				return 0, d.corrupt("truncated block", err)
			}
			if reframe != nil {
				reframe.w.Write(buf[:k])
			} else if _, err := w.Write(buf[:k]); err != nil {
				return 0, err
			}
			n -= uint64(k)
		}
	}
	rows, err := d.int64()
	if err != nil {
		return 0, err
	}
	if err := d.atEnd("bytes after the row count"); err != nil {
		return 0, err
	}
	return rows, nil
}

// mergeBlocks concatenates the block streams of partials, in order, into one.
func mergeBlocks(w io.Writer, partials []io.Reader, job, magic string) error {
	e := newEncoder(w, magic)
	var rows int64
	for i, r := range partials {
		d, err := newDecoder(r, job, magic, i)
		if err != nil {
			return err
		}
		n, err := copyBlocks(d, nil, e)
		if err != nil {
			return err
		}
		rows += n
	}
	e.uvarint(0)
	e.uvarint(uint64(rows))
	return e.flush()
}

// blockRanges is OutputRanges for a partial of magic's block stream: one
// small read per block, as the blocks' lengths chain them.
func blockRanges(r io.ReaderAt, size int64, job, magic string, i int) ([]Range, int64, error) {
	d := &decoder{job: job, n: i}
	var h [headerSize]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, 0, d.corrupt("truncated header", err)
	}
	if err := d.header(h, magic); err != nil {
		return nil, 0, err
	}
	var ranges []Range
	var buf [2 * binary.MaxVarintLen64]byte
	for p := int64(headerSize); ; {
		k, err := r.ReadAt(buf[:min(int64(len(buf)), max(size-p, 0))], p)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, d.corrupt("read block length", err)
		}
		n, m := binary.Uvarint(buf[:k])
		if m <= 0 {
			return nil, 0, d.corrupt("truncated block length", nil)
		}
		p += int64(m)
		if n == 0 {
			rows, m2 := binary.Uvarint(buf[m:k])
			switch {
			case m2 <= 0:
				return nil, 0, d.corrupt("truncated row count", nil)
			case rows > 1<<63-1:
				return nil, 0, d.corrupt("number out of range", nil)
			case p+int64(m2) != size:
				return nil, 0, d.corrupt("bytes after the row count", nil)
			}
			return ranges, int64(rows), nil
		}
		if n > uint64(size-p) {
			return nil, 0, d.corrupt("truncated block", nil)
		}
		ranges = append(ranges, Range{Off: p, N: int64(n)})
		p += int64(n)
	}
}

// outputBlocks is the Output of a job whose partials are block streams
// (grep, select, the sql scan): prefix (the output's header; nil, none),
// then the bytes of partials' blocks, in order; RecordsOut counts their rows.
func outputBlocks(w io.Writer, prefix []byte, partials []io.Reader, job, magic string) (Stats, error) {
	if prefix != nil {
		if _, err := w.Write(prefix); err != nil {
			return Stats{}, err
		}
	}
	var st Stats
	for i, r := range partials {
		d, err := newDecoder(r, job, magic, i)
		if err != nil {
			return st, err
		}
		n, err := copyBlocks(d, w, nil)
		st.RecordsOut += n
		if err != nil {
			return st, err
		}
	}
	return st, nil
}
