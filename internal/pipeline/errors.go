package pipeline

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/aws/smithy-go"

	"github.com/scattergather/scattergather/internal/blob"
)

// The error types below are what handlers return at the Lambda boundary.
// aws-lambda-go reports the type's name as the error type, and the state
// machine's Retry and Catch match on it: RetryableError is retried with
// backoff; every other type fails the job.

// InputError is a malformed event or an input that cannot be processed. Err, when set,
// is the cause (errors.Is and errors.As see through it).
type InputError struct {
	Msg string
	Err error
}

func (e *InputError) Error() string { return e.Msg }
func (e *InputError) Unwrap() error { return e.Err }

// inputErrorf is an InputError whose message is fmt.Errorf's: a %w verb keeps the cause.
func inputErrorf(format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	return &InputError{Msg: err.Error(), Err: err}
}

// RetryableError is a transient failure (a store or ledger call that failed
// after the SDK's own retries); running the step again may succeed.
type RetryableError struct{ Err error }

func (e *RetryableError) Error() string { return e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

// retryable is a RetryableError whose error is fmt.Errorf's: a %w verb keeps the cause.
// A permission refusal in the cause (AccessDenied from S3, AccessDeniedException from
// DynamoDB or Lambda), or DynamoDB's ValidationException, is not transient: it is a StoreError, so the job fails at once
// naming the action and resource instead of after every retry.
func retryable(format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	if Denied(err) || invalid(err) {
		return &StoreError{Msg: err.Error(), Err: err}
	}
	return &RetryableError{Err: err}
}

// invalid reports whether err holds DynamoDB's ValidationException (an item over
// 400 KB, among others), which the SDK does not retry and no retry mends
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
func invalid(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationException"
}

// Denied reports whether err holds an AWS permission refusal: the AccessDenied of S3 or
// the AccessDeniedException of the JSON services
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
func Denied(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "AccessDenied", "AccessDeniedException":
		return true
	}
	return false
}

// StoreError is a store request refused for good (blob.Permanent): access denied, a
// bucket that does not exist, another 4xx. No retry mends it, so the state machine
// does not retry it and the job fails at once, naming the request.
type StoreError struct {
	Msg string
	Err error // the store's error
}

func (e *StoreError) Error() string { return e.Msg }
func (e *StoreError) Unwrap() error { return e.Err }

// storeFailure classifies a store error: a permanent refusal is a StoreError, anything
// else (5xx, SlowDown, a timeout, a reset connection) a RetryableError.
func storeFailure(err error, format string, a ...any) error {
	wrapped := fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), err)
	if blob.Permanent(err) {
		return &StoreError{Msg: wrapped.Error(), Err: err}
	}
	return &RetryableError{Err: wrapped}
}

// JobFailedError is what the state machine's RecordFailure step answers once it has
// recorded a job's failure in the ledger: the execution fails at that Task state, so a
// Step Functions redrive runs it again (a Fail state would only fail again), and that run
// reopens the job and resumes the work (Handler.Gather with Failure set).
type JobFailedError struct{ Msg string }

func (e *JobFailedError) Error() string { return e.Msg }

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
// Err, when set, is the cause.
type RecordError struct {
	Msg string
	Err error
}

func (e *RecordError) Error() string { return e.Msg }
func (e *RecordError) Unwrap() error { return e.Err }

// ErrorType is the name aws-lambda-go reports for err, and so the name a state
// machine's Retry and Catch see: the type's name, without the pointer.
func ErrorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
