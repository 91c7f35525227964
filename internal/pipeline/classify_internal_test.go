package pipeline

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/runs"
	"github.com/scattergather/scattergather/internal/sql"
)

// TestErrorClasses: what decides whether the state machine retries a step. A
// corrupt partial (the old jobs' or a sorted run's) is the input's fault, a
// permission refusal or DynamoDB's ValidationException a store error, both failing
// at once; only the rest is retried. The cause survives the wrapping (%w).
func TestErrorClasses(t *testing.T) {
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: dynamodb:PutItem"}
	invalidItem := &smithy.GenericAPIError{Code: "ValidationException", Message: "Item size has exceeded the maximum allowed size"}
	var ie *InputError
	var se *StoreError
	var rt *RetryableError
	cases := []struct {
		name  string
		err   error
		want  any
		cause error
	}{
		{"a corrupt job partial", produceError("k", fmt.Errorf("decode: %w", jobs.ErrCorruptPartial)), &ie, jobs.ErrCorruptPartial},
		{"a corrupt sorted run", produceError("k", fmt.Errorf("partial k: %w: bad index", runs.ErrCorrupt)), &ie, runs.ErrCorrupt},
		{"a refused ledger write", retryable("gather j range 1: commit: %w", fmt.Errorf("put: %w", denied)), &se, denied},
		{"an item over 400 KB", retryable("commit: %w", invalidItem), &se, invalidItem},
		{"a query's overflow", produceError("k", (&sql.ValueError{Reason: "sql: BIGINT overflow"}).AsError()), &ie, nil},
		{"a broken connection", produceError("k", errors.New("connection reset")), &rt, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !errors.As(c.err, c.want) {
				t.Fatalf("%v (%T): want %T", c.err, c.err, c.want)
			}
			if c.cause != nil && !errors.Is(c.err, c.cause) {
				t.Errorf("%v: the cause %v is lost", c.err, c.cause)
			}
		})
	}
}
