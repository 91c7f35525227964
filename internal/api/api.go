package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/query"
)

// The environment variables the api function reads; the template sets them and
// internal/deploy's test checks that it does.
const (
	EnvStateMachineARN    = "STATE_MACHINE_ARN"
	EnvTable              = awsrun.EnvTable
	EnvInputBucket        = awsrun.EnvTriggerBucket
	EnvOutputBucket       = "OUTPUT_BUCKET"
	EnvWorkBucket         = awsrun.EnvWorkBucket
	EnvDefaultChunkSize   = awsrun.EnvDefaultChunkSize
	EnvDefaultConcurrency = awsrun.EnvDefaultConcurrency
	// EnvExtraInputBuckets (optional) lists further buckets inputs may be read from,
	// comma-separated names or arn:aws:s3:::NAME ARNs (the stack's ExtraReadBucketArns).
	EnvExtraInputBuckets = "EXTRA_INPUT_BUCKETS"
	// EnvAdminPrincipals (optional) lists, comma-separated, the IAM principal ARNs that
	// may read and cancel every job (the stack's ApiAdminPrincipalArns).
	EnvAdminPrincipals = "API_ADMIN_PRINCIPALS"
)

// Required lists the variables the api function cannot start without, in the order
// ConfigFromEnv checks them.
var Required = []string{
	EnvStateMachineARN, EnvTable, EnvInputBucket, EnvOutputBucket, EnvWorkBucket,
	EnvDefaultChunkSize, EnvDefaultConcurrency,
}

// Config is what a Service knows of its stack.
type Config struct {
	// StateMachineARN is the scatter/gather state machine that runs jobs.
	StateMachineARN string
	// Table is the ledger table's name (informational: the Ledger is already bound to it).
	Table string
	// InputBucket is the trigger bucket: objects created under incoming/ start jobs.
	InputBucket string
	// OutputBucket receives every output; WorkBucket holds jobs/<jobId>/ work areas.
	OutputBucket string
	WorkBucket   string
	// DefaultChunkSize and DefaultConcurrency apply to specs that name none; they must be
	// the splitter's, so that a job ID derived here is the one the splitter derives.
	DefaultChunkSize   int64
	DefaultConcurrency int
	// ExtraInputBuckets are the buckets besides InputBucket that inputs may name; no
	// other bucket is read for a caller, so the API lends no one the functions' reach.
	ExtraInputBuckets []string
	// AdminPrincipals may read and cancel every job; any other caller only its own.
	AdminPrincipals []string
}

// ConfigFromEnv reads the Config from the variables in Required; an error names the first
// missing or malformed one.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	for _, name := range Required {
		if getenv(name) == "" {
			return Config{}, fmt.Errorf("environment variable %s is not set", name)
		}
	}
	c := Config{
		StateMachineARN: getenv(EnvStateMachineARN),
		Table:           getenv(EnvTable),
		InputBucket:     getenv(EnvInputBucket),
		OutputBucket:    getenv(EnvOutputBucket),
		WorkBucket:      getenv(EnvWorkBucket),
	}
	for _, v := range splitList(getenv(EnvExtraInputBuckets)) {
		// arn:aws:s3:::NAME or NAME
		c.ExtraInputBuckets = append(c.ExtraInputBuckets, v[strings.LastIndexByte(v, ':')+1:])
	}
	c.AdminPrincipals = splitList(getenv(EnvAdminPrincipals))
	var err error
	if c.DefaultChunkSize, err = plan.ParseSize(getenv(EnvDefaultChunkSize)); err != nil {
		return Config{}, fmt.Errorf("environment variable %s: %w", EnvDefaultChunkSize, err)
	}
	if c.DefaultConcurrency, err = strconv.Atoi(getenv(EnvDefaultConcurrency)); err != nil || c.DefaultConcurrency < 1 || c.DefaultConcurrency > MaxConcurrency {
		return Config{}, fmt.Errorf("environment variable %s=%q: want a whole number from 1 to %d", EnvDefaultConcurrency, getenv(EnvDefaultConcurrency), MaxConcurrency)
	}
	return c, c.Validate()
}

// splitList splits a comma-separated list, dropping empty items and spaces.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Validate checks that the Config names a state machine and the buckets.
func (c Config) Validate() error {
	switch {
	case !strings.HasPrefix(c.StateMachineARN, "arn:") || !strings.Contains(c.StateMachineARN, ":stateMachine:"):
		return fmt.Errorf("state machine ARN %q is not an arn:...:stateMachine:NAME", c.StateMachineARN)
	case c.InputBucket == "":
		return errors.New("no input bucket")
	case c.OutputBucket == "":
		return errors.New("no output bucket")
	case c.WorkBucket == "":
		return errors.New("no work bucket")
	}
	for _, a := range c.AdminPrincipals {
		if !strings.HasPrefix(a, "arn:") {
			return fmt.Errorf("admin principal %q is not an ARN", a)
		}
	}
	return nil
}

// Starter is the part of the Step Functions API the service uses; *sfn.Client has it.
type Starter interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, optFns ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	StopExecution(ctx context.Context, in *sfn.StopExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error)
}

var _ Starter = (*sfn.Client)(nil)

// Service submits, reports and cancels jobs. Build it once per process; it is safe for
// concurrent use.
type Service struct {
	Config
	// Starter starts, describes and stops executions of the state machine.
	Starter Starter
	// Ledger is read for a job's status and progress.
	Ledger ledger.Ledger
	// Store stats the inputs (to derive the job ID) and reads sidecars; keys are
	// locations (a *blob.Mux).
	Store blob.Store
	// Mapper maps the chunks of POST /query (the mapper function through the Lambda
	// Invoke API); nil refuses queries.
	Mapper query.Invoker
	// Log receives structured logs; nil means slog.Default().
	Log *slog.Logger
	// MaxResponse bounds an answer's encoded size; 0 means MaxResponse (Lambda's 6 MB).
	MaxResponse int
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Error is a request the service refuses or cannot answer, with the HTTP status that says
// why: 400 for a bad spec or input, 403 for a caller that may not, 404 for an unknown job,
// 409 for a submission that conflicts with a job of the same ID, 502 when AWS failed.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func badRequest(format string, a ...any) error {
	return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) error {
	return &Error{Status: http.StatusNotFound, Msg: fmt.Sprintf(format, a...)}
}

func conflict(format string, a ...any) error {
	return &Error{Status: http.StatusConflict, Msg: fmt.Sprintf(format, a...)}
}

// StatusOf is the HTTP status for err: an *Error's own, else 500.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return http.StatusInternalServerError
}

// EventError is an event the function cannot handle at all (not JSON, or neither an HTTP
// API request nor an S3 notification). aws-lambda-go reports it as "EventError".
type EventError struct{ Msg string }

func (e *EventError) Error() string { return e.Msg }

// ExecutionARN is the ARN of the execution named name of the state machine stateMachineARN.
func ExecutionARN(stateMachineARN, name string) string {
	return strings.Replace(stateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + name
}

// validJobID reports whether id can be a job ID (and so an execution name).
func validJobID(id string) error {
	if id == "" || len(id) > 80 {
		return fmt.Errorf("job ID %q: want 1 to 80 characters", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("job ID %q: character %q is not a letter, digit, - or _", id, c)
		}
	}
	return nil
}
