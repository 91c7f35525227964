package pq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/scattergather/scattergather/internal/blob"
)

// coalesceGap is the largest hole between two wanted byte ranges that is read
// rather than skipped: a GET costs about as much time as this many bytes of
// transfer, and a hole this small rarely spans a whole column chunk.
const coalesceGap = 64 << 10

// maxParallelGets bounds the ranged GETs one reader has in flight at once.
const maxParallelGets = 4

// span is a byte range [off, end) of an object.
type span struct{ off, end int64 }

// rangeReader is an io.ReaderAt over one object of a blob.Store. Reads inside
// a range fetched by fetch are served from memory; any other read is a ranged
// GET of exactly its bytes. It counts the bytes it took from the store.
type rangeReader struct {
	ctx    context.Context
	store  blob.Store
	source string
	url    string
	size   int64

	mu      sync.Mutex
	cache   []fetched // sorted by offset, disjoint
	spare   [][]byte  // buffers of dropped fetches, for the next ones
	read    int64     // bytes taken from the store
	gets    int       // GET requests
	onFetch func(off, n int64)
}

type fetched struct {
	off  int64
	data []byte
}

func newRangeReader(ctx context.Context, store blob.Store, source, url string, size int64) *rangeReader {
	return &rangeReader{ctx: ctx, store: store, source: source, url: url, size: size}
}

// ReadAt implements io.ReaderAt.
func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at negative offset %d", off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), r.size-off)
	r.mu.Lock()
	for _, f := range r.cache {
		if off >= f.off && off+want <= f.off+int64(len(f.data)) {
			copy(p, f.data[off-f.off:off-f.off+want])
			r.mu.Unlock()
			if want < int64(len(p)) {
				return int(want), io.EOF
			}
			return int(want), nil
		}
	}
	r.mu.Unlock()
	if err := r.get(p[:want], off); err != nil {
		return 0, err
	}
	if want < int64(len(p)) {
		return int(want), io.EOF
	}
	return int(want), nil
}

// view is the fetched bytes [off, end), without a copy; false when they
// were not fetched. They stay valid until the next fetch without keep, or
// drop.
func (r *rangeReader) view(off, end int64) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.cache {
		if off >= f.off && end <= f.off+int64(len(f.data)) && off <= end {
			return f.data[off-f.off : end-f.off : end-f.off], true
		}
	}
	return nil, false
}

// viewFrom is the fetched bytes from off up to end, or up to the end of
// the fetched range holding off when it ends before; nil when off was not
// fetched.
func (r *rangeReader) viewFrom(off, end int64) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.cache {
		if off >= f.off && off < f.off+int64(len(f.data)) && off <= end {
			e := min(end, f.off+int64(len(f.data)))
			return f.data[off-f.off : e-f.off : e-f.off]
		}
	}
	return nil
}

// StoreError is a failure of the store itself (not of the object's content)
// while reading Parquet: worth another try unless blob.Permanent says otherwise.
type StoreError struct{ Err error }

func (e *StoreError) Error() string { return e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// get fills p with the object's bytes at off in one ranged GET.
func (r *rangeReader) get(p []byte, off int64) error {
	rc, err := r.store.Open(r.ctx, r.url, off, int64(len(p)))
	if err != nil {
		return &StoreError{fmt.Errorf("read %s bytes [%d,%d): %w", r.source, off, off+int64(len(p)), err)}
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, p)
	r.mu.Lock()
	r.read += int64(n)
	r.gets++
	r.mu.Unlock()
	if r.onFetch != nil {
		r.onFetch(off, int64(n))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("read %s bytes [%d,%d): the object ends at byte %d, before its planned size %d (truncated or replaced?)",
			r.source, off, off+int64(len(p)), off+int64(n), r.size)
	}
	if err != nil {
		return &StoreError{fmt.Errorf("read %s bytes [%d,%d): %w", r.source, off, off+int64(len(p)), err)}
	}
	return nil
}

// coalesce sorts spans and merges those that overlap or lie within
// coalesceGap of each other.
func coalesce(spans []span) []span {
	spans = slices.DeleteFunc(slices.Clone(spans), func(s span) bool { return s.end <= s.off })
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.off, b.off) })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && s.off <= out[n-1].end+coalesceGap {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// fetch reads the spans (coalesced) into memory with parallel ranged GETs;
// they replace what was fetched before, unless keep is set. It returns the
// bytes fetched.
func (r *rangeReader) fetch(spans []span, keep bool) (int64, error) {
	merged := coalesce(spans)
	got := make([]fetched, len(merged))
	g, _ := errgroup.WithContext(r.ctx)
	g.SetLimit(maxParallelGets)
	var total int64
	for i, s := range merged {
		s.end = min(s.end, r.size)
		if s.end <= s.off {
			continue
		}
		total += s.end - s.off
		got[i] = fetched{off: s.off, data: r.buffer(int(s.end - s.off))}
		g.Go(func() error { return r.get(got[i].data, s.off) })
	}
	if err := g.Wait(); err != nil {
		return total, err
	}
	got = slices.DeleteFunc(got, func(f fetched) bool { return f.data == nil })
	r.mu.Lock()
	if keep {
		got = append(got, r.cache...)
		slices.SortFunc(got, func(a, b fetched) int { return cmp.Compare(a.off, b.off) })
	} else {
		r.recycle()
	}
	r.cache = got
	r.mu.Unlock()
	return total, nil
}

// maxSpare is how many buffers of dropped fetches a reader keeps: a row
// group's coalesced column chunks, its page indexes.
const maxSpare = 8

// buffer is n bytes to fetch into: a spare one when one is large enough (a
// row group's columns are about as large as the last one's), else a pooled
// one, else new, with an eighth more room, so that the next row group's
// slightly larger chunk fits it too; a new one replaces the spare it is a
// near miss for (nearMiss), which would otherwise be kept for good.
func (r *rangeReader) buffer(n int) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, b := range r.spare {
		if cap(b) >= n {
			r.spare = slices.Delete(r.spare, i, i+1)
			return b[:n]
		}
	}
	if b := fetchBuffers.get(n); b != nil {
		return b
	}
	if i := nearMiss(r.spare, n); i >= 0 {
		r.spare = slices.Delete(r.spare, i, i+1)
	}
	return make([]byte, n, n+n/8)
}

