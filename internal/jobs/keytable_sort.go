package jobs

import (
	"cmp"
	"slices"
	"unsafe"
)

// A table whose entries hold the groups' states (S of a non-zero size:
// groupby's lone sum, the sql job's count and sum) keeps nothing apart
// that an entry's index names, so when sorting 24-byte keys into two
// arrays beside them (sortedKeys: 48 bytes a group, more than half of what
// the entry and its slots hold) would pass the combine budget, it orders
// its entries themselves for a run (sortInPlace), in more instructions
// but no memory. The entries move, so the slots no longer name them: the
// table is reset before it takes keys again (every owner resets it after
// writing its run: a spill, or Finish's release).

// inPlace reports whether t's entries hold its states, so that forSorted
// may sort them in place: it does when sortedKeys' arrays would not fit in
// the combine budget beside the table (sortsInPlace). memory counts no sort
// arrays for such a table.
func (t *keyTableOf[S]) inPlace() bool {
	var s S
	return unsafe.Sizeof(s) > 0
}

// sortsInPlace reports whether forSorted and cursor sort t's entries in
// place now: t holds its states, and sortedKeys' arrays, which sort in
// fewer instructions, would take the table past the combine budget, or
// the table has inPlaceFrom entries or more. Its entries' capacity counts
// whole, as memory counts it: a pooled table's room past its length was
// touched by an earlier mapper's groups.
func (t *keyTableOf[S]) sortsInPlace() bool {
	if !t.inPlace() {
		return false
	}
	n := int64(len(t.ents))
	if n >= inPlaceFrom {
		return true
	}
	keys := 2*max(n-int64(cap(t.sort[0])), 0)*sortKeySize + n*4
	if t.counts == nil && n >= radixMin {
		keys += radixCountsSize
	}
	return t.memory(0)+keys > combineBudget.Load()
}

// inPlaceFrom is the table size from which a table holding its states
// sorts in place whatever the budget: sortedKeys' arrays take 52 bytes a
// group at the mapper's peak, more than the group's entry (48) and slots.
// A table sized for the budget (sizeFor) sorted in place anyway, its
// entries' room counting whole; one sized for its part's groups
// (partRows.most) would have made the arrays: 13 MiB more for a Parquet
// chunk of 255,000 groups.
const inPlaceFrom = sampleKeys * 8

// forSortedInPlace is forSorted of a table sorted in place: emit is called
// with each entry in key order, reading them in sequence, and the index it
// is given is the entry's place after the sort.
func (t *keyTableOf[S]) forSortedInPlace(emit func(key []byte, g int32) error, kb *[16]byte) error {
	t.sortInPlace()
	for i := range t.ents {
		e := &t.ents[i]
		k := sortKey{head: e.head, next: e.next, idx: int32(i), n: e.n}
		if err := emit(t.keyOf(&k, kb), int32(i)); err != nil {
			return err
		}
	}
	return nil
}

// sortInPlace orders the entries by the bytes of their keys: by their
// heads (first 8 bytes) with a most-significant-byte-first radix sort that
// moves each entry in place (American flag sort), then, among entries of
// equal heads, by cmpTails' order.
func (t *keyTableOf[S]) sortInPlace() {
	t.radixInPlace(t.ents, 56, true)
}

// radixSmall is the size under which radixInPlace sorts by comparisons;
// radixWide the size from which it splits by two bytes at once: with one
// byte, keys of digits (IP addresses) split ten ways a pass, so a large
// table took six passes of moves that miss the cache, where one pass of
// two bytes leaves buckets that fit in it.
const (
	radixSmall = 32
	radixWide  = 1 << 14
)

// wideCounts is radixWide's per-bucket positions, kept by the table
// (memory counts them).
type wideCounts struct{ next, end [1 << 16]uint32 }

const wideCountsSize = int64(unsafe.Sizeof(wideCounts{}))

// radixInPlace sorts ents, whose heads agree above bit shift+8, by the
// head's byte at shift (two bytes, shift and shift-8, when ents is large
// and wide: the table's wideCounts are not in use), then each bucket by
// the bytes below.
func (t *keyTableOf[S]) radixInPlace(ents []keyEntOf[S], shift int, wide bool) {
	var count [256]int
	for shift >= 0 {
		if len(ents) <= radixSmall {
			break
		}
		if wide && len(ents) >= radixWide && shift >= 8 {
			if t.radixWide(ents, shift) {
				return
			}
			shift -= 16 // every head has these two bytes
			continue
		}
		clear(count[:])
		for i := range ents {
			count[byte(ents[i].head>>shift)]++
		}
		if count[byte(ents[0].head>>shift)] < len(ents) {
			t.radixBuckets(ents, shift, &count, wide)
			return
		}
		shift -= 8 // every head has this byte: on to the next one, without moving
	}
	if len(ents) > radixSmall { // of one head
		slices.SortFunc(ents, t.cmpEnts)
		return
	}
	for i := 1; i < len(ents); i++ { // insertion: a few entries
		for j := i; j > 0 && t.less(&ents[j], &ents[j-1]); j-- {
			ents[j], ents[j-1] = ents[j-1], ents[j]
		}
	}
}

