package pq

import (
	"encoding/binary"
	"testing"
)

// TestPlainOffsets: PLAIN byte arrays are found in place, and a length that
// runs past the page, or a page shorter than its values, is an error.
func TestPlainOffsets(t *testing.T) {
	var b []byte
	for _, s := range []string{"ab", "", "cde"} {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	offs, err := plainOffsets(nil, b, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := 0; i < 3; i++ {
		got = append(got, string(b[offs[i]+4:offs[i+1]]))
	}
	if got[0] != "ab" || got[1] != "" || got[2] != "cde" {
		t.Fatalf("values %q", got)
	}
	if _, err := plainOffsets(offs, b, 4); err == nil {
		t.Fatal("4 values read from a page of 3")
	}
	bad := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(bad[6:], 1000) // the second value's length
	if _, err := plainOffsets(offs, bad, 3); err == nil {
		t.Fatal("a length past the page's end was read")
	}
	binary.LittleEndian.PutUint32(bad[6:], 0xFFFFFFFF)
	if _, err := plainOffsets(offs, bad, 2); err == nil {
		t.Fatal("the last length past the page's end was read")
	}
}
