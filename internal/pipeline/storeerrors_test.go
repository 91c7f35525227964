package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/report/attempts"
)

// refusingStore is the filesystem store with every List under a prefix answered by S3's
// error for that status (403 AccessDenied, 503 SlowDown), as S3 answers a role without
// s3:ListBucket, or under load.
type refusingStore struct {
	blob.Store
	prefix string
	status int
}

func (s refusingStore) List(ctx context.Context, prefix string) ([]blob.Info, error) {
	if strings.Contains(prefix, s.prefix) {
		code := map[int]string{403: "AccessDenied", 503: "SlowDown"}[s.status]
		return nil, &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: s.status}},
			Err:      &smithy.GenericAPIError{Code: code, Message: code},
		}
	}
	return s.Store.List(ctx, prefix)
}

// TestGatherDoesNotSwallowStoreErrors: a gather that cannot list the attempt records
// fails, at once (StoreError) when S3 refuses for good and for a retry (RetryableError)
// when it may pass, instead of writing a summary without phases, usage and cost. The
// summary of a gather that could list them counts the bytes it wrote.
func TestGatherDoesNotSwallowStoreErrors(t *testing.T) {
	cases := []struct {
		status int
		want   func(error) bool
	}{
		{403, func(err error) bool { var se *pipeline.StoreError; return errors.As(err, &se) }},
		{503, func(err error) bool { var re *pipeline.RetryableError; return errors.As(err, &re) }},
	}
	for _, c := range cases {
		t.Run(http.StatusText(c.status), func(t *testing.T) {
			h := newHandler(t)
			p, chunks := planned(t, h, strings.Repeat("a b c\nd e\n", 50), 64)
			for _, ch := range chunks {
				if _, err := h.Map(context.Background(), mapInput(p, ch)); err != nil {
					t.Fatal(err)
				}
			}
			healthy := h.Store
			h.Store = refusingStore{Store: healthy, prefix: "/attempts/", status: c.status}
			g := pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Output: p.Output, Chunks: p.Chunks}
			_, err := h.Gather(context.Background(), g)
			if err == nil || !c.want(err) || !strings.Contains(err.Error(), "attempt") {
				t.Fatalf("gather with attempt listings refused (%d): %v (%T), want it to fail naming the listing", c.status, err, err)
			}
			if j, _ := h.Ledger.Job(context.Background(), p.JobID); j.Status != ledger.Running {
				t.Fatalf("the job is %s after a failed gather, want RUNNING", j.Status)
			}
			h.Store = healthy
			res, err := h.Gather(context.Background(), g)
			if err != nil {
				t.Fatal(err)
			}
			var sum pipeline.Summary
			raw, err := os.ReadFile(res.Summary)
			if err != nil || json.Unmarshal(raw, &sum) != nil {
				t.Fatalf("summary: %v", err)
			}
			out, _ := os.Stat(res.Output)
			if sum.BytesOut != out.Size() || sum.Phases[attempts.PhaseMap].Attempts != len(chunks) || sum.EstimatedCost.Total <= 0 {
				t.Fatalf("summary: %d bytes out (the output has %d), %d map attempts (want %d), cost %v", sum.BytesOut, out.Size(), sum.Phases[attempts.PhaseMap].Attempts, len(chunks), sum.EstimatedCost.Total)
			}
		})
	}
}

// TestRecordFailureReadsTheChunkFailure: a failure whose chunk records cannot be listed
// is still recorded, saying so, when the store refuses for good, and retried when it may pass.
func TestRecordFailureReadsTheChunkFailure(t *testing.T) {
	for _, status := range []int{403, 503} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			h := newHandler(t)
			p, _ := planned(t, h, "a\n", 64)
			h.Store = refusingStore{Store: h.Store, prefix: "/failures/", status: status}
			_, err := h.Gather(context.Background(), pipeline.GatherInput{JobID: p.JobID, Failure: &pipeline.Failure{Error: "States.ExceedToleratedFailureThreshold", Cause: "a chunk failed"}})
			j, _ := h.Ledger.Job(context.Background(), p.JobID)
			switch status {
			case 403:
				var jf *pipeline.JobFailedError
				if !errors.As(err, &jf) || j.Status != ledger.Failed || !strings.Contains(j.Error, "could not be read") {
					t.Fatalf("record failure with the listing refused: %v; job %s %q", err, j.Status, j.Error)
				}
			default:
				var re *pipeline.RetryableError
				if !errors.As(err, &re) || j.Status != ledger.Running {
					t.Fatalf("record failure with the listing slowed down: %v; job %s, want a RetryableError and the job untouched", err, j.Status)
				}
			}
		})
	}
}
