package runs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
)

// Sample is a key of a run and the offset of its entry.
type Sample struct {
	Key []byte
	Off int64
}

// Index is a run's index: keys sampled every IndexEvery bytes of entries
// (the first entry always), and where the entries end.
type Index struct {
	Samples []Sample
	// End is the offset of the end marker: entries lie in [headerSize, End).
	End int64
}

// ReadIndex reads the index of the run of size bytes at r: the footer, then
// the index it points to (two small reads on S3).
func ReadIndex(r io.ReaderAt, size int64, name string) (Index, error) {
	corrupt := func(what string, err error) error {
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return fmt.Errorf("%s: %s: %w", name, what, err)
		}
		return fmt.Errorf("%s: %w: %s", name, ErrCorrupt, what)
	}
	if size < int64(headerSize+footerSize) {
		return Index{}, corrupt(fmt.Sprintf("%d bytes is too short for a run", size), nil)
	}
	var f [footerSize]byte
	if _, err := r.ReadAt(f[:], size-footerSize); err != nil {
		return Index{}, corrupt("read footer", err)
	}
	if string(f[16:]) != footerMagic {
		return Index{}, corrupt("bad footer magic", nil)
	}
	end, at := int64(binary.LittleEndian.Uint64(f[:8])), int64(binary.LittleEndian.Uint64(f[8:16]))
	if end < int64(headerSize) || at <= end || at > size-footerSize {
		return Index{}, corrupt(fmt.Sprintf("footer offsets %d, %d out of range", end, at), nil)
	}
	raw := make([]byte, size-footerSize-at)
	if _, err := r.ReadAt(raw, at); err != nil {
		return Index{}, corrupt("read index", err)
	}
	ix, err := parseIndex(raw, end)
	if err != nil {
		return Index{}, corrupt(err.Error(), nil)
	}
	return ix, nil
}

// parseIndex decodes a run's index (raw: from its count of samples to the
// footer) for entries that end at end; the error says what is wrong.
func parseIndex(raw []byte, end int64) (Index, error) {
	n, k := binary.Uvarint(raw)
	if k <= 0 || n > uint64(len(raw)) {
		return Index{}, errors.New("bad index length")
	}
	raw = raw[k:]
	ix := Index{End: end, Samples: make([]Sample, 0, n)}
	for i := uint64(0); i < n; i++ {
		l, k := binary.Uvarint(raw)
		if k <= 0 || l > uint64(len(raw)-k) {
			return Index{}, errors.New("truncated index key")
		}
		key := bytes.Clone(raw[k : k+int(l)])
		raw = raw[k+int(l):]
		off, k2 := binary.Uvarint(raw)
		if k2 <= 0 || int64(off) < int64(headerSize) || int64(off) >= end {
			return Index{}, errors.New("bad index offset")
		}
		raw = raw[k2:]
		if i > 0 && (bytes.Compare(ix.Samples[i-1].Key, key) >= 0 || ix.Samples[i-1].Off >= int64(off)) {
			return Index{}, errors.New("index out of order")
		}
		ix.Samples = append(ix.Samples, Sample{Key: key, Off: int64(off)})
	}
	if len(raw) != 0 {
		return Index{}, errors.New("bytes after the index")
	}
	return ix, nil
}

// Span is the byte range [off, end) of the run's entries that holds every
// key in [lo, hi) (nil: no bound): from the last sample at or before lo to
// the first sample at or after hi. Read it with NewRangeReader.
func (ix Index) Span(lo, hi []byte) (off, end int64) {
	if len(ix.Samples) == 0 {
		return ix.End, ix.End // no entries (the first entry is always sampled)
	}
	off, end = ix.Samples[0].Off, ix.End
	if lo != nil {
		// The last sample whose key <= lo.
		i := sort.Search(len(ix.Samples), func(i int) bool { return bytes.Compare(ix.Samples[i].Key, lo) > 0 })
		if i > 0 {
			off = ix.Samples[i-1].Off
		}
	}
	if hi != nil {
		i := sort.Search(len(ix.Samples), func(i int) bool { return bytes.Compare(ix.Samples[i].Key, hi) >= 0 })
		if i < len(ix.Samples) {
			end = ix.Samples[i].Off
		}
	}
	return off, max(off, end)
}

// Boundaries chooses up to p-1 split keys, strictly increasing, that cut the
// entries of the indexed runs into p ranges of about equal bytes: range 0 is
// keys below the first boundary, range i keys in [b[i-1], b[i]), the last
// keys from the last boundary on. Every boundary is a key some run holds, so
// no range but the first can be empty, and the first holds the smallest key.
// Fewer boundaries come back when the samples cannot split further (few or
// heavy keys).
func Boundaries(indexes []Index, p int) [][]byte {
	type weighted struct {
		key []byte
		w   int64
	}
	var all []weighted
	var total int64
	for _, ix := range indexes {
		for i, s := range ix.Samples {
			next := ix.End
			if i+1 < len(ix.Samples) {
				next = ix.Samples[i+1].Off
			}
			all = append(all, weighted{s.Key, next - s.Off})
			total += next - s.Off
		}
	}
	if p < 2 || len(all) < 2 {
		return nil
	}
	slices.SortStableFunc(all, func(a, b weighted) int { return bytes.Compare(a.key, b.key) })
	var bounds [][]byte
	var cum int64
	k := 1
	for i, s := range all {
		for k < p && cum >= total*int64(k)/int64(p) {
			if i > 0 && bytes.Compare(s.key, all[0].key) > 0 && (len(bounds) == 0 || bytes.Compare(s.key, bounds[len(bounds)-1]) > 0) {
				bounds = append(bounds, s.key)
			}
			k++
		}
		cum += s.w
	}
	return bounds
}

// Range is the key range i of the ranges that boundaries b (from Boundaries) cut: keys in
// [lo, hi), where a nil lo is the first range's open start and a nil hi the last's open end.
func Range(b [][]byte, i int) (lo, hi []byte) {
	if i > 0 {
		lo = b[i-1]
	}
	if i < len(b) {
		hi = b[i]
	}
	return lo, hi
}

// ScanIndex reads a whole run from r and returns an index that samples
// every entry: for runs too small for their own index (one sample per
// IndexEvery bytes) to split into ranges.
func ScanIndex(r io.Reader, name string) (Index, error) {
	rr, err := NewReader(r, name)
	if err != nil {
		return Index{}, err
	}
	var ix Index
	off := rr.pos()
	for {
		ok, err := rr.Next()
		if err != nil {
			return Index{}, err
		}
		if !ok {
			break
		}
		k, v := rr.Key(), rr.Value()
		ix.Samples = append(ix.Samples, Sample{Key: bytes.Clone(k), Off: off})
		off += 1 + int64(uvarintLen(uint64(len(k)))+len(k)+uvarintLen(uint64(len(v)))+len(v))
	}
	ix.End = off
	return ix, nil
}

// uvarintLen is the length of v's uvarint encoding.
func uvarintLen(v uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], v)
}
