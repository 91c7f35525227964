package jobs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSepBits checks the 8-bytes-at-a-time separator test against isWordSep
// for every byte value in every position.
func TestSepBits(t *testing.T) {
	for pos := 0; pos < 8; pos++ {
		for b := 0; b < 256; b++ {
			var w [8]byte
			for i := range w {
				w[i] = 'a'
			}
			w[pos] = byte(b)
			got := sepBits(binary.LittleEndian.Uint64(w[:]))
			var want uint64
			for i, c := range w {
				if isWordSep[c] {
					want |= 0x80 << (8 * i)
				}
			}
			if got != want {
				t.Fatalf("byte %#x at %d: sepBits %#x, want %#x", b, pos, got, want)
			}
		}
	}
}

// TestWordScan splits random lines with the word scanner and with a byte
// loop, with and without spare capacity after the line.
func TestWordScan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab \t\n\r\v\f\x00\xff\x85")
	for n := 0; n < 2000; n++ {
		buf := make([]byte, r.IntN(40))
		for i := range buf {
			buf[i] = alphabet[r.IntN(len(alphabet))]
		}
		for _, line := range [][]byte{buf, buf[:len(buf):len(buf)], buf[:len(buf)/2]} {
			var got, want [][]byte
			for i := 0; i < len(line); {
				s := nextWordByte(line, i)
				if s == len(line) {
					break
				}
				i = nextSepByte(line, s)
				got = append(got, line[s:i])
			}
			want = bytes.FieldsFunc(line, func(r rune) bool { return r < 0x80 && isWordSep[r] })
			if len(line) > 0 && !slices.EqualFunc(got, want, bytes.Equal) {
				t.Fatalf("%q: words %q, want %q", line, got, want)
			}
		}
	}
}

// TestKeyTable counts random keys (short, 8-byte, long, sharing prefixes)
// through growth and checks the counts and the sorted order against a map.
func TestKeyTable(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tbl := newKeyTable()
	want := map[string]int64{}
	for i := 0; i < 50_000; i++ {
		k := fmt.Appendf(nil, "%0*d", r.IntN(20), r.IntN(3000))
		if r.IntN(10) == 0 {
			k = append(k, 0) // a trailing NUL must not equal the key without it
		}
		tbl.add(k[:len(k):len(k)])
		want[string(k)]++
	}
	if tbl.size() != len(want) {
		t.Fatalf("%d keys, want %d", tbl.size(), len(want))
	}
	var prev []byte
	for n, i := range tbl.sorted() {
		k := tbl.key(i)
		if tbl.ents[i].count != want[string(k)] {
			t.Fatalf("%q: count %d, want %d", k, tbl.ents[i].count, want[string(k)])
		}
		if n > 0 && bytes.Compare(prev, k) >= 0 {
			t.Fatalf("order: %q before %q", prev, k)
		}
		prev = k
	}
}

// TestWordcountCount counts the words of random texts, long enough to take
// the 64-byte block scanner and its hand-over to the byte scanner, and checks
// every count against bytes.FieldsFunc.
func TestWordcountCount(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte("abcdefgh \t\n\r\v\f\x00\xff")
	for n := 0; n < 3000; n++ {
		buf := make([]byte, r.IntN(400))
		run := 1 + r.IntN(40) // words up to run bytes: some cross blocks
		for i := range buf {
			if r.IntN(run) == 0 {
				buf[i] = alphabet[8+r.IntN(len(alphabet)-8)]
			} else {
				buf[i] = alphabet[r.IntN(8)]
			}
		}
		want := map[string]int64{}
		for _, w := range bytes.FieldsFunc(buf, func(r rune) bool { return r < 0x80 && isWordSep[r] }) {
			want[string(w)]++
		}
		for _, text := range [][]byte{buf, buf[:len(buf):len(buf)]} {
			m := (&wordcount{}).NewMapper().(*wordcountMapper)
			if err := m.count(text); err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for i := range m.words.ents {
				got[string(m.words.key(int32(i)))] = m.words.ents[i].count
			}
			if !maps.Equal(got, want) {
				t.Fatalf("%q: counts %v, want %v", text, got, want)
			}
		}
	}
}

// TestKeyWords checks the masked 16-byte load against the byte loop for
// every length, with and without capacity past the key.
func TestKeyWords(t *testing.T) {
	buf := []byte("abcdefghijklmnopqrstuvwxyz0123456789")
	for n := 0; n <= 20; n++ {
		h1, n1 := keyWords(buf[3 : 3+n])
		h2, n2 := keyWords(bytes.Clone(buf[3 : 3+n]))
		if h1 != h2 || n1 != n2 {
			t.Fatalf("length %d: %#x %#x with capacity, %#x %#x without", n, h1, n1, h2, n2)
		}
		var want [16]byte
		copy(want[:], buf[3:3+n])
		if h1 != binary.BigEndian.Uint64(want[:8]) || n1 != binary.BigEndian.Uint64(want[8:]) {
			t.Fatalf("length %d: %#x %#x, want %q", n, h1, n1, want)
		}
	}
}

