package runs

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// ErrCorrupt is wrapped by every error about a run that cannot be decoded.
var ErrCorrupt = errors.New("corrupt sorted run")

// A run is:
//
//	magic "sgkv", version byte, uvarint len(tag), tag
//	entries: flagEntry, uvarint len(key), key, uvarint len(value), value
//	flagEnd, uvarint number of entries
//	index: uvarint n, then n × (uvarint len(key), key, uvarint offset of its entry)
//	uint64 little-endian offset of the end marker, uint64 offset of the index, magic "sgkx"
//
// Keys strictly increase. The index samples every IndexEvery bytes of
// entries (the first entry always), so a reader can seek near any key. The
// tag says what the entries are (a job and the layout of its values), so a
// reader of one job refuses another's run.
const (
	magic       = "sgkv"
	footerMagic = "sgkx"
	version     = 2
	headerSize  = len(magic) + 1
	footerSize  = 16 + 4 // two offsets and footerMagic
	flagEnd     = 0
	flagEntry   = 1
	// IndexEvery is how many bytes of entries lie between index samples.
	IndexEvery = 64 << 10
	// maxField bounds one length-prefixed field read at once, so a corrupt
	// length fails on EOF instead of allocating its claimed size.
	maxField = 1 << 20
	// maxTag bounds a run's tag.
	maxTag = 1 << 10
)

// Writer writes one sorted run.
type Writer struct {
	w   io.Writer
	buf []byte // what is not written to w yet: at most writeBuffer bytes
	err error  // the first error of w
	off int64  // bytes of the run so far (written and buffered)
	// The previous entry's key, for the order check: buf[ps:pe] while it
	// is there (pe > 0), else prev.
	ps, pe  int
	prev    []byte
	count   int64
	started bool
	last    int64 // offset of the last sample
	index   []sample
}

// writeBuffer is how many bytes a Writer gathers before it writes them.
const writeBuffer = 64 << 10

type sample struct {
	key []byte
	off int64
}

// NewWriter starts a run on w, with no tag.
func NewWriter(w io.Writer) *Writer { return NewTaggedWriter(w, nil) }

// NewTaggedWriter starts a run on w whose header holds tag (at most 1 KiB):
// what its entries are, checked by the readers of whole runs (Reader.Tag).
func NewTaggedWriter(w io.Writer, tag []byte) *Writer {
	rw := &Writer{w: w, buf: make([]byte, 0, writeBuffer), last: -IndexEvery}
	rw.buf = append(rw.buf, magic...)
	rw.buf = append(rw.buf, version)
	rw.off = int64(headerSize)
	rw.bytes(tag[:min(len(tag), maxTag)])
	return rw
}

func (w *Writer) uvarint(v uint64) {
	w.room(binary.MaxVarintLen64)
	n := len(w.buf)
	w.buf = binary.AppendUvarint(w.buf, v)
	w.off += int64(len(w.buf) - n)
}

func (w *Writer) bytes(b []byte) {
	w.uvarint(uint64(len(b)))
	w.write(b)
}

// room writes out the buffer unless it has n bytes free.
func (w *Writer) room(n int) {
	if cap(w.buf)-len(w.buf) < n {
		w.flush()
	}
}

