package asl

import (
	"encoding/json"
	"fmt"
	mrand "math/rand"
	"strings"
	"sync"
)

// lockedRand is a *rand.Rand safe for concurrent use.
type lockedRand struct {
	mu sync.Mutex
	r  *mrand.Rand
}

func (l *lockedRand) float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

func (l *lockedRand) int63n(n int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Int63n(n)
}

const maxIntrinsicDepth = 10

// call is a parsed intrinsic function invocation.
type call struct {
	name string
	args []*arg
}

// arg is one argument: a literal, a path or a nested invocation.
type arg struct {
	lit   any
	isLit bool
	raw   string // a string literal as written, escapes kept (for States.Format)
	isStr bool
	path  *path
	fn    *call
}

type intrinsicParser struct {
	s   string
	pos int
}

// parseIntrinsic parses "States.Name(arg, ...)".
func parseIntrinsic(s string) (*call, error) {
	p := &intrinsicParser{s: s}
	c, err := p.call(1)
	if err != nil {
		return nil, fmt.Errorf("intrinsic function %q: %w", s, err)
	}
	p.space()
	if p.pos != len(s) {
		return nil, fmt.Errorf("intrinsic function %q: unexpected %q after the closing parenthesis", s, s[p.pos:])
	}
	return c, nil
}

func (p *intrinsicParser) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

func (p *intrinsicParser) call(depth int) (*call, error) {
	if depth > maxIntrinsicDepth {
		return nil, fmt.Errorf("more than %d nested intrinsic functions", maxIntrinsicDepth)
	}
	start := p.pos
	for p.pos < len(p.s) && (isIdent(p.s[p.pos]) || p.s[p.pos] == '.') {
		p.pos++
	}
	name := p.s[start:p.pos]
	fn, ok := intrinsics[name]
	if !ok {
		return nil, fmt.Errorf("unknown intrinsic function %q", name)
	}
	p.space()
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return nil, fmt.Errorf("%s: expected '('", name)
	}
	p.pos++
	c := &call{name: name}
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == ')' {
		p.pos++
	} else {
		for {
			a, err := p.arg(depth)
			if err != nil {
				return nil, fmt.Errorf("%s argument %d: %w", name, len(c.args)+1, err)
			}
			c.args = append(c.args, a)
			p.space()
			if p.pos >= len(p.s) {
				return nil, fmt.Errorf("%s: missing ')'", name)
			}
			if p.s[p.pos] == ')' {
				p.pos++
				break
			}
			if p.s[p.pos] != ',' {
				return nil, fmt.Errorf("%s: expected ',' or ')' at %q", name, p.s[p.pos:])
			}
			p.pos++
		}
	}
	if err := fn.checkCount(len(c.args)); err != nil {
		return nil, fmt.Errorf("%s %w", name, err)
	}
	return c, nil
}

func isIdent(b byte) bool {
	return b == '_' || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9')
}

func (p *intrinsicParser) arg(depth int) (*arg, error) {
	p.space()
	if p.pos >= len(p.s) {
		return nil, fmt.Errorf("missing argument")
	}
	rest := p.s[p.pos:]
	switch b := rest[0]; {
	case b == '\'':
		return p.stringLit()
	case b == '$':
		return p.pathArg()
	case strings.HasPrefix(rest, "States."):
		c, err := p.call(depth + 1)
		if err != nil {
			return nil, err
		}
		return &arg{fn: c}, nil
	case b == '-' || ('0' <= b && b <= '9'):
		start := p.pos
		for p.pos < len(p.s) && strings.IndexByte("+-0123456789.eE", p.s[p.pos]) >= 0 {
			p.pos++
		}
		lit := p.s[start:p.pos]
		if !json.Valid([]byte(lit)) {
			return nil, fmt.Errorf("bad number %q", lit)
		}
		return &arg{isLit: true, lit: json.Number(lit)}, nil
	}
	for _, w := range []struct {
		word string
		val  any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(rest, w.word) && (len(rest) == len(w.word) || !isIdent(rest[len(w.word)])) {
			p.pos += len(w.word)
			return &arg{isLit: true, lit: w.val}, nil
		}
	}
	return nil, fmt.Errorf("unexpected %q", rest)
}

// stringLit reads a single-quoted literal; \' \{ \} \\ are the only escapes.
func (p *intrinsicParser) stringLit() (*arg, error) {
	p.pos++ // opening quote
	start := p.pos
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch c {
		case '\\':
			if p.pos+1 >= len(p.s) || strings.IndexByte(`'{}\`, p.s[p.pos+1]) < 0 {
				return nil, fmt.Errorf("open escape '\\' in string literal (only \\' \\{ \\} \\\\ are allowed)")
			}
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		case '\'':
			raw := p.s[start:p.pos]
			p.pos++
			return &arg{isLit: true, isStr: true, lit: b.String(), raw: raw}, nil
		}
		b.WriteByte(c)
		p.pos++
	}
	return nil, fmt.Errorf("unterminated string literal")
}

// pathArg reads a path up to the next ',' or ')' outside brackets, parentheses and quotes.
func (p *intrinsicParser) pathArg() (*arg, error) {
	start := p.pos
	depth := 0
	var quote byte
	for ; p.pos < len(p.s); p.pos++ {
		c := p.s[p.pos]
		if quote != 0 {
			if c == '\\' {
				p.pos++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote = c
		case '[', '(':
			depth++
		case ']':
			depth--
		case ')':
			if depth == 0 {
				goto done
			}
			depth--
		case ',':
			if depth == 0 {
				goto done
			}
		}
	}
done:
	src := strings.TrimSpace(p.s[start:p.pos])
	pa, err := compilePath(src)
	if err != nil {
		return nil, err
	}
	return &arg{path: pa}, nil
}

func (a *arg) eval(e *env) (any, error) {
	switch {
	case a.isLit:
		return a.lit, nil
	case a.fn != nil:
		return a.fn.eval(e)
	}
	v, ok := a.path.get(e)
	if !ok {
		return nil, fmt.Errorf("the path '%s' could not be found in the input", a.path.src)
	}
	return v, nil
}

func (c *call) eval(e *env) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := a.eval(e)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		args[i] = v
	}
	v, err := c.apply(e, args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	return v, nil
}

func (c *call) apply(e *env, args []any) (any, error) {
	return intrinsics[c.name].fn(invocation{call: c, env: e, args: args})
}
