package pq

import "testing"

// FuzzSniffForms: the sniffer's loose forms (looseDate, looseTimestamp at
// each unit, radixInt) take any bytes without a panic.
func FuzzSniffForms(f *testing.F) {
	for _, s := range []string{"2001-1-1", "2001-01-01 (BC)", "2001-1-1T1:2", "2001-01-01 10:00:00.123456789123+01:00:30",
		"2001-1-1 1:2:3Z", "2001-1-1 1:2:3-", "2001-1-1 1:2:3+1", "0x7fffffffffffffff", "0b", "0x", " 0X1F", "123456789-99-99 99:99:99.9 (BC)"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		looseDate(b)
		for _, unit := range []int64{1, 1000, 1000000, 1000000000} {
			looseTimestamp(b, unit)
		}
		radixInt(b)
	})
}
