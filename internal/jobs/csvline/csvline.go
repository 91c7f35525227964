package csvline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
)

// ErrQuote reports bad quoting: a quote inside an unquoted field, text after a
// closing quote, or a quoted field not closed in its record.
var ErrQuote = errors.New("bad quoting")

// Field is one field of a line: line[Start:End] are its raw bytes, quotes
// included when Quoted. Escaped reports an escape inside a quoted field: a
// doubled quote, or with an Escape byte other than the quote, that byte
// (which makes the next one literal).
type Field struct {
	Start, End int
	Quoted     bool
	Escaped    bool
	// Escape is the byte that escapes the next one inside the quoted
	// field when it is not its quote (a backslash: Quoting.Escape); 0 when
	// a quote is escaped by doubling it.
	Escape byte
}

// Quoting is how a CSV dialect quotes a field (DuckDB's read_csv quote and
// escape): Quote opens a quoted field at a field's start and closes it;
// inside one, Escape makes the next byte literal (whatever it is, as
// DuckDB reads it: a backslash before a quote, a backslash or any other
// byte), or, when Escape is Quote, a doubled quote is one quote (RFC 4180).
type Quoting struct {
	Quote, Escape byte
}

// RFC4180 is the quoting of RFC 4180 and of most CSV files: fields quoted
// with '"', a quote inside one doubled.
var RFC4180 = Quoting{Quote: '"', Escape: '"'}

// Doubled reports whether a quote inside a quoted field is escaped by
// doubling it.
func (qt Quoting) Doubled() bool { return qt.Escape == qt.Quote }

// TrimCR removes one trailing "\r".
func TrimCR(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}

// Split appends the fields of a record to dst[:0] and returns them. line is
// one CSV record (split.PartCSV's) whose fields delim separates (',' in a
// CSV file, '\t', ';' or '|' in others): it may hold "\n" inside quoted
// fields, and should already have its trailing "\r" removed (TrimCR). An
// empty line is one empty field.
func Split(dst []Field, line []byte, delim byte) ([]Field, error) {
	return SplitQuoted(dst, line, delim, RFC4180)
}

// SplitQuoted is Split with fields quoted as qt says.
func SplitQuoted(dst []Field, line []byte, delim byte, qt Quoting) ([]Field, error) {
	dst = dst[:0]
	n := len(line)
	delims, quotes := Word(delim), Word(qt.Quote)
	for start := 0; ; {
		j := nextSpecial(line, start, delim, qt.Quote, delims, quotes)
		if j < n && line[j] == qt.Quote {
			if j != start {
				return dst, ErrQuote // a quote inside an unquoted field
			}
			f, err := quoted(line, start, qt)
			if err != nil {
				return dst, err
			}
			dst = append(dst, f)
			if f.End == n {
				return dst, nil
			}
			if line[f.End] != delim {
				return dst, ErrQuote
			}
			start = f.End + 1
			continue
		}
		dst = append(dst, Field{Start: start, End: j})
		if j == n {
			return dst, nil
		}
		start = j + 1
	}
}

// quoted reads the quoted field that starts at line[i] (a quote, qt's);
// its End is just past the closing quote.
func quoted(line []byte, i int, qt Quoting) (Field, error) {
	f := Field{Start: i, Quoted: true}
	j := i + 1
	if !qt.Doubled() {
		f.Escape = qt.Escape
		k, escaped := CloseQuote(line[j:], qt)
		if k < 0 {
			return f, ErrQuote // not closed on this line
		}
		f.Escaped, f.End = escaped, j+k+1
		return f, nil
	}
	for {
		k := bytes.IndexByte(line[j:], qt.Quote)
		if k < 0 {
			return f, ErrQuote // not closed on this line
		}
		j += k + 1 // just past the quote
		if j < len(line) && line[j] == qt.Quote {
			f.Escaped = true
			j++
			continue
		}
		f.End = j
		return f, nil
	}
}

// CloseQuote returns the index in b of the quote that closes a quoted
// field whose inside b starts (not after an escape byte), for a quoting
// whose escape is not its quote, and whether an escape byte came before
// it; -1 when none does in b. A quote is escaped when an odd run of
// escape bytes is just before it: each escape byte takes the next byte,
// so of a run the bytes pair up from its first, which follows a byte
// that is not an escape (or no byte of b), and a quote ends no run.
func CloseQuote(b []byte, qt Quoting) (int, bool) {
	escaped := false
	for i := 0; ; {
		k := bytes.IndexByte(b[i:], qt.Quote)
		if k < 0 {
			return -1, escaped || bytes.IndexByte(b[i:], qt.Escape) >= 0
		}
		k += i
		run := 0
		for run < k-i && b[k-1-run] == qt.Escape {
			run++
		}
		if !escaped && bytes.IndexByte(b[i:k], qt.Escape) >= 0 {
			escaped = true
		}
		if run%2 == 0 {
			return k, escaped
		}
		i = k + 1 // an escaped quote
	}
}

// Bytes of a little-endian word, for nextSpecial.
const (
	lo7    = 0x7f7f7f7f7f7f7f7f
	lo8    = 0x0101010101010101
	quotes = 0x2222222222222222
)

