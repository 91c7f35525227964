package pq

import (
	"github.com/scattergather/scattergather/internal/duckfmt"
)

// The date and timestamp formats DuckDB's CSV sniffer tries
// (src/execution/operator/csv_scanner/sniffer/type_detection.cpp,
// format_template_candidates in csv_sniffer.hpp), and its times of day.
//
// A value that starts with three numbers separated twice by the same
// separator, one of '-', '.', '/' or ' ' (StartsWithNumericDate), is read
// with each format of that separator, in the sniffer's order of preference
// (it tries the last template first): for a DATE %y-%m-%d, %Y-%m-%d,
// %d-%m-%y, %d-%m-%Y, %m-%d-%y, %m-%d-%Y; for a TIMESTAMP %y-%m-%d
// %H:%M:%S, %Y-%m-%d %H:%M:%S, %d-%m-%y %H:%M:%S, %d-%m-%Y %H:%M:%S,
// %m-%d-%y %I:%M:%S %p, %m-%d-%Y %I:%M:%S %p, %Y-%m-%d %H:%M:%S.%f, each
// '-' replaced by the separator, and none with %Y-%m-%d (ISO 8601, which
// its cast reads). A column keeps the formats every value reads in and
// takes the first: so 01/02/2001 alone is 1 February (%d/%m/%Y), and with
// 12/31/2000 in the column 2 January (%m/%d/%Y). A value no format reads
// is read as ISO 8601 (2001-01-01), and a column of both is VARCHAR.
// DuckDB 1.5 gives the same types and values (csvcheck's
// TestDateFormsAsDuckDB).

// dateForm is one format: the separator, and the template's fields in
// order, one letter each (y: 2 digits of year, 1969-2068; Y: 2 to 4
// digits; m, d, H, I (1-12), M, S: 1 or 2 digits; f: up to 6 digits of
// fraction; p: AM or PM), '-' for the separator, ' ' for a run of spaces,
// ':' and '.' themselves.
type dateForm struct {
	sep  byte
	tmpl string
}

// dateTemplates and stampTemplates are the sniffer's templates in its
// order of preference.
var (
	dateTemplates  = []string{"y-m-d", "Y-m-d", "d-m-y", "d-m-Y", "m-d-y", "m-d-Y"}
	stampTemplates = []string{"y-m-d H:M:S", "Y-m-d H:M:S", "d-m-y H:M:S", "d-m-Y H:M:S", "m-d-y I:M:S p", "m-d-Y I:M:S p", "Y-m-d H:M:S.f"}
)

// dateForms and stampForms are the formats of each separator: a format's
// bit in a mask of forms is 1 << (its index + 1); bit 0 stands for ISO
// 8601 (formISO).
var dateForms, stampForms = makeForms(dateTemplates), makeForms(stampTemplates)

// formISO is the bit of a mask of forms that stands for ISO 8601, DuckDB's
// cast (duckfmt's forms and sniffforms.go's).
const formISO = 1

func makeForms(templates []string) []dateForm {
	var forms []dateForm
	for _, sep := range []byte{'-', '.', '/', ' '} {
		for _, t := range templates {
			if sep == '-' && t[0] == 'Y' {
				continue // ISO 8601: DuckDB's cast reads it
			}
			forms = append(forms, dateForm{sep: sep, tmpl: t})
		}
	}
	return forms
}

// isSpace is C's isspace, as DuckDB's StringUtil::CharacterIsSpace.
func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// numericDateSep is the separator of a value that starts (after spaces)
// with a number, a separator, a number, the same separator and a number,
// when it is one the sniffer takes ('-', '.', '/', ' '); else 0.
func numericDateSep(v []byte) byte {
	i := 0
	for i < len(v) && isSpace(v[i]) {
		i++
	}
	n := digitRun(v[i:], len(v))
	if n == 0 || i+n >= len(v) {
		return 0
	}
	i += n
	lit1 := i
	for i < len(v) && (v[i] < '0' || v[i] > '9') {
		i++
	}
	sep := v[lit1:i]
	n = digitRun(v[i:], len(v))
	if i == len(v) || i+n >= len(v) {
		return 0
	}
	i += n
	if len(sep) != 1 || len(v)-i < 2 || v[i] != sep[0] || v[i+1] < '0' || v[i+1] > '9' {
		return 0
	}
	switch sep[0] {
	case '-', '.', '/', ' ':
		return sep[0]
	}
	return 0
}

