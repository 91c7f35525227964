package jobs

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"unsafe"
)

// keyTableOf is the combiners' hash table: byte-string keys to dense
// indexes, with a count per key. It is open addressing with linear probing
// over one arena of key bytes, so a lookup hashes the bytes in place (no
// string conversion) and a new key costs no allocation of its own. An entry
// keeps its key's first 16 bytes as two big-endian integers: comparing a key
// of up to 16 bytes is three integer compares and one branch, and sorting
// mostly orders by the first integer. Such a key is all in its entry: only
// the bytes of longer keys go to the arena.
//
// An entry also holds an S: a combiner whose groups have fixed-size states
// keeps them there (groupby's single sum: sumState; the sql job's count
// and sum: inlineSum), so that a row that finds its group reads its entry
// alone for the key's compare, the count and the states, not the entry and
// states kept apart. keyTable's entries hold nothing more (struct{}: no
// bytes). A table of states in its entries sorts them in place for a run
// (keytable_sort.go).
type keyTableOf[S any] struct {
	slots []uint32 // 0 is an empty slot, else a tag and the entry index + 1 (slotIndex)
	shift uint     // 64 - log2(len(slots)): a hash's top bits pick its slot
	ents  []keyEntOf[S]
	arena []byte       // the bytes of the keys longer than 16; a shorter one is its entry's head and next
	sort  [2][]sortKey // sortedKeys' memory, kept for the next sort
	// counts is radixSortHeads' digit counts, kept for the next sort.
	counts *radixCounts
	wide   *wideCounts // sortInPlace's, kept for the next sort
	// spare is the slots reset emptied, kept for the next newSlots of their
	// size: a mapper that spills sizes its table again (sizeFor) to the
	// size it had, and new slots each time were garbage of megabytes a
	// spill, which grew the heap (and the process) by as much until a
	// collection.
	spare []uint32
	// longest is the longest key inserted since the table was made, for
	// memory's estimate of the next keys' bytes.
	longest int
	sink    uint64      // what touchEntries read, so that its reads are kept
	huge    *hugeArrays // the arrays advised to huge pages (keytable_huge_linux.go)
}

// keyTable is the table of keys and counts alone (wordcount, sql, groupby
// with states apart).
type keyTable = keyTableOf[struct{}]

// keyEntOf is an entry: its S first, where a zero-size one takes no room
// (a zero-size last field would be padded).
type keyEntOf[S any] struct {
	st    S      // the group's states, when they live beside the key
	head  uint64 // bytes 0-7, big-endian, zero-padded
	next  uint64 // bytes 8-15, likewise
	off   uint32 // key bytes are arena[off : off+n]
	n     uint32
	count int64
}

type keyEnt = keyEntOf[struct{}]

const keyEntSize = int64(unsafe.Sizeof(keyEnt{}))

// entSize is the size of one of t's entries.
func (t *keyTableOf[S]) entSize() int64 { return int64(unsafe.Sizeof(keyEntOf[S]{})) }

// A slot's top 8 bits are bits of its key's hash that do not pick the slot,
// so that a probe skips most other keys without reading their entries; the
// low 24 bits are the entry index + 1. The combine budget keeps a table far
// below 1<<24 entries.
const (
	slotIndex = 1<<24 - 1
	maxKeys   = slotIndex - 1
)

// slotTag returns the tag bits of a key's hash.
func slotTag(h uint64) uint32 { return uint32(h) &^ slotIndex }

// initialSlots is an empty table's size.
const initialSlots = 1 << 12

func newKeyTable() *keyTable { return newKeyTableOf[struct{}]() }

func newKeyTableOf[S any]() *keyTableOf[S] {
	t := &keyTableOf[S]{}
	t.huge = newHugeArrays(t)
	t.reset()
	return t
}

// reset empties the table to initialSlots slots, keeping the memory of its
// entries and key bytes, and its larger slots as the spare.
func (t *keyTableOf[S]) reset() {
	if len(t.slots) != initialSlots {
		dropArray(t.huge, t.spare)
		t.spare, t.slots = t.slots, make([]uint32, initialSlots)
	} else {
		clear(t.slots)
	}
	t.shift = uint(64 - bits.TrailingZeros(uint(initialSlots)))
	t.ents, t.arena = t.ents[:0], t.arena[:0]
}

