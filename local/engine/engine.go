package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/straggler"
	"github.com/scattergather/scattergather/local/asl"
	"github.com/scattergather/scattergather/statemachine"
)

// The function names the local engine substitutes for the definition's ARNs.
const (
	SplitterFunction = "scatter-splitter"
	MapperFunction   = "scatter-mapper"
	ReducerFunction  = "scatter-reducer"
)

// ScatterState is the definition's Distributed Map over the chunks; its
// iterations are the mappers (the gather tree's MergeLevel is another Map).
const ScatterState = "Scatter"

// Substitutions are the DefinitionSubstitutions of a local run whose Distributed
// Maps run children of the given type (statemachine.Standard or statemachine.Express;
// "" is Standard, the template's default).
func Substitutions(children string) map[string]string {
	if children == "" {
		children = statemachine.Standard
	}
	return map[string]string{
		"SplitterFunctionArn":           SplitterFunction,
		"MapperFunctionArn":             MapperFunction,
		"ReducerFunctionArn":            ReducerFunction,
		statemachine.ChildExecutionType: children,
	}
}

// Engine executes the state machine definition with its Lambda tasks served by
// Handler in this process.
type Engine struct {
	Handler *pipeline.Handler
	// Definition is the ASL text; nil means the embedded statemachine.Definition.
	Definition []byte
	// MaxParallel caps concurrent map iterations (the definition's MaxConcurrency
	// comes from the plan); 0 means 64.
	MaxParallel int
	// OnEvent observes the execution (progress bars, reports); it may be called concurrently.
	OnEvent func(asl.Event)
	// OnMapResult observes every mapper result, for throughput.
	OnMapResult func(pipeline.MapResult)
	// Sleep waits out the definition's retry intervals; nil means real time.
	Sleep func(ctx context.Context, d time.Duration) error
	// NoBackups turns off backup attempts for stragglers (see backupPolicy).
	NoBackups bool
	// Children is the Distributed Maps' child workflow type, statemachine.Standard
	// ("" too) or statemachine.Express: an Express child that runs past the
	// five-minute limit fails as it does on AWS (asl.Options.ExpressLimit).
	Children string
	// ExpressLimit overrides the Express children's five minutes, for tests.
	ExpressLimit time.Duration
	// Functions are the Timeout and MemorySize of each function, keyed by its
	// name here (SplitterFunction, ...); nil means the embedded template's
	// (Functions(nil)). An invocation past its function's Timeout fails with
	// ErrTimedOut, and the definition's Retry and Catch take it as on AWS.
	Functions map[string]Function
	// OnAbandoned observes an invocation abandoned at its function's Timeout when its
	// handler returns at last: err is the handler's error (nil if it ran to its end;
	// its answer is dropped either way). It may be called concurrently.
	OnAbandoned func(function string, err error)
	// AbandonedGrace bounds how long Run waits, once the execution has ended, for
	// handlers still running (abandoned at their Timeout, or a backup's losing
	// attempt); 0 means DefaultAbandonedGrace. Lambda stops a timed-out invocation's
	// process, but a goroutine cannot be stopped: a handler that never looks at its
	// context (a user's mapper in an endless loop) would otherwise hang the run after
	// the job has ended. Past the grace Run returns and Stuck counts such handlers.
	AbandonedGrace time.Duration

	mu       sync.Mutex
	jobID    string // the planned job, once the splitter has answered
	timedOut int    // invocations past their function's Timeout
	// running are the handlers' goroutines of invocations with a Timeout and of
	// backup attempts, which Run waits for (waitRunning), abandoned ones included.
	running sync.WaitGroup
	stuck   bool // a handler still ran when Run stopped waiting for it
	// withTimeout gives an invocation's handler its context, which ends at the
	// function's Timeout; nil means context.WithTimeout. Tests replace it
	// (export_test.go) to end an invocation's time when they choose, not when a
	// loaded machine's clock says.
	withTimeout func(parent context.Context, function string, timeout time.Duration) (context.Context, context.CancelFunc)
	// backups applies backupPolicy to the mapper attempts; nil until the first.
	backups *straggler.Tracker
}

// Stragglers get a backup attempt: when a mapper attempt runs longer than
// backupPolicy's threshold (4 times the median of the latest 256 attempts that
// answered, at least 0.5 s, after 5 of them), the same chunk is mapped again
// alongside it and the first answer is taken. The commit protocol makes that
// safe: the first commit wins, the other attempt answers with it. A query hedges
// by the same policy with its own settings; docs/architecture.md says why they differ.
var backupPolicy = straggler.Policy{Quantile: 0.5, Factor: 4, Floor: 500 * time.Millisecond, MinSeen: 5, Window: 256}

// backupCheck is how often a running attempt looks at the threshold again: it
// moves as attempts finish, and an early attempt has none yet.
const backupCheck = 50 * time.Millisecond

// Backups reports the backup attempts launched and the ones that answered first.
func (e *Engine) Backups() (sent, won int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.backups.Counts()
}

