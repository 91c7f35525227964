package asl

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"maps"
	mrand "math/rand"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"
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

// intrinsic functions: name -> minimum and maximum argument count (-1: any).
var intrinsics = map[string][2]int{
	"States.Format":         {1, -1},
	"States.StringToJson":   {1, 1},
	"States.JsonToString":   {1, 1},
	"States.Array":          {0, -1},
	"States.ArrayPartition": {2, 2},
	"States.ArrayContains":  {2, 2},
	"States.ArrayRange":     {3, 3},
	"States.ArrayGetItem":   {2, 2},
	"States.ArrayLength":    {1, 1},
	"States.ArrayUnique":    {1, 1},
	"States.Base64Encode":   {1, 1},
	"States.Base64Decode":   {1, 1},
	"States.Hash":           {2, 2},
	"States.JsonMerge":      {3, 3},
	"States.MathRandom":     {2, 3},
	"States.MathAdd":        {2, 2},
	"States.StringSplit":    {2, 2},
	"States.UUID":           {0, 0},
}

const (
	maxIntrinsicDepth = 10
	maxArrayItems     = 1000  // States.ArrayRange
	maxEncodeInput    = 10000 // States.Base64Encode/Decode and States.Hash input characters
)

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
	counts, ok := intrinsics[name]
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
	if len(c.args) < counts[0] || (counts[1] >= 0 && len(c.args) > counts[1]) {
		want := fmt.Sprint(counts[0])
		switch {
		case counts[1] < 0:
			want = fmt.Sprintf("at least %d", counts[0])
		case counts[1] != counts[0]:
			want = fmt.Sprintf("%d to %d", counts[0], counts[1])
		}
		return nil, fmt.Errorf("%s takes %s arguments, got %d", name, want, len(c.args))
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
	switch c.name {
	case "States.Format":
		return format(c.args[0], args)
	case "States.StringToJson":
		s, err := stringArg(args, 0)
		if err != nil {
			return nil, err
		}
		v, err := decodeJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("not a JSON text: %v", err)
		}
		return v, nil
	case "States.JsonToString":
		return encodeJSON(args[0])
	case "States.Array":
		return args, nil
	case "States.ArrayPartition":
		a, err := arrayArg(args, 0)
		if err != nil {
			return nil, err
		}
		size, ok := toInt(args[1])
		if !ok || size <= 0 {
			return nil, fmt.Errorf("the chunk size must be a positive integer, got %s", jsonText(args[1], 64))
		}
		out := []any{}
		for i := 0; i < len(a); i += int(size) {
			out = append(out, a[i:min(i+int(size), len(a))])
		}
		return out, nil
	case "States.ArrayContains":
		a, err := arrayArg(args, 0)
		if err != nil {
			return nil, err
		}
		for _, x := range a {
			if equalValues(x, args[1]) {
				return true, nil
			}
		}
		return false, nil
	case "States.ArrayRange":
		var n [3]int64
		for i := range n {
			v, ok := roundInt(args[i])
			if !ok {
				return nil, fmt.Errorf("argument %d must be a number, got %s", i+1, jsonText(args[i], 64))
			}
			n[i] = v
		}
		if n[2] == 0 {
			return nil, fmt.Errorf("the step must not be zero")
		}
		out := []any{}
		for x := n[0]; (n[2] > 0 && x <= n[1]) || (n[2] < 0 && x >= n[1]); x += n[2] {
			if len(out) == maxArrayItems {
				return nil, fmt.Errorf("the range has more than %d items", maxArrayItems)
			}
			out = append(out, intNumber(x))
		}
		return out, nil
	case "States.ArrayGetItem":
		a, err := arrayArg(args, 0)
		if err != nil {
			return nil, err
		}
		i, ok := toInt(args[1])
		if !ok || i < 0 || i >= int64(len(a)) {
			return nil, fmt.Errorf("index %s is out of range for an array of %d items", jsonText(args[1], 64), len(a))
		}
		return a[i], nil
	case "States.ArrayLength":
		a, err := arrayArg(args, 0)
		if err != nil {
			return nil, err
		}
		return intNumber(int64(len(a))), nil
	case "States.ArrayUnique":
		a, err := arrayArg(args, 0)
		if err != nil {
			return nil, err
		}
		out := []any{}
	next:
		for _, x := range a {
			for _, y := range out {
				if equalValues(x, y) {
					continue next
				}
			}
			out = append(out, x)
		}
		return out, nil
	case "States.Base64Encode":
		s, err := stringArg(args, 0)
		if err != nil {
			return nil, err
		}
		if len(s) > maxEncodeInput {
			return nil, fmt.Errorf("the input has more than %d characters", maxEncodeInput)
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "States.Base64Decode":
		s, err := stringArg(args, 0)
		if err != nil {
			return nil, err
		}
		if len(s) > maxEncodeInput {
			return nil, fmt.Errorf("the input has more than %d characters", maxEncodeInput)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("not base64: %v", err)
		}
		return string(b), nil
	case "States.Hash":
		data, ok := args[0].(string)
		if !ok {
			var err error
			if data, err = encodeJSON(args[0]); err != nil {
				return nil, err
			}
		}
		if len(data) > maxEncodeInput {
			return nil, fmt.Errorf("the input has more than %d characters", maxEncodeInput)
		}
		alg, err := stringArg(args, 1)
		if err != nil {
			return nil, err
		}
		var h hash.Hash
		switch alg {
		case "MD5":
			h = md5.New()
		case "SHA-1":
			h = sha1.New()
		case "SHA-256":
			h = sha256.New()
		case "SHA-384":
			h = sha512.New384()
		case "SHA-512":
			h = sha512.New()
		default:
			return nil, fmt.Errorf("unknown hash algorithm %q (MD5, SHA-1, SHA-256, SHA-384 or SHA-512)", alg)
		}
		h.Write([]byte(data))
		return hex.EncodeToString(h.Sum(nil)), nil
	case "States.JsonMerge":
		a, ok1 := args[0].(map[string]any)
		b, ok2 := args[1].(map[string]any)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("both arguments must be objects, got %s and %s", typeName(args[0]), typeName(args[1]))
		}
		if deep, ok := args[2].(bool); !ok || deep {
			return nil, fmt.Errorf("only the shallow merge is supported: the third argument must be false")
		}
		out := make(map[string]any, len(a)+len(b))
		for k, v := range a {
			out[k] = v
		}
		for k, v := range b {
			out[k] = v
		}
		return out, nil
	case "States.MathRandom":
		lo, ok1 := roundInt(args[0])
		hi, ok2 := roundInt(args[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("the start and end must be numbers")
		}
		if hi < lo {
			return nil, fmt.Errorf("the end %d is less than the start %d", hi, lo)
		}
		if len(args) == 3 {
			seed, ok := roundInt(args[2])
			if !ok {
				return nil, fmt.Errorf("the seed must be a number")
			}
			return intNumber(lo + mrand.New(mrand.NewSource(seed)).Int63n(hi-lo+1)), nil
		}
		return intNumber(lo + e.rng.int63n(hi-lo+1)), nil
	case "States.MathAdd":
		a, ok1 := roundInt(args[0])
		b, ok2 := roundInt(args[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("both arguments must be numbers, got %s and %s", typeName(args[0]), typeName(args[1]))
		}
		return intNumber(a + b), nil
	case "States.StringSplit":
		s, err := stringArg(args, 0)
		if err != nil {
			return nil, err
		}
		delims, err := stringArg(args, 1)
		if err != nil {
			return nil, err
		}
		out := []any{}
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
			out = append(out, f)
		}
		return out, nil
	case "States.UUID":
		return newUUID(), nil
	}
	return nil, fmt.Errorf("not implemented")
}