// discard gives back the table's huge pages now, for a caller that drops
// the table (a pooled one it cannot use): its cleanup would run only after
// a collection, and keep the arrays alive through the next one. The table
// is not used again.
func (t *keyTableOf[S]) discard() { t.huge.dropAll() }

// size is the number of distinct keys.
func (t *keyTableOf[S]) size() int { return len(t.ents) }

// key returns the bytes of entry i: in the arena when longer than 16 bytes,
// else a new slice of its head and next (keyOf writes them without
// allocating).
func (t *keyTableOf[S]) key(i int32) []byte {
	e := &t.ents[i]
	if e.n <= 16 {
		var buf [16]byte
		binary.BigEndian.PutUint64(buf[:8], e.head)
		binary.BigEndian.PutUint64(buf[8:], e.next)
		return append([]byte(nil), buf[:e.n]...)
	}
	return t.arena[e.off : e.off+e.n : e.off+e.n]
}

// keyWords returns the first 16 bytes of k as two big-endian integers,
// zero-padded.
func keyWords(k []byte) (head, next uint64) {
	if cap(k) < 16 {
		return keyWordsShort(k)
	}
	return keyWords16(k)
}

// keyWords16 is keyWords for a key whose buffer has 16 bytes from its start:
// it loads them and masks off what is past len(k), with no branch on the length.
func keyWords16(k []byte) (head, next uint64) {
	n := uint(len(k))
	k = k[:16]
	head = binary.BigEndian.Uint64(k) &^ (^uint64(0) >> (8 * min(n, 8)))
	next = binary.BigEndian.Uint64(k[8:]) &^ (^uint64(0) >> (8 * (min(max(n, 8), 16) - 8)))
	return head, next
}

// keyWordsShort is keyWords for a key near the end of its buffer.
func keyWordsShort(k []byte) (head, next uint64) {
	for i, c := range k[:min(len(k), 16)] {
		if i < 8 {
			head |= uint64(c) << (56 - 8*i)
		} else {
			next |= uint64(c) << (56 - 8*(i-8))
		}
	}
	return head, next
}

const (
	hashMul1 = 0x9e3779b97f4a7c15
	hashMul2 = 0xc2b2ae3d27d4eb4f
)

// hashKey mixes a key's first 16 bytes (head and next, from keyWords), its
// length and the bytes past the 16th; the top bits are the well-mixed ones.
func hashKey(head, next uint64, k []byte) uint64 {
	h := hash16(head, next, len(k))
	if len(k) > 16 {
		h = hashRest(h, k)
	}
	return h ^ h>>32
}

// hash16 is hashKey's mix of the first 16 bytes and the length, before the
// rest and the final shift.
func hash16(head, next uint64, n int) uint64 {
	h := (head ^ uint64(n)<<56 ^ uint64(n)) * hashMul1
	return (h ^ h>>29 ^ next) * hashMul2
}

// hashRest mixes the bytes of k past the 16th into h.
func hashRest(h uint64, k []byte) uint64 {
	for i := 16; i < len(k); i += 8 {
		w, _ := keyWords(k[i:min(i+8, len(k))])
		h = (h ^ h>>29 ^ w) * hashMul2
	}
	return h
}

// same reports whether entry e holds k, whose first 16 bytes are head and next.
func (t *keyTableOf[S]) same(e *keyEntOf[S], head, next uint64, k []byte) bool {
	n := uint32(len(k))
	return (e.head^head)|(e.next^next)|uint64(e.n^n) == 0 &&
		(n <= 16 || string(t.arena[e.off+16:e.off+n]) == string(k[16:]))
}

// add finds k, inserting it with count 0 when new, adds one to its count and
// returns its index.
func (t *keyTableOf[S]) add(k []byte) int32 {
	head, next := keyWords(k)
	return t.addHashed(head, next, hashKey(head, next, k), k)
}

