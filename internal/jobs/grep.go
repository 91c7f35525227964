package jobs

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/scattergather/scattergather/internal/jobs/csvline"
)

func init() {
	Register(Definition{
		Name:    "grep",
		Version: versions["grep"],
		Summary: "every line that matches a Go RE2 regular expression, as in the input, in input order",
		Params: []Param{
			{Name: "pattern", Usage: "regular expression (Go RE2 syntax) a line must match", Required: true},
			columnParam,
		},
		New: newGrep,
	})
}

type grep struct {
	column   string // Parquet: the column read as lines
	re       *regexp.Regexp
	prefix   []byte    // a literal every match begins with, if any
	complete bool      // the whole regexp is prefix
	anyOf    []literal // without a prefix: a matching line holds one of these
}

func newGrep(p Params) (Job, error) {
	if _, err := ParseStrict(p); err != nil { // grep has no malformed records
		return nil, fmt.Errorf("grep: %w", err)
	}
	re, err := regexp.Compile(p["pattern"])
	if err != nil {
		return nil, fmt.Errorf("grep: bad --pattern: %w", err)
	}
	g := &grep{re: re, column: p["column"]}
	prefix, complete := re.LiteralPrefix()
	if !strings.ContainsRune(prefix, utf8.RuneError) { // U+FFFD also matches invalid bytes
		g.prefix, g.complete = []byte(prefix), complete
	}
	if len(g.prefix) == 0 {
		if parsed, err := syntax.Parse(p["pattern"], syntax.Perl); err == nil {
			g.anyOf = requiredLiterals(parsed.Simplify())
		}
	}
	return g, nil
}

// maxLiterals bounds the alternatives of the required-literal prefilter.
const maxLiterals = 8

// literal is a byte string a matching line must contain, or begin with.
type literal struct {
	text    []byte
	atStart bool
}

func (l literal) in(line []byte) bool {
	if l.atStart {
		return bytes.HasPrefix(line, l.text)
	}
	return bytes.Contains(line, l.text)
}

// requiredLiterals returns literals one of which every match must hold, or nil
// when there is no such small set. re must be simplified (no counted
// repetitions). It is conservative: case folding, classes and optional parts
// give up.
func requiredLiterals(re *syntax.Regexp) []literal {
	switch re.Op {
	case syntax.OpLiteral:
		if s, ok := plainLiteral(re); ok {
			return []literal{{text: []byte(s)}}
		}
		return nil
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpConcat:
		// A line has no "\n", so ^ is its start in either mode.
		if len(re.Sub) >= 2 && (re.Sub[0].Op == syntax.OpBeginText || re.Sub[0].Op == syntax.OpBeginLine) && re.Sub[1].Op == syntax.OpLiteral {
			if s, ok := plainLiteral(re.Sub[1]); ok {
				return []literal{{text: []byte(s), atStart: true}}
			}
		}
		// Any one child's requirement holds; keep the one whose shortest literal is longest.
		var best []literal
		bestLen := 0
		for _, sub := range re.Sub {
			set := requiredLiterals(sub)
			if len(set) == 0 {
				continue
			}
			short := len(set[0].text)
			for _, l := range set {
				short = min(short, len(l.text))
			}
			if short > bestLen {
				best, bestLen = set, short
			}
		}
		return best
	case syntax.OpAlternate:
		var all []literal
		for _, sub := range re.Sub {
			set := requiredLiterals(sub)
			if len(set) == 0 {
				return nil
			}
			all = append(all, set...)
		}
		if len(all) > maxLiterals {
			return nil
		}
		return all
	}
	return nil
}

// plainLiteral returns the UTF-8 text of a case-sensitive literal without
// U+FFFD (which also matches invalid bytes).
func plainLiteral(re *syntax.Regexp) (string, bool) {
	if re.Flags&syntax.FoldCase != 0 {
		return "", false
	}
	s := string(re.Rune)
	if s == "" || strings.ContainsRune(s, utf8.RuneError) {
		return "", false
	}
	return s, true
}

func (g *grep) Input() Input { return Input{Column: g.column} }

func (g *grep) NewMapper() Mapper { return &grepMapper{g: g} }

type grepMapper struct {
	g   *grep
	out outBuffer
	st  Stats
}

func (m *grepMapper) StartPart(Part) error { return nil }

// Record keeps the line (with its "\r", if any) when the regexp matches the line
// without one trailing "\r".
func (m *grepMapper) Record(line []byte, _ int64) error {
	m.st.RecordsIn++
	if !m.g.matches(csvline.TrimCR(line)) {
		return nil
	}
	return m.keep(line)
}

// Records looks for the pattern's literal prefix in the whole run of records
// and tests only the lines that hold it; without a prefix (or with a "\n" in
// it) it tests every line.
func (m *grepMapper) Records(data []byte, offset int64, n int) error {
	g := m.g
	if len(g.prefix) == 0 || bytes.IndexByte(g.prefix, '\n') >= 0 {
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if err := m.Record(data[:i], offset); err != nil {
				return err
			}
			data, offset = data[i+1:], offset+int64(i+1)
		}
		return nil
	}
	m.st.RecordsIn += int64(n)
	for pos := 0; pos < len(data); {
		i := bytes.Index(data[pos:], g.prefix)
		if i < 0 {
			break
		}
		i += pos
		start := bytes.LastIndexByte(data[:i], '\n') + 1
		end := i + bytes.IndexByte(data[i:], '\n')
		line := data[start:end]
		// The prefix's first place in the line is i: the line matches when
		// that place is within the text without its "\r" (matches' Contains,
		// already done) and the rest of the pattern matches.
		text := csvline.TrimCR(line)
		if i+len(g.prefix) <= start+len(text) && (g.complete || g.re.Match(text)) {
			if err := m.keep(line); err != nil {
				return err
			}
		}
		pos = end + 1
	}
	return nil
}

// matches reports whether the regexp matches text (a line without its "\r").
func (g *grep) matches(text []byte) bool {
	switch {
	case len(g.prefix) > 0:
		return bytes.Contains(text, g.prefix) && (g.complete || g.re.Match(text))
	case g.anyOf != nil && !containsAny(text, g.anyOf):
		return false
	}
	return g.re.Match(text)
}

// keep adds a matching line to the output.
func (m *grepMapper) keep(line []byte) error {
	m.out.buf = append(m.out.buf, line...)
	m.out.buf = append(m.out.buf, '\n')
	m.st.RecordsOut++
	return m.out.check()
}

func containsAny(text []byte, lits []literal) bool {
	for _, l := range lits {
		if l.in(text) {
			return true
		}
	}
	return false
}

func (m *grepMapper) Finish(w io.Writer) (Stats, error) {
	return m.st, m.out.finish(w, magicGrep, m.st.RecordsOut)
}

func (*grep) Merge(w io.Writer, partials []io.Reader) error {
	return mergeBlocks(w, partials, "grep", magicGrep)
}

func (*grep) OutputPrefix() []byte { return nil }

func (*grep) OutputRanges(r io.ReaderAt, size int64, i int) ([]Range, int64, error) {
	return blockRanges(r, size, "grep", magicGrep, i)
}

func (*grep) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	return outputBlocks(w, nil, partials, "grep", magicGrep)
}