// formsOf is the mask of forms (of dateForms or stampForms) of the
// separator sep that read v, whether any form reads it, and whether the first of them in the mask of
// a column's forms so far gives a real date (DuckDB's sniffer keeps the
// first format that parses a value, 31/04/2001 with %d/%m/%Y, and then
// finds the value is not a date). The mask holds only the forms that give
// a real date: a column whose values settle on a later form (30/02/05
// read as %y/%m/%d, then 01/02/99 only as %d/%m/%y) does not take a form
// one of its values is no date in, which the Writer could not read.
func formsOf(v []byte, sep byte, forms []dateForm, col uint32) (m uint32, parsed, valid bool) {
	first := true
	for i := range forms {
		if forms[i].sep != sep {
			continue
		}
		if c, ok := parseForm(v, &forms[i]); ok {
			parsed = true
			isDate := c.valid()
			if isDate {
				m |= 1 << (i + 1)
			}
			if first && col&(1<<(i+1)) != 0 {
				valid, first = isDate, false
			}
		}
	}
	return m, parsed, valid
}

// valid reports a real date: a day its month has.
func (c *civil) valid() bool { return c.d <= duckfmt.DaysIn(c.y, c.mo) }

// firstForm is the form of the lowest bit of a mask (0: ISO 8601).
func firstForm(m uint32) uint8 {
	for i := range 32 {
		if m&(1<<i) != 0 {
			return uint8(i)
		}
	}
	return 0
}

// civil is a date and time read by a form.
type civil struct {
	y, mo, d, h, mi, s, us int
}

// parseForm reads v in the form f, as DuckDB's StrpTimeFormat::Parse in
// its strict mode reads it (spaces around it allowed; a space of the
// format matches a run of spaces), and checks the date.
func parseForm(v []byte, f *dateForm) (civil, bool) {
	c := civil{y: 1900, mo: 1, d: 1}
	i := 0
	for i < len(v) && isSpace(v[i]) {
		i++
	}
	pm, ampm := false, false
	for k := 0; k < len(f.tmpl); k++ {
		switch t := f.tmpl[k]; t {
		case '-', ' ', ':', '.':
			want := t
			if t == '-' {
				want = f.sep
			}
			if want == ' ' {
				if i >= len(v) || !isSpace(v[i]) {
					return c, false
				}
				for i < len(v) && isSpace(v[i]) {
					i++
				}
				continue
			}
			if i >= len(v) || v[i] != want {
				return c, false
			}
			i++
		case 'p':
			if len(v)-i < 2 || v[i+1]|0x20 != 'm' || v[i]|0x20 != 'a' && v[i]|0x20 != 'p' {
				return c, false
			}
			pm, ampm = v[i]|0x20 == 'p', true
			i += 2
		default:
			width := 2
			switch t {
			case 'Y':
				width = 4
			case 'f':
				width = 6
			}
			n := digitRun(v[i:], width)
			if n == 0 || (t == 'y' || t == 'Y') && n < 2 {
				return c, false
			}
			x := 0
			for _, d := range v[i : i+n] {
				x = x*10 + int(d-'0')
			}
			i += n
			if !c.set(t, x, n) {
				return c, false
			}
		}
	}
	for i < len(v) && isSpace(v[i]) {
		i++
	}
	if i != len(v) {
		return c, false
	}
	if ampm {
		switch {
		case pm && c.h != 12:
			c.h += 12
		case !pm && c.h == 12:
			c.h = 0
		}
	}
	return c, true
}