func (t *keyTableOf[S]) addHashed(head, next, h uint64, k []byte) int32 {
	slots, ents := t.slots, t.ents
	mask := uint64(len(slots) - 1)
	tag := slotTag(h)
	for i := h >> t.shift; ; i = (i + 1) & mask {
		s := slots[i]
		if s == 0 {
			return t.insert(i, tag, head, next, k)
		}
		if s&^slotIndex != tag {
			continue
		}
		if e := &ents[s&slotIndex-1]; t.same(e, head, next, k) {
			e.count++
			return int32(s&slotIndex - 1)
		}
	}
}

// batchSize is how many keys addBatch looks up side by side.
const batchSize = 32

// keyBatch holds the keys of one addBatch call, as offsets into one buffer.
type keyBatch struct {
	n          int
	start, end [batchSize]int
	head, next [batchSize]uint64
	hash       [batchSize]uint64
	slot       [batchSize]uint32
}

// addBatch adds one to the count of every key b names in buf. It looks the
// keys up side by side (lookup), so that the cache misses of different keys
// overlap instead of following one another.
func (t *keyTableOf[S]) addBatch(buf []byte, b *keyBatch) {
	var found [batchSize]int32
	t.lookup(buf, b, &found)
	for j := 0; j < b.n; j++ {
		t.groupOf(buf, b, &found, j, false)
	}
	b.n = 0
}

// lookup finds the entries of the keys b names in buf, in phases, each a
// loop of independent loads: found[j] is key j's entry, or -1 when its
// quick lookup did not find it (a new key, or one that probing must find
// further on). groupOf then counts each key. The entries are first read
// by a loop that does nothing else (touchEntries), so that the processor
// has all of their cache misses in flight at once: a loop that also
// compares keys fills its reorder window after a few of them.
func (t *keyTableOf[S]) lookup(buf []byte, b *keyBatch, found *[batchSize]int32) {
	t.probeBatch(buf, b)
	t.touchEntries(b)
	for j := 0; j < b.n; j++ {
		found[j] = t.foundAt(buf, b, j)
	}
}

// touchEntries reads the first word of the entry each probed slot of b
// names (even one whose tag differs: a wasted read, rarely), keeping their
// sum in t.sink so that the reads are not dropped.
func (t *keyTableOf[S]) touchEntries(b *keyBatch) {
	ents := t.ents
	var sink uint64
	for j := 0; j < b.n; j++ {
		if i := b.slot[j] & slotIndex; i != 0 && int(i) <= len(ents) {
			sink += ents[i-1].head
		}
	}
	t.sink += sink
}

// lookupLoad is t.lookup, then a read of the states of every group it
// found, so that their cache misses overlap as those of the entries did,
// before the folds need them. A group's states are stride elements of
// pages, each page 1<<pageShift groups (stride 0: groups have no states);
// the read is of their first byte, and its sum returned for the caller to
// keep, so that the loads stay. Generic over the state type, it is
// compiled for each mapper's, without a call per group.
func lookupLoad[E, S any](t *keyTableOf[E], buf []byte, b *keyBatch, found *[batchSize]int32, pages [][]S, pageShift uint, stride int) int {
	t.lookup(buf, b, found)
	sink := 0
	mask := 1<<pageShift - 1
	for j := 0; j < b.n && stride > 0; j++ {
		if g := int(found[j]); g >= 0 {
			sink += int(*(*byte)(unsafe.Pointer(&pages[g>>pageShift][(g&mask)*stride])))
		}
	}
	return sink
}

// groupOf adds one to the count of key j of a batch that lookup looked up
// and returns its entry, and whether the key is new (inserted, count 1).
// stale says the table has been reset since lookup, so that found does not
// hold.
func (t *keyTableOf[S]) groupOf(buf []byte, b *keyBatch, found *[batchSize]int32, j int, stale bool) (g int32, isNew bool) {
	if g = found[j]; g >= 0 && !stale {
		t.ents[g].count++
		return g, false
	}
	g = t.addHashed(b.head[j], b.next[j], b.hash[j], buf[b.start[j]:b.end[j]])
	return g, t.ents[g].count == 1
}

