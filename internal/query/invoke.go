package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

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
		return fetch(ctx, p.Handler.Store, res)
	}
	return res.Partial, res.Stats, nil
}

// LambdaAPI is the part of the Lambda API the Lambda invoker uses; *lambda.Client has it.
type LambdaAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ LambdaAPI = (*lambda.Client)(nil)

// Lambda invokes the mapper function (RequestResponse) through the Lambda Invoke API.
type Lambda struct {
	Client LambdaAPI
	// Function is the mapper function's name or ARN.
	Function string
	// Store reads, then deletes, the partials the mapper spilled to the work bucket.
	Store blob.Store
}

var _ Invoker = (*Lambda)(nil)

// FunctionError is a mapper invocation that failed in the function: Type is the
// error type aws-lambda-go reported (InputError, RetryableError, RecordError, ...).
type FunctionError struct {
	Type    string
	Message string
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Invoke sends the chunk to the mapper function and waits for its answer.
func (l *Lambda) Invoke(ctx context.Context, in pipeline.QueryChunk) ([]byte, pipeline.MapStats, error) {
	payload, err := json.Marshal(in)
	if err != nil {
		return nil, pipeline.MapStats{}, fmt.Errorf("encode query chunk: %w", err)
	}
	out, err := l.Client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(l.Function),
		InvocationType: types.InvocationTypeRequestResponse,
		Payload:        payload,
	})
	if err != nil {
		return nil, pipeline.MapStats{}, fmt.Errorf("invoke %s chunk %d: %w", l.Function, in.Chunk.Index, err)
	}
	if out.FunctionError != nil {
		var doc messages.InvokeResponse_Error
		if json.Unmarshal(out.Payload, &doc) != nil || doc.Type == "" {
			doc.Type, doc.Message = aws.ToString(out.FunctionError), string(out.Payload)
		}
		return nil, pipeline.MapStats{}, &FunctionError{Type: doc.Type, Message: doc.Message}
	}
	var res pipeline.QueryPartial
	if err := json.Unmarshal(out.Payload, &res); err != nil {
		return nil, pipeline.MapStats{}, fmt.Errorf("chunk %d: malformed mapper answer: %w", in.Chunk.Index, err)
	}
	if res.QueryID != in.QueryID || res.Chunk != in.Chunk.Index {
		return nil, pipeline.MapStats{}, fmt.Errorf("chunk %d: the mapper answered for %s chunk %d", in.Chunk.Index, res.QueryID, res.Chunk)
	}
	if res.PartialKey != "" {
		if l.Store == nil {
			return nil, res.Stats, errors.New("the mapper spilled a partial and the invoker has no store")
		}
		return fetch(ctx, l.Store, res)
	}
	return res.Partial, res.Stats, nil
}

// fetch reads a spilled partial and deletes it: it served its one query.
func fetch(ctx context.Context, store blob.Store, res pipeline.QueryPartial) ([]byte, pipeline.MapStats, error) {
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
