package asl

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"time"
)

// Error names the engine reports, as the Amazon States Language and Step
// Functions define them.
const (
	ErrALL                             = "States.ALL"
	ErrTaskFailed                      = "States.TaskFailed"
	ErrTimeout                         = "States.Timeout"
	ErrRuntime                         = "States.Runtime"
	ErrDataLimitExceeded               = "States.DataLimitExceeded"
	ErrResultPathMatchFailure          = "States.ResultPathMatchFailure"
	ErrIntrinsicFailure                = "States.IntrinsicFailure"
	ErrNoChoiceMatched                 = "States.NoChoiceMatched"
	ErrExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	ErrItemReaderFailed                = "States.ItemReaderFailed"
	ErrResultWriterFailed              = "States.ResultWriterFailed"
)

// Failure is an ASL error: Name is the error name that Retry and Catch
// ErrorEquals match (e.g. "States.TaskFailed", "RetryableError"), Cause the
// detail. As JSON it is the error output a Catch passes on:
// {"Error": Name, "Cause": Cause}.
//
// (A Go type cannot have both a field and a method named Error, so the error
// name is the field Name.)
type Failure struct {
	Name  string `json:"Error"`
	Cause string `json:"Cause"`
}

// Error returns "Name: Cause".
func (f *Failure) Error() string {
	switch {
	case f.Name == "" && f.Cause == "":
		return "failed"
	case f.Cause == "":
		return f.Name
	case f.Name == "":
		return f.Cause
	}
	return f.Name + ": " + f.Cause
}

// LambdaFunc invokes a Lambda function: function is the FunctionName
// parameter of arn:aws:states:::lambda:invoke, or the function ARN of a Task
// Resource, exactly as the definition gives it. A *Failure error keeps its
// Name; any other error is States.TaskFailed. It must return when ctx is done
// (a TimeoutSeconds ends ctx too) and must not modify payload, which the
// execution shares. Its result may be any value encoding/json accepts.
type LambdaFunc func(ctx context.Context, function string, payload any) (any, error)

// GetObjectFunc reads an object for a Distributed Map ItemReader with
// Resource arn:aws:states:::s3:getObject.
type GetObjectFunc func(ctx context.Context, bucket, key string) ([]byte, error)

// PutObjectFunc writes an object for a Distributed Map ResultWriter with Resource
// arn:aws:states:::s3:putObject.
type PutObjectFunc func(ctx context.Context, bucket, key string, body []byte) error

// Event types.
const (
	EventStateEntered          = "StateEntered"
	EventStateExited           = "StateExited"
	EventTaskStarted           = "TaskStarted"
	EventTaskSucceeded         = "TaskSucceeded"
	EventTaskFailed            = "TaskFailed"
	EventTaskRetryScheduled    = "TaskRetryScheduled"
	EventMapRunStarted         = "MapRunStarted"
	EventMapIterationStarted   = "MapIterationStarted"
	EventMapIterationSucceeded = "MapIterationSucceeded"
	EventMapIterationFailed    = "MapIterationFailed"
	EventExecutionSucceeded    = "ExecutionSucceeded"
	EventExecutionFailed       = "ExecutionFailed"
)

// Event reports the progress of an execution, for progress bars and reports.
type Event struct {
	// Type is one of the Event* constants: StateEntered, StateExited (Error set
	// when the state failed), TaskStarted, TaskSucceeded, TaskFailed,
	// TaskRetryScheduled (also for a retried Map or Parallel state),
	// MapRunStarted (Items set; for every Map state), MapIterationStarted,
	// MapIterationSucceeded, MapIterationFailed, ExecutionSucceeded,
	// ExecutionFailed.
	Type string
	// State is the state's name (the Map state's, for Map events; empty for
	// Execution events).
	State string
	// MapIndex is the index of the innermost Map iteration the event belongs
	// to; -1 outside a Map iteration.
	MapIndex int
	// Attempt counts the attempts of a Task, Map or Parallel state from 1; for
	// TaskRetryScheduled it is the attempt about to be made.
	Attempt int
	// Items is the number of items of a MapRunStarted.
	Items int
	// Error is set on failures and retries.
	Error *Failure
	Time  time.Time
}