// probeBatch is the first phase of a batched lookup: it computes the words
// and hash of every key b names in buf, then loads each one's first slot,
// in a loop of its own so that the loads' cache misses overlap.
func (t *keyTableOf[S]) probeBatch(buf []byte, b *keyBatch) {
	for j := 0; j < b.n; j++ {
		// keyWords and hashKey, written out so that they inline.
		k := buf[b.start[j]:b.end[j]]
		if cap(k) >= 16 {
			b.head[j], b.next[j] = keyWords16(k)
		} else {
			b.head[j], b.next[j] = keyWordsShort(k)
		}
		h := hash16(b.head[j], b.next[j], len(k))
		if len(k) > 16 {
			h = hashRest(h, k)
		}
		b.hash[j] = h ^ h>>32
	}
	slots := t.slots
	mask, shift := uint64(len(slots)-1), t.shift
	for j := 0; j < b.n; j++ {
		b.slot[j] = slots[(b.hash[j]>>shift)&mask]
	}
}

// foundAt returns the entry of key j of a probed batch when its first slot
// holds it, else -1 (a new key, or one that probing must find further on).
// An entry's index never changes, so a slot read before an insert that grew
// the table still names the right entry when it matches; after a reset it
// does not, and the caller must not ask.
func (t *keyTableOf[S]) foundAt(buf []byte, b *keyBatch, j int) int32 {
	s := b.slot[j]
	if s == 0 || s&^slotIndex != slotTag(b.hash[j]) {
		return -1
	}
	i := int32(s&slotIndex - 1)
	if !t.same(&t.ents[i], b.head[j], b.next[j], buf[b.start[j]:b.end[j]]) {
		return -1
	}
	return i
}

func (t *keyTableOf[S]) insert(slot uint64, tag uint32, head, next uint64, k []byte) int32 {
	idx := int32(len(t.ents))
	if idx == maxKeys {
		panic("keyTable: more keys than a slot can index; the combine budget should have spilled long before")
	}
	t.ents = grow2Huge(t.huge, t.ents, 1)
	t.ents = append(t.ents, keyEntOf[S]{head: head, next: next, off: uint32(len(t.arena)), n: uint32(len(k)), count: 1})
	t.longest = max(t.longest, len(k))
	if len(k) > 16 { // a shorter key is all in its head and next
		t.arena = grow2Huge(t.huge, t.arena, len(k))
		t.arena = append(t.arena, k...)
	}
	t.slots[slot] = tag | uint32(idx+1)
	if len(t.ents)*2 > len(t.slots) {
		t.grow()
	}
	return idx
}

// reserve makes room for keys keys of keyBytes bytes in all without
// growing again: the slots for keys at half load (placing the entries
// again once), the entries' and the key bytes' capacity.
func (t *keyTableOf[S]) reserve(keys, keyBytes int) {
	t.reserveSlots(keys)
	t.reserveEntries(keys, keyBytes)
}

// reserveEntries is reserve but for the slots.
func (t *keyTableOf[S]) reserveEntries(keys, keyBytes int) {
	keys = min(keys, maxKeys)
	t.ents = growHuge(t.huge, t.ents, keys)
	t.arena = growHuge(t.huge, t.arena, keyBytes)
}

// reserveSlots makes the slots room for keys keys at half load, placing
// the entries again once.
func (t *keyTableOf[S]) reserveSlots(keys int) {
	keys = min(keys, maxKeys)
	if n := len(t.slots); n < 2*keys {
		for n < 2*keys {
			n *= 2
			t.shift--
		}
		t.newSlots(n)
		t.place()
	}
}

// sampleKeys is how many groups a mapper's table has when the mapper sizes
// it (sizeFor).
const sampleKeys = 1 << 13

// maxReserve is the most groups sizeFor makes room for: a 64 MiB chunk of
// a table whose every row is its own group has about 640,000. A table with
// more grows by doubling, within the budget.
const maxReserve = 1 << 20

