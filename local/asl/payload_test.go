package asl

import (
	"context"
	"strings"
	"testing"
)

// TestPayloadQuota: Step Functions' 256 KiB quota on an execution's input, a state's
// input after Parameters, a task's result (before ResultSelector), a state's output and
// a child execution's input fails the execution with
// States.DataLimitExceeded, naming what passed it; a payload at the quota passes, and
// with NoLimits so does one over it.
func TestPayloadQuota(t *testing.T) {
	// A JSON string of n bytes encoded: n-2 characters between the quotes.
	str := func(n int) string { return strings.Repeat("a", n-2) }
	pass := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	// Each child's input holds its item twice: over the quota while the execution's is not.
	dmap := `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
		"ItemSelector":{"a.$":"$$.Map.Item.Value","b.$":"$$.Map.Item.Value"},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
		"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"End":true}}}}}}`
	cases := []struct {
		name, def string
		input     any
		cause     string
	}{
		{"execution input at the quota", pass, str(MaxPayloadBytes), ""},
		{"execution input over it", pass, str(MaxPayloadBytes + 1), "The execution input"},
		{"execution input of <, > and & at the quota (one byte each)", pass, strings.Repeat("<>&", (MaxPayloadBytes-2)/3) + strings.Repeat("a", (MaxPayloadBytes-2)%3), ""},
		{"state output over it", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"` + str(MaxPayloadBytes+1) + `","End":true}}}`, nil, "The state 'P' returned a result"},
		{"child execution input over it", dmap, []any{1, str(MaxPayloadBytes/2 + 10)}, "The child execution input of item 1"},
		{"input after Parameters over it", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$","b.$":"$"},"ResultPath":null,"End":true}}}`,
			str(MaxPayloadBytes/2 + 10), "The input of the state 'P' after Parameters"},
		{"task input after Parameters over it", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"small","Payload":{"a.$":"$","b.$":"$"}},"ResultSelector":{"ok":true},"End":true}}}`,
			str(MaxPayloadBytes/2 + 10), "The input of the state 'T' after Parameters"},
		{"task result over it, though ResultSelector shrinks it", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"big"},"ResultSelector":{"ok":true},"End":true}}}`, nil, "The task 'T' returned a result"},
	}
	// big answers one byte more than the quota; small answers 1.
	lambda := func(_ context.Context, function string, _ any) (any, error) {
		if function == "big" {
			return str(MaxPayloadBytes + 1), nil
		}
		return 1, nil
	}
	for _, tc := range cases {
		for _, noLimits := range []bool{false, true} {
			_, err := mustParse(t, tc.def).Execute(context.Background(), tc.input, Options{NoLimits: noLimits, Lambda: lambda})
			if tc.cause == "" || noLimits {
				if err != nil {
					t.Errorf("%s (NoLimits %v): %v", tc.name, noLimits, err)
				}
				continue
			}
			f := failureOf(t, err)
			// A child's failure fails its item, and the Map its tolerance names it.
			if all := f.Name + ": " + f.Cause; !strings.Contains(all, ErrDataLimitExceeded) || !strings.Contains(f.Cause, tc.cause) {
				t.Errorf("%s: %s %q, want %s naming %q", tc.name, f.Name, f.Cause, ErrDataLimitExceeded, tc.cause)
			}
		}
	}
}
