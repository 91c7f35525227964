package decimal

import "testing"

// TestParseText checks the text DuckDB's cast to DECIMAL(38,3) accepts and
// refuses (the values of csvcheck's probe, run against DuckDB 1.x):
// accepted ones read as the same number, refused ones stay refused.
func TestParseText(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		want string
	}{
		{"7", true, "7"},
		{"  7", true, "7"},
		{"7 ", true, "7"},
		{"\t7\r", true, "7"},
		{"\n7\v\f", true, "7"},
		{"+7", true, "7"},
		{"5.", true, "5"},
		{"-5.", true, "-5"},
		{".5", true, "0.5"},
		{"+.5", true, "0.5"},
		{"-.5", true, "-0.5"},
		{"1e3", true, "1000"},
		{"1E+2", true, "100"},
		{"1.5e-3", true, "0.0015"},
		{"5.e2", true, "500"},
		{"00.50", true, "0.50"},
		{"1_000", true, "1000"},
		{"0_1", true, "1"},
		{"1.5_5", true, "1.55"},
		{"1e1_0", true, "10000000000"},
		{" 1_000. ", true, "1000"},
		{"99999999999999999999999.5", true, "99999999999999999999999.5"},
		{"", false, ""},
		{"  ", false, ""},
		{"+", false, ""},
		{"-", false, ""},
		{".", false, ""},
		{".e2", false, ""},
		{"e3", false, ""},
		{"1e", false, ""},
		{"1e+", false, ""},
		{"1__0", false, ""},
		{"_1", false, ""},
		{"1_", false, ""},
		{"1_.5", false, ""},
		{"1._5", false, ""},
		{"0x10", false, ""},
		{"- 5", false, ""},
		{"5 5", false, ""},
		{"1,5", false, ""},
		{"1.2.3", false, ""},
		{"1e3.5", false, ""},
		{"+-5", false, ""},
		{"nan", false, ""},
		{"inf", false, ""},
		{"\u00a07", false, ""},
		{"7\x00", false, ""},
	}
	for _, c := range cases {
		d, ok := ParseText([]byte(c.in))
		if ok != c.ok {
			t.Errorf("ParseText(%q) ok = %v, want %v", c.in, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		want, _ := Parse([]byte(c.want))
		if Cmp(d, want) != 0 {
			t.Errorf("ParseText(%q) = %s, want %s", c.in, d, c.want)
		}
	}
}

func TestParseTextNoAlloc(t *testing.T) {
	for _, in := range []string{"  7", "5.", "1_000"} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { ParseText(b) }); n != 0 {
			t.Errorf("ParseText(%q) allocates %v times", in, n)
		}
	}
}