// nearMiss is the index of the largest of bufs too small for n bytes but
// at least half as large, which a new buffer for n replaces; -1 when none
// is. Buffers sized to one row group's column chunks miss the next, a
// little larger, by a few bytes: kept, they would pile up in a reader's
// spares and in the pools (16 MiB) without ever being used.
func nearMiss(bufs [][]byte, n int) int {
	best := -1
	for i, b := range bufs {
		if c := cap(b); c < n && c >= n/2 && (best < 0 || c > cap(bufs[best])) {
			best = i
		}
	}
	return best
}

// release gives the reader's buffers to fetchBuffers, for the process's
// next reader (a mapper's next chunk); no read of it may follow.
func (r *rangeReader) release() {
	r.drop()
	r.mu.Lock()
	for _, b := range r.spare {
		fetchBuffers.put(b)
	}
	r.spare = nil
	r.mu.Unlock()
}

// bufferPool holds the buffers of finished readers for the next ones of
// the process, up to maxPooledBytes: a mapper's chunks are read one after
// another by readers of their own, whose buffers (a row group's column
// chunks, fetched, and its pages, decompressed) are about the same sizes.
// A buffer that does not fit is left to the collector. Unlike a sync.Pool
// it hands a buffer to any goroutine (a sync.Pool's Put value goes only to
// a Get on the same P) and keeps it through collections.
type bufferPool struct {
	mu    sync.Mutex
	bufs  [][]byte
	bytes int
}

// maxPooledBytes bounds what each bufferPool holds: two readers' buffers
// for the bench's files (some 2 MB fetched and 2 MB of pages a row group
// of two columns), far below a mapper's memory.
const maxPooledBytes = 16 << 20

var (
	fetchBuffers bufferPool // rangeReader's fetch buffers
	pageBuffers  bufferPool // rawPages' decompressed pages
)

// get is a pooled buffer of n bytes (the smallest large enough), or nil,
// when it also drops the buffer the caller's new one replaces (nearMiss).
func (p *bufferPool) get(n int) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	best := -1
	for i, b := range p.bufs {
		if cap(b) >= n && (best < 0 || cap(b) < cap(p.bufs[best])) {
			best = i
		}
	}
	if best < 0 {
		if i := nearMiss(p.bufs, n); i >= 0 { // the caller's new buffer replaces it
			p.bytes -= cap(p.bufs[i])
			p.bufs = slices.Delete(p.bufs, i, i+1)
		}
		return nil
	}
	b := p.bufs[best]
	p.bufs = slices.Delete(p.bufs, best, best+1)
	p.bytes -= cap(b)
	return b[:n]
}

// put keeps b for a later get, unless the pool is full.
func (p *bufferPool) put(b []byte) {
	if cap(b) == 0 {
		return
	}
	poisonBytes(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bytes+cap(b) > maxPooledBytes {
		return
	}
	p.bufs = append(p.bufs, b[:0])
	p.bytes += cap(b)
}

// drop forgets what was fetched; no read of it may follow.
func (r *rangeReader) drop() {
	r.mu.Lock()
	r.recycle()
	r.cache = nil
	r.mu.Unlock()
}

// recycle keeps the cache's buffers for the next fetches; r.mu is held.
func (r *rangeReader) recycle() {
	for _, f := range r.cache {
		poisonBytes(f.data)
		if len(r.spare) < maxSpare {
			r.spare = append(r.spare, f.data)
		}
	}
}

// bytesRead returns the bytes taken from the store so far.
func (r *rangeReader) bytesRead() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.read
}

// poison, when set (PoisonReleased), makes every buffer a reader lets go
// of filled with poisonByte: a fetch buffer when the reader moves to its
// next row group or closes, a decompressed page when its batch is done,
// either when it goes to a pool. A value a caller keeps past its validity
// (Reader.Text's) then reads as those bytes at once, rather than when a
// later reader of the process happens to reuse the buffer.
var poison atomic.Bool

// poisonByte is what a released buffer holds under PoisonReleased: not
// UTF-8, not a digit, not a separator.
const poisonByte = 0xA5

// PoisonReleased makes the readers of the process fill every fetch and
// page buffer they let go of with 0xA5, for tests of the code that uses
// their values (a slice kept past the next batch, or past Close, then
// reads as garbage); the function it returns turns it off. It costs a
// write of every released byte.
func PoisonReleased() (off func()) {
	poison.Store(true)
	return func() { poison.Store(false) }
}

// poisonBytes fills b's capacity with poisonByte under PoisonReleased.
func poisonBytes(b []byte) {
	if poison.Load() {
		b = b[:cap(b)]
		for i := range b {
			b[i] = poisonByte
		}
	}
}
