package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/scattergather/scattergather/internal/ledger"
)

// ChunkFailure is what a mapper that failed for good (bad input, a malformed
// record under --strict) leaves in the work area, so the job's recorded error
// can name the source and offset: a Distributed Map's own failure says only that
// the tolerated failure threshold was exceeded.
type ChunkFailure struct {
	Chunk        int    `json:"chunk"`
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

func failuresPrefix(workBucket, jobID string) string {
	return WorkArea(workBucket, jobID) + "failures/"
}

// noteChunkFailure records a chunk's final error; it is best effort, since the
// error itself still fails the chunk.
func (h *Handler) noteChunkFailure(ctx context.Context, in MapInput, err error) {
	body, _ := json.Marshal(ChunkFailure{Chunk: in.Chunk.Index, ErrorType: ErrorType(err), ErrorMessage: err.Error()})
	key := fmt.Sprintf("%s%08d.json", failuresPrefix(h.WorkBucket, in.JobID), in.Chunk.Index)
	if perr := h.Store.Put(ctx, key, bytes.NewReader(body)); perr != nil {
		h.log().WarnContext(ctx, "record chunk failure", "jobId", in.JobID, "chunk", in.Chunk.Index, "err", perr)
	}
}

// firstChunkFailure returns the failure of the lowest-numbered failed chunk; found is
// false when no chunk left one. A listing or read the store refuses is an error
// (storeFailure); a record that is not JSON is ignored.
func (h *Handler) firstChunkFailure(ctx context.Context, jobID string) (f ChunkFailure, found bool, err error) {
	prefix := failuresPrefix(h.WorkBucket, jobID)
	infos, err := h.Store.List(ctx, prefix)
	if err != nil {
		return f, false, storeFailure(err, "list chunk failures %s", prefix)
	}
	if len(infos) == 0 {
		return f, false, nil
	}
	rc, err := h.Store.Open(ctx, infos[0].Key, 0, -1) // List sorts by key: the lowest chunk first
	if err != nil {
		return f, false, storeFailure(err, "read chunk failure %s", infos[0].Key)
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil {
		return f, false, storeFailure(err, "read chunk failure %s", infos[0].Key)
	}
	if json.Unmarshal(raw, &f) != nil {
		return f, false, nil
	}
	return f, true, nil
}

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