// write appends b, through the buffer when it fits.
func (w *Writer) write(b []byte) {
	w.off += int64(len(b))
	if len(b) <= cap(w.buf)-len(w.buf) {
		w.buf = append(w.buf, b...)
		return
	}
	w.flush()
	if len(b) <= cap(w.buf) {
		w.buf = append(w.buf, b...)
	} else if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

// flush writes the buffer to w (once w has failed, it drops it: the error
// is Close's). The previous key, when it was in the buffer, moves to prev.
func (w *Writer) flush() {
	if w.pe > 0 {
		w.prev = append(w.prev[:0], w.buf[w.ps:w.pe]...)
		w.pe = 0
	}
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
}

// Add appends an entry; its key must sort after the previous entry's.
func (w *Writer) Add(key, value []byte) error {
	if w.started {
		prev := w.prev
		if w.pe > 0 {
			prev = w.buf[w.ps:w.pe]
		}
		if bytes.Compare(prev, key) >= 0 {
			return fmt.Errorf("runs: key %q does not sort after %q", key, prev)
		}
	}
	w.started = true
	if w.off-w.last >= IndexEvery {
		w.index = append(w.index, sample{key: bytes.Clone(key), off: w.off})
		w.last = w.off
	}
	w.count++
	if n := 1 + 2*binary.MaxVarintLen64 + len(key) + len(value); n <= writeBuffer {
		// The entry encoded in place in the buffer; its key stays there
		// as the previous key.
		w.room(n)
		b := w.buf
		start := len(b)
		b = append(b, flagEntry)
		b = binary.AppendUvarint(b, uint64(len(key)))
		w.ps = len(b)
		b = append(b, key...)
		w.pe = len(b)
		b = binary.AppendUvarint(b, uint64(len(value)))
		b = append(b, value...)
		w.buf = b
		w.off += int64(len(b) - start)
		return nil
	}
	w.room(1)
	w.buf = append(w.buf, flagEntry)
	w.off++
	w.bytes(key)
	w.bytes(value)
	w.flush()
	w.prev = append(w.prev[:0], key...)
	return nil
}

// Count is the number of entries added.
func (w *Writer) Count() int64 { return w.count }

// Close ends the run (the end marker, the count, the index and the footer)
// and writes it out; it does not close the underlying writer.
func (w *Writer) Close() error {
	endAt := w.off
	w.write([]byte{flagEnd})
	w.uvarint(uint64(w.count))
	indexAt := w.off
	w.uvarint(uint64(len(w.index)))
	for _, s := range w.index {
		w.bytes(s.key)
		w.uvarint(uint64(s.off))
	}
	var f [footerSize]byte
	binary.LittleEndian.PutUint64(f[:8], uint64(endAt))
	binary.LittleEndian.PutUint64(f[8:16], uint64(indexAt))
	copy(f[16:], footerMagic)
	w.write(f[:])
	w.flush()
	return w.err
}

// Reader reads the entries of one run in order.
type Reader struct {
	r    *bufio.Reader
	src  *countingReader // under r: where in the run r is
	name string
	tag  []byte
	key  []byte // the current entry's key: in r's buffer (aliased), or in kb[ki]
	val  []byte // its value: in r's buffer (aliased), or in vb
	// aliased says that key and val lie in r's buffer, where they stay
	// until r next reads from src (entry copies key out first).
	aliased bool
	kb      [2][]byte
	ki      int
	vb      []byte
	// win is what r's buffer held when buffered last looked (nil: look
	// again), of which buffered has decoded used bytes: r.r discards them
	// only before it reads (sync), not once per entry.
	win   []byte
	used  int
	count int64
	done  bool
	seen  bool // an entry has been decoded: key holds its key
	// A ranged reader starts at an entry inside a run and yields only the
	// keys in [lo, hi) (nil hi: to the end).
	ranged bool
	lo, hi []byte
}

// NewReader reads a whole run from r; name says which run in error
// messages. It checks the run's order, count, index and footer, so a
// truncated or extended run is refused.
func NewReader(r io.Reader, name string) (*Reader, error) {
	src := &countingReader{r: r}
	rr := &Reader{r: bufio.NewReaderSize(src, 64<<10), src: src, name: name}
	var h [headerSize]byte
	if _, err := io.ReadFull(rr.r, h[:]); err != nil {
		return nil, rr.corrupt("truncated header", err)
	}
	if string(h[:len(magic)]) != magic {
		return nil, rr.corrupt(fmt.Sprintf("bad magic %q", h[:len(magic)]), nil)
	}
	if h[len(magic)] != version {
		return nil, rr.corrupt(fmt.Sprintf("version %d, written by another build of scatter (this build reads version %d)", h[len(magic)], version), nil)
	}
	n, err := rr.uvarint()
	if err != nil {
		return nil, err
	}
	if n > maxTag {
		return nil, rr.corrupt(fmt.Sprintf("tag of %d bytes", n), nil)
	}
	if rr.tag, err = ReadField(rr.r, nil, n); err != nil {
		return nil, rr.corrupt("truncated tag", err)
	}
	return rr, nil
}

// Tag is the run's tag (NewTaggedWriter).
func (r *Reader) Tag() []byte { return r.tag }

// pos is the offset in the run of the next byte r reads.
func (r *Reader) pos() int64 { return r.src.n - int64(r.r.Buffered()-r.used) }

// sync discards from r's buffer what buffered has decoded, before r reads
// through it.
func (r *Reader) sync() {
	if r.used > 0 {
		r.r.Discard(r.used)
	}
	r.win, r.used = nil, 0
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (r *Reader) corrupt(what string, err error) error {
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: %s: %w", r.name, what, err) // the store's error, not corruption
	}
	return fmt.Errorf("%s: %w: %s", r.name, ErrCorrupt, what)
}

func (r *Reader) uvarint() (uint64, error) {
	v, err := binary.ReadUvarint(r.r)
	if err != nil {
		return 0, r.corrupt("truncated varint", err)
	}
	return v, nil
}

func (r *Reader) field(buf []byte) ([]byte, error) {
	n, err := r.uvarint()
	if err != nil {
		return buf, err
	}
	buf, err = ReadField(r.r, buf, n)
	if err != nil {
		return buf, r.corrupt("truncated field", err)
	}
	return buf, nil
}

// ReadField reads the n bytes of a length-prefixed field from r into buf[:0], growing buf
// at most maxField bytes at a time, so that a corrupt length fails on EOF instead of
// allocating its claimed size. The partial results' encodings read their fields with it.
func ReadField(r io.Reader, buf []byte, n uint64) ([]byte, error) {
	buf = buf[:0]
	for uint64(len(buf)) < n {
		step := int(min(n-uint64(len(buf)), maxField))
		start := len(buf)
		buf = slices.Grow(buf, step)[:start+step]
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// Next reads the following entry; false at the end of the run (or range).
func (r *Reader) Next() (bool, error) {
	for !r.done {
		ok, err := r.entry()
		if err != nil || !ok {
			return false, err
		}
		if r.hi != nil && bytes.Compare(r.key, r.hi) >= 0 {
			r.done = true
			return false, nil
		}
		if r.lo == nil || bytes.Compare(r.key, r.lo) >= 0 {
			r.count++
			return true, nil
		}
		// Before the range: a span starts at a sample at or before lo.
	}
	return false, nil
}

// entry decodes the next entry, checking the order of keys; false at the
// end marker.
func (r *Reader) entry() (bool, error) {
	if r.buffered() {
		return true, nil
	}
	r.sync()
	r.own()
	c, err := r.r.ReadByte()
	if err == io.EOF && r.ranged {
		r.done = true // a span that ends at a sample, before the end marker
		return false, nil
	}
	if err != nil {
		return false, r.corrupt("missing end marker", err)
	}
	switch c {
	case flagEnd:
		r.done = true
		if r.ranged {
			return false, nil
		}
		endAt := r.pos() - 1
		n, err := r.uvarint()
		if err != nil {
			return false, err
		}
		if n != uint64(r.count) {
			return false, r.corrupt(fmt.Sprintf("%d entries, the end marker says %d", r.count, n), nil)
		}
		return false, r.trailer(endAt)
	case flagEntry:
	default:
		return false, r.corrupt(fmt.Sprintf("bad entry flag %d", c), nil)
	}
	next, err := r.field(r.kb[1-r.ki]) // the buffer that does not hold key
	r.kb[1-r.ki] = next
	if err != nil {
		return false, err
	}
	if r.seen && bytes.Compare(r.key, next) >= 0 {
		return false, r.corrupt("keys out of order", nil)
	}
	r.seen = true
	r.ki = 1 - r.ki
	r.key = next
	r.vb, err = r.field(r.vb)
	r.val = r.vb
	return err == nil, err
}

// own copies an aliased key into r's own buffer before r reads from src
// (which moves what r's buffer holds).
func (r *Reader) own() {
	if r.aliased {
		r.kb[r.ki] = append(r.kb[r.ki][:0], r.key...)
		r.key, r.val, r.aliased = r.kb[r.ki], nil, false
	}
}

// buffered decodes the next entry from what r's buffer holds, when it
// holds the whole of an entry (the common case, without a call per byte),
// its key and value left where they are; false leaves the entry to entry's
// reads.
func (r *Reader) buffered() bool {
	if r.win == nil {
		r.win, _ = r.r.Peek(r.r.Buffered())
	}
	b := r.win[r.used:]
	if len(b) < 3 || b[0] != flagEntry {
		return false
	}
	kn, k := binary.Uvarint(b[1:])
	if k <= 0 || kn > uint64(len(b)) {
		return false
	}
	i := 1 + k
	if uint64(len(b)-i) <= kn {
		return false
	}
	key := b[i : i+int(kn)]
	i += int(kn)
	vn, k := binary.Uvarint(b[i:])
	if k <= 0 || vn > uint64(len(b)) || uint64(len(b)-i-k) < vn {
		return false
	}
	val := b[i+k : i+k+int(vn)]
	if r.seen && bytes.Compare(r.key, key) >= 0 {
		return false // entry reports it
	}
	r.seen = true
	r.key, r.val, r.aliased = key, val, true // no copy: they stay until r reads from src
	r.used += i + k + int(vn)
	return true
}

// trailer reads and checks what follows a whole run's count: its index and
// footer, which must point back at the end marker (at endAt) and the index,
// and then the end of the run.
func (r *Reader) trailer(endAt int64) error {
	indexAt := r.pos()
	rest, err := io.ReadAll(r.r)
	if err != nil {
		return r.corrupt("read index", err)
	}
	if len(rest) < footerSize {
		return r.corrupt("truncated footer", nil)
	}
	f := rest[len(rest)-footerSize:]
	if string(f[16:]) != footerMagic {
		return r.corrupt("bad footer magic", nil)
	}
	if int64(binary.LittleEndian.Uint64(f[:8])) != endAt || int64(binary.LittleEndian.Uint64(f[8:16])) != indexAt {
		return r.corrupt("footer offsets do not match the run", nil)
	}
	if _, err := parseIndex(rest[:len(rest)-footerSize], endAt); err != nil {
		return r.corrupt(err.Error(), nil)
	}
	return nil
}

// NewRangeReader reads the entries of a Span of a run, from its first byte
// (an entry's start), yielding only the keys in [lo, hi); nil lo and hi
// mean no bound.
func NewRangeReader(r io.Reader, name string, lo, hi []byte) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), name: name, ranged: true, lo: lo, hi: hi}
}