// sizeFor makes room at once, when most of the rows folded so far began a
// group of their own, for as many groups as budget holds, each costing
// groupBytes beside its key: a table of a few hundred thousand groups is
// then not copied and placed again at every doubling. Room that is not
// used costs address space, not memory, but slots are touched all over:
// when bound is not 0 (the most groups its part can still make:
// partRows.bound) the entries and key bytes are made room for up to it,
// and the slots are left to grow until slotsFor sizes them. It returns the
// groups it made room for, 0 when few rows began a group (the table grows
// as it needs).
func (t *keyTableOf[S]) sizeFor(rows int, budget, groupBytes int64, bound int) int {
	if t.size() == 0 || t.size()*2 < rows {
		return 0
	}
	keyLen := int64((len(t.arena) + t.size() - 1) / t.size()) // of the keys over 16 bytes, in the arena
	// What the budget holds of a key (keyCost) and its states, and no more
	// than maxReserve: a table sized for a large budget would touch all of
	// its slots however few groups the chunk has.
	groups := int(min(budget/(t.keyCost(keyLen)+groupBytes), maxReserve))
	if bound > 0 {
		groups = min(groups, bound)
	}
	keyBytes := groups * int(keyLen)
	// Room within an eighth of it is room enough: the mean key length moves
	// from one chunk to the next, and a table reused by the next mapper (or
	// after a spill) would otherwise copy its entries into new ones for a
	// few thousand groups more, as garbage of tens of megabytes.
	if c := cap(t.ents); c < groups && c >= groups-groups/8 {
		groups = c
	}
	if c := cap(t.arena); c < keyBytes && c >= keyBytes-keyBytes/8 {
		keyBytes = c
	}
	if bound > 0 {
		t.reserveEntries(groups, keyBytes)
	} else {
		t.reserve(groups, keyBytes)
	}
	return groups
}

// slotsFor sizes the slots for groups groups (partRows.most), no more than
// the entries have room for.
func (t *keyTableOf[S]) slotsFor(groups int) { t.reserveSlots(min(groups, cap(t.ents))) }

// partRows is what a combiner knows of the rows its part has left, so that
// its table is sized for the groups the part can still make rather than
// for all the combine budget holds: a Parquet part of 640,000 rows and
// 255,000 groups had 2 million slots (8 MiB, every page touched) for the
// budget's 800,000 groups. Its entries are made room for at sampleKeys
// groups up to bound, its slots at slotsAt groups for most.
type partRows struct {
	rows   int64 // the part's rows (Part.Rows); 0: unknown
	from   int   // the table's folded rows when the part started (0 after a spill)
	sample int   // the table's folded rows when it had sampleKeys groups
}

// slotsAt is the table size at which a combiner whose part's rows are
// known sizes its slots (slotsFor): the groups' growth from sampleKeys to
// it foretells the part's (most).
const slotsAt = sampleKeys * 8

// start notes a new part of rows rows (0: unknown) whose first row will be
// the table's rows+1st folded.
func (p *partRows) start(rows int64, folded int) { p.rows, p.from = rows, folded }

// emptied notes that the table was emptied (a spill): its folded rows count
// from 0 again, none of them sampled.
func (p *partRows) emptied() { p.from, p.sample = 0, 0 }

// left is the most rows the part still has for a table of folded rows.
func (p *partRows) left(folded int) int64 { return max(p.rows-int64(folded-p.from), 0) }

// bound is the most groups a table of size groups, of folded rows, can
// have once the part's rows are all in (a group a row); 0 when unknown.
func (p *partRows) bound(size, folded int) int {
	if p.rows <= 0 {
		return 0
	}
	return int(min(int64(size)+p.left(folded), maxKeys))
}

// most is the most groups a table of size groups, of folded rows, is
// estimated to have once the part's rows are all in; 0 when unknown.
// Groups grow with rows as a power of them (at most 1: no more than one
// group a row) whose exponent falls as keys repeat, so the exponent
// measured from sampleKeys on overestimates the rest: the uservisits
// Parquet chunks of 640,000 rows and 255,000 groups are estimated at
// 400,000. It is at most bound.
func (p *partRows) most(size, folded int) int {
	if p.rows <= 0 || p.sample <= 0 || folded <= p.sample || size <= sampleKeys {
		return 0
	}
	left := p.left(folded)
	e := math.Log(float64(size)/sampleKeys) / math.Log(float64(folded)/float64(p.sample))
	est := float64(size) * math.Pow(float64(int64(folded)+left)/float64(folded), min(e, 1))
	return int(min(est, float64(p.bound(size, folded))))
}

// grow doubles the slots and places every entry again.
func (t *keyTableOf[S]) grow() {
	t.newSlots(2 * len(t.slots))
	t.shift--
	t.place()
}

