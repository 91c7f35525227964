package sql

import (
	"cmp"
	"math"
	"strconv"

	"github.com/scattergather/scattergather/internal/duckfmt"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// Value is one value during evaluation. Which fields hold it depends on K:
// I for BIGINT, DATE (days since 1970-01-01) and BOOLEAN (0 or 1), D for
// DECIMAL, F for DOUBLE, S for VARCHAR and untyped text. S is a view that is
// valid only until the next record. K is KNull for NULL.
type Value struct {
	K Kind
	I int64
	F float64
	D decimal.Dec
	S []byte
}

// Null is the NULL value.
var Null = Value{}

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.K == KNull }

func boolValue(b bool) Value {
	if b {
		return Value{K: KBool, I: 1}
	}
	return Value{K: KBool}
}

// parseNumberLiteral parses a number literal's text: an integer that fits
// an int64 is a BIGINT (DuckDB's INTEGER and BIGINT), a number with a point
// and no exponent a DECIMAL of its scale, one with an exponent a DOUBLE.
func parseNumberLiteral(s string) (Value, bool) {
	hasExp, hasPoint := false, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'e', 'E':
			hasExp = true
		case '.':
			hasPoint = true
		}
	}
	if hasExp {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !isRangeErr(err) {
			return Value{}, false
		}
		return Value{K: KDouble, F: f}, true
	}
	if !hasPoint {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return Value{K: KBigint, I: n}, true
		}
	}
	t := s
	if len(t) > 0 && t[len(t)-1] == '.' { // "5." is 5 in SQL
		t = t[:len(t)-1]
	}
	d, ok := decimal.Parse([]byte(t))
	if !ok {
		return Value{}, false
	}
	return Value{K: KDecimal, D: d}, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// trimSpace removes ASCII spaces around b, as DuckDB does before casting
// text to a number, date or boolean: the same set decimal.TrimSpace removes.
func trimSpace(b []byte) []byte { return decimal.TrimSpace(b) }

// parseNumber reads text as an exact number as DuckDB casts it (decimal.ParseText), for
// untyped values in numeric contexts and for DECIMAL columns.
func parseNumber(b []byte) (decimal.Dec, bool) { return decimal.ParseText(b) }

// parseBigint reads text as a BIGINT: an integer, or a decimal rounded half
// away from zero as DuckDB casts '2.5' to 3.
func parseBigint(b []byte) (int64, bool) {
	b = trimSpace(b)
	var n int64
	neg := false
	i := 0
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i = 1
	}
	if i == len(b) {
		return 0, false
	}
	for ; i < len(b); i++ {
		c := b[i]
		if !isDigit(c) {
			d, ok := parseNumber(b)
			if !ok {
				return 0, false
			}
			return decimal.Int64(d)
		}
		if n > (math.MaxInt64-int64(c-'0'))/10 {
			if neg && n == math.MaxInt64/10 && c == '8' && i == len(b)-1 {
				return math.MinInt64, true
			}
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseDouble reads text as a DOUBLE: a number, or inf, -inf, infinity, nan
// in any case.
func parseDouble(b []byte) (float64, bool) {
	b = trimSpace(b)
	if d, ok := parseNumber(b); ok {
		if f := decimal.Float64(d); f != 0 || len(b) == 0 || b[0] != '-' {
			return f, true
		}
		return math.Copysign(0, -1), true // -0.0 (a Parquet float's text), as DuckDB reads it
	}
	if nan, ok := duckfmt.ParseNegNaN(b); ok {
		return nan, true
	}
	if len(b) >= 3 && len(b) <= 9 {
		f, err := strconv.ParseFloat(string(b), 64)
		return f, err == nil && (math.IsInf(f, 0) || math.IsNaN(f))
	}
	return 0, false
}

// parseBool reads true/false, t/f, yes/no, y/n, 1/0 in any case, as DuckDB casts text.
func parseBool(b []byte) (bool, bool) {
	b = trimSpace(b)
	if len(b) > 5 {
		return false, false
	}
	var low [5]byte
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:len(b)]) {
	case "true", "t", "yes", "y", "1":
		return true, true
	case "false", "f", "no", "n", "0":
		return false, true
	}
	return false, false
}

// parseDate reads a date as DuckDB casts text to a DATE and returns days
// since 1970-01-01: YYYY-MM-DD (the year may have more digits, month and
// day one or two; the separators "-", "/", "\\" or a space, both the same).
// A year before 1 is written as DuckDB reads and prints it: the BC year
// followed by " (BC)" (one ASCII space before it, "bc" in either case:
// 0044-03-15 (BC) is 44 BC), or as a negative astronomical year
// (-0043-03-15, and 0000 for 1 BC); " (BC)" after a negative year or year 0
// is refused, as are dates outside DuckDB's range (5877642-06-25 (BC) to
// 5881580-07-10). As DuckDB's cast does, what follows the date (and its
// " (BC)") is ignored unless it starts with a digit: 2020-01-01 12:00:00
// and 2020-01-01T12:00 are 2020-01-01, 2020-01-015 is not a date. A year of
// fewer than 4 digits is refused (DuckDB's cast reads 20-01-01 as the year
// 20, its CSV reader may sniff it as 2020).
func parseDate(b []byte) (int64, bool) {
	days, rest, ok := parseDatePrefix(trimSpace(b))
	if !ok || len(rest) > 0 && isDigit(rest[0]) {
		return 0, false
	}
	return days, true
}

