package sql

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/scattergather/scattergather/internal/duckfmt"
	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

func TestDates(t *testing.T) {
	for _, s := range []string{"1970-01-01", "2000-02-29", "1969-12-31", "0001-01-01", "9999-12-31", "1600-03-01"} {
		d, ok := parseDate([]byte(s))
		if !ok || string(duckfmt.AppendDate(nil, d)) != s {
			t.Errorf("%s: %d %v -> %s", s, d, ok, duckfmt.AppendDate(nil, d))
		}
	}
	if d, _ := parseDate([]byte("2020-01-02")); d != 18263 {
		t.Errorf("2020-01-02 is day %d, want 18263", d)
	}
	for _, bad := range []string{"2021-02-29", "2020-13-01", "2020-00-10", "20-01-01", "", "2020-01-015", "2020-01/01",
		"2020.01.01", "+2020-01-01", "2020-001-01", "2020-01-01 (bc)5", "x2020-01-01"} {
		if _, ok := parseDate([]byte(bad)); ok {
			t.Errorf("%q parsed as a date", bad)
		}
	}
	// What DuckDB's cast reads as 2020-01-01 (sqlcheck's TestDateTextAgreesWithDuckDB asks it):
	// other separators, and anything after the date that does not start with a digit.
	for _, s := range []string{"2020/01/01", "2020 01 01", `2020\01\01`, "2020-01-01x", "2020-01-01 12:00:00",
		"2020-01-01T12:00", "2020-1-1x", "2020-01-01-", "2020-01-01.5", "2020-01-01 (AD)", "2020-01-01  (BC)"} {
		if d, ok := parseDate([]byte(s)); !ok || d != 18262 {
			t.Errorf("%q: day %d %v, want 18262 (2020-01-01)", s, d, ok)
		}
	}
	// Years before 1, as DuckDB reads them (its answers, from its Go bindings:
	// sqlcheck's TestBCDatesAgreeWithDuckDB) and prints them back.
	for in, want := range map[string]string{
		"0044-03-15 (BC)": "0044-03-15 (BC)", "0044-03-15 (bc)": "0044-03-15 (BC)", " 0044-03-15 (BC) ": "0044-03-15 (BC)",
		"0001-01-01 (BC)": "0001-01-01 (BC)", "0000-01-01": "0001-01-01 (BC)", "-0044-03-15": "0045-03-15 (BC)",
		"0001-02-29 (BC)": "0001-02-29 (BC)", "0005-02-29 (BC)": "0005-02-29 (BC)",
		"5877642-06-25 (BC)": "5877642-06-25 (BC)", "5881580-07-10": "5881580-07-10",
		"0044-03-15 (BC)x": "0044-03-15 (BC)", "0044-03-15\t(BC)": "0044-03-15 (BC)",
	} {
		d, ok := parseDate([]byte(in))
		if got := string(duckfmt.AppendDate(nil, d)); !ok || got != want {
			t.Errorf("%q: %d %v -> %s, want %s", in, d, ok, got, want)
		}
	}
	if d, _ := parseDate([]byte("0044-03-15 (BC)")); d != -735160 { // DuckDB: DATE '0044-03-15 (BC)' - DATE '1970-01-01'
		t.Errorf("0044-03-15 (BC) is day %d, want -735160", d)
	}
	for _, bad := range []string{"0000-01-01 (BC)", "-0044-03-15 (BC)", "0004-02-29 (BC)", "5877642-06-24 (BC)", "5881580-07-11", "(BC)", " (BC)"} {
		if _, ok := parseDate([]byte(bad)); ok {
			t.Errorf("%q parsed as a date", bad)
		}
	}
	// Every day of 800 years round-trips, in order.
	prev := int64(math.MinInt64)
	for y := 1800; y < 2600; y++ {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= daysIn(y, m); d++ {
				n := daysFromCivil(y, m, d)
				if n != prev+1 && prev != math.MinInt64 {
					t.Fatalf("%d-%d-%d is day %d after %d", y, m, d, n, prev)
				}
				if yy, mm, dd := duckfmt.Civil(n); yy != int64(y) || mm != m || dd != d {
					t.Fatalf("day %d is %d-%d-%d, want %d-%d-%d", n, yy, mm, dd, y, m, d)
				}
				prev = n
			}
		}
	}
}

