package ledger

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned (wrapped) when a job or chunk has no item.
var ErrNotFound = errors.New("not found in ledger")

// ErrConflict is returned (wrapped) when a conditional transition is refused,
// for example finishing a job that another writer already finished differently.
var ErrConflict = errors.New("ledger condition failed")

// Status is the state of a job.
type Status string

// The job states. A job moves RUNNING -> SUCCEEDED or RUNNING -> FAILED;
// Open moves a FAILED job back to RUNNING for a resume or redrive.
const (
	Running   Status = "RUNNING"
	Succeeded Status = "SUCCEEDED"
	Failed    Status = "FAILED"
)

// Job is the ledger's item for one job.
type Job struct {
	ID string `json:"jobId"`
	// Name is the job type (wordcount, grep, ...).
	Name string `json:"job"`
	// Spec is the submitted job specification, as JSON.
	Spec string `json:"spec,omitempty"`
	// Chunks is the number of chunks in the plan.
	Chunks int `json:"chunks"`
	// Status is the job's state.
	Status Status `json:"status"`
	// Output is the location of the final object, once SUCCEEDED.
	Output string `json:"output,omitempty"`
	// Error describes why the job FAILED.
	Error string `json:"error,omitempty"`
	// Runs counts how many times the job was opened (1 for a fresh job).
	Runs int `json:"runs"`
	// Created and Updated are the times of the first and the last write.
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Commit is the ledger's item for one committed chunk: the first commit wins.
type Commit struct {
	JobID string `json:"jobId"`
	// Chunk is the chunk's index in the plan.
	Chunk int `json:"chunk"`
	// Attempt identifies the mapper attempt whose partial result was committed.
	Attempt string `json:"attempt"`
	// Partial is the location of the committed partial result.
	Partial string `json:"partial"`
	// Stats is the mapper's statistics for the chunk, as JSON.
	Stats string `json:"stats,omitempty"`
	// Committed is when the commit was written.
	Committed time.Time `json:"committed"`
}

// Ledger is the job and chunk tracking store. Every write is conditional, so
// concurrent and repeated callers agree on one outcome.
type Ledger interface {
	// Open creates the job item if it is absent (Status RUNNING, Runs 1) and returns it.
	// If the job exists and is FAILED, it moves it back to RUNNING and increments Runs.
	// If the job exists and is RUNNING or SUCCEEDED, it returns the stored item unchanged.
	Open(ctx context.Context, job Job) (Job, error)
	// Reopen moves a FAILED job back to RUNNING and increments Runs, as Open does, without
	// creating a job: a job the ledger does not know is an error wrapping ErrNotFound. A
	// RUNNING or SUCCEEDED job is returned unchanged.
	Reopen(ctx context.Context, jobID string) (Job, error)
	// Job returns the job item, or an error wrapping ErrNotFound.
	Job(ctx context.Context, jobID string) (Job, error)
	// Commit records a chunk's partial result unless the chunk is already committed.
	// It returns the winning commit and whether it was this call's.
	Commit(ctx context.Context, c Commit) (winner Commit, won bool, err error)
	// Chunk returns one chunk's commit, or an error wrapping ErrNotFound.
	Chunk(ctx context.Context, jobID string, chunk int) (Commit, error)
	// Chunks returns every commit of a job, sorted by chunk index.
	Chunks(ctx context.Context, jobID string) ([]Commit, error)
	// ChunkRange returns the commits of chunks [from, to) of a job, sorted by chunk
	// index; a chunk without a commit is absent. It reads only those items.
	ChunkRange(ctx context.Context, jobID string, from, to int) ([]Commit, error)
	// Count returns how many chunks of a job are committed, as of a consistent read,
	// without returning the commits.
	Count(ctx context.Context, jobID string) (int, error)
	// Finish moves a RUNNING job to SUCCEEDED or FAILED, setting output or errMsg.
	// Finishing a job again with the same status is a no-op that returns the stored item;
	// finishing a SUCCEEDED job as FAILED, or a FAILED one as SUCCEEDED, returns ErrConflict.
	Finish(ctx context.Context, jobID string, status Status, output, errMsg string) (Job, error)
}
