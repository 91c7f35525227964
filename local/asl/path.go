package asl

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// env is what paths and templates are evaluated against: the state's input
// and, on demand, the context object ($$).
type env struct {
	input   any
	context func() any
	rng     *lockedRand // for States.MathRandom without a seed
}

// path is a compiled Path: a JSONPath against the input ($) or the context
// object ($$). A definite path selects one value; any other selects a list.
type path struct {
	src      string
	context  bool
	whole    bool // just "$" (or "$$")
	expr     jp.Expr
	definite bool
	filter   bool
}

func compilePath(s string) (*path, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("path %q must begin with '$'", s)
	}
	p := &path{src: s, definite: true}
	expr := s
	if strings.HasPrefix(s, "$$") {
		p.context = true
		expr = s[1:]
	}
	if expr == "$" {
		p.whole = true
		return p, nil
	}
	x, err := jp.ParseString(bracketNames(expr))
	if err != nil {
		return nil, fmt.Errorf("path %q: %w", s, err)
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("path %q is empty", s)
	}
	for _, f := range x {
		switch f.(type) {
		case jp.Root, jp.At, jp.Child, jp.Nth, jp.Bracket:
		case *jp.Filter:
			p.filter, p.definite = true, false
		default:
			p.definite = false
		}
	}
	p.expr = x
	return p, nil
}

// bracketNames rewrites dot-notation names that hold characters other than
// letters, digits and '_' (e.g. $.detail-type, which Step Functions accepts)
// into bracket notation ($['detail-type']) for the JSONPath parser.
func bracketNames(s string) string {
	var b strings.Builder
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch {
		case (c == '\'' || c == '"') && depth > 0:
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			depth--
		case c == '.' && depth == 0 && i+1 < len(s) && s[i+1] != '.':
			j := i + 1
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			name := s[i+1 : j]
			if name == "*" || strings.IndexFunc(name, func(r rune) bool {
				return r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9')
			}) < 0 {
				break
			}
			if i > 0 && s[i-1] == '.' {
				b.WriteByte('.') // descent: $..name
			}
			b.WriteString("['" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name) + "']")
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// get evaluates the path. found is false when a definite path selects nothing;
// an indefinite path always yields a list, possibly empty.
func (p *path) get(e *env) (v any, found bool) {
	data := e.input
	if p.context {
		data = e.context()
	}
	if p.whole {
		return data, true
	}
	var res []any
	if p.filter {
		// The filter engine compares native numbers, not json.Number.
		res = p.expr.Get(nativeNumbers(data))
		for i := range res {
			res[i] = jsonNumbers(res[i])
		}
	} else {
		res = p.expr.Get(data)
	}
	if p.definite {
		if len(res) == 0 {
			return nil, false
		}
		return res[0], true
	}
	if res == nil {
		res = []any{}
	}
	return res, true
}

// nativeNumbers copies v with json.Number values as int64 or float64.
func nativeNumbers(v any) any {
	return mapLeaves(v, func(x any) any {
		if n, ok := x.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i
			}
			if f, err := n.Float64(); err == nil {
				return f
			}
		}
		return x
	})
}

// jsonNumbers copies v with native numbers as json.Number.
func jsonNumbers(v any) any {
	return mapLeaves(v, func(x any) any {
		switch n := x.(type) {
		case int64:
			return intNumber(n)
		case float64:
			return json.Number(strconv.FormatFloat(n, 'g', -1, 64))
		}
		return x
	})
}

// mapLeaves copies the arrays and objects of v with leaf applied to every
// other value.
func mapLeaves(v any, leaf func(any) any) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = mapLeaves(x, leaf)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = mapLeaves(x, leaf)
		}
		return out
	}
	return leaf(v)
}

// optPath is InputPath or OutputPath: absent means "$", null means {}.
type optPath struct {
	field string
	null  bool
	p     *path // nil with null false: "$"
}

func (o optPath) apply(e *env) (any, error) {
	switch {
	case o.null:
		return map[string]any{}, nil
	case o.p == nil:
		return e.input, nil
	}
	v, ok := o.p.get(e)
	if !ok {
		return nil, runtimeFailure("Invalid path '%s' in %s: the path could not be found in the input '%s'", o.p.src, o.field, jsonText(e.input, 1024))
	}
	return v, nil
}

// refPath is a ResultPath: a Reference Path (only definite child and index
// steps) or null (discard the result).
type refPath struct {
	src   string
	null  bool
	frags []jp.Frag // after the root; empty means "$"
}

func compileRefPath(s string) (*refPath, error) {
	if strings.HasPrefix(s, "$$") {
		return nil, fmt.Errorf("reference path %q cannot refer to the context object", s)
	}
	p, err := compilePath(s)
	if err != nil {
		return nil, err
	}
	r := &refPath{src: s}
	if p.whole {
		return r, nil
	}
	for i, f := range p.expr {
		switch f.(type) {
		case jp.Root:
			if i != 0 {
				return nil, fmt.Errorf("reference path %q: misplaced '$'", s)
			}
		case jp.Bracket:
		case jp.Child, jp.Nth:
			r.frags = append(r.frags, f)
		default:
			return nil, fmt.Errorf("reference path %q must select a single node (only .field, ['field'] and [index] steps)", s)
		}
	}
	if _, ok := p.expr[0].(jp.Root); !ok {
		return nil, fmt.Errorf("reference path %q must begin with '$'", s)
	}
	return r, nil
}

