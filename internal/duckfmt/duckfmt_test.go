package duckfmt

import (
	"math"
	"math/rand"
	"strconv"
	"testing"
)

func TestAppendDouble(t *testing.T) {
	// DuckDB's CAST(x AS VARCHAR) of these doubles.
	cases := []struct {
		f    float64
		want string
	}{
		{100, "100.0"}, {0.1, "0.1"}, {1e20, "1e+20"}, {1.0 / 3, "0.3333333333333333"},
		{123456789012345678, "1.2345678901234568e+17"}, {1e-7, "1e-07"}, {math.Copysign(0, -1), "-0.0"},
		{1e15, "1000000000000000.0"}, {1e16, "1e+16"}, {12345678.9, "12345678.9"}, {0.0001, "0.0001"},
		{0.00001, "1e-05"}, {-2.5, "-2.5"}, {1e301, "1e+301"}, {math.NaN(), "nan"}, {math.Inf(-1), "-inf"},
	}
	for _, c := range cases {
		if got := string(AppendFloat(nil, c.f, 64)); got != c.want {
			t.Errorf("%v: got %q, want %q", c.f, got, c.want)
		}
	}
}

// TestShortDoubleMatchesGeneral: the fast path for short decimals prints
// exactly what the general path (strconv's shortest digits) prints, on
// random decimals of 0 to 8 places and up to 14 digits, on the edges of the
// fast path's range, and on random doubles.
func TestShortDoubleMatchesGeneral(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	tried, fast := 0, 0
	check := func(f float64) {
		tried++
		out, ok := appendShortDouble(nil, f)
		if !ok {
			return
		}
		fast++
		want := appendShortest(nil, strconv.AppendFloat(nil, f, 'e', -1, 64))
		if string(out) != string(want) {
			t.Errorf("%v: fast path %q, general %q", f, out, want)
		}
	}
	edges := []float64{1e-4, 0.00011, 0.000999999, 1, 0.5, 999999999.999999, 999999999.9999999, 1e9, 8.99e8, 123456789.123456, 0.1 + 0.2, 100, 1e6 + 0.5}
	for _, f := range edges {
		check(f)
		check(-f)
		check(math.Nextafter(f, 0))
		check(math.Nextafter(f, 2e9))
	}
	for i := 0; i < 300000; i++ {
		places := rng.Intn(9)
		n := rng.Int63n(int64(math.Pow10(rng.Intn(15))) + 1)
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(n)/math.Pow10(places), 'f', places, 64), 64)
		if rng.Intn(2) == 0 {
			f = -f
		}
		check(f)
		check(math.Float64frombits(rng.Uint64()))
	}
	if fast < tried/4 {
		t.Fatalf("the fast path took %d of %d values: the test does not exercise it", fast, tried)
	}
}

// TestShortDoubleRounding: ShortDouble, which rounds f × 10^6 half to even,
// answers as it would rounding half away from zero, on products that are a
// whole number and a half (f of 7 places ending in 5), their neighbours and
// random decimals and doubles.
func TestShortDoubleRounding(t *testing.T) {
	awayFromZero := func(f float64) (uint64, bool) {
		a := math.Abs(f)
		if !(a >= 1e-4 && a < 1e9) {
			return 0, false
		}
		x := math.Round(a * 1e6)
		return uint64(x), x/1e6 == a
	}
	rng := rand.New(rand.NewSource(2))
	check := func(f float64) {
		gx, gok := ShortDouble(f)
		wx, wok := awayFromZero(f)
		if gok != wok || (gok && gx != wx) {
			t.Fatalf("%v: ShortDouble %d %v, rounding half away from zero %d %v", f, gx, gok, wx, wok)
		}
	}
	for i := 0; i < 300000; i++ {
		k := rng.Int63n(int64(math.Pow10(1 + rng.Intn(15))))
		half := (float64(k) + 0.5) / 1e6
		if f, err := strconv.ParseFloat(strconv.FormatInt(2*k+1, 10)+"e-7", 64); err == nil {
			check(f)
			check(math.Nextafter(f, 0))
			check(math.Nextafter(f, 2e9))
		}
		check(half)
		check(float64(k) / 1e6)
		check(math.Float64frombits(rng.Uint64()))
	}
}

