package query

import (
	"context"
	"fmt"
	"io"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pipeline"
)

// Invoker runs the mapper in query mode on one chunk and returns the chunk's
// encoded partial result and counts. It is called concurrently.
type Invoker interface {
	Invoke(ctx context.Context, in pipeline.QueryChunk) ([]byte, pipeline.MapStats, error)
}

// InProcess runs the mapper's query mode in this process.
type InProcess struct {
	Handler *pipeline.Handler
}

var _ Invoker = InProcess{}

// Invoke calls Handler.Query.
func (p InProcess) Invoke(ctx context.Context, in pipeline.QueryChunk) ([]byte, pipeline.MapStats, error) {
	res, err := p.Handler.Query(ctx, in)
	if err != nil {
		return nil, res.Stats, err
	}
	if res.PartialKey != "" {
		return Fetch(ctx, p.Handler.Store, res)
	}
	return res.Partial, res.Stats, nil
}

// FunctionError is a mapper invocation that failed in the function: Type is the
// error type aws-lambda-go reported (InputError, RetryableError, RecordError, ...).
type FunctionError struct {
	Type    string
	Message string
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Fetch reads a spilled partial (res.PartialKey) and deletes it: it served its one
// query. It returns the partial and res.Stats.
func Fetch(ctx context.Context, store blob.Store, res pipeline.QueryPartial) ([]byte, pipeline.MapStats, error) {
	rc, err := store.Open(ctx, res.PartialKey, 0, -1)
	if err != nil {
		return nil, res.Stats, fmt.Errorf("read partial %s: %w", res.PartialKey, err)
	}
	partial, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, res.Stats, fmt.Errorf("read partial %s: %w", res.PartialKey, err)
	}
	// The work area expires anyway; a failed delete costs storage, not correctness.
	_ = store.Delete(context.WithoutCancel(ctx), res.PartialKey)
	return partial, res.Stats, nil
}
