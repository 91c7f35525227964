package duckfmt

import "testing"

// TestParseIntervalReadsWhatAppendWrites: every interval AppendInterval
// writes parses back to its parts, and DuckDB's common forms parse.
func TestParseIntervalReadsWhatAppendWrites(t *testing.T) {
	parts := []int64{0, 1, -1, 11, 12, 13, -13, 29, 30, 31, 1<<31 - 1, -1 << 31}
	micros := []int64{0, 1, -1, 7000, 86_400_000_000, -3_600_000_001, 1<<32*1000 - 1000, 123_456_789}
	for _, m := range parts {
		for _, d := range parts {
			for _, us := range micros {
				text := AppendInterval(nil, int32(m), int32(d), us)
				gm, gd, gus, ok := ParseInterval(text)
				if !ok || int64(gm) != m || int64(gd) != d || gus != us {
					t.Errorf("%q parses as %d %d %d %v, want %d %d %d", text, gm, gd, gus, ok, m, d, us)
				}
			}
		}
	}
	for text, want := range map[string][3]int64{
		"1 month": {1, 0, 0}, "30 days": {0, 30, 0}, "720 hours": {0, 0, 720 * 3_600_000_000},
		"2 HOURS ago": {0, 0, -2 * 3_600_000_000}, "1y 2mons 3d": {14, 3, 0}, "-1 week": {0, -7, 0},
		" 1 day -01:30 ": {0, 1, -90 * 60_000_000}, "5 ms 3 us": {0, 0, 5003}, "1 decade": {120, 0, 0},
	} {
		m, d, us, ok := ParseInterval([]byte(text))
		if !ok || [3]int64{int64(m), int64(d), us} != want {
			t.Errorf("%q parses as %d %d %d %v, want %v", text, m, d, us, ok, want)
		}
	}
	for _, bad := range []string{"", "1", "day", "1 fortnight", "1.5 days", "1:2", "1 day ago ago", "3000000000 months", "10:60"} {
		if _, _, _, ok := ParseInterval([]byte(bad)); ok {
			t.Errorf("%q parses; want it refused", bad)
		}
	}
}

// TestIntervalKey: equal by DuckDB's normalization, or ordered as it
// orders them.
func TestIntervalKey(t *testing.T) {
	const h = 3_600_000_000
	key := func(m, d int32, us int64) [2]int64 { a, b := IntervalKey(m, d, us); return [2]int64{a, b} }
	less := func(x, y [2]int64) bool { return x[0] < y[0] || x[0] == y[0] && x[1] < y[1] }
	if key(1, 0, 0) != key(0, 30, 0) || key(0, 30, 0) != key(0, 0, 720*h) || key(0, 1, 0) != key(0, 0, 24*h) {
		t.Error("1 month, 30 days and 720 hours (or 1 day and 24 hours) differ")
	}
	if !less(key(0, 26, 0), key(1, -4, 0)) || !less(key(0, 0, 2*h), key(0, 0, 100*h)) || !less(key(0, 0, 25*h), key(0, 1, 2*h)) {
		t.Error("misordered: want 26 days < 1 month -4 days (DuckDB 1.5 cuts toward zero), 2 h < 100 h, 25 h < 1 day 2 h")
	}
}
