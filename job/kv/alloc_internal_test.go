package kv

import (
	"bytes"
	"testing"
)

// TestBytesValueOfAKnownKeyDoesNotAllocate: a line whose key the mapper
// holds already, with a kv.Bytes value (copied, since it is a slice of the
// line), costs no allocation: the copy reuses the key's kept bytes.
func TestBytesValueOfAKnownKeyDoesNotAllocate(t *testing.T) {
	j := &typed[[]byte, []byte]{Job: Job[[]byte, []byte]{
		Key: Bytes, Value: Bytes,
		MapLine: func(line []byte, emit func([]byte, []byte)) error {
			k, v, _ := bytes.Cut(line, []byte{' '})
			emit(k, v)
			return nil
		},
		Combine: func(a, b []byte) []byte { return b }, // the line's bytes, to be copied
	}}
	m := j.NewMapper().(*mapper[[]byte, []byte])
	line := []byte("oslo 0000000")
	m.Record(line, 0)
	if allocs := testing.AllocsPerRun(200, func() {
		m.Record(line, 0)
	}); allocs != 0 {
		t.Fatalf("%.1f allocations a line", allocs)
	}
}