func TestLike(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"abc", "abc", true}, {"abc", "abcd", false}, {"a%", "abc", true}, {"a%", "ba", false},
		{"%c", "abc", true}, {"%b%", "abc", true}, {"%x%", "abc", false}, {"_", "é", true},
		{"_", "ab", false}, {"a_c", "abc", true}, {"a_c", "ac", false}, {"%a_%a", "banana", true},
		{"%a_%a", "bana", true}, {"%a_%a", "baa", false}, {"%", "", true}, {"", "", true},
		{"_%_", "a", false}, {"_%_", "ab", true}, {"%日_", "x日本", true}, {"a%b%c", "aXbYc", true},
		{"a%b%c", "acb", false}, {"%%", "x", true}, {"\\%", "\\x", true},
	}
	for _, c := range cases {
		if got := compileLike([]byte(c.pattern)).match([]byte(c.s)); got != c.want {
			t.Errorf("%q LIKE %q = %v, want %v", c.s, c.pattern, got, c.want)
		}
	}
}

func TestSubstr(t *testing.T) {
	// DuckDB's answers.
	cases := []struct {
		s        string
		start, n int64
		want     string
	}{
		{"hello", 0, 2, "h"}, {"hello", -2, math.MaxInt64, "lo"}, {"hello", 2, -1, "h"}, {"hello", -2, 1, "l"},
		{"héllo", 2, 3, "éll"}, {"héllo", 2, math.MaxInt64, "éllo"}, {"日本語", 2, 1, "本"}, {"abc", 5, 1, ""},
		{"abc", 1, 0, ""}, {"abc", -10, 12, "abc"}, {"abc", -10, 8, "a"}, {"abc", 0, math.MaxInt64, "abc"},
		{"abc", -1, -1, "b"}, {"abc", 2, -5, "a"}, {"abc", math.MinInt64, math.MaxInt64, "abc"},
	}
	for _, c := range cases {
		if got := string(substr([]byte(c.s), c.start, c.n)); got != c.want {
			t.Errorf("substr(%q, %d, %d) = %q, want %q", c.s, c.start, c.n, got, c.want)
		}
	}
}

// randValue returns a random value of type t.
func randValue(r *rand.Rand, t Type) Value {
	if r.IntN(10) == 0 {
		return Null
	}
	switch t.Kind {
	case KBool:
		return boolValue(r.IntN(2) == 0)
	case KBigint, KDate:
		return Value{K: t.Kind, I: r.Int64N(1<<40) - 1<<39}
	case KDouble:
		return Value{K: KDouble, F: []float64{0, -0.5, 1e300, -1e-300, math.Inf(1), math.Inf(-1), r.NormFloat64() * 1e6}[r.IntN(7)]}
	case KDecimal:
		d, _ := decimal.Parse([]byte(strconv.FormatInt(r.Int64N(2_000_000)-1_000_000, 10) + "e-" + strconv.Itoa(r.IntN(5))))
		if r.IntN(5) == 0 {
			d, _ = decimal.Parse([]byte("-123456789012345678901234567890.5"))
		}
		return Value{K: KDecimal, D: d}
	}
	b := make([]byte, r.IntN(6))
	for i := range b {
		b[i] = "a\x00\x01\xffbZ9.-"[r.IntN(9)]
	}
	if t.Kind == KText {
		switch r.IntN(3) {
		case 0:
			b = []byte(strconv.Itoa(r.IntN(2000) - 1000))
		case 1: // a timestamp adjusted to UTC as the Parquet reader prints it
			b = append(duckfmt.AppendTimestamp(nil, randMicros(r), 1e6), "+00"...)
		}
	}
	return Value{K: t.Kind, S: b}
}

// compareForKey is the order keys must keep: NULLs last, untyped numbers
// as numbers before other text, then by text.
func compareForKey(x, y Value, t Type) int {
	switch {
	case x.K == KNull && y.K == KNull:
		return 0
	case x.K == KNull:
		return 1
	case y.K == KNull:
		return -1
	}
	if t.Kind == KText {
		dx, okx := parseNumber(x.S)
		dy, oky := parseNumber(y.S)
		switch {
		case okx && oky:
			if c := decimal.Cmp(dx, dy); c != 0 {
				return c
			}
		case okx:
			return -1
		case oky:
			return 1
		}
		return compareText(x.S, y.S) // TestCompareTextOrdersUTCByInstant
	}
	if t.Kind == KDouble && x.F == 0 && y.F == 0 {
		return 0
	}
	return compareValues(x, y)
}

// randMicros is a random instant from 7000 BC to 15000 AD, often a round
// second, some of them equal.
func randMicros(r *rand.Rand) int64 {
	us := r.Int64N(7e17) - 2.8e17
	if r.IntN(2) == 0 {
		us -= us % 1e6
	}
	if r.IntN(4) == 0 {
		us = int64(r.IntN(5)) * 1e15
	}
	return us
}

