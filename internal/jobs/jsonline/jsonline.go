package jsonline

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// Errors of Object.
var (
	ErrSyntax    = errors.New("json syntax error")
	ErrNotObject = errors.New("json value is not an object")
)

// MaxDepth is the deepest nesting of objects and arrays accepted, as in encoding/json.
const MaxDepth = 10000

// Kind is the type of a JSON value.
type Kind uint8

// The kinds of JSON values.
const (
	String Kind = iota + 1
	Number
	True
	False
	Null
	Object
	Array
)

// Member is one top-level member of an object: line[KeyStart:KeyEnd] is the key
// token and line[ValStart:ValEnd] the value token, quotes included for strings.
// KeyPlain reports that the key's text is the bytes between its quotes.
type Member struct {
	KeyStart, KeyEnd int
	ValStart, ValEnd int
	Kind             Kind
	KeyPlain         bool
	ValPlain         bool // for a String: its text is the bytes between its quotes
}

// Key returns the raw key token.
func (m Member) Key(line []byte) []byte { return line[m.KeyStart:m.KeyEnd] }

// Value returns the raw value token.
func (m Member) Value(line []byte) []byte { return line[m.ValStart:m.ValEnd] }

// IsSpace reports JSON whitespace.
func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Blank reports whether line is empty or only JSON whitespace.
func Blank(line []byte) bool {
	for _, c := range line {
		if !IsSpace(c) {
			return false
		}
	}
	return true
}

type scanner struct {
	b   []byte
	i   int
	err error
}

// Members validates line as one JSON value (the same acceptance as
// encoding/json.Valid) that must be an object, and appends its top-level
// members to dst[:0] in order (duplicates included).
func Members(dst []Member, line []byte) ([]Member, error) {
	dst = dst[:0]
	s := scanner{b: line}
	s.space()
	if s.i >= len(s.b) {
		return dst, ErrSyntax
	}
	if s.b[s.i] != '{' {
		// Validate first so that garbage is a syntax error, not "not an object".
		s.value(0)
		s.space()
		if s.err != nil || s.i != len(s.b) {
			return dst, ErrSyntax
		}
		return dst, ErrNotObject
	}
	for more := s.open('}'); more; more = s.more('}') {
		m := s.member(1)
		if s.err != nil {
			return dst, ErrSyntax
		}
		dst = append(dst, m)
	}
	s.space()
	if s.err != nil || s.i != len(s.b) {
		return dst, ErrSyntax
	}
	return dst, nil
}

// Valid reports whether line is one valid JSON value, as encoding/json.Valid.
func Valid(line []byte) bool {
	s := scanner{b: line}
	s.space()
	s.value(0)
	s.space()
	return s.err == nil && s.i == len(s.b)
}

func (s *scanner) space() {
	for s.i < len(s.b) && IsSpace(s.b[s.i]) {
		s.i++
	}
}

func (s *scanner) fail() {
	if s.err == nil {
		s.err = ErrSyntax
	}
	s.i = len(s.b)
}

// value scans one value at s.i; depth is the nesting of the enclosing containers.
func (s *scanner) value(depth int) (Kind, bool) {
	if s.err != nil || s.i >= len(s.b) {
		s.fail()
		return 0, false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return String, s.str()
	case c == '{' || c == '[':
		return s.container(c, depth+1)
	case c == '-' || (c >= '0' && c <= '9'):
		s.number()
		return Number, false
	case c == 't':
		s.literal("true")
		return True, false
	case c == 'f':
		s.literal("false")
		return False, false
	case c == 'n':
		s.literal("null")
		return Null, false
	}
	s.fail()
	return 0, false
}

// container scans an object (start '{') or an array (start '[') at s.i,
// its members or elements at depth.
func (s *scanner) container(start byte, depth int) (Kind, bool) {
	if depth > MaxDepth {
		s.fail()
		return 0, false
	}
	kind, end := Array, byte(']')
	if start == '{' {
		kind, end = Object, '}'
	}
	for more := s.open(end); more; more = s.more(end) {
		if kind == Object {
			s.member(depth)
		} else {
			s.value(depth)
		}
	}
	return kind, false
}

// open consumes a container's opening byte and the whitespace after it; it
// reports whether an element follows, false when it consumed the closing byte
// end at once.
func (s *scanner) open(end byte) bool {
	s.i++
	s.space()
	if s.i < len(s.b) && s.b[s.i] == end {
		s.i++
		return false
	}
	return true
}

// more consumes what follows an element of a container closed by end: it
// reports whether another element follows a ",", false after end or on error.
func (s *scanner) more(end byte) bool {
	s.space()
	if s.err == nil && s.i < len(s.b) {
		switch s.b[s.i] {
		case ',':
			s.i++
			s.space()
			return true
		case end:
			s.i++
			return false
		}
	}
	s.fail()
	return false
}

