package jobs

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeyTableSortInPlaceEdgeKeys: with the budget at 1 byte every table of
// states sorts in place (sortsInPlace), and gives its keys in bytes.Compare's
// order for keys of 0, 1, 7, 8, 9, 15, 16 and 17 bytes, keys that are
// prefixes of others, zero and non-ASCII bytes, at sizes that take the
// insertion sort, the comparison sort, the byte radix and the two-byte one.
func TestKeyTableSortInPlaceEdgeKeys(t *testing.T) {
	defer SetCombineBudget(1)()
	r := rand.New(rand.NewPCG(61, 62))
	alphabet := []byte{0, 1, 'a', 'b', 0x7f, 0x80, 0xc3, 0xff}
	gen := func() []byte {
		lens := []int{0, 1, 7, 8, 9, 15, 16, 17, 24, 33}
		k := make([]byte, lens[r.IntN(len(lens))])
		for i := range k {
			k[i] = alphabet[r.IntN(len(alphabet))]
		}
		if r.IntN(3) == 0 { // a prefix of an earlier shape
			k = k[:r.IntN(len(k)+1)]
		}
		return k
	}
	for _, n := range []int{1, 2, 20, 33, 500, 5000, 40000} {
		in := newKeyTableOf[sumState]()
		want := map[string]int64{}
		for range n {
			k := gen()
			g := in.add(k)
			in.ents[g].st.small++
			want[string(k)]++
		}
		if !in.sortsInPlace() {
			t.Fatalf("%d keys: the table does not sort in place", n)
		}
		var keys []string
		for k := range want {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		i := 0
		err := in.forSorted(nil, func(key []byte, g int32) error {
			if i >= len(keys) || !bytes.Equal(key, []byte(keys[i])) {
				return fmt.Errorf("position %d: %q", i, key)
			}
			if e := &in.ents[g]; e.count != want[keys[i]] || e.st.small != e.count {
				return fmt.Errorf("%q: count %d sum %d, want %d", key, e.count, e.st.small, want[keys[i]])
			}
			i++
			return nil
		})
		if err != nil || i != len(keys) {
			t.Fatalf("%d keys: %v (%d of %d)", n, err, i, len(keys))
		}
		// The table reused after its sort: reset, filled again, sorted again.
		in.reset()
		for _, k := range keys {
			in.add([]byte(k))
		}
		c := in.cursor()
		for j := range keys {
			key, _, ok := c.next()
			if !ok || string(key) != keys[j] {
				t.Fatalf("%d keys, reused: position %d: %q %v, want %q", n, j, key, ok, keys[j])
			}
		}
		if _, _, ok := c.next(); ok {
			t.Fatalf("%d keys, reused: more keys than %d", n, len(keys))
		}
	}
}
