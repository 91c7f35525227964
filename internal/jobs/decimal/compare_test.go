package decimal

import "testing"

// constCases are constants of every form NewConst compiles: integers,
// fractions, negative, zero, large, and one too precise for the fast path.
var constCases = []string{
	"990", "0", "-0", "990.5", "990.05", "0.001", "-3", "-3.25", "1e3",
	"999999999999999999", "123456789012345678901234", "0.0000000000000000001",
	"-9223372036854775808",
}

// textCases are texts CmpText reads: the fast path's digits (short and
// long fractions, leading zeros, 18 and 19 integer digits) and everything
// it leaves to ParseText (signs, spaces, exponents, underscores, "5.",
// ".5", not numbers).
var textCases = []string{
	"990", "991", "989", "990.0", "990.00001", "990.5", "990.49", "990.51",
	"990.05", "990.050", "990.0499", "0", "00990", "0.001", "0.0009", "0.00100",
	"", ".", "5.", ".5", "-990", "-0", "+990", " 990", "990 ", "9_90", "1e3",
	"991abc", "abc", "990.", "990.5x", "990..5", "123456789012345678",
	"1234567890123456789", "999999999999999999", "999999999999999999.5",
	"1000000000000000000", "123456789012345678901234", "-3.25", "-3.3",
	"0.0000000000000000001", "0.00000000000000000010", "0.00000000000000000011",
}

// TestConstCmpText: CmpText agrees with ParseText and Cmp on every text
// and constant.
func TestConstCmpText(t *testing.T) {
	for _, cs := range constCases {
		d, ok := ParseText([]byte(cs))
		if !ok {
			t.Fatalf("constant %q does not parse", cs)
		}
		c := NewConst(d)
		for _, ts := range textCases {
			checkCmpText(t, &c, ts)
		}
	}
}

func checkCmpText(t *testing.T, c *Const, text string) {
	t.Helper()
	got, gotOK := c.CmpText([]byte(text))
	want, wantOK := 0, false
	if d, ok := ParseText([]byte(text)); ok {
		want, wantOK = Cmp(d, c.Dec()), true
	}
	if got != want || gotOK != wantOK {
		t.Errorf("%q against %s: CmpText %d, %v; ParseText and Cmp %d, %v", text, c.Dec(), got, gotOK, want, wantOK)
	}
}

func FuzzConstCmpText(f *testing.F) {
	for _, cs := range constCases {
		for _, ts := range textCases {
			f.Add(cs, ts)
		}
	}
	f.Fuzz(func(t *testing.T, cs, text string) {
		d, ok := ParseText([]byte(cs))
		if !ok {
			return
		}
		c := NewConst(d)
		checkCmpText(t, &c, text)
	})
}