// member scans one object member at s.i, its value at the given depth.
func (s *scanner) member(depth int) (m Member) {
	if s.err != nil || s.i >= len(s.b) || s.b[s.i] != '"' {
		s.fail()
		return m
	}
	m.KeyStart = s.i
	m.KeyPlain = s.str()
	m.KeyEnd = s.i
	s.space()
	if s.err != nil || s.i >= len(s.b) || s.b[s.i] != ':' {
		s.fail()
		return m
	}
	s.i++
	s.space()
	m.ValStart = s.i
	m.Kind, m.ValPlain = s.value(depth)
	m.ValEnd = s.i
	return m
}

func (s *scanner) literal(lit string) {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		s.fail()
		return
	}
	s.i += len(lit)
}

func (s *scanner) digits() int {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - start
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() {
	b := s.b
	if s.i < len(b) && b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(b) && b[s.i] == '0':
		s.i++
	case s.i < len(b) && b[s.i] >= '1' && b[s.i] <= '9':
		s.digits()
	default:
		s.fail()
		return
	}
	if s.i < len(b) && b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			s.fail()
			return
		}
	}
	if s.i < len(b) && (b[s.i] == 'e' || b[s.i] == 'E') {
		s.i++
		if s.i < len(b) && (b[s.i] == '+' || b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			s.fail()
		}
	}
}

// str scans a string token; it reports whether its text is exactly the bytes
// between the quotes (no escapes, valid UTF-8).
func (s *scanner) str() bool {
	b := s.b
	s.i++ // opening quote
	plain := true
	high := false
	start := s.i
	for s.i < len(b) {
		c := b[s.i]
		switch {
		case c == '"':
			if high && plain && !utf8.Valid(b[start:s.i]) {
				plain = false
			}
			s.i++
			return plain
		case c == '\\':
			plain = false
			s.i++
			if s.i >= len(b) {
				s.fail()
				return false
			}
			switch b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				s.i++
				if len(b)-s.i < 4 {
					s.fail()
					return false
				}
				for k := 0; k < 4; k++ {
					if !isHex(b[s.i+k]) {
						s.fail()
						return false
					}
				}
				s.i += 4
			default:
				s.fail()
				return false
			}
		case c < 0x20:
			s.fail()
			return false
		default:
			if c >= utf8.RuneSelf {
				high = true
			}
			s.i++
		}
	}
	s.fail()
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// AppendString appends the text of the valid string token tok (quotes
// included) to dst, decoding escapes and replacing invalid UTF-8 and unpaired
// surrogates with U+FFFD exactly as encoding/json does.
func AppendString(dst, tok []byte) []byte {
	s := tok[1 : len(tok)-1]
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			r++
			switch e := s[r]; e {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				rr := hex4(s[r+1:])
				r += 5
				if utf16.IsSurrogate(rr) {
					if len(s)-r >= 6 && s[r] == '\\' && s[r+1] == 'u' && allHex(s[r+2:r+6]) {
						if dec := utf16.DecodeRune(rr, hex4(s[r+2:])); dec != utf8.RuneError {
							r += 6
							dst = utf8.AppendRune(dst, dec)
							continue
						}
					}
					rr = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, rr)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, e)
			}
			r++
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			dst = utf8.AppendRune(dst, rr)
		}
	}
	return dst
}

func allHex(b []byte) bool {
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Text returns the member value's text: a string's decoded text (a view into
// line when ValPlain, else written into scratch[:0]) or any other value's raw
// token. It returns the possibly grown scratch buffer for reuse.
func (m Member) Text(line, scratch []byte) (text, buf []byte) {
	if m.Kind != String {
		return line[m.ValStart:m.ValEnd], scratch
	}
	if m.ValPlain {
		return line[m.ValStart+1 : m.ValEnd-1], scratch
	}
	buf = AppendString(scratch[:0], line[m.ValStart:m.ValEnd])
	return buf, buf
}

// KeyText returns the member's decoded key: a view into line when KeyPlain,
// else written into scratch[:0]. It returns the possibly grown scratch buffer
// for reuse.
func (m Member) KeyText(line, scratch []byte) (text, buf []byte) {
	if m.KeyPlain {
		return line[m.KeyStart+1 : m.KeyEnd-1], scratch
	}
	buf = AppendString(scratch[:0], line[m.KeyStart:m.KeyEnd])
	return buf, buf
}

// KeyEquals reports whether the member's decoded key is name; scratch is a
// reusable buffer for keys with escapes.
func (m Member) KeyEquals(line []byte, name string, scratch []byte) (bool, []byte) {
	key, scratch := m.KeyText(line, scratch)
	return string(key) == name, scratch
}
