package pq

import "testing"

// FuzzSniffForms: the sniffer's loose forms (looseDate, looseTimestamp at
// each unit, radixInt, looseTime, DuckDB's date formats) take any bytes
// without a panic.
func FuzzSniffForms(f *testing.F) {
	for _, s := range []string{"2001-1-1", "2001-01-01 (BC)", "2001-1-1T1:2", "2001-01-01 10:00:00.123456789123+01:00:30",
		"2001-1-1 1:2:3Z", "2001-1-1 1:2:3-", "2001-1-1 1:2:3+1", "0x7fffffffffffffff", "0b", "0x", " 0X1F", "123456789-99-99 99:99:99.9 (BC)",
		"01/02/2001", "1.2.01", "01/02/2001 12:00:00 pm", "2001/01/01 10:00:00.123456", "10:30", "24:00:00", "999999999:0:0.1", "1 2 3"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		looseDate(b)
		for _, unit := range []int64{1, 1000, 1000000, 1000000000} {
			looseTimestamp(b, unit)
		}
		radixInt(b)
		looseTime(b)
		if sep := numericDateSep(b); sep != 0 {
			formsOf(b, sep, dateForms, ^uint32(0))
			formsOf(b, sep, stampForms, ^uint32(0))
		}
		for f := range len(stampForms) + 1 {
			formDays(b, uint8(f))
			formMicros(b, uint8(f))
		}
		var s TypeSniffer
		s.Add(b)
		s.Column()
	})
}
