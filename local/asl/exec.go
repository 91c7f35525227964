package asl

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"time"
)

const (
	timeFormat     = "2006-01-02T15:04:05.000Z"
	localAccount   = "local"
	stateMachineID = "arn:aws:states:local:" + localAccount + ":stateMachine:local"
	maxWaitSeconds = 99999999 // the largest Seconds, TimeoutSeconds or retry delay Step Functions accepts
)

// run is one execution.
type run struct {
	opts   Options
	sleep  func(ctx context.Context, d time.Duration) error
	rng    *lockedRand
	maxPar int
	top    *frame
}

// frame is where a graph runs: the top level, a Parallel branch or a Map iteration.
type frame struct {
	mapIndex  int
	execution map[string]any // $$.Execution
}

func newRun(opts Options, input any) *run {
	r := &run{opts: opts, sleep: opts.Sleep, maxPar: opts.MaxParallel}
	if r.sleep == nil {
		r.sleep = sleepCtx
	}
	src := opts.Rand
	if src == nil {
		src = rand.New(rand.NewSource(time.Now().UnixNano()))
	}
	r.rng = &lockedRand{r: src}
	if r.maxPar <= 0 {
		r.maxPar = 64
	}
	name := opts.ExecutionName
	if name == "" {
		name = newUUID()
	}
	// RedriveCount is 0: a local execution is never redriven (scatter resume starts a
	// new one). AWS has it in every Standard execution's context object, RedriveTime only
	// once redriven (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
	r.top = &frame{mapIndex: -1, execution: map[string]any{
		"Id":           "arn:aws:states:local:" + localAccount + ":execution:local:" + name,
		"Name":         name,
		"Input":        input,
		"StartTime":    time.Now().UTC().Format(timeFormat),
		"RedriveCount": intNumber(0),
	}}
	return r
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *run) emit(ev Event) {
	if r.opts.OnEvent == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	r.opts.OnEvent(ev)
}

// runGraph runs states from StartAt until one ends the graph. On error it
// also returns the name of the state that failed.
func (r *run) runGraph(ctx context.Context, g *graph, input any, fr *frame) (any, string, error) {
	name := g.startAt
	for {
		if err := ctx.Err(); err != nil {
			return nil, name, err
		}
		st := g.states[name]
		out, next, err := r.runState(ctx, st, input, fr)
		if err == nil {
			err = r.checkPayload(out, "The state '"+name+"' returned a result")
		}
		if err != nil {
			return nil, name, err
		}
		if next == "" {
			return out, "", nil
		}
		input, name = out, next
	}
}

// stateRun is one state being run: what its context object ($$) needs.
type stateRun struct {
	r          *run
	st         *state
	fr         *frame
	entered    time.Time
	retryCount int
	item       *mapItem // only while evaluating a Map's ItemSelector
}

type mapItem struct {
	index int
	value any
}

// checkPayload fails a payload over Step Functions' 256 KiB quota on a state's or an
// execution's input (a state's after Parameters) and output, and on a task's result,
// with States.DataLimitExceeded, as AWS does
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
func (r *run) checkPayload(v any, what string) error {
	if r.opts.NoLimits {
		return nil
	}
	if n := jsonSize(v); n > MaxPayloadBytes {
		return &Failure{Name: ErrDataLimitExceeded, Cause: fmt.Sprintf("%s with a size of %d bytes, exceeding the maximum of %d bytes", what, n, MaxPayloadBytes)}
	}
	return nil
}

func (sr *stateRun) env(input any) *env {
	return &env{input: input, context: sr.contextObject, rng: sr.r.rng}
}

// parameters applies the state's Parameters to eff, its effective input, which comes back
// unchanged when the state has none. The input after Parameters has the payload quota.
func (sr *stateRun) parameters(eff any) (any, error) {
	if sr.st.parameters == nil {
		return eff, nil
	}
	in, err := sr.st.parameters.eval(sr.env(eff))
	if err != nil {
		return nil, err
	}
	if err := sr.r.checkPayload(in, "The input of the state '"+sr.st.name+"' after Parameters"); err != nil {
		return nil, err
	}
	return in, nil
}

