package runs

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// wordKey is a random key of 0 to 18 bytes drawn from a few byte values
// (0x00 among them, so that a key ties with its own zero padding) and
// often 14 to 17 bytes long, where the merge's two words stop holding the
// whole key (setKey).
func wordKey(r *rand.Rand) []byte {
	n := r.IntN(19)
	if r.IntN(2) == 0 {
		n = 14 + r.IntN(4)
	}
	k := make([]byte, n)
	for i := range k {
		k[i] = []byte{0x00, 0x01, 'a', 0xff}[r.IntN(4)]
	}
	if r.IntN(3) == 0 && n > 0 { // a shared head, so that most of the key is equal
		copy(k, bytes.Repeat([]byte{'a'}, n-1))
	}
	return k
}

// TestMergeOrdersKeysAsBytesCompare: runs of keys of every length around
// the merge's words (15 bytes and the length), with NUL bytes, merge in
// bytes.Compare order, each distinct key once with the values of every run
// that holds it; the runs are long enough that their readers refill their
// buffers, so a key or value that stayed in a buffer across a refill
// would show.
func TestMergeOrdersKeysAsBytesCompare(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for iter := 0; iter < 40; iter++ {
		nruns := 2 + r.IntN(12)
		want := map[string][]string{}
		readers := make([]*Reader, nruns)
		for i := range readers {
			set := map[string]bool{}
			for n := r.IntN(3000); n > 0; n-- {
				set[string(wordKey(r))] = true
			}
			keys := slices.Sorted(maps.Keys(set)) // string order is bytes.Compare's
			// Values of a few hundred bytes: a run of a few thousand
			// entries passes the readers' 64 KiB buffer several times.
			val := func(k string) string { return fmt.Sprintf("%d:%x:%0*d", i, k, 100+len(k)*20, 0) }
			for _, k := range keys {
				want[k] = append(want[k], val(k))
			}
			var err error
			if readers[i], err = NewReader(bytes.NewReader(writeRun(t, keys, val)), fmt.Sprint("run ", i)); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		err := Merge(readers, func(key []byte, vals [][]byte) error {
			if n := len(got); n > 0 && bytes.Compare([]byte(got[n-1]), key) >= 0 {
				return fmt.Errorf("key %x after %x", key, got[n-1])
			}
			got = append(got, string(key))
			vs := make([]string, len(vals))
			for i, v := range vals {
				vs[i] = string(v)
			}
			if !slices.Equal(vs, want[string(key)]) {
				return fmt.Errorf("key %x: values %.200q, want %.200q", key, vs, want[string(key)])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("merged %d keys, want %d", len(got), len(want))
		}
	}
}
