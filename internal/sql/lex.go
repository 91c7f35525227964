package sql

import (
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // a bare word: a keyword or a name, as written
	tQIdent         // a "quoted" name, decoded
	tString         // a 'string' literal, decoded
	tNumber         // a number literal, as written
	tOp             // punctuation and operators: , ( ) . ; * + - / // % = == <> != < <= > >= ||
)

// token is one token of a query: its kind, its text (decoded for strings
// and quoted names) and the byte offset of its first byte.
type token struct {
	kind tokKind
	text string
	pos  int
}

// lexer splits a query into tokens; the first malformed token ends it with an error.
type lexer struct {
	src string
	pos int
}

// operators, longest first so that "<=" is not read as "<".
var lexOps = []string{"//", "<>", "!=", "<=", ">=", "==", "||", "::", ",", "(", ")", ".", ";", "*", "+", "-", "/", "%", "=", "<", ">", "[", "]", "{", "}", ":", "?", "$", "&", "|", "^", "~", "!", "@", "#"}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentByte(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// next returns the next token, skipping spaces and comments (-- to the end
// of the line, /* ... */).
func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case strings.HasPrefix(l.src[l.pos:], "--"):
			if i := strings.IndexByte(l.src[l.pos:], '\n'); i >= 0 {
				l.pos += i + 1
			} else {
				l.pos = len(l.src)
			}
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			i := strings.Index(l.src[l.pos+2:], "*/")
			if i < 0 {
				return token{}, syntaxErr(l.pos, "comment /* is not closed")
			}
			l.pos += i + 4
		default:
			return l.token()
		}
	}
	return token{kind: tEOF, pos: len(l.src)}, nil
}

func (l *lexer) token() (token, error) {
	start := l.pos
	c := l.src[start]
	switch {
	case c == '\'':
		s, err := l.quoted('\'')
		return token{kind: tString, text: s, pos: start}, err
	case c == '"':
		s, err := l.quoted('"')
		if err == nil && s == "" {
			err = syntaxErr(start, "empty quoted name \"\"")
		}
		return token{kind: tQIdent, text: s, pos: start}, err
	case isDigit(c) || c == '.' && start+1 < len(l.src) && isDigit(l.src[start+1]):
		return l.number()
	case isIdentStart(c):
		for l.pos < len(l.src) && isIdentByte(l.src[l.pos]) {
			l.pos++
		}
		if !utf8.ValidString(l.src[start:l.pos]) {
			return token{}, syntaxErr(start, "invalid UTF-8 in a name")
		}
		return token{kind: tIdent, text: l.src[start:l.pos], pos: start}, nil
	}
	for _, op := range lexOps {
		if strings.HasPrefix(l.src[start:], op) {
			l.pos += len(op)
			return token{kind: tOp, text: op, pos: start}, nil
		}
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	return token{}, syntaxErr(start, "unexpected character %q", r)
}

// quoted reads a literal or name enclosed in q, where a doubled q stands for one.
func (l *lexer) quoted(q byte) (string, error) {
	start := l.pos
	var b strings.Builder
	i := start + 1
	for {
		j := strings.IndexByte(l.src[i:], q)
		if j < 0 {
			what := "string literal"
			if q == '"' {
				what = "quoted name"
			}
			return "", syntaxErr(start, "%s is not closed", what)
		}
		b.WriteString(l.src[i : i+j])
		i += j + 1
		if i < len(l.src) && l.src[i] == q {
			b.WriteByte(q)
			i++
			continue
		}
		l.pos = i
		s := b.String()
		if !utf8.ValidString(s) {
			return "", syntaxErr(start, "invalid UTF-8 in a quoted text")
		}
		return s, nil
	}
}

// number reads digits[.digits][e[+-]digits] or .digits[...]; a letter right
// after a number is an error ("12abc").
func (l *lexer) number() (token, error) {
	start := l.pos
	digits := func() int {
		n := 0
		for l.pos < len(l.src) && (isDigit(l.src[l.pos]) || l.src[l.pos] == '_' && n > 0 && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1])) {
			l.pos++
			n++
		}
		return n
	}
	digits()
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		digits()
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		save := l.pos
		l.pos++
		if l.pos < len(l.src) && (l.src[l.pos] == '+' || l.src[l.pos] == '-') {
			l.pos++
		}
		if digits() == 0 {
			l.pos = save
		}
	}
	if l.pos < len(l.src) && isIdentByte(l.src[l.pos]) {
		return token{}, syntaxErr(start, "malformed number %q", l.src[start:l.pos+1])
	}
	return token{kind: tNumber, text: strings.ReplaceAll(l.src[start:l.pos], "_", ""), pos: start}, nil
}
