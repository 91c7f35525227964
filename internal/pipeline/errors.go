package pipeline

import (
	"fmt"
	"reflect"
)

// The error types below are what handlers return at the Lambda boundary.
// aws-lambda-go reports the type's name as the error type, and the state
// machine's Retry and Catch match on it: RetryableError is retried with
// backoff; every other type fails the job.

// InputError is a malformed event or an input that cannot be processed.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, a ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, a...)}
}

// RetryableError is a transient failure (a store or ledger call that failed
// after the SDK's own retries); running the step again may succeed.
type RetryableError struct{ Err error }

func (e *RetryableError) Error() string { return e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

func retryable(format string, a ...any) error {
	return &RetryableError{Err: fmt.Errorf(format, a...)}
}

// IncompleteJobError is a gather that found chunks without a commit.
type IncompleteJobError struct {
	JobID   string
	Missing []int
	Chunks  int
}

func (e *IncompleteJobError) Error() string {
	shown := e.Missing
	if len(shown) > 10 {
		shown = shown[:10]
	}
	return fmt.Sprintf("job %s: %d of %d chunks not committed (first: %v)", e.JobID, len(e.Missing), e.Chunks, shown)
}

// RecordError is a malformed record under --strict; it names the source and offset.
type RecordError struct{ Msg string }

func (e *RecordError) Error() string { return e.Msg }

// ErrorType is the name aws-lambda-go reports for err, and so the name a state
// machine's Retry and Catch see: the type's name, without the pointer.
func ErrorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