// stragglers is the tracker of the mapper attempts; nil with NoBackups.
func (e *Engine) stragglers() *straggler.Tracker {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.backups == nil && !e.NoBackups {
		e.backups = straggler.New(backupPolicy)
	}
	return e.backups
}

// mapWithBackup runs the mapper on raw; a straggling attempt gets one backup.
func (e *Engine) mapWithBackup(ctx context.Context, raw []byte) (pipeline.MapResult, json.RawMessage, error) {
	type answer struct {
		r      pipeline.MapResult
		v      json.RawMessage
		err    error
		backup bool
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	backups := e.stragglers()
	answers := make(chan answer, 2)
	attempt := func(backup bool) {
		defer e.running.Done() // the losing attempt too: Run waits for it
		start := time.Now()
		r, v, err := call(ctx, raw, e.Handler.Map)
		if err == nil {
			backups.Answered(time.Since(start))
		}
		answers <- answer{r, v, err, backup}
	}
	start := time.Now()
	e.running.Add(1)
	go attempt(false)
	var ticks <-chan time.Time
	if backups != nil {
		check := time.NewTicker(backupCheck)
		defer check.Stop()
		ticks = check.C
	}
	running := 1
	for {
		select {
		case <-ticks:
			after, ok := backups.Threshold()
			if !ok || time.Since(start) < after {
				continue
			}
			ticks = nil
			if backups.Backup() {
				running++
				e.running.Add(1)
				go attempt(true)
			}
		case a := <-answers:
			running--
			if a.err != nil && running > 0 {
				continue // the other attempt may still answer
			}
			if a.err == nil && a.backup {
				backups.Won()
			}
			return a.r, a.v, a.err
		}
	}
}

// DefaultAbandonedGrace is how long Run waits for handlers still running after the
// execution has ended, unless Engine.AbandonedGrace says otherwise.
const DefaultAbandonedGrace = time.Minute

// waitRunning waits for the handlers still running, for at most the grace.
func (e *Engine) waitRunning() {
	done := make(chan struct{})
	go func() {
		e.running.Wait()
		close(done)
	}()
	grace := e.AbandonedGrace
	if grace <= 0 {
		grace = DefaultAbandonedGrace
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		e.mu.Lock()
		e.stuck = true
		e.mu.Unlock()
	}
}

// Stuck reports whether Run returned while a handler it had abandoned (or a
// backup's losing attempt) was still running past AbandonedGrace; such a handler
// ignores its context, and its late writes are refused only where a store looks.
func (e *Engine) Stuck() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stuck
}

// JobError is a failed execution of a planned job; JobID names it for resume.
type JobError struct {
	JobID string
	Err   error
}

func (e *JobError) Error() string { return fmt.Sprintf("job %s: %v", e.JobID, e.Err) }
func (e *JobError) Unwrap() error { return e.Err }

// Result is what a local execution produced.
type Result struct {
	Plan   pipeline.PlanOutput
	Gather pipeline.GatherOutput
}

// Run executes the definition for one job submission.
func (e *Engine) Run(ctx context.Context, in pipeline.PlanInput) (Result, error) {
	def := e.Definition
	if def == nil {
		def = statemachine.Definition
	}
	m, err := asl.Parse(def, Substitutions(e.Children))
	if err != nil {
		return Result{}, fmt.Errorf("state machine definition: %w", err)
	}
	fns, err := e.functions()
	if err != nil {
		return Result{}, err
	}
	// A handler abandoned at its Timeout, or a backup's losing attempt, stops at its
	// next store or ledger call; nothing of this run writes to the state after Run
	// returns, unless a handler ignores its context past the grace (waitRunning).
	defer e.waitRunning()
	input, err := json.Marshal(in)
	if err != nil {
		return Result{}, err
	}
	var mu sync.Mutex
	var firstMapFailure *asl.Failure
	onEvent := func(ev asl.Event) {
		if ev.Type == asl.EventMapIterationFailed && ev.State == ScatterState && ev.Error != nil {
			mu.Lock()
			if firstMapFailure == nil {
				firstMapFailure = ev.Error
			}
			mu.Unlock()
		}
		if e.OnEvent != nil {
			e.OnEvent(ev)
		}
	}
	out, err := m.Execute(ctx, json.RawMessage(input), asl.Options{
		Lambda: func(ctx context.Context, function string, payload any) (any, error) {
			return e.invoke(ctx, fns, function, payload)
		},
		GetObject:    e.getObject,
		PutObject:    e.putObject,
		OnEvent:      onEvent,
		MaxParallel:  e.MaxParallel,
		Sleep:        e.Sleep,
		ExpressLimit: e.ExpressLimit,
	})
	if err != nil {
		e.mu.Lock()
		id := e.jobID
		e.mu.Unlock()
		// A Map failure's own cause says only that the threshold was passed;
		// the first failed chunk says why. A handler's cause is JSON: keep its message.
		var f *asl.Failure
		switch {
		case firstMapFailure != nil:
			err = fmt.Errorf("a chunk failed: %s: %s", firstMapFailure.Name, pipeline.CauseMessage(firstMapFailure.Cause))
		case errors.As(err, &f) && f.Name == jobFailed:
			// RecordFailure's answer: its message is the failure it recorded.
			err = errors.New(pipeline.CauseMessage(f.Cause))
		case errors.As(err, &f):
			err = fmt.Errorf("%s: %s", f.Name, pipeline.CauseMessage(f.Cause))
		}
		if id != "" {
			err = &JobError{JobID: id, Err: err}
		}
		return Result{}, err
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return Result{}, err
	}
	var final struct {
		Plan   pipeline.PlanOutput   `json:"plan"`
		Result pipeline.GatherOutput `json:"result"`
	}
	if err := json.Unmarshal(raw, &final); err != nil {
		return Result{}, fmt.Errorf("execution output: %w", err)
	}
	if final.Plan.Done {
		final.Result = pipeline.GatherOutput{JobID: final.Plan.JobID, Status: "SUCCEEDED", Output: final.Plan.Output, Summary: pipeline.SummaryLocation(final.Plan.Output)}
	}
	return Result{Plan: final.Plan, Gather: final.Result}, nil
}

