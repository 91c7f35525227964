package asl

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// rule is a Choice Rule: a comparison on Variable, or And/Or/Not of rules.
type rule struct {
	variable *path
	op       string // the comparison operator, e.g. "NumericLessThanPath"
	base     string // op without a "Path" suffix
	operand  any    // literal operand
	opPath   *path  // operand of a *Path operator
	and, or  []*rule
	not      *rule
	next     string
}

// comparison operators and the JSON type of their literal operand.
var comparisons = map[string]string{
	"StringEquals":               "string",
	"StringLessThan":             "string",
	"StringGreaterThan":          "string",
	"StringLessThanEquals":       "string",
	"StringGreaterThanEquals":    "string",
	"StringMatches":              "string",
	"NumericEquals":              "number",
	"NumericLessThan":            "number",
	"NumericGreaterThan":         "number",
	"NumericLessThanEquals":      "number",
	"NumericGreaterThanEquals":   "number",
	"BooleanEquals":              "boolean",
	"TimestampEquals":            "timestamp",
	"TimestampLessThan":          "timestamp",
	"TimestampGreaterThan":       "timestamp",
	"TimestampLessThanEquals":    "timestamp",
	"TimestampGreaterThanEquals": "timestamp",
	"IsNull":                     "boolean",
	"IsPresent":                  "boolean",
	"IsNumeric":                  "boolean",
	"IsString":                   "boolean",
	"IsBoolean":                  "boolean",
	"IsTimestamp":                "boolean",
}

// parseRule parses a Choice Rule; top says whether it is a top-level rule (which needs Next).
func parseRule(where string, v any, top bool) (*rule, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a choice rule must be an object", where)
	}
	r := &rule{}
	var ops []string
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		val := obj[k]
		switch k {
		case "Next":
			s, ok := val.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("%s: Next must be a state name", where)
			}
			r.next = s
		case "Comment":
		case "Variable":
			s, ok := val.(string)
			if !ok {
				return nil, fmt.Errorf("%s: Variable must be a path string", where)
			}
			p, err := compilePath(s)
			if err != nil {
				return nil, fmt.Errorf("%s: Variable: %w", where, err)
			}
			r.variable = p
		case "And", "Or":
			list, ok := val.([]any)
			if !ok || len(list) == 0 {
				return nil, fmt.Errorf("%s: %s must be a non-empty array of rules", where, k)
			}
			ops = append(ops, k)
			for i, x := range list {
				sub, err := parseRule(fmt.Sprintf("%s.%s[%d]", where, k, i), x, false)
				if err != nil {
					return nil, err
				}
				if k == "And" {
					r.and = append(r.and, sub)
				} else {
					r.or = append(r.or, sub)
				}
			}
		case "Not":
			sub, err := parseRule(where+".Not", val, false)
			if err != nil {
				return nil, err
			}
			ops = append(ops, k)
			r.not = sub
		default:
			base := strings.TrimSuffix(k, "Path")
			typ, known := comparisons[k]
			isPath := false
			if !known && base != k {
				if t, ok := comparisons[base]; ok && base != "StringMatches" && !strings.HasPrefix(base, "Is") {
					typ, known, isPath = t, true, true
				}
			}
			if !known {
				return nil, fmt.Errorf("%s: unknown field %q in a choice rule", where, k)
			}
			ops = append(ops, k)
			r.op, r.base = k, k
			if isPath {
				r.base = base
				s, ok := val.(string)
				if !ok {
					return nil, fmt.Errorf("%s: %s must be a path string", where, k)
				}
				p, err := compilePath(s)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", where, k, err)
				}
				r.opPath = p
				continue
			}
			if err := checkOperand(typ, val); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", where, k, err)
			}
			r.operand = val
		}
	}
	switch {
	case len(ops) == 0:
		return nil, fmt.Errorf("%s: a choice rule needs a comparison operator, And, Or or Not", where)
	case len(ops) > 1:
		return nil, fmt.Errorf("%s: a choice rule has more than one operator: %s", where, strings.Join(ops, ", "))
	case r.op != "" && r.variable == nil:
		return nil, fmt.Errorf("%s: %s needs a Variable", where, r.op)
	case r.op == "" && r.variable != nil:
		return nil, fmt.Errorf("%s: Variable is not allowed with %s", where, ops[0])
	case top && r.next == "":
		return nil, fmt.Errorf("%s: a top-level choice rule needs Next", where)
	case !top && r.next != "":
		return nil, fmt.Errorf("%s: Next is only allowed in a top-level choice rule", where)
	}
	return r, nil
}

