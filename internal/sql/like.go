package sql

import (
	"bytes"
	"unicode/utf8"
)

// likePattern is a compiled LIKE pattern: % matches any run of characters,
// _ one character (a UTF-8 sequence), anything else itself; there is no
// escape character (DuckDB's default). Patterns of the forms 'abc', 'abc%',
// '%abc', '%abc%' are plain byte tests.
type likePattern struct {
	kind                   likeKind
	lit                    []byte   // likeEqual, likePrefix, likeSuffix, likeContains
	pieces                 [][]byte // likeGeneral: the pattern split at %, each piece may hold _
	anchorStart, anchorEnd bool
}

type likeKind uint8

const (
	likeEqual likeKind = iota
	likePrefix
	likeSuffix
	likeContains
	likeGeneral
)

func compileLike(p []byte) *likePattern {
	if bytes.IndexByte(p, '_') < 0 {
		inner := bytes.Trim(p, "%")
		if bytes.IndexByte(inner, '%') < 0 {
			start := len(p) > 0 && p[0] == '%'
			end := len(p) > 0 && p[len(p)-1] == '%' && len(inner) < len(p)
			lit := bytes.Clone(inner)
			switch {
			case !start && !end:
				return &likePattern{kind: likeEqual, lit: lit}
			case !start:
				return &likePattern{kind: likePrefix, lit: lit}
			case !end:
				return &likePattern{kind: likeSuffix, lit: lit}
			default:
				return &likePattern{kind: likeContains, lit: lit}
			}
		}
	}
	lp := &likePattern{kind: likeGeneral}
	for _, piece := range bytes.Split(p, []byte("%")) {
		lp.pieces = append(lp.pieces, bytes.Clone(piece))
	}
	return lp
}

func (lp *likePattern) match(s []byte) bool {
	switch lp.kind {
	case likeEqual:
		return bytes.Equal(s, lp.lit)
	case likePrefix:
		return bytes.HasPrefix(s, lp.lit)
	case likeSuffix:
		return bytes.HasSuffix(s, lp.lit)
	case likeContains:
		return bytes.Contains(s, lp.lit)
	}
	// pieces[0] anchors at the start, the last piece at the end, the others
	// float: each is matched at its leftmost place, which is enough for
	// % patterns (a later place only leaves less room for what follows).
	n := len(lp.pieces)
	first := lp.pieces[0]
	k, ok := matchPiece(s, first)
	if !ok {
		return false
	}
	if n == 1 {
		return k == len(s)
	}
	s = s[k:]
	for _, piece := range lp.pieces[1 : n-1] {
		found := false
		for i := 0; i <= len(s); {
			if k, ok := matchPiece(s[i:], piece); ok {
				s = s[i+k:]
				found = true
				break
			}
			if i == len(s) {
				break
			}
			_, size := utf8.DecodeRune(s[i:])
			i += size
		}
		if !found {
			return false
		}
	}
	last := lp.pieces[n-1]
	// The last piece must match a suffix of s: try each character start.
	for i := 0; i <= len(s); {
		if k, ok := matchPiece(s[i:], last); ok && i+k == len(s) {
			return true
		}
		if i == len(s) {
			break
		}
		_, size := utf8.DecodeRune(s[i:])
		i += size
	}
	return false
}

// matchPiece matches a %-free piece (with _ wildcards) at the start of s and
// returns how many bytes of s it took.
func matchPiece(s, piece []byte) (int, bool) {
	i := 0
	for _, c := range piece {
		if i >= len(s) {
			return 0, false
		}
		if c == '_' {
			_, size := utf8.DecodeRune(s[i:])
			i += size
			continue
		}
		if s[i] != c {
			return 0, false
		}
		i++
	}
	return i, true
}