// NewFirstRangeReader is NewRangeReader for a span that starts at the run's
// first byte: it reads and checks the run's header as NewReader does (a run
// another build of scatter wrote is refused, ErrCorrupt), then yields the
// keys below hi (nil: no bound).
func NewFirstRangeReader(r io.Reader, name string, hi []byte) (*Reader, error) {
	rr, err := NewReader(r, name)
	if err != nil {
		return nil, err
	}
	rr.ranged, rr.hi = true, hi
	return rr, nil
}

// Key is the current entry's key, valid until the next call of Next.
func (r *Reader) Key() []byte { return r.key }

// Value is the current entry's value, valid until the next call of Next.
func (r *Reader) Value() []byte { return r.val }

// Merge merges runs by key: for each distinct key, in order, fn gets the key
// and the values of the runs that hold it, in run order. key and values are
// valid during the call.
func Merge(runs []*Reader, fn func(key []byte, values [][]byte) error) error {
	h := mergeHeap{runs: runs}
	for i, r := range runs {
		ok, err := r.Next()
		if err != nil {
			return err
		}
		if ok {
			it := mergeItem{run: i}
			it.setKey(r.key)
			h.items = append(h.items, it)
		}
	}
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
	var group []int // heap positions of the runs holding the least key
	var order []int // their runs, in run order
	var vals [][]byte
	for len(h.items) > 0 {
		if !h.shared() {
			// The least key is in one run only (with many distinct keys,
			// nearly always): no group to gather and sort.
			it := &h.items[0]
			r := runs[it.run]
			vals = append(vals[:0], r.val)
			if err := fn(r.key, vals); err != nil {
				return err
			}
			if err := h.advance(0); err != nil {
				return err
			}
			continue
		}
		group = h.least(group[:0])
		order = order[:0]
		for _, at := range group {
			order = append(order, h.items[at].run)
		}
		slices.Sort(order) // run order
		vals = vals[:0]
		for _, i := range order {
			vals = append(vals, runs[i].Value())
		}
		if err := fn(runs[h.items[0].run].Key(), vals); err != nil {
			return err
		}
		// Every run of the group moves on to a greater key (or ends), so
		// its item only sinks: sinking the deepest first keeps the heap.
		slices.Sort(group)
		for g := len(group) - 1; g >= 0; g-- {
			if err := h.advance(group[g]); err != nil {
				return err
			}
		}
	}
	return nil
}

