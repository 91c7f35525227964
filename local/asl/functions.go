package asl

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	mrand "math/rand"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// intrinsic is one intrinsic function: how many arguments it takes and what it does.
type intrinsic struct {
	min, max int // argument counts; max -1 means any number
	fn       func(in invocation) (any, error)
}

// intrinsics are the intrinsic functions by name.
var intrinsics = map[string]intrinsic{
	"States.Format":         {1, -1, statesFormat},
	"States.StringToJson":   {1, 1, stringToJSON},
	"States.JsonToString":   {1, 1, func(in invocation) (any, error) { return encodeJSON(in.args[0]) }},
	"States.Array":          {0, -1, func(in invocation) (any, error) { return in.args, nil }},
	"States.ArrayPartition": {2, 2, onArray(arrayPartition)},
	"States.ArrayContains":  {2, 2, onArray(arrayContains)},
	"States.ArrayRange":     {3, 3, arrayRange},
	"States.ArrayGetItem":   {2, 2, onArray(arrayGetItem)},
	"States.ArrayLength":    {1, 1, onArray(arrayLength)},
	"States.ArrayUnique":    {1, 1, onArray(arrayUnique)},
	"States.Base64Encode":   {1, 1, base64Encode},
	"States.Base64Decode":   {1, 1, base64Decode},
	"States.Hash":           {2, 2, statesHash},
	"States.JsonMerge":      {3, 3, jsonMerge},
	"States.MathRandom":     {2, 3, mathRandom},
	"States.MathAdd":        {2, 2, mathAdd},
	"States.StringSplit":    {2, 2, stringSplit},
	"States.UUID":           {0, 0, func(invocation) (any, error) { return newUUID(), nil }},
}

const (
	maxArrayItems  = 1000  // States.ArrayRange
	maxEncodeInput = 10000 // States.Base64Encode/Decode and States.Hash input characters
)

// hashes are States.Hash's algorithms.
var hashes = map[string]func() hash.Hash{
	"MD5": md5.New, "SHA-1": sha1.New, "SHA-256": sha256.New, "SHA-384": sha512.New384, "SHA-512": sha512.New,
}

// checkCount says what is wrong with n arguments, if anything.
func (f intrinsic) checkCount(n int) error {
	if n >= f.min && (f.max < 0 || n <= f.max) {
		return nil
	}
	want := fmt.Sprint(f.min)
	switch {
	case f.max < 0:
		want = fmt.Sprintf("at least %d", f.min)
	case f.max != f.min:
		want = fmt.Sprintf("%d to %d", f.min, f.max)
	}
	return fmt.Errorf("takes %s arguments, got %d", want, n)
}

// invocation is one evaluation of an intrinsic function: the call as parsed, its
// evaluated arguments and the environment.
type invocation struct {
	call *call
	env  *env
	args []any
}

func (in invocation) string(i int) (string, error) {
	s, ok := in.args[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %d must be a string, got %s", i+1, typeName(in.args[i]))
	}
	return s, nil
}

// encodable is argument i as a string of at most maxEncodeInput characters.
func (in invocation) encodable(i int) (string, error) {
	s, err := in.string(i)
	if err == nil && len(s) > maxEncodeInput {
		err = fmt.Errorf("the input has more than %d characters", maxEncodeInput)
	}
	return s, err
}

// onArray makes fn, which takes the first argument as an array, an intrinsic's fn.
func onArray(fn func(a []any, in invocation) (any, error)) func(invocation) (any, error) {
	return func(in invocation) (any, error) {
		a, err := in.array(0)
		if err != nil {
			return nil, err
		}
		return fn(a, in)
	}
}

func (in invocation) array(i int) ([]any, error) {
	a, ok := in.args[i].([]any)
	if !ok {
		return nil, fmt.Errorf("argument %d must be an array, got %s", i+1, typeName(in.args[i]))
	}
	return a, nil
}

