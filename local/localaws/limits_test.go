package localaws_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/localaws"
)

// TestStatesPayloadQuota: the gateway holds Step Functions to its 262,144-byte quota
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), which moto
// does not check: a StartExecution input or a SendTaskSuccess output one byte over it,
// counted in bytes of UTF-8, is refused with ValidationException before moto sees it;
// an input at the limit starts an execution.
func TestStatesPayloadQuota(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := sfn.NewFromConfig(stack.AWSConfig())
	// input is a JSON document of exactly n bytes, padded with pad.
	input := func(n int, pad string) string {
		const open, closing = `{"pad":"`, `"}`
		body := strings.Repeat(pad, (n-len(open)-len(closing))/len(pad))
		return open + body + strings.Repeat("a", n-len(open)-len(closing)-len(body)) + closing
	}
	over := []struct {
		name string
		call func() error
	}{
		{"StartExecution input over by one byte", func() error {
			_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(stack.StateMachineARN),
				Name: aws.String("quota-over"), Input: aws.String(input(localaws.MaxStatesPayload+1, "a"))})
			return err
		}},
		{"StartExecution input over in UTF-8 bytes, not characters", func() error {
			in := input(localaws.MaxStatesPayload+2, "€") // 3 bytes each: far fewer characters than bytes
			if len([]rune(in)) > localaws.MaxStatesPayload {
				t.Fatalf("the input has %d characters; the case needs fewer than the limit", len([]rune(in)))
			}
			_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(stack.StateMachineARN),
				Name: aws.String("quota-over-utf8"), Input: aws.String(in)})
			return err
		}},
		{"SendTaskSuccess output over by one byte", func() error {
			_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("token"),
				Output: aws.String(input(localaws.MaxStatesPayload+1, "a"))})
			return err
		}},
	}
	for _, tc := range over {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			// The SDK models ValidationException for StartExecution only; every
			// operation's error carries its code.
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" || !strings.Contains(ae.ErrorMessage(), "less than or equal to 262144") {
				t.Fatalf("err = %v, want ValidationException naming the 262144-byte limit", err)
			}
		})
	}
	t.Run("StartExecution input at the limit", func(t *testing.T) {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(stack.StateMachineARN),
			Name: aws.String("quota-at-limit"), Input: aws.String(input(localaws.MaxStatesPayload, "a"))})
		if err != nil {
			t.Fatalf("an input of exactly %d bytes: %v", localaws.MaxStatesPayload, err)
		}
		// Its input is no job: stop it rather than let it fail in the splitter.
		c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: out.ExecutionArn})
	})
}

// TestStatesDataLimitInsideTheInterpreter: inside moto's Step Functions interpreter (the
// patch in internal/motoserver's sitecustomize.py), a payload over 262,144 bytes fails as
// AWS fails it, with States.DataLimitExceeded
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html): a
// state's input after Parameters, a state's output one byte over (and not at the limit),
// a Distributed Map's child execution input and its results gathered without a
// ResultWriter; the error is terminal, so a Catch of States.ALL does not take it; and the
// size is the compact JSON's, so an output that is over only when spaced out passes.
func TestStatesDataLimitInsideTheInterpreter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := sfn.NewFromConfig(stack.AWSConfig())
	pad := func(n int) string { return strings.Repeat("a", n) }
	quote := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	pass := func(state string) string { return `{"StartAt":"P","States":{"P":` + state + `}}` }
	// addTwo's output is {"s":S,"x":"ab"}: 17 bytes beside S.
	const addTwo = `{"Type":"Pass","Parameters":{"s.$":"$.s","x":"ab"},"End":true}`
	distributed := func(selector, processor, rest string) string {
		return `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",` + selector +
			`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":` + processor + `}}` + rest + `}}}`
	}
	const doubled = `"ItemSelector":{"a.$":"$$.Map.Item.Value","b.$":"$$.Map.Item.Value"},`
	many := map[string]int{}
	for i := range 18_000 {
		many[fmt.Sprintf("k%d", i)] = i
	}
	compact, _ := json.Marshal(many)
	spaced, _ := json.MarshalIndent(many, "", "")
	if len(compact) > localaws.MaxStatesPayload || len(spaced) <= localaws.MaxStatesPayload {
		t.Fatalf("the spaced case needs a payload under the limit compact (%d) and over it spaced (%d)", len(compact), len(spaced))
	}
	cases := []struct {
		name, definition, input string
		want, error             string
	}{
		{"input after Parameters", pass(`{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"ResultPath":null,"End":true}`),
			`{"s":"` + pad(150_000) + `"}`, "FAILED", "States.DataLimitExceeded"},
		{"output one byte over", pass(addTwo), `{"s":"` + pad(localaws.MaxStatesPayload+1-17) + `"}`, "FAILED", "States.DataLimitExceeded"},
		{"output at the limit", pass(addTwo), `{"s":"` + pad(localaws.MaxStatesPayload-17) + `"}`, "SUCCEEDED", ""},
		{"output over only with spaces", pass(`{"Type":"Pass","End":true}`), string(compact), "SUCCEEDED", ""},
		{"not caught by States.ALL", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":` +
			`{"Type":"Pass","Parameters":{"a.$":"$","b.$":"$"},"End":true}}},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"Next":"C"},"C":{"Type":"Pass","End":true}}}`,
			`{"items":[` + quote(pad(150_000)) + `]}`, "FAILED", "States.DataLimitExceeded"},
		// The child execution fails, so the Map Run passes its tolerated failures (none).
		{"child execution input over", distributed(doubled, `{"Type":"Pass","Result":"small","End":true}`, `,"ResultPath":null,"End":true`),
			`{"items":[` + quote(pad(150_000)) + `]}`, "FAILED", "States.ExceedToleratedFailureThreshold"},
		{"child execution input under", distributed(doubled, `{"Type":"Pass","Result":"small","End":true}`, `,"ResultPath":null,"End":true`),
			`{"items":[` + quote(pad(100_000)) + `]}`, "SUCCEEDED", ""},
		{"Distributed Map results inline over", distributed(doubled, `{"Type":"Pass","End":true}`, `,"ResultPath":null,"End":true`),
			`{"items":[` + strings.Repeat(quote(pad(45_000))+",", 2) + quote(pad(45_000)) + `]}`, "FAILED", "States.DataLimitExceeded"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(fmt.Sprintf("data-limit-%d", i)),
				Definition: aws.String(tc.definition), RoleArn: aws.String("arn:aws:iam::" + localaws.AccountID + ":role/data-limit")})
			if err != nil {
				t.Fatal(err)
			}
			ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(tc.input)})
			if err != nil {
				t.Fatal(err)
			}
			var out *sfn.DescribeExecutionOutput
			testutil.WaitFor(t, jobTimeout, tc.name, func() bool {
				if out, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn}); err != nil {
					t.Fatal(err)
				}
				return out.Status != "RUNNING"
			})
			if string(out.Status) != tc.want || aws.ToString(out.Error) != tc.error {
				t.Fatalf("%s %s (%s), want %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), tc.want, tc.error)
			}
			if tc.error == "States.DataLimitExceeded" && !strings.Contains(aws.ToString(out.Cause), "exceeding the maximum of 262144 bytes") {
				t.Errorf("cause %q does not name the limit", aws.ToString(out.Cause))
			}
		})
	}
}