// TestAppendDateBC: dates and timestamps print as DuckDB prints them
// (pqcheck's TestDatesOfEveryYearLength compares every year from 1400 BC to
// 1400 AD with DuckDB itself): a year of fewer than 4 digits padded with
// zeros, a date before year 1 with its BC year and " (BC)" after the date,
// before a timestamp's time.
func TestAppendDateBC(t *testing.T) {
	const day = 86400 * 1e6
	for _, c := range []struct {
		got, want string
	}{
		{string(AppendDate(nil, -719163)), "0001-12-31 (BC)"}, // the day before 0001-01-01
		{string(AppendDate(nil, -719162)), "0001-01-01"},
		{string(AppendDate(nil, -717701)), "0005-01-01"},
		{string(AppendDate(nil, -735160)), "0044-03-15 (BC)"},
		{string(AppendTimestamp(nil, -719163*day+(23*3600+59*60+59)*1e6+5e5, 1e6)), "0001-12-31 (BC) 23:59:59.5"},
		{string(AppendTimestamp(nil, -717701*day, 1e6)), "0005-01-01 00:00:00"},
	} {
		if c.got != c.want {
			t.Errorf("printed %q, want %q", c.got, c.want)
		}
	}
}

// BenchmarkAppendFloat formats doubles of 4 decimal places (uservisits'
// adRevenue) with AppendFloat (the fast path) and with the general path.
func BenchmarkAppendFloat(b *testing.B) {
	vals := make([]float64, 1024)
	rng := rand.New(rand.NewSource(1))
	for i := range vals {
		vals[i] = float64(rng.Intn(10_000_000)) / 1e4
	}
	buf := make([]byte, 0, 32)
	b.Run("fast", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			buf = AppendFloat(buf[:0], vals[i%len(vals)], 64)
		}
	})
	b.Run("general", func(b *testing.B) {
		var tmp [32]byte
		for i := 0; i < b.N; i++ {
			buf = appendShortest(buf[:0], strconv.AppendFloat(tmp[:0], vals[i%len(vals)], 'e', -1, 64))
		}
	})
}

// TestParseReadsWhatAppendWrites: ParseTimestamp and ParseDate read back
// every timestamp and date AppendTimestamp and AppendDate write (years
// before 1 and after 9999, every unit), and refuse texts that are not in
// their form or out of an int64's range.
func TestParseReadsWhatAppendWrites(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, unit := range []int64{1e3, 1e6, 1e9} {
		vals := []int64{0, -1, 1, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 86400*unit - 1, -86400 * unit}
		for i := 0; i < 100000; i++ {
			vals = append(vals, rng.Int63()>>uint(rng.Intn(63))*int64(1-2*rng.Intn(2)))
		}
		for _, v := range vals {
			text := AppendTimestamp(nil, v, unit)
			got, ok := ParseTimestamp(text, unit)
			if !ok || got != v {
				t.Fatalf("unit %d: %d printed %q reads back as %d, %v", unit, v, text, got, ok)
			}
			if unit == 1e9 {
				days, _ := floorDiv(v, 86400*unit)
				d := AppendDate(nil, days)
				if back, ok := ParseDate(d); !ok || back != days {
					t.Fatalf("%d days printed %q reads back as %d, %v", days, d, back, ok)
				}
			}
		}
	}
	for _, bad := range []string{"", "2020-01-01", "2020-01-01 10:00", "2020-02-30 00:00:00", "0000-01-01 (BC) 00:00:00",
		"2020-01-01 24:00:00", "2020-01-01 10:00:00.", "2020-01-01 10:00:00.1234567890", "2020-01-01T10:00:00",
		"294247-01-10 04:00:54.775808", "290309-12-21 (BC) 19:59:05.224191", "infinity", "20-01-01 00:00:00", "2020-01-01 10:00:00+00"} {
		if v, ok := ParseTimestamp([]byte(bad), 1e6); ok {
			t.Errorf("%q reads as the timestamp %d", bad, v)
		}
	}
	for _, bad := range []string{"2020-1-01", "2020-01-01 ", "0000-01-01 (BC)", "2021-02-29", "10-01-01", "1234567890-01-01"} {
		if v, ok := ParseDate([]byte(bad)); ok {
			t.Errorf("%q reads as the date %d", bad, v)
		}
	}
}
