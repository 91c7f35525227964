package lambdahost_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/scattergather/scattergather/local/lambdahost"
)

// reservedFn is the echo function with a reserved concurrency of n and room for more
// instances than that.
func reservedFn(n int) lambdahost.Function {
	fn := echoFn("echo")
	fn.MaxInstances, fn.Timeout, fn.ReservedConcurrency = 3, 20*time.Second, &n
	return fn
}

// TestReservedConcurrency: with a reserved concurrency of 1, while one invocation runs
// a synchronous one is refused at once, as Lambda refuses it (429
// TooManyRequestsException, reason ReservedFunctionConcurrentInvocationLimitExceeded;
// ErrThrottled from Host.Invoke), counted and logged; an Event invocation waits and runs
// after it; once the first ends, a synchronous one runs again. A reservation of 0
// refuses every synchronous invocation.
func TestReservedConcurrency(t *testing.T) {
	h := newHost(t, lambdahost.Options{}, reservedFn(1))
	c := sdkClient(h.url)
	long := make(chan error, 1)
	go func() {
		_, err := h.Invoke(context.Background(), "echo", []byte(`{"action":"sleep","ms":3000}`))
		long <- err
	}()
	// Until the long invocation holds the one slot, a quick one may still get it.
	var throttled *types.TooManyRequestsException
	for end := time.Now().Add(10 * time.Second); ; {
		_, err := c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"action":"pid"}`)})
		if errors.As(err, &throttled) {
			break
		}
		if err != nil || time.Now().After(end) {
			t.Fatalf("Invoke while the reserved concurrency is in use: %v, want TooManyRequestsException", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if throttled.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded {
		t.Errorf("throttled with reason %q", throttled.Reason)
	}
	if _, err := h.Invoke(context.Background(), "echo", []byte(`{"action":"pid"}`)); !errors.Is(err, lambdahost.ErrThrottled) {
		t.Errorf("Host.Invoke while the reserved concurrency is in use: %v, want ErrThrottled", err)
	}
	before := len(h.Stats())
	out, err := c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"action":"pid"}`)})
	if err != nil || out.StatusCode != http.StatusAccepted {
		t.Fatalf("Event invocation while the reserved concurrency is in use: %v, want 202", err)
	}
	if err := <-long; err != nil {
		t.Fatalf("the long invocation: %v", err)
	}
	for end := time.Now().Add(10 * time.Second); len(h.Stats()) < before+2 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(h.Stats()) - before; n != 2 {
		t.Fatalf("%d invocations ended after the throttles, want the long one and the queued Event one", n)
	}
	mustInvoke(t, h, "echo", `{"action":"pid"}`)
	if n := h.Throttles("echo"); n < 2 {
		t.Errorf("Throttles = %d, want at least the two refused above", n)
	}
	if !strings.Contains(h.logs.String(), "THROTTLED") {
		t.Errorf("no THROTTLED line in the logs:\n%s", h.logs.String())
	}

	t.Run("none reserved", func(t *testing.T) {
		h := newHost(t, lambdahost.Options{}, reservedFn(0))
		if _, err := h.Invoke(context.Background(), "echo", []byte(`{"action":"pid"}`)); !errors.Is(err, lambdahost.ErrThrottled) {
			t.Fatalf("Invoke with a reserved concurrency of 0: %v, want ErrThrottled", err)
		}
	})
}