// parseDatePrefix reads the date b starts with (parseDate's forms, and its
// " (BC)") and returns its days since 1970-01-01 and what follows it.
func parseDatePrefix(b []byte) (int64, []byte, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	i := 0
	num := func(maxDigits int) (int, bool) {
		start, n := i, 0
		for i < len(b) && isDigit(b[i]) && i-start < maxDigits {
			n = n*10 + int(b[i]-'0')
			i++
		}
		return n, i > start
	}
	y, ok := num(7)
	if !ok || i < 4 || i >= len(b) || !dateSep(b[i]) {
		return 0, nil, false
	}
	sep := b[i]
	i++
	m, ok := num(2)
	if !ok || i >= len(b) || b[i] != sep {
		return 0, nil, false
	}
	i++
	d, ok := num(2)
	if !ok {
		return 0, nil, false
	}
	rest := b[i:]
	bc := len(rest) >= 5 && isSpace(rest[0]) && rest[1] == '(' && rest[2]|0x20 == 'b' && rest[3]|0x20 == 'c' && rest[4] == ')'
	if bc {
		rest = rest[5:]
	}
	switch {
	case bc && (neg || y == 0):
		return 0, nil, false
	case bc:
		y = 1 - y
	case neg:
		y = -y
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, nil, false
	}
	days := daysFromCivil(y, m, d)
	if days < minDate || days > maxDate {
		return 0, nil, false
	}
	return days, rest, true
}

// parseTimestamp reads a timestamp as DuckDB casts text to a TIMESTAMP and
// returns microseconds since 1970-01-01 00:00:00: a date as parseDate
// reads it, alone (midnight) or followed by spaces or a T and the time
// H[H]:MM[:SS[.fraction]] (the fraction's digits past the sixth cut off,
// 24:00:00 the next midnight), then a Z, an offset after the seconds
// (+HH, +HH:MM, +HHMM, +HH:MM:SS, or -), dropped as DuckDB's cast drops
// it, or nothing
// (spaces around the text are trimmed). A time zone name is refused:
// DuckDB's cast takes one, but without time zones this dialect does not.
func parseTimestamp(b []byte) (int64, bool) {
	us, _, _, ok := parseTimestampSub(b)
	return us, ok
}

// parseTimestampNS reads a timestamp as DuckDB casts text to a
// TIMESTAMP_NS and returns nanoseconds since 1970-01-01 00:00:00: as
// parseTimestamp, but the fraction's digits up to the ninth kept, within
// DuckDB's range, int64 nanoseconds but the largest (its infinity) and
// those whose microsecond overflows (before 1677-09-21 00:12:43.145225).
// An offset is subtracted, as DuckDB's cast to TIMESTAMP_NS does.
func parseTimestampNS(b []byte) (int64, bool) {
	us, sub, off, ok := parseTimestampSub(b)
	us -= off
	if !ok || us > math.MaxInt64/1000 || us < math.MinInt64/1000 {
		return 0, false
	}
	ns := us*1000 + sub
	if ns == math.MaxInt64 || ns < us*1000 {
		return 0, false
	}
	return ns, true
}

// parseTimestampSub is parseTimestamp, also returning the nanoseconds of
// the fraction's seventh to ninth digits and the offset in microseconds.
func parseTimestampSub(b []byte) (us, sub, off int64, ok bool) {
	b = trimSpace(b)
	days, rest, ok := parseDatePrefix(b)
	if !ok {
		return 0, 0, 0, false
	}
	if days < minTimestampDay || days > maxTimestampDay {
		return 0, 0, 0, false
	}
	us = days * 86_400_000_000
	if len(rest) == 0 {
		return us, 0, 0, true
	}
	i := 0
	if rest[0] == 'T' {
		i = 1
	} else {
		for i < len(rest) && rest[i] == ' ' {
			i++
		}
		if i == 0 {
			return 0, 0, 0, false
		}
	}
	num := func(maxDigits int) (int64, int, bool) {
		start, n := i, int64(0)
		for i < len(rest) && isDigit(rest[i]) && i-start < maxDigits {
			n = n*10 + int64(rest[i]-'0')
			i++
		}
		return n, i - start, i > start
	}
	h, _, ok := num(2)
	if !ok || i >= len(rest) || rest[i] != ':' {
		return 0, 0, 0, false
	}
	i++
	m, _, ok := num(2)
	if !ok || m > 59 {
		return 0, 0, 0, false
	}
	var s, frac int64
	hasSec := i < len(rest) && rest[i] == ':'
	if hasSec {
		i++
		if s, _, ok = num(2); !ok || s > 59 {
			return 0, 0, 0, false
		}
		if i < len(rest) && rest[i] == '.' {
			i++
			f, nd, _ := num(6)
			for ; nd < 6; nd++ {
				f *= 10
			}
			frac = f
			if nd == 6 { // the digits for nanoseconds, then the rest cut off
				g, nd, _ := num(3)
				for ; nd < 3; nd++ {
					g *= 10
				}
				sub = g
			}
			for i < len(rest) && isDigit(rest[i]) {
				i++
			}
		}
	}
	if h > 24 || h == 24 && (m != 0 || s != 0 || frac != 0 || sub != 0) {
		return 0, 0, 0, false
	}
	if i < len(rest) && rest[i] == 'Z' {
		i++
	} else if i < len(rest) && (rest[i] == '+' || rest[i] == '-') && rest[i-1] != ' ' && hasSec {
		// an offset after the seconds, +HH[[:]MM[:SS]]
		neg := rest[i] == '-'
		i++
		oh, nd, _ := num(2)
		if nd != 2 {
			return 0, 0, 0, false
		}
		colon := i < len(rest) && rest[i] == ':'
		if colon {
			i++
		}
		om, nd, _ := num(2)
		if nd == 1 {
			return 0, 0, 0, false
		}
		var osec int64
		if colon && nd == 2 && i < len(rest) && rest[i] == ':' {
			// +HH:MM:SS, or +HH:MM: as DuckDB takes it
			i++
			if osec, nd, _ = num(2); nd == 1 {
				return 0, 0, 0, false
			}
		}
		off = ((oh*60+om)*60 + osec) * 1_000_000
		if neg {
			off = -off
		}
	}
	if i != len(rest) {
		return 0, 0, 0, false
	}
	us += ((h*60+m)*60+s)*1_000_000 + frac
	if us < MinTimestamp || us > MaxTimestamp {
		return 0, 0, 0, false
	}
	return us, sub, off, true
}

// MinTimestamp and MaxTimestamp are the first and last microseconds since
// 1970-01-01 a TIMESTAMP holds, as in DuckDB: 290309-12-22 (BC) 00:00:00 to
// 294247-01-10 04:00:54.775806.
const (
	MinTimestamp = -9223372022400000000
	MaxTimestamp = 9223372036854775806
)

// minTimestampDay and maxTimestampDay are the days of MinTimestamp and MaxTimestamp.
var minTimestampDay, maxTimestampDay = daysFromCivil(-290308, 12, 22), daysFromCivil(294247, 1, 10)

// dateSep reports a separator of a date's year, month and day, as DuckDB's
// cast takes them.
func dateSep(c byte) bool { return c == '-' || c == '/' || c == '\\' || c == ' ' }

// minDate and maxDate are the first and last days a DuckDB DATE holds:
// 5877642-06-25 (BC) and 5881580-07-10.
var minDate, maxDate = daysFromCivil(-5877641, 6, 25), daysFromCivil(5881580, 7, 10)

// isSpace reports whether c is an ASCII space as DuckDB's
// StringUtil::CharacterIsSpace has it.
func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func daysIn(y, m int) int { return duckfmt.DaysIn(y, m) }

// daysFromCivil is days since 1970-01-01 of a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 { return duckfmt.DaysFromCivil(y, m, d) }

// intervalValue is an INTERVAL's Value (KInterval).
func intervalValue(months, days int32, micros int64) Value {
	return Value{K: KInterval, I: int64(months)<<32 | int64(uint32(days)), F: float64(micros)}
}

// intervalParts are an INTERVAL Value's months, days and microseconds.
func intervalParts(v Value) (months, days int32, micros int64) {
	return int32(v.I >> 32), int32(uint32(v.I)), int64(v.F)
}

// parseInterval reads an INTERVAL's text (duckfmt.ParseInterval).
func parseInterval(b []byte) (Value, bool) {
	m, d, us, ok := duckfmt.ParseInterval(b)
	return intervalValue(m, d, us), ok
}

// compareIntervals compares two INTERVALs as DuckDB does: by their
// normalized months, days and microseconds (duckfmt.IntervalKey), so that
// 1 month, 30 days and 720 hours are equal.
func compareIntervals(x, y Value) int {
	xm, xr := duckfmt.IntervalKey(intervalParts(x))
	ym, yr := duckfmt.IntervalKey(intervalParts(y))
	if c := cmp.Compare(xm, ym); c != 0 {
		return c
	}
	return cmp.Compare(xr, yr)
}
