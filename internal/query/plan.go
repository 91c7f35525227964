package query

import (
	"context"
	"errors"
	"fmt"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/plan"
)

// DefaultMaxFanOut caps the chunks of one query, so one question cannot take the
// account's whole Lambda concurrency; a bigger plan asks for a larger chunk size.
const DefaultMaxFanOut = 1024

// Query is a planned query: the job and its chunks.
type Query struct {
	// ID is derived like a job ID from the job, its parameters, the inputs'
	// identities and the chunk size: the same question asks the same chunks.
	ID     string
	Job    string
	Params jobs.Params
	Chunks []plan.Chunk
	// Bytes is the chunks' total size.
	Bytes int64

	job jobs.Job // compiled by Plan, for Run and the caller's output (Compiled)
}

// Compiled is the job Plan compiled for the query, typed as its inputs say;
// a Query not made by Plan has its job compiled here.
func (q Query) Compiled() (jobs.Job, error) {
	if q.job != nil {
		return q.job, nil
	}
	return jobs.New(q.Job, q.Params)
}

// PlanError is a query that cannot be planned as asked: a bad job or input, or a
// plan over the fan-out cap. Nothing was invoked.
type PlanError struct{ Err error }

func (e *PlanError) Error() string { return e.Err.Error() }
func (e *PlanError) Unwrap() error { return e.Err }

// Plan validates the job, resolves the inputs, checks the output (if any; see
// plan.CheckOutput) and cuts the inputs into chunks with the batch planner.
// maxFanOut <= 0 means DefaultMaxFanOut; chunkSize <= 0 the planner's default.
func Plan(ctx context.Context, store blob.Store, job string, params jobs.Params, inputs []string, output string, chunkSize int64, maxFanOut int) (Query, error) {
	before, err := jobs.NewBeforeInputs(job, params)
	if err != nil {
		return Query{}, &PlanError{Err: err}
	}
	return PlanCompiled(ctx, store, job, before, params, inputs, output, chunkSize, maxFanOut)
}

// PlanCompiled is Plan for a job its caller has compiled already, as
// jobs.NewBeforeInputs(job, params) made it (before, nil when only the
// inputs can type it): a caller that refuses a bad job before it checks
// the inputs (the API) compiles it once.
func PlanCompiled(ctx context.Context, store blob.Store, job string, before jobs.Job, params jobs.Params, inputs []string, output string, chunkSize int64, maxFanOut int) (Query, error) {
	if chunkSize <= 0 {
		chunkSize = plan.DefaultChunkSize
	}
	if maxFanOut <= 0 {
		maxFanOut = DefaultMaxFanOut
	}
	objs, resolved, err := plan.ResolveCompiled(ctx, store, job, before, params, inputs)
	if err != nil {
		var ie *plan.InputError
		if errors.As(err, &ie) {
			return Query{}, &PlanError{Err: err}
		}
		return Query{}, err
	}
	if err := plan.CheckOutput(objs, output); err != nil {
		return Query{}, &PlanError{Err: err}
	}
	j, err := jobs.NewWithInputs(job, before, params, resolved) // typed as the inputs say
	if err != nil {
		return Query{}, &PlanError{Err: err}
	}
	params = resolved
	chunks := plan.SplitColumns(objs, chunkSize, feed.ParquetColumns(j.Input())) // as the splitter weighs them
	if len(chunks) > maxFanOut {
		return Query{}, &PlanError{Err: fmt.Errorf("%d chunks is over the query fan-out cap of %d; use a larger chunk size or a batch job", len(chunks), maxFanOut)}
	}
	if params == nil {
		params = jobs.Params{}
	}
	q := Query{ID: plan.JobID(job, params, objs, chunkSize, ""), Job: job, Params: params, Chunks: chunks, job: j}
	for _, c := range chunks {
		q.Bytes += c.Bytes()
	}
	return q, nil
}