// TestCompareTextOrdersUTCByInstant: untyped texts that are timestamps
// adjusted to UTC, as the Parquet reader prints them (years before 1 with
// "(BC)", years after 9999 of five digits), compare by instant, and before
// any other text that is not a number; other texts by bytes.
func TestCompareTextOrdersUTCByInstant(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		x, y := randMicros(r), randMicros(r)
		tx := append(duckfmt.AppendTimestamp(nil, x, 1e6), "+00"...)
		ty := append(duckfmt.AppendTimestamp(nil, y, 1e6), "+00"...)
		if got, want := compareText(tx, ty), cmp.Compare(x, y); got != want {
			t.Fatalf("%s vs %s: %d, want %d", tx, ty, got, want)
		}
		kx, ky := appendKey(nil, TText, Value{K: KText, S: tx}, false, false), appendKey(nil, TText, Value{K: KText, S: ty}, false, false)
		if got := sign(bytes.Compare(kx, ky)); got != cmp.Compare(x, y) {
			t.Fatalf("%s vs %s: keys compare %d", tx, ty, got)
		}
	}
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"10000-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00", 1},
		{"0002-01-01 (BC) 00:00:00+00", "0001-01-01 00:00:00+00", -1},
		{"2020-01-01 00:00:00+00", "apple", -1},
		{"2020-01-01 00:00:00", "2020-01-01 00:00:00+00", 1}, // no offset: a text
		{"2020-01-01 00:00:00+01", "2019-01-01 00:00:00+01", 1},
	} {
		if got := compareText([]byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("%s vs %s: %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestKeysKeepOrder: for every type, keys compare as their values do
// (descending keys the other way round, NULLs last in both), and decode
// back to their values.
func TestKeysKeepOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, typ := range []Type{TBool, TBigint, TDate, TDouble, TNumber, TVarchar, TText} {
		t.Run(typ.String(), func(t *testing.T) {
			vals := make([]Value, 300)
			for i := range vals {
				vals[i] = randValue(r, typ)
			}
			for _, desc := range []bool{false, true} {
				for i := 0; i < 2000; i++ {
					x, y := vals[r.IntN(len(vals))], vals[r.IntN(len(vals))]
					kx, ky := appendKey(nil, typ, x, desc, false), appendKey(nil, typ, y, desc, false)
					want := compareForKey(x, y, typ)
					if desc && x.K != KNull && y.K != KNull {
						want = -want
					}
					if got := bytes.Compare(kx, ky); sign(got) != sign(want) {
						t.Fatalf("desc %v: %v vs %v: keys compare %d, values %d", desc, x, y, got, want)
					}
					// A two-part key orders by its first part first.
					if want != 0 {
						k2x := appendKey(slices.Clone(kx), TBigint, Value{K: KBigint, I: 9}, false, false)
						k2y := appendKey(slices.Clone(ky), TBigint, Value{K: KBigint, I: 1}, false, false)
						if sign(bytes.Compare(k2x, k2y)) != sign(want) {
							t.Fatalf("%v vs %v: a second key part changed the order", x, y)
						}
					}
					var v Value
					rest, _, err := decodeKey(kx, typ, desc, &v, nil)
					if err != nil || len(rest) != 0 {
						t.Fatalf("decode %v: %v, %d bytes left", x, err, len(rest))
					}
					if compareForKey(v, x, typ) != 0 || (typ.Kind == KText || typ.Kind == KVarchar) && !bytes.Equal(v.S, x.S) {
						t.Fatalf("decoded %v, want %v", v, x)
					}
				}
			}
		})
	}
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// TestFsumIsExact: the sum of doubles does not depend on their order.
func TestFsumIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 200; iter++ {
		xs := make([]float64, 1+r.IntN(50))
		for i := range xs {
			xs[i] = r.NormFloat64() * math.Pow(10, float64(r.IntN(30)-15))
		}
		var a fsum
		for _, x := range xs {
			a.add(x)
		}
		r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		// Split in two, sum each, merge the partials.
		var b, c fsum
		cut := r.IntN(len(xs) + 1)
		for _, x := range xs[:cut] {
			b.add(x)
		}
		for _, x := range xs[cut:] {
			c.add(x)
		}
		for _, p := range c.p {
			b.add(p)
		}
		if a.value() != b.value() {
			t.Fatalf("iter %d: %v in one order, %v in another", iter, a.value(), b.value())
		}
	}
	var s fsum
	for _, x := range []float64{1e100, 1, -1e100} {
		s.add(x)
	}
	if s.value() != 1 {
		t.Fatalf("1e100 + 1 - 1e100 = %v, want 1", s.value())
	}
}

// TestFsumPastLargestDoubleAnyOrder: a double sum whose running total
// passes the largest double in one order but not in another is the same
// in both (the exact sum, rounded; inf only when it is past the largest
// double), so a sum over a Parquet DOUBLE does not depend on the chunking:
// 1e308 + 1e308 - 1e308 is 1e308 however the values are grouped, and
// 1e308 + 1e308 is +Inf.
func TestFsumPastLargestDoubleAnyOrder(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{1e308, 1e308, -1e308}, 1e308},
		{[]float64{-1e308, -1e308, 1e308, 5}, -1e308 + 5},
		{[]float64{math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64, -math.MaxFloat64, 1}, 1},
		{[]float64{1e308, 1e308, 1e308, -1e308, -1e308, -1e308, 0.5}, 0.5},
		{[]float64{1e308, 1e308}, math.Inf(1)},
		{[]float64{-1e308, -1e308, 1}, math.Inf(-1)},
		{[]float64{math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64}, math.MaxFloat64},
	} {
		r := rand.New(rand.NewPCG(7, 8))
		for iter := 0; iter < 200; iter++ {
			xs := slices.Clone(c.xs)
			r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
			// Each value a chunk of its own or not: merge the states.
			var total fsum
			cut := r.IntN(len(xs) + 1)
			var part fsum
			for _, x := range xs[:cut] {
				part.add(x)
			}
			for _, x := range xs[cut:] {
				total.add(x)
			}
			// The part's state goes through a partial's encoding.
			a := &aggSpec{fn: aggSum, sumKind: KDouble}
			var st, back AggState
			st.sum().merge(&part)
			if _, err := a.decodeState(a.appendState(nil, &st), &back); err != nil {
				t.Fatal(err)
			}
			total.merge(back.sum())
			if got := total.value(); got != c.want {
				t.Fatalf("sum of %v (%d then the rest): %v, want %v", xs, cut, got, c.want)
			}
		}
	}
}

