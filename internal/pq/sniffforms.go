package pq

import (
	"bytes"

	"github.com/scattergather/scattergather/internal/duckfmt"
)

// The forms of dates, timestamps and integers DuckDB's CSV sniffer types
// that duckfmt's (DuckDB's own output) does not, as DuckDB 1.5 reads them
// (pqcheck's sniffColumns): the TypeSniffer types them and the Writer
// stores them. Each is read into duckfmt's form in a buffer on the stack
// and parsed there, so nothing is allocated.

// looseDate reads a date of 1 or 2 digits of month and day, 2001-1-1,
// with " (BC)" after it (as duckfmt), spaces around it allowed: its days
// since 1970-01-01.
func looseDate(b []byte) (int64, bool) {
	var buf [32]byte
	d, rest, ok := canonDate(buf[:0], bytes.Trim(b, " "))
	if !ok || len(rest) != 0 {
		return 0, false
	}
	return duckfmt.ParseDate(d)
}

// canonDate appends to dst the date b starts with (a year of 4 to 9
// digits, '-', 1 or 2 digits of month, '-', 1 or 2 of day, " (BC)"; '/',
// '\\' or ' ' for both '-', as DuckDB's cast reads them) in duckfmt's
// form, and returns what follows it.
func canonDate(dst, b []byte) ([]byte, []byte, bool) {
	y := digitRun(b, 9)
	if y < 4 || y >= len(b) || b[y] != '-' && b[y] != '/' && b[y] != '\\' && b[y] != ' ' {
		return nil, nil, false
	}
	dst = append(dst, b[:y]...)
	rest, sep := b[y:], b[y]
	for range 2 {
		if len(rest) == 0 || rest[0] != sep {
			return nil, nil, false
		}
		n := digitRun(rest[1:], 2)
		if n == 0 {
			return nil, nil, false
		}
		dst = appendTwo(append(dst, '-'), rest[1:1+n])
		rest = rest[1+n:]
	}
	if bytes.HasPrefix(rest, []byte(" (BC)")) {
		dst, rest = append(dst, " (BC)"...), rest[5:]
	}
	return dst, rest, true
}

// looseTimestamp reads a timestamp as DuckDB's sniffer takes one: a date
// as canonDate reads it, 'T' or spaces or both, then H:M with 1 or 2
// digits each, optionally :S (1 or 2 digits) and a fraction of any digits
// (cut to unit), and after seconds a UTC offset: Z, +HH, +HHMM, +HH:MM or
// +HH:MM:SS (or -); spaces before and after it. It returns the time in
// units since 1970-01-01 00:00:00 UTC, moved by the offset, and whether
// there was one.
func looseTimestamp(b []byte, unit int64) (v int64, zoned, ok bool) {
	var buf [64]byte
	t, rest, ok := canonDate(buf[:0], bytes.Trim(b, " "))
	if !ok {
		return 0, false, false
	}
	sep := len(rest)
	rest = bytes.TrimPrefix(rest, []byte("T"))
	rest = bytes.TrimLeft(rest, " ")
	if len(rest) == sep {
		return 0, false, false
	}
	t = append(t, ' ')
	secs := false
	for i := range 3 {
		n := digitRun(rest, 2)
		if n == 0 {
			return 0, false, false
		}
		t, rest = appendTwo(t, rest[:n]), rest[n:]
		if i == 2 {
			secs = true
			break
		}
		if len(rest) == 0 || rest[0] != ':' {
			if i == 0 {
				return 0, false, false // H alone
			}
			t = append(t, ":00"...)
			break
		}
		t, rest = append(t, ':'), rest[1:]
	}
	if secs && len(rest) > 0 && rest[0] == '.' {
		n := digitRun(rest[1:], len(rest))
		if n > 0 {
			t = append(t, rest[:1+min(n, 9)]...)
		}
		rest = rest[1+n:]
	}
	var off int64
	if secs && len(rest) > 0 {
		if off, rest, ok = looseOffset(rest); !ok {
			return 0, false, false
		}
		zoned = true
	}
	if len(rest) != 0 {
		return 0, false, false
	}
	if v, ok = duckfmt.ParseTimestamp(t, unit); !ok {
		return 0, false, false
	}
	if (off > 0 && v < minInt64+off*unit) || (off < 0 && v > maxInt64+off*unit) {
		return 0, false, false
	}
	return v - off*unit, zoned, true
}

const maxInt64, minInt64 = 1<<63 - 1, -1 << 63

// looseOffset reads a UTC offset at the start of b: Z, or a sign and HH,
// HHMM, HH:MM or HH:MM:SS; its seconds, and what follows it.
func looseOffset(b []byte) (int64, []byte, bool) {
	if b[0] == 'Z' {
		return 0, b[1:], true
	}
	if b[0] != '+' && b[0] != '-' {
		return 0, nil, false
	}
	sign := int64(1)
	if b[0] == '-' {
		sign = -1
	}
	rest := b[1:]
	var off int64
	for i, scale := range []int64{3600, 60, 1} {
		if i > 0 && len(rest) > 0 && rest[0] == ':' {
			rest = rest[1:]
		} else if i > 0 && (i == 2 || digitRun(rest, 2) != 2) {
			break
		}
		if digitRun(rest, 2) != 2 {
			return 0, nil, false
		}
		off += int64((rest[0]-'0')*10+rest[1]-'0') * scale
		rest = rest[2:]
	}
	return sign * off, rest, true
}

// digitRun is how many of b's first bytes, at most max, are digits.
func digitRun(b []byte, max int) int {
	n := 0
	for n < len(b) && n < max && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	return n
}

// appendTwo appends 1 or 2 digits as 2.
func appendTwo(dst, d []byte) []byte {
	if len(d) == 1 {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}

// radixInt reads an integer in DuckDB's 0x (hex) or 0b (binary) form,
// spaces before it allowed, none after (DuckDB's sniffer types 0x10 BIGINT
// but not DOUBLE, and no sign): its value when it fits a BIGINT.
func radixInt(b []byte) (int64, bool) {
	t := bytes.TrimLeft(b, " ")
	if len(t) < 3 || t[0] != '0' {
		return 0, false
	}
	var base uint64
	switch t[1] {
	case 'x', 'X':
		base = 16
	case 'b', 'B':
		base = 2
	default:
		return 0, false
	}
	var v uint64
	for _, c := range t[2:] {
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base || v > (maxInt64-d)/base {
			return 0, false
		}
		v = v*base + d
	}
	return int64(v), true
}
