package pq

import (
	"strconv"
	"testing"
)

// TestTypeSnifferDoesNotAllocate: typing a column by its values (the gather's
// pass over every value of a .parquet output) allocates nothing per value.
func TestTypeSnifferDoesNotAllocate(t *testing.T) {
	vals := [][]byte{[]byte("123"), []byte("-45.5"), []byte("1e3"), []byte("9223372036854775808"), []byte("TRUE"), []byte("2021-03-04"), []byte("2021-03-04 10:11:12.5"),
		[]byte("2021-3-4"), []byte("2021-03-04T10:11"), []byte("2021-03-04T10:11:12.5Z"), []byte("2021-03-04 10:11:12+0100"), []byte("0x1F"), []byte(" Infinity")}
	for _, v := range vals {
		var s TypeSniffer
		if n := testing.AllocsPerRun(100, func() { s.Add(v) }); n != 0 {
			t.Errorf("Add(%q): %.0f allocations a value, want 0", v, n)
		}
	}
}

// TestFitsInt64AsParseInt: fitsInt64 says what strconv.ParseInt says of the
// same text, at int64's edges and with leading zeros.
func TestFitsInt64AsParseInt(t *testing.T) {
	for _, d := range []string{"0", "7", "922337203685477580", "9223372036854775807", "9223372036854775808", "9223372036854775809", "10000000000000000000", "0000000000000000000001", "00009223372036854775808"} {
		for _, neg := range []bool{false, true} {
			text := d
			if neg {
				text = "-" + d
			}
			_, err := strconv.ParseInt(text, 10, 64)
			if got := fitsInt64(neg, []byte(d)); got != (err == nil) {
				t.Errorf("fitsInt64(%q) = %v, strconv.ParseInt says %v", text, got, err)
			}
		}
	}
}