func (sr *stateRun) contextObject() any {
	c := map[string]any{
		"Execution": sr.fr.execution,
		"State": map[string]any{
			"Name":        sr.st.name,
			"EnteredTime": sr.entered.UTC().Format(timeFormat),
			"RetryCount":  intNumber(int64(sr.retryCount)),
		},
		"StateMachine": map[string]any{"Id": stateMachineID, "Name": "local"},
	}
	if sr.item != nil {
		c["Map"] = map[string]any{"Item": map[string]any{"Index": intNumber(int64(sr.item.index)), "Value": sr.item.value}}
	}
	return c
}

func (r *run) runState(ctx context.Context, st *state, raw any, fr *frame) (out any, next string, err error) {
	sr := &stateRun{r: r, st: st, fr: fr, entered: time.Now()}
	r.emit(Event{Type: EventStateEntered, State: st.name, MapIndex: fr.mapIndex, Time: sr.entered})
	defer func() {
		ev := Event{Type: EventStateExited, State: st.name, MapIndex: fr.mapIndex}
		var f *Failure
		if errors.As(err, &f) {
			ev.Error = f
		}
		r.emit(ev)
	}()
	switch st.typ {
	case "Task", "Parallel", "Map":
		return r.withRetry(ctx, sr, raw)
	case "Pass":
		out, err = r.pass(sr, raw)
		return out, st.next, err
	case "Choice":
		return r.choice(sr, raw)
	case "Wait":
		out, err = r.wait(ctx, sr, raw)
		return out, st.next, err
	case "Succeed":
		eff, err := st.inputPath.apply(sr.env(raw))
		if err != nil {
			return nil, "", err
		}
		out, err = st.outputPath.apply(sr.env(eff))
		return out, "", err
	case "Fail":
		return nil, "", r.fail(sr, raw)
	}
	return nil, "", fmt.Errorf("state %q: unknown type %q", st.name, st.typ)
}

func (r *run) pass(sr *stateRun, raw any) (any, error) {
	st := sr.st
	eff, err := st.inputPath.apply(sr.env(raw))
	if err != nil {
		return nil, err
	}
	result, err := sr.parameters(eff)
	if err != nil {
		return nil, err
	}
	if st.hasResult {
		result = st.result
	}
	out, err := st.resultPath.apply(raw, result)
	if err != nil {
		return nil, err
	}
	return st.outputPath.apply(sr.env(out))
}

func (r *run) choice(sr *stateRun, raw any) (any, string, error) {
	st := sr.st
	eff, err := st.inputPath.apply(sr.env(raw))
	if err != nil {
		return nil, "", err
	}
	e := sr.env(eff)
	next := ""
	for _, rule := range st.choices {
		ok, err := rule.eval(e)
		if err != nil {
			return nil, "", err
		}
		if ok {
			next = rule.next
			break
		}
	}
	if next == "" {
		if st.dflt == "" {
			return nil, "", &Failure{Name: ErrNoChoiceMatched, Cause: fmt.Sprintf("no choice rule matched the input '%s' and there is no Default", jsonText(eff, 1024))}
		}
		next = st.dflt
	}
	out, err := st.outputPath.apply(e)
	return out, next, err
}

