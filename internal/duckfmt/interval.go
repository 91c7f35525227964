package duckfmt

import "strconv"

// AppendInterval appends an INTERVAL of months, days and microseconds as
// DuckDB casts it to VARCHAR: "1 year 2 months 3 days 04:05:06.007" (years
// and months from the months, the parts that are zero left out, "-1 month"
// and "1 day" singular, the time as a sign, hours of at least two digits,
// minutes, seconds and the fraction without its trailing zeros), "00:00:00"
// for zero.
func AppendInterval(dst []byte, months, days int32, micros int64) []byte {
	start := len(dst)
	part := func(n int64, unit string) {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = strconv.AppendInt(dst, n, 10)
		dst = append(dst, ' ')
		dst = append(dst, unit...)
		if n != 1 && n != -1 {
			dst = append(dst, 's')
		}
	}
	if y := int64(months) / 12; y != 0 {
		part(y, "year")
	}
	if m := int64(months) % 12; m != 0 {
		part(m, "month")
	}
	if days != 0 {
		part(int64(days), "day")
	}
	if micros == 0 && len(dst) > start {
		return dst
	}
	if len(dst) > start {
		dst = append(dst, ' ')
	}
	u := uint64(micros)
	if micros < 0 {
		dst = append(dst, '-')
		u = -u
	}
	h, rest := u/3_600_000_000, u%3_600_000_000
	if h < 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendUint(dst, h, 10)
	secs, frac := rest/1_000_000, rest%1_000_000
	dst = append(dst, ':', byte('0'+secs/600), byte('0'+secs/60%10), ':', byte('0'+secs%60/10), byte('0'+secs%10))
	if frac == 0 {
		return dst
	}
	width := 6
	for frac%10 == 0 {
		frac /= 10
		width--
	}
	dst = append(dst, '.')
	return appendPadded(dst, int64(frac), width)
}

// Interval units in microseconds and days, as DuckDB's Interval has them.
const (
	microsPerDay   = 86_400_000_000
	daysPerMonth   = 30
	microsPerMonth = daysPerMonth * microsPerDay
)

// IntervalKey is an INTERVAL's order key, as DuckDB 1.5 compares INTERVALs
// (interval_t::Normalize, then months, days and microseconds in turn): the
// microseconds past a day carry to the days and the days past 30 to the
// months, both cut toward zero, so that 1 month, 30 days and 720 hours are
// equal. The key is the months and, in rest, the days and microseconds
// left (days * 2 days of microseconds + microseconds: the microseconds
// left are within a day of zero, so rest orders as the pair does); keys
// compare as (months, rest).
func IntervalKey(months, days int32, micros int64) (m, rest int64) {
	carryDays := micros / microsPerDay
	micros -= carryDays * microsPerDay
	d := int64(days) + carryDays
	carryMonths := d / daysPerMonth
	d -= carryMonths * daysPerMonth
	return int64(months) + carryMonths, d*2*microsPerDay + micros
}

// intervalUnits are the unit names ParseInterval reads (any case), as
// DuckDB names them, with their months, days or microseconds.
var intervalUnits = map[string]struct{ months, days, micros int64 }{
	"millennium": {months: 12000}, "millennia": {months: 12000}, "millenniums": {months: 12000},
	"century": {months: 1200}, "centuries": {months: 1200}, "cent": {months: 1200}, "c": {months: 1200},
	"decade": {months: 120}, "decades": {months: 120}, "dec": {months: 120}, "decs": {months: 120},
	"year": {months: 12}, "years": {months: 12}, "y": {months: 12}, "yr": {months: 12}, "yrs": {months: 12},
	"quarter": {months: 3}, "quarters": {months: 3},
	"month": {months: 1}, "months": {months: 1}, "mon": {months: 1}, "mons": {months: 1},
	"week": {days: 7}, "weeks": {days: 7}, "w": {days: 7},
	"day": {days: 1}, "days": {days: 1}, "d": {days: 1},
	"hour": {micros: 3_600_000_000}, "hours": {micros: 3_600_000_000}, "h": {micros: 3_600_000_000},
	"hr": {micros: 3_600_000_000}, "hrs": {micros: 3_600_000_000},
	"minute": {micros: 60_000_000}, "minutes": {micros: 60_000_000}, "m": {micros: 60_000_000},
	"min": {micros: 60_000_000}, "mins": {micros: 60_000_000},
	"second": {micros: 1_000_000}, "seconds": {micros: 1_000_000}, "s": {micros: 1_000_000},
	"sec": {micros: 1_000_000}, "secs": {micros: 1_000_000},
	"millisecond": {micros: 1000}, "milliseconds": {micros: 1000}, "ms": {micros: 1000},
	"msec": {micros: 1000}, "msecs": {micros: 1000},
	"microsecond": {micros: 1}, "microseconds": {micros: 1}, "us": {micros: 1},
	"usec": {micros: 1}, "usecs": {micros: 1},
}

