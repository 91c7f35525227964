package lambdahost_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/lambdahost"
)

// reservedFn is the echo function with a reserved concurrency of n and room for more
// instances than that.
func reservedFn(n int) lambdahost.Function {
	fn := echoFn("echo")
	fn.MaxInstances, fn.Timeout, fn.ReservedConcurrency = 3, 20*time.Second, &n
	return fn
}

// TestReservedConcurrency: with a reserved concurrency of 1, while one invocation holds
// the slot (held there by Options.Admitted, so no timing decides it) a synchronous one is refused at once, as Lambda refuses it (429
// TooManyRequestsException, reason ReservedFunctionConcurrentInvocationLimitExceeded;
// ErrThrottled from Host.Invoke), counted and logged; an Event invocation waits and runs
// after it; once the first ends, a synchronous one runs again. A reservation of 0
// refuses every synchronous invocation.
func TestReservedConcurrency(t *testing.T) {
	// The first invocation is held once it has the one slot, until released.
	admitted, release := make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	hold := func(string) {
		if held.CompareAndSwap(false, true) {
			close(admitted)
			<-release
		}
	}
	h := newHost(t, lambdahost.Options{Admitted: hold}, reservedFn(1))
	unhold := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unhold) // before Close, which waits for the held invocation
	c := sdkClient(h.url)
	long := make(chan error, 1)
	go func() {
		_, err := h.Invoke(context.Background(), "echo", []byte(`{"action":"pid"}`))
		long <- err
	}()
	<-admitted
	_, err := c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"action":"pid"}`)})
	var throttled *types.TooManyRequestsException
	if !errors.As(err, &throttled) {
		t.Fatalf("Invoke while the reserved concurrency is in use: %v, want TooManyRequestsException", err)
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
	unhold()
	if err := <-long; err != nil {
		t.Fatalf("the long invocation: %v", err)
	}
	testutil.WaitFor(t, time.Minute, "the queued Event invocation to end", func() bool { return len(h.Stats()) >= before+2 })
	if n := len(h.Stats()) - before; n != 2 {
		t.Fatalf("%d invocations ended after the throttles, want the long one and the queued Event one", n)
	}
	mustInvoke(t, h, "echo", `{"action":"pid"}`)
	if n := h.Throttles("echo"); n < 2 {
		// At least: the SDK's client retries a 429 (its standard retryer), each
		// attempt refused and counted.
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