func (r *run) wait(ctx context.Context, sr *stateRun, raw any) (any, error) {
	st := sr.st
	eff, err := st.inputPath.apply(sr.env(raw))
	if err != nil {
		return nil, err
	}
	e := sr.env(eff)
	var d time.Duration
	switch {
	case st.hasSeconds:
		d = time.Duration(st.seconds) * time.Second
	case st.secondsPath != nil:
		v, ok := st.secondsPath.get(e)
		n, isInt := toInt(v)
		if !ok || !isInt || n < 0 || n > maxWaitSeconds {
			return nil, runtimeFailure("SecondsPath '%s' must select a non-negative integer, got %s", st.secondsPath.src, jsonText(v, 64))
		}
		d = time.Duration(n) * time.Second
	case st.hasTimestamp:
		d = time.Until(st.timestamp)
	case st.timestampPath != nil:
		v, ok := st.timestampPath.get(e)
		s, _ := v.(string)
		t, isTS := parseTimestamp(s)
		if !ok || !isTS {
			return nil, runtimeFailure("TimestampPath '%s' must select an RFC 3339 timestamp, got %s", st.timestampPath.src, jsonText(v, 64))
		}
		d = time.Until(t)
	}
	if d > 0 {
		if err := r.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	return st.outputPath.apply(e)
}

func (r *run) fail(sr *stateRun, raw any) error {
	st := sr.st
	f := &Failure{Name: st.errName, Cause: st.cause}
	for _, x := range []struct {
		t   *tmpl
		dst *string
	}{{st.errPath, &f.Name}, {st.causePath, &f.Cause}} {
		if x.t == nil {
			continue
		}
		v, err := x.t.eval(sr.env(raw))
		if err != nil {
			return err
		}
		s, ok := v.(string)
		if !ok {
			return runtimeFailure("%s must select a string, got %s", x.t.field, jsonText(v, 64))
		}
		*x.dst = s
	}
	return f
}

// withRetry runs a Task, Parallel or Map state with its Retry and Catch.
func (r *run) withRetry(ctx context.Context, sr *stateRun, raw any) (any, string, error) {
	st := sr.st
	used := make([]int64, len(st.retry))
	for attempt := 1; ; attempt++ {
		sr.retryCount = attempt - 1
		out, err := r.attempt(ctx, sr, raw, attempt)
		if err == nil {
			return out, st.next, nil
		}
		var f *Failure
		if !errors.As(err, &f) || ctx.Err() != nil {
			return nil, "", err // cancelled: neither retried nor caught
		}
		if i := matchingRetrier(st.retry, f.Name); i >= 0 && used[i] < st.retry[i].maxAttempts {
			d := r.retryDelay(st.retry[i], used[i])
			used[i]++
			r.emit(Event{Type: EventTaskRetryScheduled, State: st.name, MapIndex: sr.fr.mapIndex, Attempt: attempt + 1, Error: f})
			if err := r.sleep(ctx, d); err != nil {
				return nil, "", err
			}
			continue
		}
		for _, c := range st.catch {
			if errorMatches(c.errors, f.Name) {
				out, err := c.resultPath.apply(raw, map[string]any{"Error": f.Name, "Cause": f.Cause})
				if err != nil {
					return nil, "", err
				}
				return out, c.next, nil
			}
		}
		return nil, "", f
	}
}

// matchingRetrier returns the index of the first retrier matching name, or -1.
func matchingRetrier(retry []*retrier, name string) int {
	for i, rt := range retry {
		if errorMatches(rt.errors, name) {
			return i
		}
	}
	return -1
}

// errorMatches applies ErrorEquals: States.ALL matches any error and
// States.TaskFailed any but States.Timeout; States.Runtime and
// States.DataLimitExceeded are terminal and match nothing. AWS's error-handling
// page (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)
// calls States.DataLimitExceeded "a terminal error that can't be caught by the
// States.ALL error type"; it names no ErrorEquals that can catch it, and a terminal
// error ends the execution, so an ErrorEquals naming it explicitly does not match it
// either. Were AWS to let an explicit name catch it, this engine would only be the
// stricter: the definition does not name it.
func errorMatches(names []string, name string) bool {
	if name == ErrRuntime || name == ErrDataLimitExceeded {
		return false
	}
	for _, n := range names {
		switch {
		case n == name, n == ErrALL:
			return true
		case n == ErrTaskFailed && name != ErrTimeout:
			return true
		}
	}
	return false
}

// retryDelay is the wait before retry n+1 of a retrier (n retries done):
// IntervalSeconds × BackoffRate^n, at most MaxDelaySeconds, and with
// JitterStrategy FULL a uniformly random fraction of that.
func (r *run) retryDelay(rt *retrier, n int64) time.Duration {
	secs := rt.interval * math.Pow(rt.backoff, float64(n))
	if rt.maxDelay > 0 && secs > rt.maxDelay {
		secs = rt.maxDelay
	}
	if secs > maxWaitSeconds || math.IsInf(secs, 0) || math.IsNaN(secs) {
		secs = maxWaitSeconds
	}
	if rt.fullJitter {
		secs *= r.rng.float64()
	}
	return time.Duration(secs * float64(time.Second))
}

// attempt runs a Task, Parallel or Map state once: InputPath, Parameters,
// the work, ResultSelector, ResultPath, OutputPath.
func (r *run) attempt(ctx context.Context, sr *stateRun, raw any, attempt int) (any, error) {
	st := sr.st
	eff, err := st.inputPath.apply(sr.env(raw))
	if err != nil {
		return nil, err
	}
	var result any
	switch st.typ {
	case "Task":
		result, err = r.task(ctx, sr, eff, attempt)
	case "Parallel":
		result, err = r.parallel(ctx, sr, eff)
	case "Map":
		result, err = r.mapRun(ctx, sr, eff)
	}
	if err != nil {
		return nil, err
	}
	if st.resultSelector != nil {
		if result, err = st.resultSelector.eval(sr.env(result)); err != nil {
			return nil, err
		}
	}
	out, err := st.resultPath.apply(raw, result)
	if err != nil {
		return nil, err
	}
	return st.outputPath.apply(sr.env(out))
}

func (r *run) task(ctx context.Context, sr *stateRun, eff any, attempt int) (any, error) {
	st := sr.st
	params, err := sr.parameters(eff)
	if err != nil {
		return nil, err
	}
	function, payload := st.resource, params
	if st.invoke {
		m, _ := params.(map[string]any)
		name, ok := m["FunctionName"].(string)
		if !ok || name == "" {
			return nil, runtimeFailure("the Parameters of %s must have a FunctionName string, got %s", lambdaInvokeResource, jsonText(params, 256))
		}
		function, payload = name, m["Payload"]
	}
	timeout := st.timeout
	if st.timeoutPath != nil {
		v, ok := st.timeoutPath.get(sr.env(eff))
		n, isInt := toInt(v)
		if !ok || !isInt || n <= 0 || n > maxWaitSeconds {
			return nil, runtimeFailure("TimeoutSecondsPath '%s' must select a positive integer, got %s", st.timeoutPath.src, jsonText(v, 64))
		}
		timeout = n
	}

	r.emit(Event{Type: EventTaskStarted, State: st.name, MapIndex: sr.fr.mapIndex, Attempt: attempt})
	res, err := r.invoke(ctx, function, payload, timeout)
	if err != nil {
		ev := Event{Type: EventTaskFailed, State: st.name, MapIndex: sr.fr.mapIndex, Attempt: attempt}
		if errors.As(err, &ev.Error) {
			r.emit(ev)
		}
		return nil, err
	}
	if st.invoke {
		res = map[string]any{"ExecutedVersion": "$LATEST", "Payload": res, "StatusCode": intNumber(200)}
	}
	// The connector's output has the quota too, before ResultSelector can shrink it.
	if err := r.checkPayload(res, "The task '"+st.name+"' returned a result"); err != nil {
		return nil, err
	}
	r.emit(Event{Type: EventTaskSucceeded, State: st.name, MapIndex: sr.fr.mapIndex, Attempt: attempt})
	return res, nil
}

// invoke calls the Lambda function, timing it out after timeout seconds (0: never).
func (r *run) invoke(ctx context.Context, function string, payload any, timeout int64) (any, error) {
	callCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithTimeout(ctx, time.Duration(timeout)*time.Second)
		defer cancel()
	}
	res, err := r.opts.Lambda(callCtx, function, payload)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if timeout > 0 && errors.Is(callCtx.Err(), context.DeadlineExceeded) {
		return nil, &Failure{Name: ErrTimeout, Cause: fmt.Sprintf("the task ran longer than its timeout of %d seconds", timeout)}
	}
	if err != nil {
		var f *Failure
		if errors.As(err, &f) {
			return nil, &Failure{Name: f.Name, Cause: f.Cause}
		}
		return nil, &Failure{Name: ErrTaskFailed, Cause: err.Error()}
	}
	out, err := normalize(res)
	if err != nil {
		return nil, &Failure{Name: ErrTaskFailed, Cause: fmt.Sprintf("the result of %s is not JSON: %v", function, err)}
	}
	return out, nil
}
