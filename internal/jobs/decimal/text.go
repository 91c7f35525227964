package decimal

// ParseText reads a value as DuckDB casts text to a number (DECIMAL and
// DOUBLE alike): Parse's syntax, and also surrounding whitespace (space,
// \t, \n, \v, \f, \r), a point with no digits after it ("5.", "5.e2"), and
// single underscores between digits ("1_000"). What DuckDB refuses ("",
// ".", "e3", "1e", "1__0", "_1", "0x10", "- 5", "1,5") is refused; so are
// "nan" and "inf", which no exact decimal holds. It does not allocate
// unless the number needs more than 18 significant digits.
func ParseText(b []byte) (Dec, bool) {
	b = TrimSpace(b)
	if d, ok := Parse(b); ok {
		return d, true
	}
	// Rewrite to Parse's syntax: drop underscores between digits and a
	// point that no digit follows.
	var stack [64]byte
	buf := stack[:0]
	for i, c := range b {
		switch {
		case c == '_':
			if i == 0 || i == len(b)-1 || !isDigit(b[i-1]) || !isDigit(b[i+1]) {
				return Dec{}, false
			}
		case c == '.' && (i == len(b)-1 || !isDigit(b[i+1])):
			if i == 0 || !isDigit(b[i-1]) {
				return Dec{}, false // "." and ".e2"
			}
		default:
			buf = append(buf, c)
		}
	}
	if len(buf) == len(b) {
		return Dec{}, false
	}
	return Parse(buf)
}

// TrimSpace removes the whitespace DuckDB ignores around a number (space,
// \t, \n, \v, \f, \r) from both ends of b.
func TrimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