// newSlots replaces the slots by n empty ones, advised to huge pages when
// large, and gives back the advice on the old ones. The spare, when of n
// slots, is taken (cleared), else dropped once n reaches it.
func (t *keyTableOf[S]) newSlots(n int) {
	old := t.slots
	switch {
	case len(t.spare) == n:
		t.slots, t.spare = t.spare, nil
		clear(t.slots)
	default:
		if n >= len(t.spare) {
			dropArray(t.huge, t.spare)
			t.spare = nil
		}
		t.slots = make([]uint32, n)
		adviseArray(t.huge, t.slots)
	}
	dropArray(t.huge, old)
}

// place puts every entry in the slots, which are empty.
func (t *keyTableOf[S]) place() {
	mask := uint64(len(t.slots) - 1)
	for idx := range t.ents {
		e := &t.ents[idx]
		h := hash16(e.head, e.next, int(e.n))
		if e.n > 16 {
			h = hashRest(h, t.arena[e.off:e.off+e.n])
		}
		h ^= h >> 32 // hashKey's, without the key of up to 16 bytes in the arena
		i := h >> t.shift
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = slotTag(h) | uint32(idx+1)
	}
}

// grow2 makes room for n more elements in s, doubling its capacity when it
// must grow: append grows a large slice by a quarter at a time, which for a
// table of a million keys means copying it five times over instead of once.
func grow2[S ~[]E, E any](s S, n int) S { return grow2Huge(nil, s, n) }

// grow2Huge is grow2 for an array of a key table's, whose memory h advises
// to huge pages (growHuge).
func grow2Huge[S ~[]E, E any](h *hugeArrays, s S, n int) S {
	if len(s)+n <= cap(s) {
		return s
	}
	return growHuge(h, s, len(s)+max(n, len(s)))
}

// growTo returns s with a capacity of at least c. Unlike slices.Grow it does
// not clear the new capacity itself: memory fresh from the system is
// already zero, and its pages are not touched until used.
func growTo[S ~[]E, E any](s S, c int) S { return growHuge(nil, s, c) }

// growHuge is growTo for an array of a key table's: the new array's memory
// is advised to huge pages before its first touch (h, when not nil), and
// the advice on the old one given back before it is dropped.
func growHuge[S ~[]E, E any](h *hugeArrays, s S, c int) S {
	if c <= cap(s) {
		return s
	}
	ns := make(S, len(s), c)
	adviseArray(h, ns)
	copy(ns, s)
	dropArray(h, s)
	return ns
}

// sortKey is an entry's place in sorted: its first 16 bytes, its index and
// its length.
type sortKey struct {
	head, next uint64
	idx        int32
	n          uint32
}

// radixMin is the table size from which sorted orders the heads by radix
// rather than by comparisons.
const radixMin = 1 << 15

// sorted returns the entry indexes in byte order of their keys. The first 8
// bytes of the keys (their heads) order them by a radix sort, which reads the
// entries in sequence and never compares; only entries of equal heads are
// then compared, by their next 8 bytes and, past the 16th byte, the arena.
func (t *keyTableOf[S]) sorted() []int32 {
	keys := t.sortedKeys()
	order := make([]int32, len(keys))
	for i, k := range keys {
		order[i] = k.idx
	}
	return order
}

// sortedKeys is sorted, each entry with its first 16 bytes and length, so
// that a key of up to 16 bytes is written without reading its entry (keyOf).
// The slice returned is the table's: valid until the next sort.
func (t *keyTableOf[S]) sortedKeys() []sortKey {
	n := len(t.ents)
	for i := range t.sort {
		if cap(t.sort[i]) < n {
			t.sort[i] = make([]sortKey, n)
		}
		t.sort[i] = t.sort[i][:n]
	}
	keys := t.sort[0]
	for i := range t.ents {
		e := &t.ents[i]
		keys[i] = sortKey{head: e.head, next: e.next, idx: int32(i), n: e.n}
	}
	if n >= radixMin {
		if t.counts == nil {
			t.counts = new(radixCounts)
		}
		keys = radixSortHeads(keys, t.sort[1], t.counts)
	} else {
		slices.SortFunc(keys, func(a, b sortKey) int { return cmp.Compare(a.head, b.head) })
	}
	for i := 0; i < n; {
		j := i + 1
		for j < n && keys[j].head == keys[i].head {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(keys[i:j], t.cmpTails)
		}
		i = j
	}
	return keys
}