// ParseInterval reads an INTERVAL's text as DuckDB casts the common forms:
// whole numbers of units ("1 year 2 months", "-3 days", "30days", "2 hours
// ago"), a time [-]H:MM[:SS[.ffffff]], and what AppendInterval writes.
// False for anything else (a fractional count of a unit, which DuckDB
// reads, among it), on overflow and for more than 2^53 microseconds. It does not allocate.
func ParseInterval(b []byte) (months, days int32, micros int64, ok bool) {
	var m, d, us int64
	var buf [12]byte
	i, any := 0, false
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			break
		}
		neg := false
		if b[i] == '+' || b[i] == '-' {
			neg = b[i] == '-'
			i++
		}
		n, j, ok := digits(b, i)
		if !ok {
			if w := lowerWord(&buf, b, i); any && string(w) == "ago" && !neg {
				i += 3
				for i < len(b) && isSpace(b[i]) {
					i++
				}
				if i != len(b) {
					return 0, 0, 0, false
				}
				m, d, us = -m, -d, -us
				break
			}
			return 0, 0, 0, false
		}
		i, any = j, true
		if i < len(b) && b[i] == ':' {
			t, j, ok := clock(b, n, i)
			if !ok {
				return 0, 0, 0, false
			}
			if neg {
				t = -t
			}
			us, i = us+t, j
			continue
		}
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		w := lowerWord(&buf, b, i)
		u, known := intervalUnits[string(w)]
		if !known || u.micros != 0 && n > 1<<62/u.micros {
			return 0, 0, 0, false
		}
		i += len(w)
		if neg {
			n = -n
		}
		m, d, us = m+n*u.months, d+n*u.days, us+n*u.micros
		if us > 1<<53 || us < -1<<53 { // exact in a float64

			return 0, 0, 0, false
		}
	}
	if !any || m != int64(int32(m)) || d != int64(int32(d)) || us > 1<<53 || us < -1<<53 {
		return 0, 0, 0, false
	}
	return int32(m), int32(d), us, true
}

// digits reads the decimal digits at b[i:] (at most 12 of them).
func digits(b []byte, i int) (n int64, j int, ok bool) {
	for j = i; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		if j-i == 12 {
			return 0, 0, false
		}
		n = n*10 + int64(b[j]-'0')
	}
	return n, j, j > i
}

// clock reads the rest of a time H:MM[:SS[.ffffff]] whose hours, h, end at
// b[i] (the ':'), as microseconds.
func clock(b []byte, h int64, i int) (us int64, j int, ok bool) {
	mm, j, ok := digits(b, i+1)
	if !ok || h > 2_000_000_000 || j-i != 3 || mm > 59 {
		return 0, 0, false
	}
	us = h*3_600_000_000 + mm*60_000_000
	if j < len(b) && b[j] == ':' {
		var ss int64
		k := j
		if ss, j, ok = digits(b, k+1); !ok || j-k != 3 || ss > 59 {
			return 0, 0, false
		}
		us += ss * 1_000_000
		if j < len(b) && b[j] == '.' {
			k = j + 1
			scale := int64(100_000)
			for j = k; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
				us += int64(b[j]-'0') * scale
				scale /= 10
			}
			if j == k || j-k > 6 {
				return 0, 0, false
			}
		}
	}
	return us, j, true
}

// lowerWord is the ASCII letters at b[i:], lowered into buf, as unit
// names are matched: empty for none or a word longer than any unit.
func lowerWord(buf *[12]byte, b []byte, i int) []byte {
	n := 0
	for j := i; j < len(b) && (b[j]|0x20 >= 'a' && b[j]|0x20 <= 'z'); j++ {
		if n == len(buf) {
			return nil
		}
		buf[n] = b[j] | 0x20
		n++
	}
	return buf[:n]
}

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }
