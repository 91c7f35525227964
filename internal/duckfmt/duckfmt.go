package duckfmt

import (
	"bytes"
	"math"
	"strconv"
)

// AppendFloat appends a float as DuckDB prints it: the shortest digits that
// read back as the same value, in plain notation ("100.0", "0.0001") when the
// decimal exponent is in [-4, 16), else scientific ("1e+20", "1.5e-07");
// "inf", "-inf", "nan", and "-nan" for a NaN whose sign bit is set (a
// Parquet file's, inf - inf on amd64), as DuckDB prints it.
func AppendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f) && math.Signbit(f):
		return append(dst, "-nan"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	if bits == 64 {
		if out, ok := appendShortDouble(dst, f); ok {
			return out
		}
	}
	var tmp [32]byte
	return appendShortest(dst, strconv.AppendFloat(tmp[:0], f, 'e', -1, bits))
}

// appendShortest prints strconv's shortest digits e ([-]d[.ddd]e±XX) as
// DuckDB does: plainly from 1e-4 to below 1e16, else in e-notation.
func appendShortest(dst, e []byte) []byte {
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	epos := 0
	for epos < len(e) && e[epos] != 'e' {
		epos++
	}
	exp, sign := 0, 1
	for _, c := range e[epos+1:] {
		switch {
		case c == '-':
			sign = -1
		case c >= '0' && c <= '9':
			exp = exp*10 + int(c-'0')
		}
	}
	exp *= sign
	if exp < -4 || exp >= 16 {
		return append(dst, e...)
	}
	// digits without the point
	var dbuf [24]byte
	digits := append(dbuf[:0], e[0])
	if epos > 1 {
		digits = append(digits, e[2:epos]...)
	}
	switch {
	case exp < 0:
		dst = append(dst, '0', '.')
		for i := -1; i > exp; i-- {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	case exp+1 >= len(digits):
		dst = append(dst, digits...)
		for i := len(digits); i < exp+1; i++ {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	default:
		dst = append(dst, digits[:exp+1]...)
		dst = append(dst, '.')
		return append(dst, digits[exp+1:]...)
	}
}

// appendShortDouble is AppendFloat's fast path for a double that is a
// decimal of at most 6 places and 15 significant digits, between 1e-4 and
// 1e9 in magnitude (money, measurements): x = f×10^6 rounded, kept when
// x/10^6 rounds back to f. A decimal of at most 15 significant digits is
// the only one of so few digits that rounds to its double (DBL_DIG is 15),
// so x/10^6 with its trailing zeros trimmed is the shortest decimal that
// round-trips, the digits strconv's shortest formatting finds; it is printed
// as AppendFloat prints those. false: use the general path.
func appendShortDouble(dst []byte, f float64) ([]byte, bool) {
	u, ok := ShortDouble(f)
	if !ok {
		return dst, false
	}
	if f < 0 {
		dst = append(dst, '-')
	}
	dst = strconv.AppendUint(dst, u/1e6, 10)
	frac := u % 1e6
	if frac == 0 {
		return append(dst, '.', '0'), true
	}
	var d [7]byte // '.' and six digits, of which the trailing zeros are cut
	d[0] = '.'
	n := 0
	for i := 6; i >= 1; i-- {
		c := byte(frac % 10)
		frac /= 10
		if n == 0 && c != 0 {
			n = i + 1
		}
		d[i] = '0' + c
	}
	return append(dst, d[:n]...), true
}

// ShortDouble is |f| × 10^6 when f is a decimal of at most 6 places and
// 15 significant digits between 1e-4 and 1e9 in magnitude: then the text
// AppendFloat prints for f is that number over 10^6 with its trailing
// zeros cut (and ".0" for a whole number). false for any other f.
func ShortDouble(f float64) (uint64, bool) {
	a := math.Abs(f)
	if !(a >= 1e-4 && a < 1e9) {
		return 0, false
	}
	// RoundToEven is one instruction (ROUNDSD) where math.Round is a dozen;
	// they differ only on a product that is a whole number and a half, and
	// such an f is not a decimal of 6 places either way (x/1e6 is then
	// about 0.5e-6 from f, several doubles away below 1e9), so the answer
	// is the same (TestShortDoubleRounding).
	x := math.RoundToEven(a * 1e6)
	if x/1e6 != a {
		return 0, false
	}
	return uint64(x), true
}

// Civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's civil_from_days).
func Civil(days int64) (year int64, month, day int) {
	z := days + 719468
	era := z
	if z < 0 {
		era = z - 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := int(doy - (153*mp+2)/5 + 1)
	m := int(mp + 3)
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// AppendDate appends YYYY-MM-DD as DuckDB prints a DATE (Date::ToString):
// the year padded with zeros to 4 digits (0005-01-01), more when it has
// more, and a year before 1 as its BC year followed by " (BC)" (year 0 is
// 0001-01-01 (BC), -43 is 0044-... (BC)).
func AppendDate(dst []byte, days int64) []byte {
	y, m, d := Civil(days)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	dst = appendPadded(dst, y, 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, int64(m), 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, int64(d), 2)
	if bc {
		dst = append(dst, " (BC)"...)
	}
	return dst
}

func appendPadded(dst []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// floorDiv divides rounding towards minus infinity.
func floorDiv(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q--
		r += b
	}
	return q, r
}

// AppendTimestamp appends "YYYY-MM-DD HH:MM:SS[.fff]" for v units (unit per
// second) since the epoch, the fraction without trailing zeros, as DuckDB
// prints a TIMESTAMP: the date as AppendDate prints it, so a date before
// year 1 has its " (BC)" before the time (0001-12-31 (BC) 23:59:59).
func AppendTimestamp(dst []byte, v, unit int64) []byte {
	days, rem := floorDiv(v, 86400*unit)
	dst = AppendDate(dst, days)
	dst = append(dst, ' ')
	return AppendTime(dst, rem, unit)
}

// AppendTime appends "HH:MM:SS[.fff]" for v units since midnight.
func AppendTime(dst []byte, v, unit int64) []byte {
	secs, frac := floorDiv(v, unit)
	dst = appendPadded(dst, secs/3600, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, secs/60%60, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, secs%60, 2)
	if frac == 0 {
		return dst
	}
	width := 3
	switch unit {
	case 1e6:
		width = 6
	case 1e9:
		width = 9
	}
	for frac%10 == 0 {
		frac /= 10
		width--
	}
	dst = append(dst, '.')
	return appendPadded(dst, frac, width)
}

// DaysFromCivil is the days since 1970-01-01 of a proleptic Gregorian date
// (year 0 is 1 BC; Howard Hinnant's days_from_civil), Civil's inverse.
func DaysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// ParseDate reads a date as AppendDate writes it (YYYY-MM-DD, the year of
// four digits or more, " (BC)" after a year before 1) and returns its days
// since 1970-01-01; false for any other text.
func ParseDate(b []byte) (int64, bool) {
	days, rest, ok := parseDate(b)
	return days, ok && len(rest) == 0
}

func parseDate(b []byte) (int64, []byte, bool) {
	i := 0
	for i < len(b) && i < 10 && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i < 4 || i == 10 || len(b) < i+6 || b[i] != '-' || b[i+3] != '-' {
		return 0, nil, false
	}
	y, _ := strconv.Atoi(string(b[:i]))
	m, ok1 := twoDigits(b[i+1:])
	d, ok2 := twoDigits(b[i+4:])
	rest := b[i+6:]
	if len(rest) >= 5 && string(rest[:5]) == " (BC)" {
		if y == 0 {
			return 0, nil, false
		}
		y, rest = 1-y, rest[5:]
	}
	if !ok1 || !ok2 || m < 1 || m > 12 || d < 1 || d > DaysIn(y, m) {
		return 0, nil, false
	}
	return DaysFromCivil(y, m, d), rest, true
}

func twoDigits(b []byte) (int, bool) {
	if len(b) < 2 || b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

// DaysIn is the number of days of month m (1-12) of the proleptic
// Gregorian year y.
func DaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ParseTimestamp reads a timestamp as AppendTimestamp writes it (a date as
// ParseDate reads it, a space, HH:MM:SS, an optional fraction of up to nine
// digits) and returns it in units (unit per second: 1e3, 1e6, 1e9) since
// 1970-01-01 00:00:00, the fraction's digits past the unit cut off; false
// for any other text or a time an int64 of units does not hold.
func ParseTimestamp(b []byte, unit int64) (int64, bool) {
	days, rest, ok := parseDate(b)
	if !ok || len(rest) < 9 || rest[0] != ' ' || rest[3] != ':' || rest[6] != ':' {
		return 0, false
	}
	h, ok1 := twoDigits(rest[1:])
	mi, ok2 := twoDigits(rest[4:])
	s, ok3 := twoDigits(rest[7:])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || s > 59 {
		return 0, false
	}
	rem := int64(h*3600+mi*60+s) * unit
	rest = rest[9:]
	if len(rest) > 0 {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return 0, false
		}
		frac, scale := int64(0), unit
		for _, c := range rest[1:] {
			if c < '0' || c > '9' {
				return 0, false
			}
			scale /= 10
			frac += int64(c-'0') * scale
		}
		rem += frac
	}
	per := 86400 * unit
	if days < 0 && rem > 0 { // the same instant, the day's product nearer 0
		days, rem = days+1, rem-per
	}
	if days > math.MaxInt64/per || days < math.MinInt64/per {
		return 0, false
	}
	v := days*per + rem
	if (rem > 0 && v < days*per) || (rem < 0 && v > days*per) {
		return 0, false
	}
	return v, true
}

// ParseNegNaN reads "-nan" in any case, DuckDB's text of a NaN whose sign
// bit is set (the sql job's sum of inf and -inf on amd64), which
// strconv.ParseFloat does not take, as that NaN (DuckDB's cast and CSV
// sniffer read "-NaN" so too).
func ParseNegNaN(b []byte) (float64, bool) {
	if len(b) != 4 || b[0] != '-' || !bytes.EqualFold(b[1:], []byte("nan")) {
		return 0, false
	}
	return math.Copysign(math.NaN(), -1), true
}
