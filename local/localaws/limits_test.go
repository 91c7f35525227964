package localaws_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

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
