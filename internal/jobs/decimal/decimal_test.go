package decimal

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) Dec {
	t.Helper()
	d, ok := Parse([]byte(s))
	if !ok {
		t.Fatalf("Parse(%q) failed", s)
	}
	return d
}

func TestParse(t *testing.T) {
	cases := []struct {
		in    string
		ok    bool
		plain string // Append of the parsed value
		scale int
	}{
		{"0", true, "0", 0},
		{"42", true, "42", 0},
		{"-42", true, "-42", 0},
		{"+7", true, "7", 0},
		{"0.10", true, "0.10", 2},
		{".5", true, "0.5", 1},
		{"-.5", true, "-0.5", 1},
		{"1.5e3", true, "1500", 0},
		{"1.50E1", true, "15.0", 1},
		{"15e-3", true, "0.015", 3},
		{"1e+2", true, "100", 0},
		{"-0", true, "0", 0},
		{"-0.00", true, "0.00", 2},
		{"007.5", true, "7.5", 1},
		{"123456789012345678", true, "123456789012345678", 0},
		{"99999999999999999999.5", true, "99999999999999999999.5", 1},
		{"-12345678901234567890123", true, "-12345678901234567890123", 0},
		{"1e1000", true, "1" + zeros(1000), 0},
		{"1e1001", false, "", 0},
		{"1e-1001", false, "", 0},
		{"1e0001000", true, "1" + zeros(1000), 0},
		{"", false, "", 0},
		{"-", false, "", 0},
		{".", false, "", 0},
		{"5.", false, "", 0},
		{"1e", false, "", 0},
		{"1e+", false, "", 0},
		{"e5", false, "", 0},
		{" 1", false, "", 0},
		{"1 ", false, "", 0},
		{"1,5", false, "", 0},
		{"0x10", false, "", 0},
		{"--1", false, "", 0},
		{"NaN", false, "", 0},
		{"Inf", false, "", 0},
		{"1.2.3", false, "", 0},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			d, ok := Parse([]byte(c.in))
			if ok != c.ok {
				t.Fatalf("Parse(%q) ok = %v, want %v", c.in, ok, c.ok)
			}
			if !ok {
				return
			}
			if got := d.String(); got != c.plain {
				t.Fatalf("Parse(%q) = %s, want %s", c.in, got, c.plain)
			}
			if d.Scale() != c.scale {
				t.Fatalf("Parse(%q) scale %d, want %d", c.in, d.Scale(), c.scale)
			}
		})
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

func TestCmp(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1", "1.0", 0},
		{"0.1", "0.10", 0},
		{"-0", "0", 0},
		{"2", "10", -1},
		{"-2", "-10", 1},
		{"1.5e3", "1500.0001", -1},
		{"99999999999999999999.5", "99999999999999999999.4", 1},
		{"99999999999999999999", "9223372036854775807", 1},
		{"-99999999999999999999", "1", -1},
		{"0.000000000000000000001", "0", 1},
		{"123456789012345678", "1234567890123456.79", 1},
		{"1e-1000", "1e-999", -1},
	}
	for _, c := range cases {
		t.Run(c.a+" vs "+c.b, func(t *testing.T) {
			a, b := mustParse(t, c.a), mustParse(t, c.b)
			if got := Cmp(a, b); got != c.want {
				t.Fatalf("Cmp(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
			}
			if got := Cmp(b, a); got != -c.want {
				t.Fatalf("Cmp(%s, %s) = %d, want %d", c.b, c.a, got, -c.want)
			}
		})
	}
}

