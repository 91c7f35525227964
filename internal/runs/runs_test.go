package runs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
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

// TestMergeProperty: random sorted runs merge into every distinct key once,
// in order, with the values of the runs that hold it in run order.
func TestMergeProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 200; iter++ {
		nruns := 1 + r.IntN(6)
		var data [][]byte
		want := map[string][]string{}
		for i := 0; i < nruns; i++ {
			set := map[string]bool{}
			for n := r.IntN(300); n > 0; n-- {
				set[fmt.Sprintf("k%0*d", 1+r.IntN(3), r.IntN(500))] = true
			}
			keys := make([]string, 0, len(set))
			for k := range set {
				keys = append(keys, k)
			}
			slices.Sort(keys)
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
		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		slices.Sort(keys)
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
		"bad flag":     append(append([]byte{}, good[:headerSize]...), append([]byte{7}, good[headerSize+1:]...)...),
		"out of order": writeSwapped(t),
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
