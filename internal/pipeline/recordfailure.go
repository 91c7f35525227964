package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/scattergather/scattergather/internal/ledger"
)

// recordFailure is the state machine's RecordFailure step. Run for a failure it records
// the job as FAILED in the ledger with the error (for a Distributed Map that failed, the
// first failed chunk's own error) and answers JobFailedError, so that the execution fails
// at this Task state. Run again by a redrive of that execution (its redrive count now
// above the one at the failure) it reopens the job instead and answers which state the
// execution resumes at.
func (h *Handler) recordFailure(ctx context.Context, in GatherInput) (GatherOutput, error) {
	if in.JobID == "" {
		return GatherOutput{}, inputErrorf("record failure: event has no jobId")
	}
	if at := in.FailedAt; at != nil && in.RedriveCount > at.RedriveCount {
		if at.Resume != ResumeScatter && at.Resume != ResumeGather {
			return GatherOutput{}, inputErrorf("record failure of %s: failedAt.resume %q is not %q or %q", in.JobID, at.Resume, ResumeScatter, ResumeGather)
		}
		j, err := h.Ledger.Reopen(ctx, in.JobID)
		switch {
		case errors.Is(err, ledger.ErrNotFound):
			return GatherOutput{}, inputErrorf("redrive of %s: no such job in the ledger", in.JobID)
		case err != nil:
			return GatherOutput{}, retryable("redrive of %s: reopen job: %w", in.JobID, err)
		}
		h.log().InfoContext(ctx, "job redriven", "jobId", in.JobID, "resume", at.Resume, "runs", j.Runs, "redriveCount", in.RedriveCount)
		return GatherOutput{JobID: in.JobID, Status: string(j.Status), Resume: at.Resume}, nil
	}
	msg := in.Failure.Error
	if in.Failure.Cause != "" {
		msg += ": " + CauseMessage(in.Failure.Cause)
	}
	if in.Failure.Error == "States.ExceedToleratedFailureThreshold" {
		// The Map's own cause says only that a chunk failed; the chunk said why.
		first, ok, err := h.firstChunkFailure(ctx, in.JobID)
		var se *StoreError
		switch {
		case errors.As(err, &se):
			// The failure is still recorded, with why its cause could not be read.
			msg += " (the failed chunk's own error could not be read: " + se.Msg + ")"
		case err != nil:
			return GatherOutput{}, err
		case ok:
			msg = fmt.Sprintf("chunk %d failed: %s: %s", first.Chunk, first.ErrorType, first.ErrorMessage)
		}
	}
	_, err := h.Ledger.Finish(ctx, in.JobID, ledger.Failed, "", msg)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		h.log().WarnContext(ctx, "failure of a job the ledger does not know", "jobId", in.JobID, "error", msg)
	case errors.Is(err, ledger.ErrConflict):
		// Only a job that succeeded conflicts with finishing it as failed.
		h.log().WarnContext(ctx, "failure of a job that succeeded", "jobId", in.JobID, "error", msg)
	case err != nil:
		return GatherOutput{}, retryable("record failure of %s: %w", in.JobID, err)
	default:
		h.log().ErrorContext(ctx, "job failed", "jobId", in.JobID, "error", msg)
	}
	return GatherOutput{}, &JobFailedError{Msg: msg}
}

// CauseMessage extracts errorMessage from a Lambda error cause, which Step
// Functions passes as the JSON {"errorMessage":..., "errorType":...}.
func CauseMessage(cause string) string {
	var c messages.InvokeResponse_Error
	if json.Unmarshal([]byte(cause), &c) == nil && c.Message != "" {
		return c.Message
	}
	return cause
}