// TestKeyTableSorted checks sorted, sortedKeys and keyOf, through both the comparison
// sort (small tables) and the radix sort of heads (from radixMin keys),
// against a sort of the keys: random bytes (NULs and 0xff included) of 0 to
// 24 bytes, many sharing their first 8 or 16 bytes, some prefixes of others.
func TestKeyTableSorted(t *testing.T) {
	for _, n := range []int{1, 500, radixMin - 1, radixMin, 3 * radixMin} {
		r := rand.New(rand.NewPCG(uint64(n), 9))
		tbl := newKeyTable()
		want := map[string]bool{}
		prefixes := [][]byte{nil, []byte("12.34.56"), []byte("12.34.56.78.90.ab"), {0, 0, 0, 0, 0, 0, 0, 0}, {0xff, 0xff}}
		for len(want) < n {
			k := append([]byte(nil), prefixes[r.IntN(len(prefixes))]...)
			for i := r.IntN(9); i > 0; i-- {
				k = append(k, []byte{0, 1, '.', '9', 0xfe, 0xff}[r.IntN(6)])
			}
			if r.IntN(3) == 0 {
				k = k[:r.IntN(len(k)+1)]
			}
			tbl.add(k[:len(k):len(k)])
			want[string(k)] = true
		}
		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		order := tbl.sorted()
		if len(order) != len(keys) {
			t.Fatalf("%d keys: sorted has %d", n, len(order))
		}
		var kb [16]byte
		sk := tbl.sortedKeys()
		for i, g := range order {
			if got := tbl.keyOf(&sk[i], &kb); string(got) != keys[i] || string(tbl.key(g)) != keys[i] || sk[i].idx != g {
				t.Fatalf("%d keys: position %d is %q (keyOf %q, entry %d), want %q", n, i, tbl.key(g), got, sk[i].idx, keys[i])
			}
		}
	}
}

// TestKeyTableBatches counts keys through addBatch (probeBatch,
// touchEntries, foundAt, then groupOf per key) in batches of 0 to 32 keys,
// some repeating a key of the same batch, while the table grows many times
// within batches (a new key's insert doubles the slots while the batch's
// other keys were probed in the smaller ones) and is reserved larger once;
// for a table of counts alone and one of inline sums. The counts are
// checked against a map, and forSorted, whose last batch is short, must
// give every key once, in order, with its count.
func TestKeyTableBatches(t *testing.T) {
	testKeyTableBatches(t, newKeyTable())
	testKeyTableBatches(t, newKeyTableOf[inlineSum]())
	testKeyTableBatches(t, newKeyTableOf[sumState]())
}

// TestKeyTableSortInPlace: a table whose entries hold states sorts them in
// place (forSorted, sortInPlace) in the order sortedKeys gives a table of
// the same keys, through its comparisons (few keys), the radix sort by the
// heads' bytes, heads that share every byte (keys of up to 8 bytes that
// are prefixes of one another, and longer keys of one head) and keys past
// 16 bytes that differ only in the arena; each entry keeps its count.
func TestKeyTableSortInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	gens := map[string]func() []byte{
		"digits": func() []byte { return fmt.Appendf(nil, "%d.%d.%d", r.IntN(300), r.IntN(300), r.IntN(30)) },
		"one head": func() []byte {
			return fmt.Appendf(nil, "samehead%0*d", r.IntN(12), r.IntN(5000))
		},
		"last head byte": func() []byte { // buckets by the head's last byte, each of many nexts
			return fmt.Appendf(nil, "headbyt%c%d", 'a'+r.IntN(3), r.IntN(1000))
		},
		"long": func() []byte {
			return fmt.Appendf(nil, "a-key-longer-than-16-%d", r.IntN(20000))
		},
		"bytes": func() []byte {
			k := make([]byte, r.IntN(20))
			for i := range k {
				k[i] = byte(r.IntN(4)) * 85 // 0 and 255 among them
			}
			return k
		},
	}
	for name, gen := range gens {
		for _, n := range []int{1, 40, 200, 3000, 60000} {
			in := newKeyTableOf[sumState]()
			ref := newKeyTable()
			for range n {
				k := gen()
				g := in.add(k)
				ref.add(k)
				in.ents[g].st.small++ // moves with its entry
			}
			want := ref.sortedKeys()
			var kb [16]byte
			i := 0
			err := in.forSorted(nil, func(key []byte, g int32) error {
				w := ref.keyOf(&want[i], &kb)
				e := &in.ents[g]
				if string(key) != string(w) || e.count != ref.ents[want[i].idx].count || e.st.small != e.count {
					return fmt.Errorf("position %d: %q count %d sum %d, want %q count %d", i, key, e.count, e.st.small, w, ref.ents[want[i].idx].count)
				}
				i++
				return nil
			})
			if err != nil || i != len(want) {
				t.Fatalf("%s, %d keys: %v (%d of %d)", name, n, err, i, len(want))
			}
		}
	}
}