// set sets the field of one letter of a template to x, read from n
// digits, if x is in its range.
func (c *civil) set(t byte, x, n int) bool {
	switch t {
	case 'y':
		c.y = 2000 + x
		if x >= 69 {
			c.y = 1900 + x
		}
	case 'Y':
		c.y = x
	case 'm', 'd', 'H', 'I', 'M', 'S':
		p, lo, hi := &c.s, 0, 59
		switch t {
		case 'm':
			p, lo, hi = &c.mo, 1, 12
		case 'd':
			p, lo, hi = &c.d, 1, 31
		case 'H':
			p, hi = &c.h, 23
		case 'I':
			p, lo, hi = &c.h, 1, 12
		case 'M':
			p = &c.mi
		}
		*p = x
		return x >= lo && x <= hi
	case 'f':
		for ; n < 6; n++ {
			x *= 10
		}
		c.us = x
	}
	return true
}

// days is the date's days since 1970-01-01.
func (c *civil) days() int64 { return duckfmt.DaysFromCivil(c.y, c.mo, c.d) }

// micros is the date and time in microseconds since 1970-01-01 00:00:00.
func (c *civil) micros() int64 {
	return ((c.days()*24+int64(c.h))*60+int64(c.mi))*60_000_000 + int64(c.s)*1_000_000 + int64(c.us)
}

// looseTime reads a time of day as DuckDB's sniffer takes one
// (Time::TryConvertTime, strict): spaces, an hour of up to 9 digits, ':',
// a minute of 1 or 2 digits (2 when no seconds follow), optionally ':'
// and a second of 1 or 2 digits, a fraction of any digits (cut to
// microseconds), spaces; at most 24:00:00. Its microseconds since
// midnight.
func looseTime(v []byte) (int64, bool) {
	i := 0
	for i < len(v) && isSpace(v[i]) {
		i++
	}
	n := digitRun(v[i:], len(v))
	if n == 0 || n > 9 || i+n >= len(v) || v[i+n] != ':' {
		return 0, false
	}
	var h int64
	for _, d := range v[i : i+n] {
		h = h*10 + int64(d-'0')
	}
	i += n + 1
	var ms [2]int64
	for k := range 2 {
		n = digitRun(v[i:], 2)
		if n == 0 {
			return 0, false
		}
		for _, d := range v[i : i+n] {
			ms[k] = ms[k]*10 + int64(d-'0')
		}
		if ms[k] >= 60 {
			return 0, false
		}
		i += n
		if k == 1 {
			break
		}
		if i == len(v) {
			if n != 2 { // strict: no seconds only after 2 digits of minute
				return 0, false
			}
			break
		}
		if v[i] != ':' {
			return 0, false
		}
		i++
	}
	var us int64
	if i < len(v) && v[i] == '.' {
		i++
		for mult := int64(100000); i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			us += int64(v[i]-'0') * mult
			mult /= 10
		}
	}
	for i < len(v) && isSpace(v[i]) {
		i++
	}
	t := ((h*60+ms[0])*60+ms[1])*1_000_000 + us
	if i != len(v) || t > 86_400_000_000 {
		return 0, false
	}
	return t, true
}

// formDays reads a date in the form (1 + its index in dateForms) a
// TypeSniffer gave its column: its days since 1970-01-01.
func formDays(v []byte, form uint8) (int64, bool) {
	c, ok := formCivil(v, form, dateForms)
	return c.days(), ok
}

// formMicros reads a timestamp in the form (1 + its index in stampForms)
// a TypeSniffer gave its column: its microseconds since 1970-01-01.
func formMicros(v []byte, form uint8) (int64, bool) {
	c, ok := formCivil(v, form, stampForms)
	return c.micros(), ok
}

// formCivil reads a real date (and time) in the form (1 + its index in
// forms).
func formCivil(v []byte, form uint8, forms []dateForm) (civil, bool) {
	if form == 0 || int(form) > len(forms) {
		return civil{}, false
	}
	c, ok := parseForm(v, &forms[form-1])
	return c, ok && c.valid()
}

// formInfinity is the value DuckDB 1.5 reads infinity and -infinity as in
// a column of one of its sniffer's formats: 1900-01-01 00:00:00, in
// microseconds (its StrpTimeFormat takes the special value, then makes
// the date of its fields, which it never set).
const formInfinity = -2_208_988_800_000_000