func stringArg(args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %d must be a string, got %s", i+1, typeName(args[i]))
	}
	return s, nil
}

func arrayArg(args []any, i int) ([]any, error) {
	a, ok := args[i].([]any)
	if !ok {
		return nil, fmt.Errorf("argument %d must be an array, got %s", i+1, typeName(args[i]))
	}
	return a, nil
}

// format is States.Format: each {} in the template takes the next argument.
// In a literal template \{ and \} are literal braces.
func format(tmplArg *arg, args []any) (string, error) {
	var tmpl string
	if tmplArg.isLit && tmplArg.isStr {
		tmpl = tmplArg.raw
	} else {
		s, ok := args[0].(string)
		if !ok {
			return "", fmt.Errorf("the template must be a string, got %s", typeName(args[0]))
		}
		tmpl = s
	}
	escapes := tmplArg.isLit && tmplArg.isStr
	vals := args[1:]
	var b strings.Builder
	n := 0
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if escapes && c == '\\' && i+1 < len(tmpl) {
			b.WriteByte(tmpl[i+1])
			i++
			continue
		}
		if c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
			if n >= len(vals) {
				return "", fmt.Errorf("the template has more {} than the %d values given", len(vals))
			}
			s, err := formatValue(vals[n])
			if err != nil {
				return "", err
			}
			b.WriteString(s)
			n++
			i++
			continue
		}
		b.WriteByte(c)
	}
	if n != len(vals) {
		return "", fmt.Errorf("the template has %d {} but %d values are given", n, len(vals))
	}
	return b.String(), nil
}

// formatValue renders one States.Format value: a string as itself, an array
// as [a, b], an object as {k=v, ...}, anything else as JSON.
func formatValue(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			s, err := formatValue(x)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	case map[string]any:
		keys := slices.Sorted(maps.Keys(t))
		parts := make([]string, len(keys))
		for i, k := range keys {
			s, err := formatValue(t[k])
			if err != nil {
				return "", err
			}
			parts[i] = k + "=" + s
		}
		return "{" + strings.Join(parts, ", ") + "}", nil
	}
	return encodeJSON(v)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string { return uuid.NewString() }
