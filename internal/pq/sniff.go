package pq

import (
	"bytes"
	"strings"

	"github.com/scattergather/scattergather/internal/duckfmt"
)

// The types a TypeSniffer can give a column besides VARCHAR, in DuckDB's order of
// preference.
const (
	sniffBool uint8 = 1 << iota
	sniffBigint
	sniffDouble
	sniffDate
	sniffTimestamp
	sniffTimestampTZ
	sniffTime
	sniffAll = 1<<iota - 1

	sniffInfinity = sniffDate | sniffTimestamp | sniffTimestampTZ // infinity, -infinity
)

// TypeSniffer types a column of text by all its values, as DuckDB's CSV sniffer
// types a column it reads with sample_size = -1
// (https://duckdb.org/docs/data/csv/auto_detection): each value keeps the
// candidate types it reads as, and the column takes the first of BOOLEAN,
// BIGINT, DOUBLE, TIME, DATE, TIMESTAMP, TIMESTAMP WITH TIME ZONE that every value
// reads as, else VARCHAR (also for a column of nulls only). It takes the
// forms DuckDB's sniffer takes that jobs write: booleans true, false, t, f,
// yes and no in any case; integers with a leading - (not +) and no leading
// zero (007 is VARCHAR, as in DuckDB), with spaces around them (but one
// with spaces after it is not a DOUBLE: 7 followed by a space and 1.5 are
// VARCHAR), past int64 a DOUBLE; doubles such as 1.5, .5, 5., 1e5, nan, -nan, inf, with spaces before
// them; DATE as YYYY-MM-DD (years before 1 with " (BC)"); TIMESTAMP as
// YYYY-MM-DD HH:MM:SS[.fffffffff], and the looser forms DuckDB's sniffer
// takes (sniffforms.go: 2001-1-1, a T or more spaces before the time, 1
// digit of hour, minute or second, no seconds, a fraction of any length);
// infinity and -infinity, in any case, as either (where DuckDB's sniffer,
// depending on the values' order, may give a column of timestamps and
// infinities TIMESTAMP WITH TIME ZONE or VARCHAR); a timestamp with seconds
// and a UTC offset (+00, -05:30, +0100, Z) a TIMESTAMP WITH TIME ZONE;
// integers written 0x10 or 0b101 (no sign, within int64) BIGINT but not
// DOUBLE; dates and timestamps in the formats DuckDB's sniffer tries
// (sniffdates.go: 01/02/2001, 2001/01/01, 1.2.2001, 01-02-03, 01/02/2001
// 10:00:00 PM, ...), the column in the first format all its values read
// in (its Column's Form), and '/', '\\' or ' ' in place of ISO 8601's '-';
// times of day as Time::TryConvertTime reads them (10:30, 1:2:3,
// 10:30:00.5, 24:00:00) a TIME. Unlike DuckDB, which picks one format for
// each type per file (a column of 01/02/2001 after one of 2001-01-01 is
// VARCHAR to it), each column picks its own. pqcheck's
// TestSelectCSVOutputTypedAsDuckDBSniffs and csvcheck's
// TestDateFormsAsDuckDB hold it to DuckDB. The zero TypeSniffer has seen
// no value.
type TypeSniffer struct {
	cand uint8
	seen bool
	// dates and stamps are the forms (sniffdates.go) every value read as
	// a DATE, a TIMESTAMP, reads in.
	dates, stamps uint32
}

// Add narrows the column's type by one value that is not NULL.
func (s *TypeSniffer) Add(v []byte) {
	if !s.seen {
		s.cand, s.seen = sniffAll, true
		s.dates, s.stamps = ^uint32(0), ^uint32(0)
	}
	if s.cand == 0 {
		return
	}
	c := sniffValue(v)
	if s.cand&sniffTime != 0 {
		if _, ok := looseTime(v); ok {
			c |= sniffTime
		}
	}
	if s.cand&(sniffDate|sniffTimestamp) != 0 && c&sniffInfinity != sniffInfinity {
		c = s.addForms(v, c)
	}
	s.cand &= c
}

// addForms narrows the column's forms of DATE and TIMESTAMP by a value
// whose ISO 8601 types are c (sniffValue), and returns its types: a value
// one of the sniffer's formats reads is in that format, not in ISO 8601
// (as DuckDB's sniffer tries its formats first).
func (s *TypeSniffer) addForms(v []byte, c uint8) uint8 {
	dm, tm := uint32(0), uint32(0)
	if c&sniffDate != 0 {
		dm = formISO
	}
	if c&sniffTimestamp != 0 {
		tm = formISO
	}
	if sep := numericDateSep(v); sep != 0 {
		if m, parsed, valid := formsOf(v, sep, dateForms, s.dates); parsed {
			dm, c = 0, c&^sniffDate
			if valid {
				dm, c = m, c|sniffDate
			}
		}
		if m, parsed, valid := formsOf(v, sep, stampForms, s.stamps); parsed {
			tm, c = 0, c&^(sniffTimestamp|sniffTimestampTZ)
			if valid {
				tm, c = m, c|sniffTimestamp
			}
		}
	}
	if s.dates &= dm; s.dates == 0 {
		c &^= sniffDate
	}
	if s.stamps &= tm; s.stamps == 0 {
		c &^= sniffTimestamp
	}
	return c
}

