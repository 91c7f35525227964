package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/scattergather/scattergather/local/asl"
	"github.com/scattergather/scattergather/local/lambdahost"
	"github.com/scattergather/scattergather/local/localaws"
)

// Function is what the local engine takes from the template for one of the functions
// it runs in this process.
type Function struct {
	// Timeout is the function's Timeout: an invocation that has not answered by then
	// fails with ErrTimedOut, as on Lambda.
	Timeout time.Duration
	// MemoryMB is the function's MemorySize, in MB.
	MemoryMB int
}

// ErrTimedOut is the error of a Lambda invocation that ran past its function's
// Timeout: the errorType Lambda gives a timed-out function (Sandbox.Timedout,
// https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts;
// message "RequestId: ID Error: Task timed out after N.00 seconds"; the timeout
// itself: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
// Step Functions' page on Lambda errors says it reports unhandled function errors,
// timeouts among them, as Lambda.Unknown
// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html):
// the definition retries both names, so a timeout is retried whichever a Task gets.
// local/lambdahost answers the same for `scatter local up`.
const ErrTimedOut = lambdahost.ErrTimedOut

// templateIDs are the template's logical IDs of the functions the engine runs.
var templateIDs = map[string]string{
	SplitterFunction: "SplitterFunction",
	MapperFunction:   "MapperFunction",
	ReducerFunction:  "ReducerFunction",
}

// Functions reads the Timeout and MemorySize of the splitter, the mapper and the
// reducer from a SAM template (nil: the embedded template.yaml, the stack `scatter
// deploy` creates) with the evaluator `scatter local up` runs it with (Globals first,
// the function's own properties on top, parameters at their defaults). It is keyed by
// the engine's function names (SplitterFunction, MapperFunction, ReducerFunction).
// The map is the caller's own.
func Functions(template []byte) (map[string]Function, error) {
	if template == nil {
		return maps.Clone(embeddedFunctions), nil
	}
	return parseFunctions(template)
}

func parseFunctions(template []byte) (map[string]Function, error) {
	t, err := localaws.ParseTemplate(template)
	if err != nil {
		return nil, err
	}
	byID := map[string]localaws.Function{}
	for _, f := range t.Functions() {
		byID[f.Name] = f
	}
	fns := map[string]Function{}
	for name, id := range templateIDs {
		f, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("template: no function %s, which the local engine runs as %s", id, name)
		}
		if f.Timeout < 1 {
			return nil, fmt.Errorf("template: %s Timeout %d: want at least 1 (seconds)", id, f.Timeout)
		}
		fns[name] = Function{Timeout: time.Duration(f.Timeout) * time.Second, MemoryMB: f.MemoryMB}
	}
	return fns, nil
}

// embeddedFunctions is parseFunctions of the embedded template.yaml, written out:
// parsing the 900-line template cost every `scatter run` about 14 million
// instructions, a fifth of a run on a tiny input. TestEmbeddedFunctions checks it
// against the template (a change of a function's Timeout or MemorySize there
// fails it, naming the values to write here).
var embeddedFunctions = map[string]Function{
	SplitterFunction: {Timeout: 300 * time.Second, MemoryMB: 512},
	MapperFunction:   {Timeout: 900 * time.Second, MemoryMB: 1769},
	ReducerFunction:  {Timeout: 900 * time.Second, MemoryMB: 2048},
}

// functions is e.Functions, else the embedded template's (the shared map, which
// the engine only reads).
func (e *Engine) functions() (map[string]Function, error) {
	if e.Functions != nil {
		return e.Functions, nil
	}
	return embeddedFunctions, nil
}

// timed runs one invocation of the named function of the given Timeout: serve gets a
// context whose deadline is the Timeout (as a Lambda handler's context has), and when it
// has not answered by then the invocation fails with ErrTimedOut, whatever it does later.
// Lambda stops a timed-out invocation's process; a goroutine cannot be stopped, so the
// late attempt runs on with its context done (the ledger and the stores refuse its
// calls; had its commit got through first, it would be the chunk's one commit and the
// retry would answer as its duplicate), its answer goes to OnAbandoned, and Run waits
// for it before it returns.
func timed[T any](e *Engine, parent context.Context, function string, timeout time.Duration, serve func(context.Context) (T, error)) (T, error) {
	if timeout <= 0 {
		return serve(parent)
	}
	type reply struct {
		v   T
		err error
	}
	var ctx context.Context
	var cancel context.CancelFunc
	if e.withTimeout != nil {
		ctx, cancel = e.withTimeout(parent, function, timeout)
	} else {
		ctx, cancel = context.WithTimeout(parent, timeout)
	}
	var mu sync.Mutex
	abandoned := false
	done := make(chan reply, 1)
	e.running.Add(1)
	go func() {
		defer e.running.Done()
		defer cancel()
		v, err := serve(ctx)
		mu.Lock()
		defer mu.Unlock()
		if !abandoned {
			done <- reply{v, err}
		} else if e.OnAbandoned != nil {
			e.OnAbandoned(function, err)
		}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
	}
	mu.Lock()
	select {
	case r := <-done: // it answered as its time ran out
		mu.Unlock()
		return r.v, r.err
	default:
		abandoned = true
		mu.Unlock()
	}
	var zero T
	if err := parent.Err(); err != nil {
		return zero, err // the execution's own end (a Task's TimeoutSeconds, a cancel)
	}
	e.mu.Lock()
	e.timedOut++
	e.mu.Unlock()
	msg := lambdahost.TimedOutMessage(timeout)
	cause, _ := json.Marshal(messages.InvokeResponse_Error{Message: msg, Type: ErrTimedOut})
	return zero, &asl.Failure{Name: ErrTimedOut, Cause: string(cause)}
}

// TimedOut reports how many invocations ran past their function's Timeout.
func (e *Engine) TimedOut() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.timedOut
}