func TestAdd(t *testing.T) {
	cases := []struct {
		name string
		in   []string
		want string
	}{
		{"scale kept", []string{"0.10", "0.20"}, "0.30"},
		{"largest scale", []string{"1", "2.5"}, "3.5"},
		{"mixed", []string{"1.5e3", "0.25", "-0.250"}, "1500.000"},
		{"to zero", []string{"-1.5", "1.5"}, "0.0"},
		{"int64 overflow", []string{"9223372036854775807", "1"}, "9223372036854775808"},
		{"negative overflow", []string{"-9223372036854775807", "-2"}, "-9223372036854775809"},
		{"back from big", []string{"99999999999999999999", "-99999999999999999998"}, "1"},
		{"rescale overflow", []string{"900000000000000000", "0.000000000000000001"}, "900000000000000000.000000000000000001"},
		{"many", []string{"0.1", "0.1", "0.1", "0.1", "0.1", "0.1", "0.1", "0.1", "0.1", "0.1"}, "1.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sum := mustParse(t, c.in[0])
			for _, s := range c.in[1:] {
				sum = Add(sum, mustParse(t, s))
			}
			if got := sum.String(); got != c.want {
				t.Fatalf("sum %v = %s, want %s", c.in, got, c.want)
			}
			// Re-parsing the printed sum gives the same value and scale.
			again := mustParse(t, c.want)
			if Cmp(again, sum) != 0 || again.Scale() != sum.Scale() {
				t.Fatalf("%s does not round-trip", c.want)
			}
		})
	}
}

// TestAddToMatchesAdd compares AddTo's in-place sum with Add's, value and
// scale, on random coefficients and scales and on the int64 edges, where
// AddTo's fast path must give way to Add.
func TestAddToMatchesAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	edges := []int64{0, 1, -1, math.MaxInt64, math.MinInt64, math.MaxInt64 / 10, math.MinInt64 / 10, 922337203685477580, -922337203685477581}
	coef := func() int64 {
		switch rng.IntN(3) {
		case 0:
			return edges[rng.IntN(len(edges))]
		case 1:
			return rng.Int64N(2_000_000) - 1_000_000
		}
		return int64(rng.Uint64())
	}
	big := Add(FromInt(math.MaxInt64), FromInt(math.MaxInt64))
	for i := 0; i < 200_000; i++ {
		a, b := New(coef(), rng.IntN(22)), New(coef(), rng.IntN(22))
		if i%50 == 0 {
			a = big
		}
		if i%70 == 0 {
			b = big
		}
		want := Add(a, b)
		got := a
		got.AddTo(b)
		if Cmp(got, want) != 0 || got.Scale() != want.Scale() {
			t.Fatalf("%s AddTo %s = %s, want %s", a, b, got, want)
		}
	}
}

func TestMinInt64(t *testing.T) {
	min := Add(FromInt(math.MinInt64+1), FromInt(-1))
	if got := min.String(); got != strconv.FormatInt(math.MinInt64, 10) {
		t.Fatalf("got %s", got)
	}
	if got := Add(min, FromInt(-1)).String(); got != "-9223372036854775809" {
		t.Fatalf("got %s", got)
	}
	scaled := Add(min, mustParse(t, "0.5"))
	if got := scaled.String(); got != "-9223372036854775807.5" {
		t.Fatalf("got %s", got)
	}
	if Cmp(min, mustParse(t, "-9223372036854775808.0")) != 0 {
		t.Fatal("MinInt64 compares unequal to itself")
	}
}

