package runs

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRangesPartitionRuns: for random runs (skewed value sizes, shared and
// distinct keys) and partition counts, the boundaries strictly increase,
// every range holds keys of its own, and reading every run's span of every
// range, in range order, yields exactly the merge of the whole runs.
func TestRangesPartitionRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	for iter := 0; iter < 60; iter++ {
		nruns := 1 + r.IntN(5)
		var data [][]byte
		var indexes []Index
		for i := 0; i < nruns; i++ {
			set := map[string]bool{}
			universe := []int{10, 1000, 50000}[r.IntN(3)]
			for n := r.IntN(20000); n > 0; n-- {
				set[fmt.Sprintf("k%07d", r.IntN(universe))] = true
			}
			keys := slices.Sorted(maps.Keys(set))
			d := writeRun(t, keys, func(k string) string {
				if k == "k0000003" {
					return string(bytes.Repeat([]byte("x"), 200000)) // one heavy key
				}
				return k
			})
			ix, err := ReadIndex(bytes.NewReader(d), int64(len(d)), "run")
			if err != nil {
				t.Fatal(err)
			}
			data, indexes = append(data, d), append(indexes, ix)
		}
		whole := mergedKeys(t, data, func(d []byte) *Reader {
			rr, err := NewReader(bytes.NewReader(d), "run")
			if err != nil {
				t.Fatal(err)
			}
			return rr
		})
		p := 2 + r.IntN(12)
		bounds := Boundaries(indexes, p)
		if len(bounds) > p-1 {
			t.Fatalf("%d boundaries for %d ranges", len(bounds), p)
		}
		for i := 1; i < len(bounds); i++ {
			if bytes.Compare(bounds[i-1], bounds[i]) >= 0 {
				t.Fatalf("boundaries out of order: %q then %q", bounds[i-1], bounds[i])
			}
		}
		var all []string
		for rg := 0; rg <= len(bounds); rg++ {
			lo, hi := Range(bounds, rg)
			got := mergedKeys(t, data, func(d []byte) *Reader {
				ix, _ := ReadIndex(bytes.NewReader(d), int64(len(d)), "run")
				off, end := ix.Span(lo, hi)
				return NewRangeReader(bytes.NewReader(d[off:end]), "range", lo, hi)
			})
			if len(whole) > 0 && len(got) == 0 {
				t.Fatalf("range %d [%q, %q) of %d is empty", rg, lo, hi, len(bounds)+1)
			}
			all = append(all, got...)
		}
		if !slices.Equal(all, whole) {
			t.Fatalf("ranges hold %d keys, the whole runs %d", len(all), len(whole))
		}
	}
}

func mergedKeys(t *testing.T, data [][]byte, open func([]byte) *Reader) []string {
	readers := make([]*Reader, len(data))
	for i, d := range data {
		readers[i] = open(d)
	}
	var keys []string
	err := Merge(readers, func(key []byte, vals [][]byte) error {
		keys = append(keys, string(key))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestReadIndexRefusesCorruptFooters(t *testing.T) {
	d := writeRun(t, []string{"a", "b", "c"}, func(k string) string { return k })
	for name, bad := range map[string][]byte{
		"short":      d[:10],
		"bad magic":  append(append([]byte{}, d[:len(d)-1]...), 'z'),
		"bad offset": append(append([]byte{}, d[:len(d)-footerSize]...), append(bytes.Repeat([]byte{0xff}, 16), footerMagic...)...),
	} {
		if _, err := ReadIndex(bytes.NewReader(bad), int64(len(bad)), "run"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestScanIndexMatchesReadIndex: a scanned index samples every entry at the
// offsets the run's own index gives for the entries it samples, and ends
// where the run's entries end.
func TestScanIndexMatchesReadIndex(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	for i := 0; i < 20000; i++ {
		w.Add([]byte(fmt.Sprintf("key%07d", i*3)), bytes.Repeat([]byte{byte(i)}, i%40))
	}
	w.Close()
	own, err := ReadIndex(bytes.NewReader(b.Bytes()), int64(b.Len()), "run")
	if err != nil {
		t.Fatal(err)
	}
	scan, err := ScanIndex(bytes.NewReader(b.Bytes()), "run")
	if err != nil {
		t.Fatal(err)
	}
	if len(scan.Samples) != 20000 || scan.End != own.End || len(own.Samples) < 2 {
		t.Fatalf("scan: %d samples ending at %d; own index %d samples ending at %d", len(scan.Samples), scan.End, len(own.Samples), own.End)
	}
	at := map[string]int64{}
	for _, s := range scan.Samples {
		at[string(s.Key)] = s.Off
	}
	for _, s := range own.Samples {
		if at[string(s.Key)] != s.Off {
			t.Fatalf("key %q: scanned at %d, indexed at %d", s.Key, at[string(s.Key)], s.Off)
		}
	}
}