// Column is the output column of the type the values seen so far give.
func (s *TypeSniffer) Column() OutputColumn {
	c := s.cand
	switch {
	case !s.seen || c == 0:
		return OutputColumn{Kind: OutString}
	case c&sniffBool != 0:
		return OutputColumn{Kind: OutBoolean}
	case c&sniffBigint != 0:
		return OutputColumn{Kind: OutInt64}
	case c&sniffDouble != 0:
		return OutputColumn{Kind: OutDouble}
	case c&sniffTime != 0:
		return OutputColumn{Kind: OutTime}
	case c&sniffDate != 0:
		return OutputColumn{Kind: OutDate, Form: firstForm(s.dates)}
	case c&sniffTimestamp != 0:
		return OutputColumn{Kind: OutTimestamp, Form: firstForm(s.stamps)}
	}
	return OutputColumn{Kind: OutTimestampTZ}
}

// sniffValue is the candidate types one value reads as.
func sniffValue(v []byte) uint8 {
	if len(v) == 0 {
		return 0
	}
	switch {
	case foldIn(v, "true", "false", "t", "f", "yes", "no"):
		return sniffBool
	case foldIn(v, "nan", "-nan", "inf", "-inf"):
		return sniffDouble
	case foldIn(bytes.Trim(v, " "), "infinity", "-infinity"):
		// DuckDB's sniffer takes them as DATE, and as a timestamp in an
		// order it depends on; here as any of the three.
		return sniffInfinity
	}
	if t := bytes.Trim(v, " "); len(t) > 0 && (t[0] == '-' || t[0] == '.' || t[0] >= '0' && t[0] <= '9') {
		if _, ok := radixInt(v); ok {
			return sniffBigint // 0x10, 0b101: a BIGINT, not a DOUBLE
		}
		if n := sniffNumber(v); n != 0 {
			return n
		}
		if _, ok := duckfmt.ParseDate(t); ok {
			return sniffDate
		}
	}
	if bytes.Contains(v, []byte("(BC)")) {
		return 0 // DuckDB's sniffer takes no timestamp before year 1
	}
	if _, ok := duckfmt.ParseTimestamp(v, 1e6); ok {
		return sniffTimestamp | sniffTimestampTZ
	}
	return sniffLoose(v) // with an offset too (where cutOffset's split would allocate)
}

// sniffLoose is the candidate types of the dates and timestamps DuckDB's
// sniffer takes in forms duckfmt does not (sniffforms.go): 2001-1-1, a T,
// no seconds, a Z or an offset without a colon.
func sniffLoose(v []byte) uint8 {
	if _, ok := looseDate(v); ok {
		return sniffDate
	}
	if _, zoned, ok := looseTimestamp(v, 1e6); ok {
		if zoned {
			return sniffTimestampTZ
		}
		return sniffTimestamp | sniffTimestampTZ
	}
	return 0
}

// sniffNumber is the candidate types of a number's text: BIGINT and DOUBLE,
// DOUBLE, or none.
func sniffNumber(v []byte) uint8 {
	lead := bytes.TrimLeft(v, " ")
	t := bytes.TrimRight(lead, " ")
	digits := t
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	intPart := digits
	if i := bytes.IndexAny(digits, ".eE"); i >= 0 {
		intPart = digits[:i]
	}
	for _, c := range intPart {
		if c < '0' || c > '9' {
			return 0
		}
	}
	if len(intPart) > 1 && intPart[0] == '0' && t[0] != '-' {
		return 0 // DuckDB's sniffer keeps 007 and 00.5 as text
	}
	if len(intPart) == len(digits) && len(digits) > 0 {
		fits := fitsInt64(t[0] == '-', digits)
		switch {
		case len(lead) != len(t) && fits:
			return sniffBigint // "7 ": a BIGINT's text, not a DOUBLE's (DuckDB types 7 and 1.5 VARCHAR)
		case fits:
			return sniffBigint | sniffDouble
		case len(lead) != len(t):
			return 0 // 1e20 followed by a space: not a DOUBLE's text
		}
		return sniffDouble
	}
	if len(lead) != len(t) || !floatText(digits) {
		return 0
	}
	return sniffDouble
}

// foldIn reports whether v is one of words (lower case), in any case, with
// no allocation (the sniffer sees every value of a column).
func foldIn(v []byte, words ...string) bool {
	for _, w := range words {
		if len(v) == len(w) && strings.EqualFold(string(v), w) {
			return true
		}
	}
	return false
}

// fitsInt64 reports whether the decimal digits (no sign), negated when neg,
// are a BIGINT's value, as strconv.ParseInt would say without its error's
// allocation.
func fitsInt64(neg bool, digits []byte) bool {
	const maxInt, minInt = "9223372036854775807", "9223372036854775808"
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	switch {
	case len(digits) < len(maxInt):
		return true
	case len(digits) > len(maxInt):
		return false
	case neg:
		return string(digits) <= minInt
	}
	return string(digits) <= maxInt
}

// floatText reports whether t (without its sign) is digits with an
// optional fraction and exponent, as 1.5, .5, 5., 1e5, 2.5E-3.
func floatText(t []byte) bool {
	i, n := 0, 0
	for ; i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
		n++
	}
	if i < len(t) && t[i] == '.' {
		for i++; i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
			n++
		}
	}
	if n == 0 {
		return false
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		e := i
		for ; i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
		}
		if i == e {
			return false
		}
	}
	return i == len(t)
}
