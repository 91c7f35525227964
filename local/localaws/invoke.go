package localaws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// Answer is a function's response to one invocation.
type Answer struct {
	// Payload is the function's response or, after a failure, its error object.
	Payload []byte
	// FunctionError is empty on success, else the Lambda Invoke API's
	// X-Amz-Function-Error ("Unhandled").
	FunctionError string
}

// Err is nil for a successful invocation; otherwise it names the function and
// the error type the function reported (the name Retry and Catch match).
func (a Answer) Err(function string) error {
	if a.FunctionError == "" {
		return nil
	}
	var e messages.InvokeResponse_Error
	if json.Unmarshal(a.Payload, &e) != nil || e.Type == "" {
		return fmt.Errorf("%s failed (%s): %s", function, a.FunctionError, bytes.TrimSpace(a.Payload))
	}
	return fmt.Errorf("%s failed with %s: %s", function, e.Type, e.Message)
}

// InvokeAt calls function through the Lambda Invoke API of a running local AWS
// (the AWS_ENDPOINT_URL that `scatter local up` prints).
func InvokeAt(ctx context.Context, endpoint, function string, payload []byte) (Answer, error) {
	u := strings.TrimSuffix(endpoint, "/") + "/2015-03-31/functions/" + url.PathEscape(function) + "/invocations"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return Answer{}, fmt.Errorf("invoke %s: %w", function, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("invoke %s at %s (is 'scatter local up' running?): %w", function, endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Answer{}, fmt.Errorf("invoke %s: read response: %w", function, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Answer{}, fmt.Errorf("invoke %s: %s: %s", function, resp.Status, bytes.TrimSpace(body))
	}
	return Answer{Payload: body, FunctionError: resp.Header.Get("X-Amz-Function-Error")}, nil
}