// Options configure one execution.
type Options struct {
	// Lambda invokes Lambda functions; required if the definition has Tasks.
	Lambda LambdaFunc
	// GetObject reads Distributed Map ItemReader objects; required if the
	// definition has an ItemReader.
	GetObject GetObjectFunc
	// PutObject writes a Distributed Map's ResultWriter files; required if the
	// definition has a ResultWriter.
	PutObject PutObjectFunc
	// Sleep waits out Wait states and Retry intervals; the default sleeps in
	// real time and returns ctx.Err() if ctx ends first.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand is the source of retry jitter and States.MathRandom; the default is
	// seeded from the time. The engine serializes its use.
	Rand *rand.Rand
	// OnEvent observes the execution; it may be called from many goroutines.
	OnEvent func(Event)
	// MaxParallel caps the concurrent iterations of each Map state (a Map
	// with MaxConcurrency 0 is otherwise unbounded); 0 means 64.
	MaxParallel int
	// ExecutionName is $$.Execution.Name; the default is a random UUID.
	ExecutionName string
	// NoLimits turns off the payload quota (MaxPayloadBytes) on the execution's
	// input, each state's output and each child execution's input; the Map Run's
	// results without a ResultWriter are always checked.
	NoLimits bool
	// ExpressLimit is how long an Express child execution of a Distributed Map
	// may run before it fails with States.Timeout; 0 means ExpressMaxDuration.
	ExpressLimit time.Duration
}

// ExpressMaxDuration is an Express workflow's maximum duration
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-standard-vs-express.html):
// a Distributed Map's Express child that runs longer times out, and the Map Run
// counts it against its tolerated failures.
const ExpressMaxDuration = 5 * time.Minute

// Machine is a parsed and validated state machine definition. It is safe
// for concurrent executions.
type Machine struct {
	root       *graph
	timeout    int64 // seconds; 0: none
	usesLambda bool
	usesReader bool
	usesWriter bool
}

// Parse substitutes ${Name} placeholders (an unknown placeholder is an error
// naming it), then parses and validates the definition: unknown state types
// and fields, missing or dangling transitions, bad field values and the
// JSONata query language are errors naming the state and the field.
func Parse(definition []byte, substitutions map[string]string) (*Machine, error) {
	def, err := Substitute(definition, substitutions)
	if err != nil {
		return nil, err
	}
	v, err := decodeJSON(def)
	if err != nil {
		return nil, fmt.Errorf("the definition is not valid JSON: %w", err)
	}
	var p parser
	g, timeout, err := p.machine(v)
	if err != nil {
		return nil, err
	}
	return &Machine{root: g, timeout: timeout, usesLambda: p.usesLambda, usesReader: p.usesReader, usesWriter: p.usesWriter}, nil
}

// Execute runs the machine on input: decoded-JSON values (map[string]any,
// []any, string, json.Number or float64, bool, nil), or JSON text as
// json.RawMessage or []byte; any other value goes through encoding/json. A nil
// input is {}. The output uses json.Number for numbers, so they stay exact.
//
// On failure the error wraps a *Failure (the Fail state's Error and Cause,
// or the unhandled error) with the name of the top-level state that failed;
// if ctx ends first, the error wraps ctx.Err().
func (m *Machine) Execute(ctx context.Context, input any, opts Options) (any, error) {
	if m.usesLambda && opts.Lambda == nil {
		return nil, errors.New("the definition invokes Lambda functions but Options.Lambda is nil")
	}
	if m.usesReader && opts.GetObject == nil {
		return nil, errors.New("the definition has an ItemReader but Options.GetObject is nil")
	}
	if m.usesWriter && opts.PutObject == nil {
		return nil, errors.New("the definition has a ResultWriter but Options.PutObject is nil")
	}
	if input == nil {
		input = map[string]any{}
	}
	in, err := normalize(input)
	if err != nil {
		return nil, fmt.Errorf("execution input: %w", err)
	}
	r := newRun(opts, in)
	if err := r.checkPayload(in, "The execution input"); err != nil {
		return nil, err
	}
	if m.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(m.timeout)*time.Second)
		defer cancel()
	}
	out, failed, err := r.runGraph(ctx, m.root, in, r.top)
	if err != nil {
		if m.timeout > 0 && errors.Is(err, context.DeadlineExceeded) && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = &Failure{Name: ErrTimeout, Cause: fmt.Sprintf("the execution ran longer than its TimeoutSeconds (%d)", m.timeout)}
		}
		var f *Failure
		if errors.As(err, &f) {
			r.emit(Event{Type: EventExecutionFailed, MapIndex: -1, Error: f})
		}
		if failed != "" {
			return nil, fmt.Errorf("state %q: %w", failed, err)
		}
		return nil, err
	}
	r.emit(Event{Type: EventExecutionSucceeded, MapIndex: -1})
	return out, nil
}

var _ error = (*Failure)(nil)