// TestSubstrProperty: substr in characters, checked against slicing runes.
func TestSubstrProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for iter := 0; iter < 5000; iter++ {
		var b []rune
		for n := r.IntN(8); n > 0; n-- {
			b = append(b, []rune("aé日😀 ")[r.IntN(5)])
		}
		start, n := int64(r.IntN(14)-6), int64(r.IntN(14)-5)
		chars := int64(len(b))
		from := start - 1
		if start < 0 {
			from = chars + start
		}
		to := from + n
		if n < 0 {
			from, to = from+n, from
		}
		from, to = max(from, 0), min(to, chars)
		want := ""
		if from < to {
			want = string(b[from:to])
		}
		if got := string(substr([]byte(string(b)), start, n)); got != want {
			t.Fatalf("substr(%q, %d, %d) = %q, want %q", string(b), start, n, got, want)
		}
	}
}

// TestTimestampNS: text reads as a TIMESTAMP_NS as DuckDB casts it (checked
// there: pqcheck's TestSQLOnNanoTimestamps), the fraction's digits past the
// ninth cut off, within int64 nanoseconds but DuckDB's infinity and the
// first microsecond whose nanoseconds overflow; and it prints with up to
// nine fraction digits.
func TestTimestampNS(t *testing.T) {
	for _, c := range []struct {
		text string
		ns   int64
		ok   bool
		out  string
	}{
		{"2020-01-01 00:00:00.123456789", 1577836800123456789, true, "2020-01-01 00:00:00.123456789"},
		{"2020-01-01 00:00:00.1234567891", 1577836800123456789, true, "2020-01-01 00:00:00.123456789"},
		{"2020-01-01 00:00:00.1234567", 1577836800123456700, true, "2020-01-01 00:00:00.1234567"},
		{"2020-01-01T10:00Z", 1577872800000000000, true, "2020-01-01 10:00:00"},
		{"1969-12-31 23:59:59.9999999", -100, true, "1969-12-31 23:59:59.9999999"},
		{"2020-01-01 24:00:00", 1577923200000000000, true, "2020-01-02 00:00:00"},
		{"2020-01-01 24:00:00.0000001", 0, false, ""},
		{"2262-04-11 23:47:16.854775806", math.MaxInt64 - 1, true, "2262-04-11 23:47:16.854775806"},
		{"2262-04-11 23:47:16.854775807", 0, false, ""}, // DuckDB's infinity
		{"2262-04-11 23:47:16.854775808", 0, false, ""},
		{"1677-09-21 00:12:43.145225", -9223372036854775000, true, "1677-09-21 00:12:43.145225"},
		{"1677-09-21 00:12:43.145224999", 0, false, ""}, // its microsecond overflows
		{"1600-01-01", 0, false, ""},
		{"2020-01-01 10:00:00+02", 1577865600000000000, true, "2020-01-01 08:00:00"}, // the offset subtracted
		{"2020-01-01 10:00+02", 0, false, ""},
		{"2020-01-01 10:00:00+02:30:15", 1577863785000000000, true, "2020-01-01 07:29:45"}, // an offset's seconds subtracted too
		{"2020-01-01 10:00:00+023015", 0, false, ""},
		{"2020-01-01 10:00:00+0230:15", 0, false, ""}, // seconds only after +HH:MM, as DuckDB
		{"2020-01-01 10:00:00+02:30:1", 0, false, ""},
	} {
		ns, ok := parseTimestampNS([]byte(c.text))
		if ok != c.ok || ok && ns != c.ns {
			t.Errorf("%q: %d, %v; want %d, %v", c.text, ns, ok, c.ns, c.ok)
			continue
		}
		if ok {
			if got := string(appendText(nil, Value{K: KTimestampNS, I: ns}, TTimestampNS)); got != c.out {
				t.Errorf("%q prints %q, want %q", c.text, got, c.out)
			}
		}
	}
	// A TIMESTAMP_NS compares with a TIMESTAMP literal by nanoseconds, and a
	// TIMESTAMP out of its range is an error, as in DuckDB.
	s := Schema{"ns": TTimestampNS}
	if _, err := Compile("SELECT ns FROM 'x' WHERE ns > TIMESTAMP '2500-01-01 00:00:00'", s, nil); err == nil {
		t.Error("a TIMESTAMP past TIMESTAMP_NS's range compared with one: no error")
	}
	if _, err := Compile("SELECT ns FROM 'x' WHERE ns > TIMESTAMP '2020-01-01 00:00:00' AND ns < DATE '2021-01-01' AND ns <> '2020-06-01 00:00:00.000000001'", s, nil); err != nil {
		t.Error(err)
	}
}

