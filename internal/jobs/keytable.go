package jobs

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
	"unsafe"
)

// keyTable is the combiners' hash table: byte-string keys to dense indexes,
// with a count per key. It is open addressing with linear probing over one
// arena of key bytes, so a lookup hashes the bytes in place (no string
// conversion) and a new key costs no allocation of its own. An entry keeps its
// key's first 8 bytes as a big-endian integer: comparing a short key is one
// integer compare, and sorting mostly orders by that integer.
type keyTable struct {
	slots []uint32 // entry index + 1; 0 is an empty slot
	shift uint     // 64 - log2(len(slots)): a hash's top bits pick its slot
	ents  []keyEnt
	arena []byte
}

type keyEnt struct {
	head  uint64 // the first 8 bytes, big-endian, zero-padded
	hash  uint32 // the hash's top 32 bits, to grow without hashing again
	off   uint32 // key bytes are arena[off : off+n]
	n     uint32
	count int64
}

const keyEntSize = int64(unsafe.Sizeof(keyEnt{}))

// initialSlots is an empty table's size.
const initialSlots = 1 << 12

func newKeyTable() *keyTable {
	t := &keyTable{}
	t.reset(initialSlots)
	return t
}

// reset empties the table to the given number of slots, keeping the memory
// of its entries and key bytes.
func (t *keyTable) reset(slots int) {
	if len(t.slots) != slots {
		t.slots = make([]uint32, slots)
	} else {
		clear(t.slots)
	}
	t.shift = uint(64 - bits.TrailingZeros(uint(slots)))
	t.ents, t.arena = t.ents[:0], t.arena[:0]
}

// size is the number of distinct keys.
func (t *keyTable) size() int { return len(t.ents) }

// memory estimates the bytes the table's keys use (what it holds may be up
// to twice that, as appends grow by doubling).
func (t *keyTable) memory() int64 {
	return int64(len(t.arena)) + int64(len(t.ents))*keyEntSize + int64(len(t.slots))*4
}

// key returns the bytes of entry i.
func (t *keyTable) key(i int32) []byte {
	e := &t.ents[i]
	return t.arena[e.off : e.off+e.n : e.off+e.n]
}

// loadHead returns the first 8 bytes of k as a big-endian integer, zero-padded.
func loadHead(k []byte) uint64 {
	n := len(k)
	if n >= 8 {
		return binary.BigEndian.Uint64(k)
	}
	if cap(k) >= 8 { // read past the key within its buffer, and mask
		x := binary.LittleEndian.Uint64(k[:8])
		x &= 1<<(8*uint(n)) - 1
		return bits.ReverseBytes64(x)
	}
	var x uint64
	for _, c := range k {
		x = x<<8 | uint64(c)
	}
	return x << (8 * uint(8-n))
}

const (
	hashMul1 = 0x9e3779b97f4a7c15
	hashMul2 = 0xc2b2ae3d27d4eb4f
)

// hashKey mixes a key's head, length and remaining bytes; the top bits are the
// well-mixed ones.
func hashKey(head uint64, k []byte) uint64 {
	n := len(k)
	h := (head ^ uint64(n)<<56 ^ uint64(n)) * hashMul1
	if n > 8 {
		for i := 8; i < n-8; i += 8 {
			h = (h ^ h>>29 ^ binary.LittleEndian.Uint64(k[i:])) * hashMul2
		}
		h = (h ^ h>>29 ^ binary.LittleEndian.Uint64(k[n-8:])) * hashMul2
	}
	return h ^ h>>32
}

// add finds k, inserting it with count 0 when new, adds one to its count and
// returns its index.
func (t *keyTable) add(k []byte) int32 {
	head := loadHead(k)
	h := hashKey(head, k)
	n := uint32(len(k))
	slots, ents := t.slots, t.ents
	mask := uint64(len(slots) - 1)
	for i := h >> t.shift; ; i = (i + 1) & mask {
		s := slots[i]
		if s == 0 {
			return t.insert(i, head, uint32(h>>32), k)
		}
		e := &ents[s-1]
		if e.head == head && e.n == n && (n <= 8 || string(t.arena[e.off+8:e.off+n]) == string(k[8:])) {
			e.count++
			return int32(s - 1)
		}
	}
}

// batchSize is how many keys addBatch looks up side by side.
const batchSize = 32

// keyBatch holds the keys of one addBatch call, as offsets into one buffer.
type keyBatch struct {
	n          int
	start, end [batchSize]int
	head       [batchSize]uint64
	slot       [batchSize]uint32
}

// addBatch adds one to the count of every key b names in buf. It looks the
// keys up in phases, each a loop of independent loads, so that the cache
// misses of different keys overlap instead of following one another; a key
// whose quick lookup does not find it (new, or a collision) takes add's path.
func (t *keyTable) addBatch(buf []byte, b *keyBatch) {
	slots := t.slots
	mask := uint64(len(slots) - 1)
	for j := 0; j < b.n; j++ {
		k := buf[b.start[j]:b.end[j]]
		b.head[j] = loadHead(k)
		b.slot[j] = slots[(hashKey(b.head[j], k)>>t.shift)&mask]
	}
	for j := 0; j < b.n; j++ {
		// An entry's index never changes, so a slot read before an insert
		// that grew the table still names the right entry when it matches.
		if s := b.slot[j]; s != 0 {
			e := &t.ents[s-1]
			k := buf[b.start[j]:b.end[j]]
			n := uint32(len(k))
			if e.head == b.head[j] && e.n == n && (n <= 8 || string(t.arena[e.off+8:e.off+n]) == string(k[8:])) {
				e.count++
				continue
			}
		}
		t.add(buf[b.start[j]:b.end[j]])
	}
	b.n = 0
}

func (t *keyTable) insert(slot uint64, head uint64, hash uint32, k []byte) int32 {
	idx := int32(len(t.ents))
	t.ents = append(t.ents, keyEnt{head: head, hash: hash, off: uint32(len(t.arena)), n: uint32(len(k)), count: 1})
	t.arena = append(t.arena, k...)
	t.slots[slot] = uint32(idx) + 1
	if len(t.ents)*2 > len(t.slots) {
		t.grow()
	}
	return idx
}

// grow doubles the slots and places every entry again by its stored hash.
func (t *keyTable) grow() {
	t.slots = make([]uint32, 2*len(t.slots))
	t.shift--
	mask := uint64(len(t.slots) - 1)
	for idx := range t.ents {
		i := uint64(t.ents[idx].hash) >> (t.shift - 32) // hash holds the top 32 bits
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = uint32(idx) + 1
	}
}

// sorted returns the entry indexes in byte order of their keys.
func (t *keyTable) sorted() []int32 {
	order := make([]int32, len(t.ents))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ea, eb := &t.ents[a], &t.ents[b]
		if ea.head != eb.head {
			if ea.head < eb.head {
				return -1
			}
			return 1
		}
		return bytes.Compare(t.arena[ea.off:ea.off+ea.n], t.arena[eb.off:eb.off+eb.n])
	})
	return order
}
