package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
)

// Submission is the answer to a submitted job.
type Submission struct {
	// JobID names the job; it is also the execution's name.
	JobID        string `json:"jobId"`
	ExecutionARN string `json:"executionArn"`
	// Output is where the result will be, with its summary at Output + ".summary.json".
	Output string `json:"output"`
	// Chunks and Bytes are the plan's size.
	Chunks int   `json:"chunks"`
	Bytes  int64 `json:"bytes"`
	// Duplicate is true when the same job had already been submitted: nothing new started.
	Duplicate bool `json:"duplicate"`
}

// Plan validates spec, resolves its inputs and derives the execution input and job ID
// exactly as the splitter will: the same job, parameters, inputs, chunk size and output
// give the same ID. It starts nothing.
func (s *Service) Plan(ctx context.Context, spec Spec) (pipeline.PlanInput, Submission, error) {
	var sub Submission
	if err := spec.normalize(); err != nil {
		return pipeline.PlanInput{}, sub, badRequest("%v", err)
	}
	if len(spec.Inputs) == 0 {
		return pipeline.PlanInput{}, sub, badRequest("no input given (field \"input\": an s3:// location or an array of them)")
	}
	if len(spec.Inputs) > MaxInputs {
		return pipeline.PlanInput{}, sub, badRequest("%d inputs, over the limit of %d (name a prefix instead)", len(spec.Inputs), MaxInputs)
	}
	for _, in := range spec.Inputs {
		if err := s.checkInput(in); err != nil {
			return pipeline.PlanInput{}, sub, err
		}
	}
	if spec.Output != "" {
		if err := s.checkOutput(spec.Output); err != nil {
			return pipeline.PlanInput{}, sub, err
		}
	}
	if spec.ChunkSize < 0 {
		return pipeline.PlanInput{}, sub, badRequest("chunkSize %d is negative", spec.ChunkSize)
	}
	if spec.Concurrency < 0 || spec.Concurrency > MaxConcurrency {
		return pipeline.PlanInput{}, sub, badRequest("concurrency %d: want 1 to %d", spec.Concurrency, MaxConcurrency)
	}
	chunkSize := spec.ChunkSize
	if chunkSize == 0 {
		chunkSize = s.DefaultChunkSize
	}
	if chunkSize <= 0 {
		chunkSize = plan.DefaultChunkSize
	}
	conc := spec.Concurrency
	if conc == 0 {
		conc = s.DefaultConcurrency
	}
	objs, params, err := plan.ResolveJob(ctx, s.Store, spec.Job, spec.Params, spec.Inputs)
	if err != nil {
		var ie *plan.InputError
		if !errors.As(err, &ie) {
			return pipeline.PlanInput{}, sub, upstream("resolve inputs: %v", err)
		}
		return pipeline.PlanInput{}, sub, badRequest("%v", err)
	}
	chunks := plan.Split(objs, chunkSize)
	if len(chunks) > plan.DefaultMaxChunks {
		return pipeline.PlanInput{}, sub, badRequest("%d chunks is over the cap of %d; use a larger chunkSize", len(chunks), plan.DefaultMaxChunks)
	}
	output := spec.Output
	if output == "" {
		// The job ID covers the output, so the default output is named by the ID of
		// the submission without one: stable for the same submission.
		output = blob.S3Location(s.OutputBucket, "results/"+spec.Job+"/"+plan.JobID(spec.Job, params, objs, chunkSize, ""))
	}
	if err := plan.CheckOutput(objs, output); err != nil {
		return pipeline.PlanInput{}, sub, badRequest("%v", err)
	}
	id := plan.JobID(spec.Job, params, objs, chunkSize, output)
	in := pipeline.PlanInput{
		Job: spec.Job, Params: params, Inputs: spec.Inputs, Output: output,
		ChunkSize: chunkSize, MaxConcurrency: conc,
	}
	sub = Submission{JobID: id, ExecutionARN: ExecutionARN(s.StateMachineARN, id), Output: output, Chunks: len(chunks)}
	for _, c := range chunks {
		sub.Bytes += c.Bytes()
	}
	return in, sub, nil
}

// Submit plans spec and starts its execution, named by the job ID. A job submitted before
// (the execution name exists) is not started again: the answer has Duplicate set.
func (s *Service) Submit(ctx context.Context, spec Spec) (Submission, error) {
	in, sub, err := s.Plan(ctx, spec)
	if err != nil {
		return sub, err
	}
	input, err := json.Marshal(in)
	if err != nil {
		return sub, fmt.Errorf("encode execution input: %w", err)
	}
	out, err := s.Starter.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineARN),
		Name:            aws.String(sub.JobID),
		Input:           aws.String(string(input)),
	})
	var exists *types.ExecutionAlreadyExists
	switch {
	case errors.As(err, &exists):
		sub.Duplicate = true
		s.log().InfoContext(ctx, "duplicate submission", "jobId", sub.JobID)
		return sub, nil
	case err != nil:
		return sub, upstream("start job %s: %v", sub.JobID, err)
	}
	if arn := aws.ToString(out.ExecutionArn); arn != "" {
		sub.ExecutionARN = arn
	}
	s.log().InfoContext(ctx, "job started", "jobId", sub.JobID, "job", in.Job, "chunks", sub.Chunks, "bytes", sub.Bytes, "output", sub.Output)
	return sub, nil
}

// checkInput accepts s3:// locations only: the deployed functions read no local files.
func (s *Service) checkInput(in string) error {
	if err := plan.ValidateLocation(in); err != nil {
		return badRequest("input %q: %v", in, err)
	}
	bucket, key, ok := blob.ParseS3(in)
	if !ok {
		return badRequest("input %q: want an s3://bucket/key or s3://bucket/prefix/ location", in)
	}
	if key == "" || strings.HasPrefix(key, "/") {
		return badRequest("input %q: name an object or a prefix under the bucket", in)
	}
	if bucket == s.WorkBucket && strings.HasPrefix(key, "jobs/") {
		return badRequest("input %q is in the work area jobs/ of the work bucket", in)
	}
	return nil
}

// checkOutput accepts an object in the output bucket, outside the work area: the reducer
// may write nowhere else, and nothing it writes can start another job.
func (s *Service) checkOutput(out string) error {
	if err := plan.ValidateLocation(out); err != nil {
		return badRequest("output %q: %v", out, err)
	}
	bucket, key, ok := blob.ParseS3(out)
	if !ok {
		return badRequest("output %q: want an s3://%s/KEY location", out, s.OutputBucket)
	}
	switch {
	case bucket == s.InputBucket && strings.HasPrefix(key, "incoming/"):
		return badRequest("output %q is under the trigger prefix incoming/ and would start another job", out)
	case bucket != s.OutputBucket:
		return badRequest("output %q: outputs go to the output bucket (s3://%s/...)", out, s.OutputBucket)
	case key == "" || strings.HasSuffix(key, "/") || strings.HasPrefix(key, "/"):
		return badRequest("output %q: name an object, not a prefix", out)
	case bucket == s.WorkBucket && strings.HasPrefix(key, "jobs/"):
		return badRequest("output %q is in the work area jobs/, which expires", out)
	}
	return nil
}
