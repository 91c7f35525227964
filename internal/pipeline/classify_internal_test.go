package pipeline

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pq"
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
		{"a Parquet output's value that is not a TIMESTAMP", produceError("k", notATimestamp(t)), &ie, nil},
	}
	if msg := cases[len(cases)-1].err.Error(); !strings.Contains(msg, `column "at": "yesterday" is not a TIMESTAMP`) {
		t.Errorf("%s: want the column and the value named", msg)
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

// notATimestamp is the error of converting a job's CSV output to Parquet whose
// TIMESTAMP column holds a text that is not one.
func notATimestamp(t *testing.T) error {
	c, err := pq.NewCSVToParquet(io.Discard, []pq.OutputColumn{{Kind: pq.OutTimestamp}})
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("at\nyesterday\n"))
	err = c.Close()
	if err == nil {
		t.Fatal("converting a TIMESTAMP column of \"yesterday\": no error")
	}
	return err
}

// TestGatherJobErrorKeepsCause: the job a gather event names, with parameters its
// job refuses (a query that does not parse), is an InputError naming the job ID
// whose chain keeps the job's own error, in every gather step that builds the job
// (newJob: the tree, the range plan, the sort round, the range reducers and their
// assembly, the CSV re-read).
func TestGatherJobErrorKeepsCause(t *testing.T) {
	in := GatherInput{JobID: "j1", Job: "sql", Params: jobs.Params{"query": "SELECT FROM WHERE"}}
	_, err := in.newJob()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("newJob = %v (%T), want an InputError", err, err)
	}
	if !errors.Is(err, sql.ErrSyntax) {
		t.Errorf("newJob = %v: the chain does not hold sql.ErrSyntax", err)
	}
	if !strings.Contains(err.Error(), "gather j1: ") {
		t.Errorf("newJob = %v, want it to name the job ID", err)
	}
}
