package jobs

import (
	"testing"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// TestInlineSumBig: an entry's sum that outgrows an int64 moves to the side
// slice and keeps adding exactly there; a group whose first value is large
// starts there; the others stay in their entries.
func TestInlineSumBig(t *testing.T) {
	parse := func(s string) decimal.Dec {
		d, ok := decimal.Parse([]byte(s))
		if !ok {
			t.Fatalf("Parse(%q)", s)
		}
		return d
	}
	var bigSums []decimal.Dec
	var a, b, c inlineSum
	a.fold(parse("9223372036854775807"), true, &bigSums)
	a.fold(parse("0.5"), false, &bigSums) // rescaled, no longer an int64
	a.fold(parse("-1"), false, &bigSums)
	b.fold(parse("99999999999999999999.25"), true, &bigSums)
	b.fold(parse("1"), false, &bigSums)
	c.fold(parse("1.5"), true, &bigSums)
	c.fold(parse("-0.25"), false, &bigSums)
	for _, tc := range []struct {
		s      *inlineSum
		want   string
		inline bool
	}{
		{&a, "9223372036854775806.5", false},
		{&b, "100000000000000000000.25", false},
		{&c, "1.25", true},
	} {
		if got := tc.s.dec(bigSums).String(); got != tc.want {
			t.Errorf("sum %s, want %s", got, tc.want)
		}
		if (tc.s.big == 0) != tc.inline {
			t.Errorf("sum %s: in the entry %v, want %v", tc.want, tc.s.big == 0, tc.inline)
		}
	}
	if len(bigSums) != 2 {
		t.Errorf("%d big sums, want 2", len(bigSums))
	}
}
