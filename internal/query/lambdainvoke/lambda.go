package lambdainvoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/query"
)

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

var _ query.Invoker = (*Lambda)(nil)

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
		return nil, pipeline.MapStats{}, &query.FunctionError{Type: doc.Type, Message: doc.Message}
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
		return query.Fetch(ctx, l.Store, res)
	}
	return res.Partial, res.Stats, nil
}