// mergeItem is a run in Merge's heap: its index and its current key's
// first 15 bytes and length as two big-endian integers (setKey), so that
// most comparisons of keys are one or two comparisons of integers. A run
// that has ended sorts last.
type mergeItem struct {
	w0, w1 uint64
	run    int
	done   bool
}

// longKey is the length byte of a key of 16 bytes or more: its words do
// not hold all of it.
const longKey = 16

// setKey sets the item's words from k: w0 is k's bytes 0-7 and w1 its
// bytes 8-14 then its length (at most longKey), zero-padded and
// big-endian. Words order keys as bytes.Compare does (a key's zero padding
// ties with a longer key's zero bytes, and then the shorter, its prefix,
// has the smaller length), and equal words are equal keys unless both are
// longKey long.
func (it *mergeItem) setKey(k []byte) {
	var b [16]byte
	copy(b[:15], k)
	it.w0 = binary.BigEndian.Uint64(b[:8])
	it.w1 = binary.BigEndian.Uint64(b[8:]) | uint64(min(len(k), longKey))
}

// end marks the item's run as ended: its words sort after every key's
// (whose length byte is at most longKey).
func (it *mergeItem) end() {
	it.w0, it.w1, it.done = ^uint64(0), ^uint64(0), true
}

// mergeHeap is a binary min-heap of runs by current key (their words, then
// tie), then run index.
type mergeHeap struct {
	runs  []*Reader
	items []mergeItem
}