// forSorted calls emit with every key of the table in byte order and its
// entry's index. In key order the entries are scattered over the table, so
// for a batch of them it first reads each entry, in a loop that does
// nothing else (so that their cache misses overlap), and calls load, when
// not nil, to read what else emit will, each read independent of the
// others; then it calls emit for each. A key of up to 16 bytes comes from
// sortedKeys, not from the arena (keyOf). The key is valid during the call.
func (t *keyTableOf[S]) forSorted(load func(g int32), emit func(key []byte, g int32) error) error {
	var kb [16]byte
	if t.sortsInPlace() {
		if load != nil {
			panic("keyTable: forSorted with load over a table sorted in place")
		}
		return t.forSortedInPlace(emit, &kb)
	}
	keys := t.sortedKeys()
	ents := t.ents
	for len(keys) > 0 {
		run := keys[:min(len(keys), batchSize)]
		var sink int64
		for i := range run {
			sink += ents[run[i].idx].count
		}
		t.sink += uint64(sink)
		if load != nil {
			for i := range run {
				load(run[i].idx)
			}
		}
		for i := range run {
			if err := emit(t.keyOf(&run[i], &kb), run[i].idx); err != nil {
				return err
			}
		}
		keys = keys[len(run):]
	}
	return nil
}

// cmpTails compares the keys of two entries whose first 8 bytes are equal.
// Their first 16 bytes zero-padded being equal, a key of at most 16 bytes
// is a prefix of the other one, so the lengths order them.
func (t *keyTableOf[S]) cmpTails(a, b sortKey) int {
	if a.next != b.next {
		return cmp.Compare(a.next, b.next)
	}
	ea, eb := &t.ents[a.idx], &t.ents[b.idx]
	if ea.n <= 16 || eb.n <= 16 {
		return cmp.Compare(ea.n, eb.n)
	}
	return bytes.Compare(t.arena[ea.off+16:ea.off+ea.n], t.arena[eb.off+16:eb.off+eb.n])
}

// radixCounts is radixSortHeads' count of each 16-bit digit of the heads.
type radixCounts [4][1 << 16]uint32

// radixCountsSize is the bytes of a radixCounts, which a table holds once
// it has sorted radixMin keys.
const radixCountsSize = int64(unsafe.Sizeof(radixCounts{}))

// radixSortHeads sorts keys by head, least significant 16 bits first,
// skipping the digits every head shares; it returns the sorted slice (keys
// or scratch, which is as long). counts is its memory for the digits' counts
// (1 MiB, which a sort of its own would allocate as garbage each time).
func radixSortHeads(keys, scratch []sortKey, counts *radixCounts) []sortKey {
	clear(counts[:])
	for i := range keys {
		h := keys[i].head
		counts[0][uint16(h)]++
		counts[1][uint16(h>>16)]++
		counts[2][uint16(h>>32)]++
		counts[3][uint16(h>>48)]++
	}
	src, dst := keys, scratch
	for d := range counts {
		c := &counts[d]
		if c[uint16(src[0].head>>(16*d))] == uint32(len(src)) {
			continue // every head has this digit
		}
		var sum uint32
		for i := range c {
			c[i], sum = sum, sum+c[i]
		}
		shift := uint(16 * d)
		for _, k := range src {
			b := uint16(k.head >> shift)
			dst[c[b]] = k
			c[b]++
		}
		src, dst = dst, src
	}
	return src
}

// keyOf returns the bytes of the key k: from its head and next words when
// it is at most 16 bytes (into buf, no read of the entry or the arena), else
// from the arena.
func (t *keyTableOf[S]) keyOf(k *sortKey, buf *[16]byte) []byte {
	if k.n > 16 {
		return t.key(k.idx)
	}
	binary.BigEndian.PutUint64(buf[:8], k.head)
	binary.BigEndian.PutUint64(buf[8:], k.next)
	return buf[:k.n]
}