// Word is the little-endian word whose 8 bytes are all c: the delimiter
// pattern Specials compares a word with.
func Word(c byte) uint64 { return lo8 * uint64(c) }

// bytesEqual marks (with its high bit) each byte of x that equals the byte
// repeated in pattern, exactly, with no carry between bytes.
func bytesEqual(x, pattern uint64) uint64 {
	y := x ^ pattern
	return ^((y&lo7 + lo7) | y | lo7)
}

// Bytes of a little-endian word that are newlines, for Specials.
const newlines = 0x0a0a0a0a0a0a0a0a

// Specials marks (with its high bit) each byte of the little-endian word x
// that separates CSV fields or records, the delimiter or a "\n", in seps,
// and each '"' in quoteMarks: a scan of quote-free records reads 8 bytes at
// a time and visits only the marked ones. delims is Word(delimiter), made
// once per scan rather than once per word.
func Specials(x, delims uint64) (seps, quoteMarks uint64) {
	return bytesEqual(x, delims) | bytesEqual(x, newlines), bytesEqual(x, quotes)
}

// nextSpecial returns the index of the first delim or quote at or after
// i, or len(line); delims is Word(delim), quotes Word(quote). It looks at
// 8 bytes at a time: most fields are short, and a search call per field
// costs more than the field.
func nextSpecial(line []byte, i int, delim, quote byte, delims, quotes uint64) int {
	for ; i+8 <= len(line); i += 8 {
		x := binary.LittleEndian.Uint64(line[i:])
		if m := bytesEqual(x, delims) | bytesEqual(x, quotes); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(line); i++ {
		if c := line[i]; c == delim || c == quote {
			return i
		}
	}
	return len(line)
}

// Raw returns the field's bytes as they stand in line.
func (f Field) Raw(line []byte) []byte { return line[f.Start:f.End] }

// Value returns the field's decoded value: a view into line when no decoding
// is needed, otherwise the value written into scratch[:0]. It returns the
// (possibly grown) scratch buffer for reuse.
func (f Field) Value(line, scratch []byte) (val, buf []byte) {
	if !f.Quoted {
		return line[f.Start:f.End], scratch
	}
	inner := line[f.Start+1 : f.End-1]
	if !f.Escaped {
		return inner, scratch
	}
	buf = scratch[:0]
	if f.Escape != 0 {
		// Each escape byte is dropped and the byte after it kept.
		for len(inner) > 0 {
			k := bytes.IndexByte(inner, f.Escape)
			if k < 0 || k+1 == len(inner) {
				buf = append(buf, inner...)
				break
			}
			buf = append(buf, inner[:k]...)
			buf = append(buf, inner[k+1])
			inner = inner[k+2:]
		}
		return buf, buf
	}
	quote := line[f.Start]
	for len(inner) > 0 {
		k := bytes.IndexByte(inner, quote)
		if k < 0 {
			buf = append(buf, inner...)
			break
		}
		buf = append(buf, inner[:k+1]...) // keep one quote of the pair
		inner = inner[k+2:]
	}
	return buf, buf
}

// NeedsQuote reports whether v must be quoted in CSV output: it contains a
// comma, a quote, "\r" or "\n". (8 bytes at a time, the last word
// overlapping the one before it, and a table lookup per byte under 8:
// bytes.ContainsAny costs hundreds of instructions on the short keys of a
// groupby's output.)
func NeedsQuote(v []byte) bool {
	n := len(v)
	if n < 8 {
		for _, c := range v {
			if mustQuote[c] {
				return true
			}
		}
		return false
	}
	for i := 0; i+8 < n; i += 8 {
		if quoteWord(binary.LittleEndian.Uint64(v[i:])) {
			return true
		}
	}
	return quoteWord(binary.LittleEndian.Uint64(v[n-8:]))
}

// quoteWord reports whether one of x's 8 bytes is one NeedsQuote looks for:
// (y - 0x01…) &^ y & 0x80… is not zero exactly when a byte of y is zero.
func quoteWord(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	c, q, r, n := x^(lo*','), x^(lo*'"'), x^(lo*'\r'), x^(lo*'\n')
	return ((c-lo)&^c|(q-lo)&^q|(r-lo)&^r|(n-lo)&^n)&hi != 0
}

// mustQuote is the set of bytes NeedsQuote looks for.
var mustQuote = [256]bool{',': true, '"': true, '\r': true, '\n': true}

// AppendField appends v to dst as one CSV field, quoted (with doubled quotes)
// only when NeedsQuote(v).
func AppendField(dst, v []byte) []byte {
	if !NeedsQuote(v) {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for {
		k := bytes.IndexByte(v, '"')
		if k < 0 {
			break
		}
		dst = append(dst, v[:k+1]...)
		dst = append(dst, '"')
		v = v[k+1:]
	}
	dst = append(dst, v...)
	return append(dst, '"')
}

// Header is a CSV header row of names: the fields (AppendField) joined by commas, and a
// newline.
func Header(names []string) []byte {
	var h []byte
	for i, n := range names {
		if i > 0 {
			h = append(h, ',')
		}
		h = AppendField(h, []byte(n))
	}
	return append(h, '\n')
}