// statesFormat is States.Format: each {} in the template takes the next argument.
// In a literal template \{ and \} are literal braces.
func statesFormat(in invocation) (any, error) {
	tmplArg := in.call.args[0]
	escapes := tmplArg.isLit && tmplArg.isStr
	tmpl := tmplArg.raw
	if !escapes {
		s, ok := in.args[0].(string)
		if !ok {
			return nil, fmt.Errorf("the template must be a string, got %s", typeName(in.args[0]))
		}
		tmpl = s
	}
	vals := in.args[1:]
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
				return nil, fmt.Errorf("the template has more {} than the %d values given", len(vals))
			}
			s, err := formatValue(vals[n])
			if err != nil {
				return nil, err
			}
			b.WriteString(s)
			n++
			i++
			continue
		}
		b.WriteByte(c)
	}
	if n != len(vals) {
		return nil, fmt.Errorf("the template has %d {} but %d values are given", n, len(vals))
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

func stringToJSON(in invocation) (any, error) {
	s, err := in.string(0)
	if err != nil {
		return nil, err
	}
	v, err := decodeJSON([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("not a JSON text: %w", err)
	}
	return v, nil
}

func arrayPartition(a []any, in invocation) (any, error) {
	size, ok := toInt(in.args[1])
	if !ok || size <= 0 {
		return nil, fmt.Errorf("the chunk size must be a positive integer, got %s", jsonText(in.args[1], 64))
	}
	out := []any{}
	for i := 0; i < len(a); i += int(size) {
		out = append(out, a[i:min(i+int(size), len(a))])
	}
	return out, nil
}

func arrayContains(a []any, in invocation) (any, error) {
	return slices.ContainsFunc(a, func(x any) bool { return equalValues(x, in.args[1]) }), nil
}

func arrayRange(in invocation) (any, error) {
	var n [3]int64
	for i := range n {
		v, ok := roundInt(in.args[i])
		if !ok {
			return nil, fmt.Errorf("argument %d must be a number, got %s", i+1, jsonText(in.args[i], 64))
		}
		n[i] = v
	}
	from, to, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, fmt.Errorf("the step must not be zero")
	}
	out := []any{}
	for x := from; (step > 0 && x <= to) || (step < 0 && x >= to); x += step {
		if len(out) == maxArrayItems {
			return nil, fmt.Errorf("the range has more than %d items", maxArrayItems)
		}
		out = append(out, intNumber(x))
	}
	return out, nil
}

func arrayGetItem(a []any, in invocation) (any, error) {
	i, ok := toInt(in.args[1])
	if !ok || i < 0 || i >= int64(len(a)) {
		return nil, fmt.Errorf("index %s is out of range for an array of %d items", jsonText(in.args[1], 64), len(a))
	}
	return a[i], nil
}

func arrayLength(a []any, _ invocation) (any, error) {
	return intNumber(int64(len(a))), nil
}

func arrayUnique(a []any, _ invocation) (any, error) {
	out := []any{}
	for _, x := range a {
		if !slices.ContainsFunc(out, func(y any) bool { return equalValues(x, y) }) {
			out = append(out, x)
		}
	}
	return out, nil
}

func base64Encode(in invocation) (any, error) {
	s, err := in.encodable(0)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(in invocation) (any, error) {
	s, err := in.encodable(0)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", err)
	}
	return string(b), nil
}

// statesHash is States.Hash: a string is hashed as it is, any other value as its JSON.
func statesHash(in invocation) (any, error) {
	data, ok := in.args[0].(string)
	if !ok {
		var err error
		if data, err = encodeJSON(in.args[0]); err != nil {
			return nil, err
		}
	}
	if len(data) > maxEncodeInput {
		return nil, fmt.Errorf("the input has more than %d characters", maxEncodeInput)
	}
	alg, err := in.string(1)
	if err != nil {
		return nil, err
	}
	newHash, ok := hashes[alg]
	if !ok {
		return nil, fmt.Errorf("unknown hash algorithm %q (MD5, SHA-1, SHA-256, SHA-384 or SHA-512)", alg)
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// jsonMerge is States.JsonMerge, shallow only: b's keys over a's.
func jsonMerge(in invocation) (any, error) {
	a, ok1 := in.args[0].(map[string]any)
	b, ok2 := in.args[1].(map[string]any)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both arguments must be objects, got %s and %s", typeName(in.args[0]), typeName(in.args[1]))
	}
	if deep, ok := in.args[2].(bool); !ok || deep {
		return nil, fmt.Errorf("only the shallow merge is supported: the third argument must be false")
	}
	out := maps.Clone(a)
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, b)
	return out, nil
}

// mathRandom is States.MathRandom: an integer in [start, end], from the seed when
// one is given, else from the execution's generator.
func mathRandom(in invocation) (any, error) {
	lo, ok1 := roundInt(in.args[0])
	hi, ok2 := roundInt(in.args[1])
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("the start and end must be numbers")
	}
	if hi < lo {
		return nil, fmt.Errorf("the end %d is less than the start %d", hi, lo)
	}
	if len(in.args) == 3 {
		seed, ok := roundInt(in.args[2])
		if !ok {
			return nil, fmt.Errorf("the seed must be a number")
		}
		return intNumber(lo + mrand.New(mrand.NewSource(seed)).Int63n(hi-lo+1)), nil
	}
	return intNumber(lo + in.env.rng.int63n(hi-lo+1)), nil
}

func mathAdd(in invocation) (any, error) {
	a, ok1 := roundInt(in.args[0])
	b, ok2 := roundInt(in.args[1])
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both arguments must be numbers, got %s and %s", typeName(in.args[0]), typeName(in.args[1]))
	}
	return intNumber(a + b), nil
}

func stringSplit(in invocation) (any, error) {
	s, err := in.string(0)
	if err != nil {
		return nil, err
	}
	delims, err := in.string(1)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, f)
	}
	return out, nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string { return uuid.NewString() }