// tie orders items of equal words (down compares the words itself).
func (h *mergeHeap) tie(a, b *mergeItem) bool {
	if byte(a.w1) == longKey {
		if c := bytes.Compare(h.runs[a.run].key, h.runs[b.run].key); c != 0 {
			return c < 0
		}
	}
	return a.run < b.run
}

// equal reports whether runs a (not ended) and b stand at the same key.
func (h *mergeHeap) equal(a, b *mergeItem) bool {
	return a.w0 == b.w0 && a.w1 == b.w1 && (byte(a.w1) != longKey || bytes.Equal(h.runs[a.run].key, h.runs[b.run].key))
}

// shared reports whether the least key stands in more than one run: in the
// root's children, if anywhere.
func (h *mergeHeap) shared() bool {
	items := h.items
	return len(items) > 1 && h.equal(&items[0], &items[1]) || len(items) > 2 && h.equal(&items[0], &items[2])
}

// advance moves the run at heap position at on to its next key (which is
// greater) and sinks it to its place; a run that ends leaves the heap once
// it is the root.
func (h *mergeHeap) advance(at int) error {
	it := &h.items[at]
	r := h.runs[it.run]
	ok, err := r.Next()
	if err != nil {
		return err
	}
	if ok {
		it.setKey(r.key)
	} else {
		it.end()
	}
	h.down(at)
	for len(h.items) > 0 && h.items[0].done {
		h.pop()
	}
	return nil
}

// least appends to group the heap positions of every run at the least key:
// they form a subtree at the root, as a parent is never greater than its
// children.
func (h *mergeHeap) least(group []int) []int {
	group = append(group, 0)
	root := &h.items[0]
	for i := 0; i < len(group); i++ {
		for c := 2*group[i] + 1; c <= 2*group[i]+2 && c < len(h.items); c++ {
			if h.equal(root, &h.items[c]) {
				group = append(group, c)
			}
		}
	}
	return group
}

// down moves the item at i down to its place below i.
func (h *mergeHeap) down(i int) {
	items := h.items
	n := len(items)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		// The lesser child (by words, then tie), then whether it is less
		// than i.
		if c+1 < n {
			a, b := &items[c+1], &items[c]
			if a.w0 < b.w0 || a.w0 == b.w0 && (a.w1 < b.w1 || a.w1 == b.w1 && h.tie(a, b)) {
				c++
			}
		}
		a, b := &items[c], &items[i]
		if !(a.w0 < b.w0 || a.w0 == b.w0 && (a.w1 < b.w1 || a.w1 == b.w1 && h.tie(a, b))) {
			return
		}
		items[i], items[c] = items[c], items[i]
		i = c
	}
}

// pop removes the root.
func (h *mergeHeap) pop() {
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	h.items = h.items[:n]
	h.down(0)
}

// TempFile creates a temporary file for a spilled run and unlinks it at
// once: it lives as long as it is open, and nothing is left behind if the
// process dies.
func TempFile() (*os.File, error) {
	f, err := os.CreateTemp("", "scatter-spill-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	return f, nil
}

// AppendSet appends set to dst as its member count, then each member length-prefixed
// (uvarints), in byte order, so that equal sets encode to equal bytes: job/kv's StringSet
// and the sql job's count(DISTINCT) state are encoded so.
func AppendSet(dst []byte, set map[string]struct{}) []byte {
	members := make([]string, 0, len(set))
	for m := range set {
		members = append(members, m)
	}
	slices.Sort(members)
	dst = binary.AppendUvarint(dst, uint64(len(members)))
	for _, m := range members {
		dst = binary.AppendUvarint(dst, uint64(len(m)))
		dst = append(dst, m...)
	}
	return dst
}