func testKeyTableBatches[S any](t *testing.T, tbl *keyTableOf[S]) {
	r := rand.New(rand.NewPCG(9, 10))
	want := map[string]int64{}
	var b keyBatch
	var buf []byte
	sizes := map[int]bool{}
	for round := 0; round < 4000; round++ {
		if round == 2500 {
			tbl.reserve(3*tbl.size(), 3*len(tbl.arena))
		}
		n := r.IntN(batchSize + 1)
		sizes[n] = true
		buf = buf[:0]
		for j := 0; j < n; j++ {
			k := fmt.Appendf(nil, "%0*d", r.IntN(24), r.IntN(40_000))
			if j > 0 && r.IntN(6) == 0 { // a key of this batch again
				i := r.IntN(j)
				k = slices.Clone(buf[b.start[i]:b.end[i]])
			}
			b.start[j] = len(buf)
			buf = append(buf, k...)
			b.end[j] = len(buf)
			want[string(k)]++
		}
		b.n = n
		grew := len(tbl.slots)
		tbl.addBatch(buf, &b)
		if b.n != 0 {
			t.Fatalf("round %d: addBatch left %d keys in the batch", round, b.n)
		}
		if len(tbl.slots) != grew {
			sizes[-1] = true // grown within a batch
		}
	}
	if !sizes[0] || !sizes[1] || !sizes[batchSize] || !sizes[-1] {
		t.Fatalf("batch sizes met %v: want 0, 1, %d and growth within one", sizes, batchSize)
	}
	if tbl.size() != len(want) || tbl.size()%batchSize == 0 {
		t.Fatalf("%d keys, want %d (and not a multiple of %d, for a short last batch)", tbl.size(), len(want), batchSize)
	}
	for i := range tbl.ents {
		k := tbl.key(int32(i))
		if c := tbl.ents[i].count; c != want[string(k)] {
			t.Fatalf("%q: count %d, want %d", k, c, want[string(k)])
		}
	}
	var prev []byte
	seen := 0
	err := tbl.forSorted(nil, func(key []byte, g int32) error {
		if seen > 0 && bytes.Compare(prev, key) >= 0 {
			return fmt.Errorf("order: %q before %q", prev, key)
		}
		if c := want[string(key)]; tbl.ents[g].count != c {
			return fmt.Errorf("%q: count %d, want %d", key, tbl.ents[g].count, c)
		}
		prev = append(prev[:0], key...)
		seen++
		return nil
	})
	if err != nil || seen != len(want) {
		t.Fatalf("forSorted: %v, %d keys of %d", err, seen, len(want))
	}
}

// TestKeyTableSlotsKeptAcrossReset: a table emptied (a spill, or a mapper's
// end) and sized again to its size takes the slots it had, cleared, rather
// than allocating new ones (garbage of megabytes a spill); the memory it
// counts holds them meanwhile, and slots of another size are new.
func TestKeyTableSlotsKeptAcrossReset(t *testing.T) {
	tbl := newKeyTable()
	tbl.reserve(1<<15, 1<<18)
	for i := range 1 << 15 {
		tbl.add(fmt.Appendf(nil, "key-%d", i))
	}
	first := &tbl.slots[0]
	tbl.reset()
	withSpare, spare := tbl.memory(0), tbl.spare
	tbl.spare = nil
	if without := tbl.memory(0); withSpare-without != 1<<16*4 {
		t.Errorf("memory after reset counts %d bytes of spare slots, want %d", withSpare-without, 1<<16*4)
	}
	tbl.spare = spare
	tbl.reserve(1<<15, 1<<18)
	if &tbl.slots[0] != first {
		t.Fatal("sized again to its size, the table did not take its spare slots")
	}
	for i, s := range tbl.slots {
		if s != 0 {
			t.Fatalf("slot %d of the spare taken again is %#x, not empty", i, s)
		}
	}
	if g := tbl.add([]byte("key-1")); g != 0 || tbl.size() != 1 {
		t.Errorf("after reset the first key is entry %d of %d", g, tbl.size())
	}
	tbl.reset()
	tbl.reserve(1<<16, 1<<18)
	if &tbl.slots[0] == first || tbl.spare != nil {
		t.Error("slots of another, larger size: the spare was taken or kept")
	}
}
