package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// decodeJSON decodes one JSON text into ordinary Go values, numbers as json.Number.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// normalize turns any input value into decoded-JSON values (a fresh copy, so the
// caller's value is never shared or mutated): json.RawMessage and []byte are
// decoded, anything else goes through encoding/json.
func normalize(v any) (any, error) {
	switch t := v.(type) {
	case json.RawMessage:
		return decodeJSON(t)
	case []byte:
		return decodeJSON(t)
	case nil:
		return nil, nil
	case string, bool, json.Number:
		return t, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

// encodeJSON renders v as compact JSON without HTML escaping.
func encodeJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// jsonText is encodeJSON for messages: it never fails and is cut at limit bytes.
func jsonText(v any, limit int) string {
	s, err := encodeJSON(v)
	if err != nil {
		s = fmt.Sprint(v)
	}
	if limit > 0 && len(s) > limit {
		s = s[:limit] + "..."
	}
	return s
}

// isNumber reports whether v is a JSON number.
func isNumber(v any) bool {
	switch v.(type) {
	case json.Number, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

// toRat converts a JSON number to an exact rational.
func toRat(v any) (*big.Rat, bool) {
	r := new(big.Rat)
	switch t := v.(type) {
	case json.Number:
		if _, ok := r.SetString(string(t)); !ok {
			return nil, false
		}
		return r, true
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, false
		}
		return r.SetFloat64(t), true
	case float32:
		return toRat(float64(t))
	case int, int8, int16, int32, int64:
		return r.SetInt64(reflect.ValueOf(t).Int()), true
	case uint, uint8, uint16, uint32, uint64:
		return r.SetInt(new(big.Int).SetUint64(reflect.ValueOf(t).Uint())), true
	}
	return nil, false
}

// toInt returns v as an int64 when it is a JSON number with an integral value.
func toInt(v any) (int64, bool) {
	if n, ok := v.(json.Number); ok {
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i, true
		}
	}
	r, ok := toRat(v)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// roundInt returns v rounded to the nearest integer, halves rounded up
// (towards positive infinity), as Java's Math.round does.
func roundInt(v any) (int64, bool) {
	r, ok := toRat(v)
	if !ok {
		return 0, false
	}
	half := new(big.Rat).Add(r, big.NewRat(1, 2))
	q := new(big.Int).Div(half.Num(), half.Denom()) // Euclidean division: floor for a positive denominator
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// intNumber is i as a JSON number.
func intNumber(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

// equalValues compares two JSON values; numbers compare by value.
func equalValues(a, b any) bool {
	if isNumber(a) || isNumber(b) {
		ra, okA := toRat(a)
		rb, okB := toRat(b)
		return okA && okB && ra.Cmp(rb) == 0
	}
	switch ta := a.(type) {
	case nil:
		return b == nil
	case string:
		tb, ok := b.(string)
		return ok && ta == tb
	case bool:
		tb, ok := b.(bool)
		return ok && ta == tb
	case []any:
		tb, ok := b.([]any)
		if !ok || len(ta) != len(tb) {
			return false
		}
		for i := range ta {
			if !equalValues(ta[i], tb[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		tb, ok := b.(map[string]any)
		if !ok || len(ta) != len(tb) {
			return false
		}
		for k, va := range ta {
			vb, ok := tb[k]
			if !ok || !equalValues(va, vb) {
				return false
			}
		}
		return true
	}
	return false
}

// typeName names the JSON type of v for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	if isNumber(v) {
		return "number"
	}
	return fmt.Sprintf("%T", v)
}
