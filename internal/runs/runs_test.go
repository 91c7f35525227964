package runs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func writeRun(t *testing.T, keys []string, val func(string) string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, k := range keys {
		if err := w.Add([]byte(k), []byte(val(k))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mergeKey is a random key for TestMergeProperty: short ones, ones that
// share their first 8 bytes (so that Merge's heads tie), and ones that end
// in NULs (a key and itself zero-padded).
func mergeKey(r *rand.Rand) string {
	k := fmt.Sprintf("k%0*d", 1+r.IntN(3), r.IntN(500))
	switch r.IntN(4) {
	case 0:
		k = "prefix12" + k
	case 1:
		k += strings.Repeat("\x00", r.IntN(3))
	}
	return k
}

// TestMergeProperty: random sorted runs merge into every distinct key once,
// in order, with the values of the runs that hold it in run order.
func TestMergeProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 300; iter++ {
		nruns := 1 + r.IntN(6)
		if iter%3 == 0 {
			nruns = 1 + r.IntN(40) // several levels of the heap
		}
		var data [][]byte
		want := map[string][]string{}
		for i := 0; i < nruns; i++ {
			set := map[string]bool{}
			for n := r.IntN(300); n > 0; n-- {
				set[mergeKey(r)] = true
			}
			keys := slices.Sorted(maps.Keys(set))
			for _, k := range keys {
				want[k] = append(want[k], fmt.Sprintf("%d:%s", i, k))
			}
			data = append(data, writeRun(t, keys, func(k string) string { return fmt.Sprintf("%d:%s", i, k) }))
		}
		readers := make([]*Reader, nruns)
		for i, d := range data {
			var err error
			if readers[i], err = NewReader(bytes.NewReader(d), fmt.Sprint("run ", i)); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		err := Merge(readers, func(key []byte, vals [][]byte) error {
			got = append(got, string(key))
			var vs []string
			for _, v := range vals {
				vs = append(vs, string(v))
			}
			if !slices.Equal(vs, want[string(key)]) {
				return fmt.Errorf("key %s: values %v, want %v", key, vs, want[string(key)])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		keys := slices.Sorted(maps.Keys(want))
		if !slices.Equal(got, keys) {
			t.Fatalf("merged keys %v, want %v", got, keys)
		}
	}
}

func TestWriterRefusesUnsortedKeys(t *testing.T) {
	w := NewWriter(io.Discard)
	if err := w.Add([]byte("b"), nil); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b"} {
		if err := w.Add([]byte(k), nil); err == nil {
			t.Fatalf("Add(%q) after \"b\": no error", k)
		}
	}
}

// TestCorruptRuns: a truncated or altered run is an ErrCorrupt error, never a panic.
func TestCorruptRuns(t *testing.T) {
	keys := make([]string, 3000)
	for i := range keys {
		keys[i] = fmt.Sprintf("key%05d", i)
	}
	good := writeRun(t, keys, func(k string) string { return k + k })
	read := func(d []byte) error {
		r, err := NewReader(bytes.NewReader(d), "run")
		if err != nil {
			return err
		}
		for {
			ok, err := r.Next()
			if err != nil || !ok {
				return err
			}
		}
	}
	if err := read(good); err != nil {
		t.Fatalf("good run: %v", err)
	}
	cases := map[string][]byte{
		"empty":        nil,
		"bad magic":    append([]byte("xxxx"), good[4:]...),
		"truncated":    good[:len(good)/2],
		"no end":       good[:bytes.Index(good, []byte(keys[len(keys)-1]))+12],
		"bad flag":     append(append([]byte{}, good[:headerSize+1]...), append([]byte{7}, good[headerSize+2:]...)...),
		"out of order": writeSwapped(t),
		"no footer":    good[:len(good)-footerSize],
		"trailing":     append(append([]byte{}, good...), 0),
		"bad index":    append(append([]byte{}, good[:len(good)-footerSize-1]...), good[len(good)-footerSize:]...),
		"long tag":     append(append([]byte{}, good[:headerSize]...), 0xff, 0xff, 0x03),
	}
	for name, d := range cases {
		t.Run(name, func(t *testing.T) {
			if err := read(d); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v, want ErrCorrupt", err)
			}
		})
	}
}

// writeSwapped writes a run by hand whose keys go down.
func writeSwapped(t *testing.T) []byte {
	var b bytes.Buffer
	w := NewWriter(&b)
	w.Add([]byte("b"), nil)
	w.prev = nil
	w.started = false
	w.Add([]byte("a"), nil)
	w.count = 2
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAppendSet: a set encodes as its count and its members length-prefixed in byte order,
// after what dst holds.
func TestAppendSet(t *testing.T) {
	got := AppendSet([]byte("x"), map[string]struct{}{"bb": {}, "a": {}, "": {}})
	want := []byte("x\x03\x00\x01a\x02bb")
	if !bytes.Equal(got, want) {
		t.Errorf("AppendSet = %q, want %q", got, want)
	}
	if got := AppendSet(nil, nil); !bytes.Equal(got, []byte{0}) {
		t.Errorf("empty set = %q, want a zero count", got)
	}
}

// TestTaggedRun: a run's tag comes back from its reader, and the tag does not
// move its entries for the index: the whole span, the scanned index and the
// ranged reads see the same keys as the whole read.
func TestTaggedRun(t *testing.T) {
	var b bytes.Buffer
	w := NewTaggedWriter(&b, []byte("job\x01\x02"))
	var keys []string
	for i := range 5000 {
		keys = append(keys, fmt.Sprintf("k%05d", i))
		if err := w.Add([]byte(keys[i]), []byte("value")); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	d := b.Bytes()
	r, err := NewReader(bytes.NewReader(d), "run")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Tag()) != "job\x01\x02" {
		t.Fatalf("tag %q", r.Tag())
	}
	ix, err := ReadIndex(bytes.NewReader(d), int64(len(d)), "run")
	if err != nil {
		t.Fatal(err)
	}
	scan, err := ScanIndex(bytes.NewReader(d), "run")
	if err != nil {
		t.Fatal(err)
	}
	if ix.Samples[0].Off != scan.Samples[0].Off || ix.End != scan.End {
		t.Fatalf("index starts at %d ends at %d, scan at %d and %d", ix.Samples[0].Off, ix.End, scan.Samples[0].Off, scan.End)
	}
	for _, c := range []struct{ lo, hi string }{{"", ""}, {"", "k02000"}, {"k02000", ""}, {"k00001", "k04999"}} {
		var lo, hi []byte
		if c.lo != "" {
			lo = []byte(c.lo)
		}
		if c.hi != "" {
			hi = []byte(c.hi)
		}
		off, end := ix.Span(lo, hi)
		rr := NewRangeReader(bytes.NewReader(d[off:end]), "range", lo, hi)
		var got []string
		for {
			ok, err := rr.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got = append(got, string(rr.Key()))
		}
		want := slices.DeleteFunc(slices.Clone(keys), func(k string) bool {
			return (lo != nil && k < c.lo) || (hi != nil && k >= c.hi)
		})
		if !slices.Equal(got, want) {
			t.Fatalf("range [%q,%q): %d keys, want %d", c.lo, c.hi, len(got), len(want))
		}
	}
	var empty bytes.Buffer
	ew := NewTaggedWriter(&empty, []byte("t"))
	ew.Close()
	eix, err := ReadIndex(bytes.NewReader(empty.Bytes()), int64(empty.Len()), "empty")
	if off, end := eix.Span(nil, nil); err != nil || off != end {
		t.Fatalf("empty run's span [%d,%d), %v", off, end, err)
	}
}

// TestRoundTripAcrossBuffers: entries of every size, some larger than the
// writer's and the reader's 64 KiB buffers, so that some are written and
// decoded whole in the buffer and others across its refills, read back as
// written.
func TestRoundTripAcrossBuffers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var keys, vals []string
	for i := 0; i < 5000; i++ {
		keys = append(keys, fmt.Sprintf("key%06d%s", i, strings.Repeat("k", r.IntN(40))))
		n := r.IntN(300)
		if r.IntN(500) == 0 {
			n = 70<<10 + r.IntN(200<<10)
		}
		v := make([]byte, n)
		for j := range v {
			v[j] = byte(r.Uint32())
		}
		vals = append(vals, string(v))
	}
	byKey := map[string]string{}
	for i, k := range keys {
		byKey[k] = vals[i]
	}
	data := writeRun(t, keys, func(k string) string { return byKey[k] })
	rd, err := NewReader(bytes.NewReader(data), "run")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		ok, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			if i != len(keys) {
				t.Fatalf("read %d entries, wrote %d", i, len(keys))
			}
			break
		}
		if string(rd.Key()) != keys[i] || string(rd.Value()) != vals[i] {
			t.Fatalf("entry %d: key %q (%d value bytes), want %q (%d)", i, rd.Key(), len(rd.Value()), keys[i], len(vals[i]))
		}
	}
}