// TestUntypedKeyOrderIsStrictWeak: over a random mix of untyped numbers,
// UTC timestamps (some the same instant in other texts: a fraction of
// zeros, digits past the microsecond) and other texts, the key order
// (compareForKey, compareText) is a strict weak order: antisymmetric and
// transitive across the three classes, and sorting by it is sorting by the
// keys, as the sorted runs, the range cuts (bytes of keys) and the running
// min and max (compareText) need.
func TestUntypedKeyOrderIsStrictWeak(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	vals := make([]Value, 300)
	for i := range vals {
		var s []byte
		switch r.IntN(4) {
		case 0:
			s = []byte(strconv.Itoa(r.IntN(40) - 20))
		case 1, 2:
			us := int64(r.IntN(6)) * 86_400_000_000 * 4000
			s = duckfmt.AppendTimestamp(nil, us, 1e6)
			switch r.IntN(3) {
			case 1:
				s = append(s, ".000"...)
			case 2:
				s = append(s, ".0000009"...)
			}
			s = append(s, "+00"...)
		default:
			s = []byte{"0+-a :9"[r.IntN(7)], "0+-a :9"[r.IntN(7)]}
		}
		vals[i] = Value{K: KText, S: s}
	}
	for i := 0; i < 200000; i++ {
		a, b, c := vals[r.IntN(len(vals))], vals[r.IntN(len(vals))], vals[r.IntN(len(vals))]
		ab, bc, ac := compareForKey(a, b, TText), compareForKey(b, c, TText), compareForKey(a, c, TText)
		if ab != -compareForKey(b, a, TText) {
			t.Fatalf("%q, %q: not antisymmetric", a.S, b.S)
		}
		if ab <= 0 && bc <= 0 && ac > 0 || ab >= 0 && bc >= 0 && ac < 0 {
			t.Fatalf("%q, %q, %q: %d, %d but %d: not transitive", a.S, b.S, c.S, ab, bc, ac)
		}
	}
	byOrder, byKey := slices.Clone(vals), slices.Clone(vals)
	slices.SortStableFunc(byOrder, func(x, y Value) int { return compareForKey(x, y, TText) })
	slices.SortStableFunc(byKey, func(x, y Value) int {
		return bytes.Compare(appendKey(nil, TText, x, false, false), appendKey(nil, TText, y, false, false))
	})
	for i := range byOrder {
		if !bytes.Equal(byOrder[i].S, byKey[i].S) {
			t.Fatalf("position %d: %q by the order, %q by the keys", i, byOrder[i].S, byKey[i].S)
		}
	}
}