// apply places result into input at the path, copying (never mutating) every
// object and array on the way and creating missing objects.
func (r *refPath) apply(input, result any) (any, error) {
	if r != nil && r.null {
		return input, nil
	}
	if r == nil || len(r.frags) == 0 {
		return result, nil
	}
	out, err := setPath(input, r.frags, result)
	if err != nil {
		return nil, &Failure{Name: ErrResultPathMatchFailure, Cause: fmt.Sprintf("Unable to apply ResultPath '%s' to input '%s': %v", r.src, jsonText(input, 1024), err)}
	}
	return out, nil
}

func setPath(node any, frags []jp.Frag, val any) (any, error) {
	if len(frags) == 0 {
		return val, nil
	}
	switch f := frags[0].(type) {
	case jp.Child:
		var m map[string]any
		switch t := node.(type) {
		case nil:
			m = map[string]any{}
		case map[string]any:
			m = maps.Clone(t)
		default:
			return nil, fmt.Errorf("cannot set field %q in a %s", string(f), typeName(node))
		}
		v, err := setPath(m[string(f)], frags[1:], val)
		if err != nil {
			return nil, err
		}
		m[string(f)] = v
		return m, nil
	case jp.Nth:
		a, ok := node.([]any)
		if !ok {
			return nil, fmt.Errorf("cannot set index %d in a %s", int(f), typeName(node))
		}
		i := int(f)
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, fmt.Errorf("index %d out of range for an array of %d", int(f), len(a))
		}
		c := make([]any, len(a))
		copy(c, a)
		v, err := setPath(c[i], frags[1:], val)
		if err != nil {
			return nil, err
		}
		c[i] = v
		return c, nil
	}
	return nil, fmt.Errorf("unsupported step %v", frags[0])
}

// tmpl is a compiled Payload Template (Parameters, ResultSelector,
// ItemSelector, ItemReader Parameters): fields named "x.$" take a path or an
// intrinsic function.
type tmpl struct {
	static bool // no dynamic part: lit is the value
	lit    any

	keys  []string // object
	vals  []*tmpl
	items []*tmpl // array
	isArr bool

	field string // dynamic: the "x.$" field name
	path  *path
	fn    *call
}

func compileTemplate(v any) (*tmpl, error) {
	switch t := v.(type) {
	case map[string]any:
		out := &tmpl{}
		dynamic := false
		seen := map[string]string{}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			val := t[k]
			name := k
			var sub *tmpl
			if strings.HasSuffix(k, ".$") {
				name = strings.TrimSuffix(k, ".$")
				s, ok := val.(string)
				if !ok {
					return nil, fmt.Errorf("field %q: the value of a field ending in \".$\" must be a path or an intrinsic function, not a %s", k, typeName(val))
				}
				var err error
				if sub, err = compileDynamic(k, s); err != nil {
					return nil, err
				}
			} else {
				var err error
				if sub, err = compileTemplate(val); err != nil {
					return nil, fmt.Errorf("field %q: %w", k, err)
				}
			}
			if prev, dup := seen[name]; dup {
				return nil, fmt.Errorf("fields %q and %q both produce %q", prev, k, name)
			}
			seen[name] = k
			if !sub.static {
				dynamic = true
			}
			out.keys = append(out.keys, name)
			out.vals = append(out.vals, sub)
		}
		if !dynamic {
			return &tmpl{static: true, lit: v}, nil
		}
		return out, nil
	case []any:
		out := &tmpl{isArr: true}
		dynamic := false
		for i, x := range t {
			sub, err := compileTemplate(x)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if !sub.static {
				dynamic = true
			}
			out.items = append(out.items, sub)
		}
		if !dynamic {
			return &tmpl{static: true, lit: v}, nil
		}
		return out, nil
	}
	return &tmpl{static: true, lit: v}, nil
}

func compileDynamic(field, s string) (*tmpl, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "$"):
		p, err := compilePath(s)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", field, err)
		}
		return &tmpl{field: field, path: p}, nil
	case strings.HasPrefix(s, "States."):
		c, err := parseIntrinsic(s)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", field, err)
		}
		return &tmpl{field: field, fn: c}, nil
	}
	return nil, fmt.Errorf("field %q: %q is neither a path nor an intrinsic function", field, s)
}

func (t *tmpl) eval(e *env) (any, error) {
	switch {
	case t == nil:
		return e.input, nil
	case t.static:
		return t.lit, nil
	case t.path != nil:
		v, ok := t.path.get(e)
		if !ok {
			src := e.input
			if t.path.context {
				src = e.context()
			}
			return nil, runtimeFailure("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", t.path.src, t.field, jsonText(src, 1024))
		}
		return v, nil
	case t.fn != nil:
		v, err := t.fn.eval(e)
		if err != nil {
			return nil, &Failure{Name: ErrIntrinsicFailure, Cause: fmt.Sprintf("The evaluation of the intrinsic function for the field '%s' failed: %v", t.field, err)}
		}
		return v, nil
	case t.isArr:
		out := make([]any, len(t.items))
		for i, it := range t.items {
			v, err := it.eval(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	out := make(map[string]any, len(t.keys))
	for i, k := range t.keys {
		v, err := t.vals[i].eval(e)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func runtimeFailure(format string, args ...any) *Failure {
	return &Failure{Name: ErrRuntime, Cause: fmt.Sprintf(format, args...)}
}
