package csvline

import (
	"bytes"
	"errors"
)

// ErrQuote reports bad quoting: a quote inside an unquoted field, text after a
// closing quote, or a quoted field not closed on its line.
var ErrQuote = errors.New("bad quoting")

// Field is one field of a line: line[Start:End] are its raw bytes, quotes
// included when Quoted. Escaped reports a doubled quote inside a quoted field.
type Field struct {
	Start, End int
	Quoted     bool
	Escaped    bool
}

// TrimCR removes one trailing "\r".
func TrimCR(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}

// Split appends the fields of line to dst[:0] and returns them. line must not
// contain "\n" and should already have its trailing "\r" removed (TrimCR). An
// empty line is one empty field.
func Split(dst []Field, line []byte) ([]Field, error) {
	dst = dst[:0]
	i, n := 0, len(line)
	for {
		if i < n && line[i] == '"' {
			f := Field{Start: i, Quoted: true}
			j := i + 1
			for {
				k := bytes.IndexByte(line[j:], '"')
				if k < 0 {
					return dst, ErrQuote // not closed on this line
				}
				j += k + 1 // just past the quote
				if j < n && line[j] == '"' {
					f.Escaped = true
					j++
					continue
				}
				break
			}
			f.End = j
			dst = append(dst, f)
			if j == n {
				return dst, nil
			}
			if line[j] != ',' {
				return dst, ErrQuote
			}
			i = j + 1
			continue
		}
		k := bytes.IndexByte(line[i:], ',')
		end := n
		if k >= 0 {
			end = i + k
		}
		if bytes.IndexByte(line[i:end], '"') >= 0 {
			return dst, ErrQuote
		}
		dst = append(dst, Field{Start: i, End: end})
		if k < 0 {
			return dst, nil
		}
		i = end + 1
	}
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
	for len(inner) > 0 {
		k := bytes.IndexByte(inner, '"')
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
// comma, a quote, "\r" or "\n".
func NeedsQuote(v []byte) bool {
	for _, c := range v {
		if c == ',' || c == '"' || c == '\r' || c == '\n' {
			return true
		}
	}
	return false
}

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
