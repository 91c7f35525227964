package pq

import (
	"strconv"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestTypeSnifferDoesNotAllocate: typing a column by its values (the gather's
// pass over every value of a .parquet output) allocates nothing per value,
// nor does the Writer's reading of a date, timestamp or time of day in the
// form the sniffer gave its column.
func TestTypeSnifferDoesNotAllocate(t *testing.T) {
	vals := [][]byte{[]byte("123"), []byte("-45.5"), []byte("1e3"), []byte("9223372036854775808"), []byte("TRUE"), []byte("2021-03-04"), []byte("2021-03-04 10:11:12.5"),
		[]byte("2021-3-4"), []byte("2021-03-04T10:11"), []byte("2021-03-04T10:11:12.5Z"), []byte("2021-03-04 10:11:12+0100"), []byte("0x1F"), []byte(" Infinity"),
		[]byte("01/02/2001"), []byte("2001.1.2"), []byte("01/02/2001 10:00:00 PM"), []byte("2001/01/01 10:00:00.5"), []byte("10:30:00.5")}
	for _, v := range vals {
		var s TypeSniffer
		if n := testing.AllocsPerRun(100, func() { s.Add(v) }); n != 0 {
			t.Errorf("Add(%q): %.0f allocations a value, want 0", v, n)
		}
		col := s.Column()
		if col.Kind != OutDate && col.Kind != OutTimestamp && col.Kind != OutTime {
			continue // the Writer's numbers are not its business here
		}
		w := Writer{cols: []OutputColumn{col}, row: make([]parquet.Value, 1), set: make([]bool, 1), vals: make([][]byte, 1)}
		if n := testing.AllocsPerRun(100, func() { w.set[0] = false; w.Text(0, v) }); n != 0 {
			t.Errorf("Text(%q) as %s: %.0f allocations a value, want 0", v, kindName(&col), n)
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
