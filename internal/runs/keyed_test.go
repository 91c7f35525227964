package runs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"testing"
)

// counts is a Keyed job over varint counts, for the tests.
type counts struct{}

func (counts) CombineValues(dst, key []byte, vals [][]byte) ([]byte, error) {
	var n int64
	for _, v := range vals {
		x, k := binary.Varint(v)
		if k <= 0 {
			return dst, fmt.Errorf("bad count for %q", key)
		}
		n += x
	}
	return binary.AppendVarint(dst, n), nil
}
func (counts) OutputHeader() []byte { return []byte("key\tcount\n") }
func (counts) AppendOutput(dst, key, v []byte) ([]byte, error) {
	n, _ := binary.Varint(v)
	return fmt.Appendf(dst, "%s\t%d\n", key, n), nil
}

// TestOutputByRangesIsOutput: a Keyed job's output written range by range
// (the header in the first range only) is its output written at once, and
// merging first changes nothing.
func TestOutputByRangesIsOutput(t *testing.T) {
	var data [][]byte
	var indexes []Index
	for r := 0; r < 4; r++ {
		var b bytes.Buffer
		w := NewWriter(&b)
		for i := r; i < 30000; i += 1 + r {
			w.Add([]byte(fmt.Sprintf("k%06d", i)), binary.AppendVarint(nil, int64(r+1)))
		}
		w.Close()
		ix, err := ReadIndex(bytes.NewReader(b.Bytes()), int64(b.Len()), "run")
		if err != nil {
			t.Fatal(err)
		}
		data, indexes = append(data, b.Bytes()), append(indexes, ix)
	}
	readers := func() []*Reader {
		var ps []io.Reader
		for _, d := range data {
			ps = append(ps, bytes.NewReader(d))
		}
		rs, err := Readers(ps, "t")
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	var whole bytes.Buffer
	n, err := OutputTo(&whole, counts{}, readers(), true)
	if err != nil || n != 30000 {
		t.Fatalf("OutputTo: %d lines, %v", n, err)
	}
	var merged bytes.Buffer
	if _, err := MergeTo(&merged, counts{}, readers()); err != nil {
		t.Fatal(err)
	}
	var viaMerge bytes.Buffer
	rs, _ := Readers([]io.Reader{&merged}, "m")
	if _, err := OutputTo(&viaMerge, counts{}, rs, true); err != nil || !bytes.Equal(viaMerge.Bytes(), whole.Bytes()) {
		t.Fatalf("output of the merge differs: %v", err)
	}
	bounds := Boundaries(indexes, 5)
	var parts bytes.Buffer
	for p := 0; p <= len(bounds); p++ {
		lo, hi := Range(bounds, p)
		var rs []*Reader
		for i, d := range data {
			off, end := indexes[i].Span(lo, hi)
			rs = append(rs, NewRangeReader(bytes.NewReader(d[off:end]), "range", lo, hi))
		}
		if _, err := OutputTo(&parts, counts{}, rs, p == 0); err != nil {
			t.Fatal(err)
		}
	}
	if len(bounds) < 2 || !bytes.Equal(parts.Bytes(), whole.Bytes()) {
		t.Fatalf("%d ranges: their outputs in order differ from the whole output", len(bounds)+1)
	}
}