func TestAppendAvg(t *testing.T) {
	cases := []struct {
		sum   string
		count int64
		want  string
	}{
		{"10", 4, "2.5"},
		{"1", 3, "0.333333"},
		{"2", 3, "0.666667"},
		{"-2", 3, "-0.666667"},
		{"0.0000005", 1, "0"},        // half to even: down to 0
		{"0.0000015", 1, "0.000002"}, // half to even: up to 2
		{"0.0000025", 1, "0.000002"},
		{"-0.0000005", 1, "0"}, // never "-0"
		{"-0.0000015", 1, "-0.000002"},
		{"3.000", 1, "3"},
		{"0", 5, "0"},
		{"99999999999999999999.5", 2, "49999999999999999999.75"},
		{"1e-1000", 1, "0"},
	}
	for _, c := range cases {
		t.Run(c.sum+"/"+strconv.FormatInt(c.count, 10), func(t *testing.T) {
			got := string(AppendAvg([]byte("x="), mustParse(t, c.sum), c.count, 6))
			if got != "x="+c.want {
				t.Fatalf("avg(%s, %d) = %q, want %q", c.sum, c.count, got, "x="+c.want)
			}
		})
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	in := []byte("-12345.678e2")
	allocs := testing.AllocsPerRun(100, func() {
		d, _ := Parse(in)
		_ = Cmp(Add(d, d), d)
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations, want 0", allocs)
	}
}

// TestParsePlainMatchesLong: Parse's one-pass common case agrees with the
// long path on every text it takes (sign, leading zeros, a point at either
// end, 17 to 20 digits), and takes the usual ones; for random texts of
// digits, signs, points and exponents it never takes one the long path
// rejects.
func TestParsePlainMatchesLong(t *testing.T) {
	same := func(s string) bool {
		d, ok := parsePlain([]byte(s))
		if !ok {
			return false
		}
		w, wok := parseLong([]byte(s))
		if !wok || d.big != nil || w.big != nil || d.small != w.small || d.scale != w.scale {
			t.Fatalf("parsePlain(%q) = %+v, the long path %+v %v", s, d, w, wok)
		}
		return true
	}
	for _, s := range []string{"0", "-0", "+7", "707.0001", "6.0007", "900.00000", ".5", "-.25", "000123.4500",
		"123456789012345678", "-99999999999999999.9", "0.00000000000000001"} {
		if !same(s) {
			t.Errorf("parsePlain(%q) left it to the long path", s)
		}
	}
	for _, s := range []string{"", "-", ".", "5.", "1e3", "1.5E-2", " 1", "1 ", "1234567890123456789", "12345678901234567.89", "--1", "1.2.3", "0x10"} {
		if same(s) {
			t.Errorf("parsePlain(%q) took a text outside its case", s)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "0123456789000.-+eE"
	for iter := 0; iter < 200000; iter++ {
		b := make([]byte, r.IntN(22))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		same(string(b))
	}
}

// TestBinaryRoundTrip: a Dec written by AppendBinary reads back the same
// (coefficient, scale and text) for int64 coefficients of every size, the
// extremes, scales up to 40 and big coefficients of short and long texts;
// a truncated or bad encoding is refused.
func TestBinaryRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var ds []Dec
	for _, v := range []int64{0, 1, -1, 63, -64, 64, math.MaxInt64, math.MinInt64} {
		for _, s := range []int{0, 1, 4, 40} {
			ds = append(ds, Dec{small: v, scale: s})
		}
	}
	for i := 0; i < 2000; i++ {
		ds = append(ds, Dec{small: r.Int64() >> r.IntN(64), scale: r.IntN(12)})
	}
	for _, s := range []string{"123456789012345678901234567890.5", "-0.00000000000000000000000012345678901234567890", strings.Repeat("9", 200) + ".25"} {
		d := mustParse(t, s)
		if d.big == nil {
			t.Fatalf("%s: want a big coefficient", s)
		}
		ds = append(ds, d, Add(d, d))
	}
	for _, d := range ds {
		enc := append(d.AppendBinary([]byte("x")), 'y')
		got, n, ok := DecodeBinary(enc[1:])
		if !ok || n != len(enc)-2 || got.String() != d.String() || got.scale != d.scale || Cmp(got, d) != 0 {
			t.Fatalf("%s (%+v): decoded %s (%+v) from %d of %d bytes, %v", d, d, got, got, n, len(enc)-2, ok)
		}
		for cut := 0; cut < len(enc)-2; cut++ {
			if _, _, ok := DecodeBinary(enc[1 : 1+cut]); ok {
				t.Fatalf("%s: %d of its %d bytes decoded", d, cut, len(enc)-2)
			}
		}
	}
	for _, bad := range [][]byte{{3}, {1, 2, 'x', 'y'}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if d, _, ok := DecodeBinary(bad); ok {
			t.Fatalf("%v decoded as %s", bad, d)
		}
	}
}

// TestDigits: the digits before the point, against the coefficient's text,
// for small coefficients (math.MinInt64 and 0 among them) and big ones;
// and no allocation for a small one.
func TestDigits(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{{"0", 0}, {"7", 1}, {"-99", 2}, {"100", 3}, {"0.5", 0}, {"12.345", 2}, {"-9223372036854775808", 19},
		{"9223372036854775807", 19}, {"99999999999999999999.5", 20}, {"123456789012345678901234567890", 30}} {
		if got := Digits(mustParse(t, c.s)); got != c.want {
			t.Errorf("Digits(%s) = %d, want %d", c.s, got, c.want)
		}
	}
	for _, v := range []int64{0, 1, 9, 10, 99, 100, 12345, math.MaxInt64, math.MinInt64, -1000} {
		want := len(strconv.FormatInt(v, 10))
		if v < 0 {
			want--
		}
		if v == 0 {
			want = 0
		}
		if got := Digits(New(v, 0)); got != want {
			t.Errorf("Digits(%d) = %d, want %d", v, got, want)
		}
	}
	d := New(123456789, 2)
	if n := testing.AllocsPerRun(100, func() { Digits(d) }); n != 0 {
		t.Errorf("Digits allocates %.0f times", n)
	}
}

// TestAppendSmall: Append of an int64 coefficient (appendSmall) writes what
// the general path (strconv's digits, appendPlain) writes, at every scale it
// takes, for the extremes, zero and random values.
func TestAppendSmall(t *testing.T) {
	vals := []int64{0, 1, -1, 9, 10, -10, 123456789, -5, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		vals = append(vals, r.Int64()>>r.IntN(63))
	}
	for _, v := range vals {
		for scale := 0; scale <= maxSmallDigits; scale++ {
			u := uint64(v)
			if v < 0 {
				u = uint64(-v)
			}
			want := string(appendPlain([]byte("x"), v < 0, strconv.AppendUint(nil, u, 10), scale))
			if got := string(Dec{small: v, scale: scale}.Append([]byte("x"))); got != want {
				t.Fatalf("Append(%d scale %d) = %s, want %s", v, scale, got, want)
			}
		}
	}
}

// TestAppendAvgSmallAgreesWithBig: avgSmall's 64-bit quotient, where it
// answers, is avgBig's, at the edges of int64 and of the rounding, and
// AppendAvg of such a sum allocates nothing.
func TestAppendAvgSmallAgreesWithBig(t *testing.T) {
	smalls := []int64{0, 1, -1, 5, -5, 15, -15, 25, 999_999, 1_000_000, 123_456_789,
		math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 1 << 62, -(1 << 62)}
	counts := []int64{1, 2, 3, 4, 7, 10, 1_000_000, 1 << 40, math.MaxInt64}
	answered := 0
	for _, small := range smalls {
		for scale := 0; scale <= 19; scale++ {
			for _, count := range counts {
				for _, places := range []int{0, 1, 6, 18} {
					sum := Dec{small: small, scale: scale}
					var buf [20]byte
					got, gotNeg, ok := avgSmall(&buf, sum, count, places)
					if !ok {
						continue
					}
					answered++
					want, wantNeg := avgBig(sum, count, places)
					if string(got) != string(want) || gotNeg != wantNeg {
						t.Errorf("avg(%de-%d, %d) to %d places: %q neg %v, want %q neg %v", small, scale, count, places, got, gotNeg, want, wantNeg)
					}
				}
			}
		}
	}
	if answered < 1000 {
		t.Fatalf("avgSmall answered %d cases only: the test checks little", answered)
	}
	sum, dst := mustParse(t, "-1234.5678"), make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { AppendAvg(dst[:0], sum, 7, 6) }); n != 0 {
		t.Fatalf("AppendAvg of an int64 sum: %.1f allocations, want 0", n)
	}
}