// invoke serves a Lambda task: the payload goes through JSON as it would over
// the Lambda API, an error comes back named the way aws-lambda-go names it, and
// an invocation past its function's Timeout fails with ErrTimedOut.
func (e *Engine) invoke(ctx context.Context, fns map[string]Function, function string, payload any) (any, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, &asl.Failure{Name: asl.ErrRuntime, Cause: err.Error()}
	}
	name := function[strings.LastIndex(function, ":")+1:]
	fn := fns[name] // no Timeout for a name the engine does not run
	switch name {
	case SplitterFunction:
		a, err := timed(e, ctx, name, fn.Timeout, func(ctx context.Context) (answer[pipeline.PlanOutput], error) {
			return answered(call(ctx, raw, e.Handler.Plan))
		})
		if err == nil {
			e.mu.Lock()
			e.jobID = a.out.JobID
			e.mu.Unlock()
		}
		return result(a.raw, err)
	case MapperFunction:
		a, err := timed(e, ctx, name, fn.Timeout, func(ctx context.Context) (answer[pipeline.MapResult], error) {
			return answered(e.mapWithBackup(ctx, raw))
		})
		if err == nil && e.OnMapResult != nil {
			e.OnMapResult(a.out)
		}
		return result(a.raw, err)
	case ReducerFunction:
		a, err := timed(e, ctx, name, fn.Timeout, func(ctx context.Context) (answer[pipeline.GatherOutput], error) {
			return answered(call(ctx, raw, e.Handler.Gather))
		})
		return result(a.raw, err)
	}
	return nil, &asl.Failure{Name: "Lambda.ResourceNotFoundException", Cause: "no local function " + function}
}

// answer is a handler's answer, typed and as JSON.
type answer[O any] struct {
	out O
	raw json.RawMessage
}

func answered[O any](out O, raw json.RawMessage, err error) (answer[O], error) {
	return answer[O]{out, raw}, err
}

// call runs fn on the JSON event raw and returns its result, typed and as the
// JSON the interpreter takes (it decodes that once, numbers kept exact).
func call[I, O any](ctx context.Context, raw []byte, fn func(context.Context, I) (O, error)) (O, json.RawMessage, error) {
	var in I
	var out O
	if err := json.Unmarshal(raw, &in); err != nil {
		return out, nil, lambdaFailure(err)
	}
	out, err := fn(ctx, in)
	if err != nil {
		return out, nil, lambdaFailure(err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return out, nil, lambdaFailure(err)
	}
	return out, b, nil
}

// result is a function's answer to the interpreter: its JSON, or its failure
// (a nil RawMessage in an interface would not be a nil result).
func result(v json.RawMessage, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// lambdaFailure is err as Step Functions sees a Lambda function error: the
// error type as Error, and the function's error object as Cause.
func lambdaFailure(err error) *asl.Failure {
	typ := pipeline.ErrorType(err)
	cause, _ := json.Marshal(messages.InvokeResponse_Error{Message: err.Error(), Type: typ})
	return &asl.Failure{Name: typ, Cause: string(cause)}
}

// jobFailed is the error name of pipeline.JobFailedError, the recorded failure.
var jobFailed = pipeline.ErrorType(&pipeline.JobFailedError{})

// putObject writes a ResultWriter's file through the handler's store (the work bucket
// is a directory of the state directory).
func (e *Engine) putObject(ctx context.Context, bucket, key string, body []byte) error {
	return e.Handler.Store.Put(ctx, "s3://"+bucket+"/"+key, bytes.NewReader(body))
}

func (e *Engine) getObject(ctx context.Context, bucket, key string) ([]byte, error) {
	rc, err := e.Handler.Store.Open(ctx, "s3://"+bucket+"/"+key, 0, -1)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
