package asl

import (
	"context"
	"testing"

	"github.com/scattergather/scattergather/statemachine"
)

// FuzzParse: no definition makes Parse panic, and what parses runs a Pass
// chain without panicking.
func FuzzParse(f *testing.F) {
	f.Add(string(statemachine.Definition))
	f.Add(single(`{"Type":"Pass","Parameters":{"a.$":"States.Format('{}', $.x)"},"ResultPath":"$.r['s']","End":true}`))
	f.Add(choiceMachine(`{"And":[{"Variable":"$.a","StringMatches":"x*\\*"}],"Next":"Yes"}`))
	f.Fuzz(func(t *testing.T, def string) {
		m, err := Parse([]byte(def), map[string]string{"SplitterFunctionArn": "s", "MapperFunctionArn": "m", "ReducerFunctionArn": "r"})
		if err != nil || m.usesLambda || m.usesReader {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Wait states and loops end at once
		_, _ = m.Execute(ctx, raw(`{"x":1,"a":"xy*"}`), Options{})
	})
}

// FuzzIntrinsic: no invocation text makes the intrinsic parser or evaluator panic.
func FuzzIntrinsic(f *testing.F) {
	for _, s := range []string{
		`States.Format('a {} \{\}', $.name)`,
		`States.ArrayGetItem(States.StringSplit($.arn, '/'), 2)`,
		`States.MathRandom(1, 10, 3)`,
		`States.JsonMerge($.a, $.b, false)`,
		`States.ArrayRange(1, 9, 2)`,
	} {
		f.Add(s)
	}
	input, err := decodeJSON([]byte(intrinsicInput))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseIntrinsic(s)
		if err != nil {
			return
		}
		e := &env{input: input, context: func() any { return map[string]any{} }, rng: newRun(Options{}, nil).rng}
		_, _ = c.eval(e)
	})
}
