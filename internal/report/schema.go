package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// SummarySchema is the JSON Schema of the summary written beside every output.
//
//go:embed summary.schema.json
var SummarySchema []byte

// ValidateSummary checks a summary against SummarySchema, then against the invariants a
// schema cannot say: attempts cover the chunks, the failed and duplicate attempts are among
// them, and the job finished after it started.
func ValidateSummary(raw []byte) error {
	var schema, doc any
	if err := json.Unmarshal(SummarySchema, &schema); err != nil {
		return fmt.Errorf("summary schema: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	root := schema.(map[string]any)
	if err := validate(root, root, doc, "$"); err != nil {
		return fmt.Errorf("summary does not fit its schema: %w", err)
	}
	var s struct {
		Chunks   int       `json:"chunks"`
		Started  time.Time `json:"started"`
		Finished time.Time `json:"finished"`
		Phases   map[string]struct {
			Attempts, Failed, Duplicates int
		} `json:"phases"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	for name, p := range s.Phases {
		if p.Failed+p.Duplicates > p.Attempts {
			return fmt.Errorf("summary: phase %s has %d failed and %d duplicate attempts of %d", name, p.Failed, p.Duplicates, p.Attempts)
		}
	}
	if m := s.Phases["map"]; m.Attempts-m.Failed < s.Chunks {
		return fmt.Errorf("summary: %d successful mapper attempts for %d chunks", m.Attempts-m.Failed, s.Chunks)
	}
	if s.Phases["gather"].Attempts < 1 {
		return fmt.Errorf("summary: no gather attempt")
	}
	if s.Finished.Before(s.Started) {
		return fmt.Errorf("summary: finished %v before it started %v", s.Finished, s.Started)
	}
	return nil
}

// validate checks v against the subset of JSON Schema that SummarySchema uses: type, enum,
// required, properties, additionalProperties, items, minItems, minimum, minLength, format
// date-time and local $ref.
func validate(root, schema map[string]any, v any, at string) error {
	if ref, ok := schema["$ref"].(string); ok {
		name, found := strings.CutPrefix(ref, "#/$defs/")
		def, ok := root["$defs"].(map[string]any)[name].(map[string]any)
		if !found || !ok {
			return fmt.Errorf("%s: unresolved $ref %s", at, ref)
		}
		return validate(root, def, v, at)
	}
	if enum, ok := schema["enum"].([]any); ok {
		match := false
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(v) {
				match = true
			}
		}
		if !match {
			return fmt.Errorf("%s: %v is not one of %v", at, v, enum)
		}
	}
	if t, ok := schema["type"].(string); ok {
		if err := checkType(t, v); err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for _, r := range asSlice(schema["required"]) {
			if _, ok := x[r.(string)]; !ok {
				return fmt.Errorf("%s: required member %s is missing", at, r)
			}
		}
		props, _ := schema["properties"].(map[string]any)
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				if err := validate(root, ps, x[k], at+"."+k); err != nil {
					return err
				}
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case bool:
				if !ap {
					return fmt.Errorf("%s: member %s is not in the schema", at, k)
				}
			case map[string]any:
				if err := validate(root, ap, x[k], at+"."+k); err != nil {
					return err
				}
			}
		}
	case []any:
		if n, ok := number(schema["minItems"]); ok && float64(len(x)) < n {
			return fmt.Errorf("%s: %d items, want at least %v", at, len(x), n)
		}
		if is, ok := schema["items"].(map[string]any); ok {
			for i, e := range x {
				if err := validate(root, is, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	case string:
		if n, ok := number(schema["minLength"]); ok && float64(len(x)) < n {
			return fmt.Errorf("%s: %q is shorter than %v", at, x, n)
		}
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
				return fmt.Errorf("%s: %q is not a date-time", at, x)
			}
		}
	case json.Number:
		f, _ := x.Float64()
		if n, ok := number(schema["minimum"]); ok && f < n {
			return fmt.Errorf("%s: %v is less than %v", at, x, n)
		}
	}
	return nil
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func number(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok
}

func checkType(t string, v any) error {
	ok := false
	switch x := v.(type) {
	case map[string]any:
		ok = t == "object"
	case []any:
		ok = t == "array"
	case string:
		ok = t == "string"
	case bool:
		ok = t == "boolean"
	case json.Number:
		f, err := x.Float64()
		ok = err == nil && (t == "number" || (t == "integer" && f == math.Trunc(f) && !strings.ContainsAny(x.String(), ".eE")))
	case nil:
		ok = t == "null"
	}
	if !ok {
		return fmt.Errorf("%v is not of type %s", v, t)
	}
	return nil
}