func checkOperand(typ string, v any) error {
	ok := false
	switch typ {
	case "string":
		_, ok = v.(string)
	case "number":
		_, ok = toRat(v)
	case "boolean":
		_, ok = v.(bool)
	case "timestamp":
		s, isStr := v.(string)
		_, ok = parseTimestamp(s)
		ok = ok && isStr
	}
	if !ok {
		return fmt.Errorf("the operand must be a %s, got %s", typ, jsonText(v, 64))
	}
	return nil
}

// parseTimestamp parses an RFC 3339 timestamp (uppercase T and Z, as ASL requires).
func parseTimestamp(s string) (time.Time, bool) {
	if strings.ContainsAny(s, "tz") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// eval evaluates the rule against the Choice state's effective input.
func (r *rule) eval(e *env) (bool, error) {
	switch {
	case r.and != nil:
		for _, s := range r.and {
			ok, err := s.eval(e)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.or != nil:
		for _, s := range r.or {
			ok, err := s.eval(e)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.not != nil:
		ok, err := r.not.eval(e)
		return !ok, err
	}
	val, present := r.variable.get(e)
	if strings.HasPrefix(r.op, "Is") {
		want := r.operand.(bool)
		var is bool
		switch r.op {
		case "IsPresent":
			is = present
		case "IsNull":
			is = present && val == nil
		case "IsNumeric":
			is = present && isNumber(val)
		case "IsString":
			_, is = val.(string)
			is = is && present
		case "IsBoolean":
			_, is = val.(bool)
			is = is && present
		case "IsTimestamp":
			s, isStr := val.(string)
			_, is = parseTimestamp(s)
			is = is && isStr && present
		}
		return is == want, nil
	}
	if !present {
		return false, runtimeFailure("Invalid path '%s': The choice state's condition path references an invalid value.", r.variable.src)
	}
	operand := r.operand
	if r.opPath != nil {
		v, ok := r.opPath.get(e)
		if !ok {
			return false, runtimeFailure("Invalid path '%s': The choice state's condition path references an invalid value.", r.opPath.src)
		}
		operand = v
	}
	return compare(r.base, val, operand), nil
}

// compare applies a comparison operator; values of the wrong type never match.
func compare(op string, val, operand any) bool {
	switch {
	case op == "StringMatches":
		s, ok1 := val.(string)
		p, ok2 := operand.(string)
		return ok1 && ok2 && stringMatches(s, p)
	case strings.HasPrefix(op, "String"):
		a, ok1 := val.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && ordered(op, strings.Compare(a, b))
	case strings.HasPrefix(op, "Numeric"):
		a, ok1 := toRat(val)
		b, ok2 := toRat(operand)
		return ok1 && ok2 && ordered(op, a.Cmp(b))
	case op == "BooleanEquals":
		a, ok1 := val.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case strings.HasPrefix(op, "Timestamp"):
		as, ok1 := val.(string)
		bs, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		a, ok1 := parseTimestamp(as)
		b, ok2 := parseTimestamp(bs)
		return ok1 && ok2 && ordered(op, a.Compare(b))
	}
	return false
}

func ordered(op string, c int) bool {
	switch {
	case strings.HasSuffix(op, "LessThanEquals"):
		return c <= 0
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return c >= 0
	case strings.HasSuffix(op, "LessThan"):
		return c < 0
	case strings.HasSuffix(op, "GreaterThan"):
		return c > 0
	}
	return c == 0 // Equals
}

// stringMatches matches s against a pattern where * matches any run of
// characters and \* and \\ are a literal star and backslash.
func stringMatches(s, pattern string) bool {
	// Split the pattern into literal segments separated by unescaped stars.
	var segs []string
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			b.WriteByte(pattern[i+1])
			i++
		case c == '*':
			segs = append(segs, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	segs = append(segs, b.String())
	if len(segs) == 1 {
		return s == segs[0]
	}
	if !strings.HasPrefix(s, segs[0]) {
		return false
	}
	s = s[len(segs[0]):]
	last := segs[len(segs)-1]
	for _, seg := range segs[1 : len(segs)-1] {
		i := strings.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}