// less reports whether a's key sorts before b's (cmpEnts, without copies).
func (t *keyTableOf[S]) less(a, b *keyEntOf[S]) bool {
	switch {
	case a.head != b.head:
		return a.head < b.head
	case a.next != b.next:
		return a.next < b.next
	case a.n <= 16 || b.n <= 16:
		return a.n < b.n
	}
	return string(t.arena[a.off+16:a.off+a.n]) < string(t.arena[b.off+16:b.off+b.n])
}

// radixBuckets moves each entry of ents into the bucket of its head's byte
// at shift, whose counts are count (more than one bucket), then sorts each
// bucket.
func (t *keyTableOf[S]) radixBuckets(ents []keyEntOf[S], shift int, count *[256]int, wide bool) {
	var next, end [256]int
	sum := 0
	for b := range end {
		next[b] = sum
		sum += count[b]
		end[b] = sum
	}
	for b := range next {
		for next[b] < end[b] {
			d := byte(ents[next[b]].head >> shift)
			if int(d) == b {
				next[b]++
				continue
			}
			// The entry belongs to bucket d: swap it with the next
			// unplaced entry there, and look at what came back.
			ents[next[b]], ents[next[d]] = ents[next[d]], ents[next[b]]
			next[d]++
		}
	}
	start := 0
	for b := range end {
		if bucket := ents[start:end[b]]; len(bucket) > 1 {
			t.radixInPlace(bucket, shift-8, wide)
		}
		start = end[b]
	}
}

// radixWide is radixBuckets by the two bytes of the head at shift and
// shift-8, with the table's wideCounts; false when every head has the
// same two (nothing moved). Its buckets are sorted a byte at a time (their
// recursion does not reuse the counts it reads).
func (t *keyTableOf[S]) radixWide(ents []keyEntOf[S], shift int) bool {
	if t.wide == nil {
		t.wide = new(wideCounts)
	}
	w, low := t.wide, shift-8
	clear(w.end[:])
	for i := range ents {
		w.end[uint16(ents[i].head>>low)]++
	}
	if int(w.end[uint16(ents[0].head>>low)]) == len(ents) {
		return false
	}
	var sum uint32
	for b := range w.end {
		w.next[b] = sum
		sum += w.end[b]
		w.end[b] = sum
	}
	for b := range w.next {
		for w.next[b] < w.end[b] {
			d := uint16(ents[w.next[b]].head >> low)
			if int(d) == b {
				w.next[b]++
				continue
			}
			ents[w.next[b]], ents[w.next[d]] = ents[w.next[d]], ents[w.next[b]]
			w.next[d]++
		}
	}
	var start uint32
	for _, end := range w.end {
		if end-start > 1 {
			t.radixInPlace(ents[start:end], low-8, false)
		}
		start = end
	}
	return true
}

// cmpEnts compares the keys of two entries (cmpTails past their heads).
func (t *keyTableOf[S]) cmpEnts(a, b keyEntOf[S]) int {
	if a.head != b.head {
		return cmp.Compare(a.head, b.head)
	}
	if a.next != b.next {
		return cmp.Compare(a.next, b.next)
	}
	if a.n <= 16 || b.n <= 16 {
		return cmp.Compare(a.n, b.n)
	}
	return slices.Compare(t.arena[a.off+16:a.off+a.n], t.arena[b.off+16:b.off+b.n])
}

// sortedCursor gives a table's keys in byte order one at a time (forSorted's
// order, pulled by its reader rather than pushed): sorted once, when made.
type sortedCursor[S any] struct {
	t    *keyTableOf[S]
	keys []sortKey // sortedKeys', for a table not sorted in place
	i    int
	kb   [16]byte
}

// cursor sorts t for a sortedCursor; t is read through it until it is reset.
func (t *keyTableOf[S]) cursor() *sortedCursor[S] {
	c := &sortedCursor[S]{t: t}
	if t.sortsInPlace() {
		t.sortInPlace()
	} else {
		c.keys = t.sortedKeys()
	}
	return c
}

// next returns the next key (valid until the following call) and its
// entry's index; false after the last.
func (c *sortedCursor[S]) next() (key []byte, g int32, ok bool) {
	t := c.t
	var k sortKey
	switch {
	case c.keys != nil:
		if c.i >= len(c.keys) {
			return nil, 0, false
		}
		k = c.keys[c.i]
	case c.i >= len(t.ents):
		return nil, 0, false
	default:
		e := &t.ents[c.i]
		k = sortKey{head: e.head, next: e.next, idx: int32(c.i), n: e.n}
	}
	c.i++
	return t.keyOf(&k, &c.kb), k.idx, true
}
