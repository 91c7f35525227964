package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	// JobID names the submission; it is also the execution's name, and GET /jobs/{jobId}
	// reports the job. The splitter derives the ledger's own job ID from the inputs'
	// identities when it plans (Status reports it as LedgerJobID).
	JobID        string `json:"jobId"`
	ExecutionARN string `json:"executionArn"`
	// Output is where the result will be, with its summary at Output + ".summary.json".
	Output string `json:"output"`
	// Duplicate is true when the same submission had already been made: nothing new started.
	Duplicate bool `json:"duplicate"`
}

// Plan validates spec and derives the execution's input and name, without reading the
// inputs (listing a large prefix could outlast API Gateway's 30 s integration timeout,
// which cannot be raised: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
// The splitter resolves and checks the inputs; its errors show in the job's status. The
// name covers everything that makes the job (job, parameters, inputs as named, chunk
// size, output) and the submitter recorded in ctx (WithCaller), not the concurrency.
func (s *Service) Plan(ctx context.Context, spec Spec) (pipeline.PlanInput, Submission, error) {
	var sub Submission
	if err := spec.normalize(); err != nil {
		return pipeline.PlanInput{}, sub, badRequest("%v", err)
	}
	job, err := spec.compile()
	if err != nil {
		return pipeline.PlanInput{}, sub, badRequest("%v", err)
	}
	if len(spec.Inputs) == 0 {
		return pipeline.PlanInput{}, sub, badRequest("no input given (field \"input\": an s3:// location or an array of them)")
	}
	if len(spec.Inputs) > MaxInputs {
		return pipeline.PlanInput{}, sub, badRequest("%d inputs, over the limit of %d (name a prefix instead)", len(spec.Inputs), MaxInputs)
	}
	for _, in := range slices.Concat(spec.Inputs, spec.from) {
		if err := s.checkInput(in); err != nil {
			return pipeline.PlanInput{}, sub, err
		}
	}
	if spec.Output != "" {
		if err := s.checkOutput(spec.Output); err != nil {
			return pipeline.PlanInput{}, sub, err
		}
		for _, in := range spec.Inputs {
			if in == spec.Output {
				return pipeline.PlanInput{}, sub, badRequest("output %q would overwrite input %q", spec.Output, in)
			}
		}
	}
	if spec.ChunkSize < 0 {
		return pipeline.PlanInput{}, sub, badRequest("chunkSize %d is negative", spec.ChunkSize)
	}
	if spec.Concurrency < 0 || spec.Concurrency > MaxConcurrency {
		return pipeline.PlanInput{}, sub, badRequest("concurrency %d: want 1 to %d", spec.Concurrency, MaxConcurrency)
	}
	chunkSize := plan.ChunkSizeOr(spec.ChunkSize, s.DefaultChunkSize)
	conc := spec.Concurrency
	if conc == 0 {
		conc = s.DefaultConcurrency
	}
	owner := ownerFrom(ctx)
	id := submissionID(spec.Job, spec.Params, spec.Inputs, chunkSize, spec.Output, spec.OutputParts, owner+"\x00"+spec.revision)
	output := spec.Output
	if output == "" {
		// The ID covers the output, so the default output is named by the ID of the
		// submission without one: stable for the same submission.
		output = blob.S3Location(s.OutputBucket, ResultsPrefix+spec.Job+"/"+id)
	}
	in := pipeline.PlanInput{
		Job: spec.Job, Params: spec.Params, Inputs: spec.Inputs, Output: output,
		ChunkSize: chunkSize, MaxConcurrency: conc, Submission: id, Owner: owner,
		Partitions: spec.Partitions, OutputParts: spec.OutputParts,
	}
	if err := pipeline.CheckPartitions(in, job); err != nil {
		return pipeline.PlanInput{}, sub, badRequest("%v", err)
	}
	sub = Submission{JobID: id, ExecutionARN: ExecutionARN(s.StateMachineARN, id), Output: output}
	return in, sub, nil
}

// submissionID names a submission: the job's name and a hash of what makes it.
// Part files are another output than one object, so outputParts is part of
// it; partitions, as concurrency, change how the job runs, not its output.
func submissionID(job string, params map[string]string, inputs []string, chunkSize int64, output string, outputParts bool, owner string) string {
	canon, _ := json.Marshal(struct { // cannot fail
		plan.Identity
		Parts bool   `json:"outputParts,omitempty"` // omitted: the IDs of one-object outputs stay as they were
		Owner string `json:"owner"`
	}{plan.NewIdentity(1, job, plan.JobVersion(job), params, inputs, chunkSize, output), outputParts, owner})
	return plan.NameID(job, canon)
}

// Submit starts spec's execution, named by its submission ID, without reading its inputs.
// StartExecution is idempotent for a Standard workflow: the same name and input as an
// open execution answers success without starting one, the same name with another input
// (or any input once the execution closed) ExecutionAlreadyExists
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html,
// https://docs.aws.amazon.com/step-functions/latest/dg/express-at-least-once-execution.html).
// So Submit first looks for the execution: the same input is a duplicate (Duplicate set,
// nothing started), another input (a changed concurrency) a conflict (409).
func (s *Service) Submit(ctx context.Context, spec Spec) (Submission, error) {
	in, sub, err := s.Plan(ctx, spec)
	if err != nil {
		return sub, err
	}
	input, err := json.Marshal(in)
	if err != nil {
		return sub, fmt.Errorf("encode execution input: %w", err)
	}
	if dup, err := s.existing(ctx, sub, string(input)); dup || err != nil {
		sub.Duplicate = dup
		return sub, err
	}
	_, err = s.Starter.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineARN),
		Name:            aws.String(sub.JobID),
		Input:           aws.String(string(input)),
	})
	var exists *types.ExecutionAlreadyExists
	switch {
	case errors.As(err, &exists):
		// Started meanwhile by another request: classify against it.
		dup, err := s.existing(ctx, sub, string(input))
		sub.Duplicate = dup
		if err == nil && !dup {
			err = s.internalError(ctx, exists, "start job %s: Step Functions reports an execution of that name that cannot be described", sub.JobID)
		}
		return sub, err
	case err != nil:
		return sub, s.internalError(ctx, err, "could not start job %s", sub.JobID)
	}
	s.log().InfoContext(ctx, "job started", "jobId", sub.JobID, "job", in.Job, "output", sub.Output, "owner", in.Owner)
	return sub, nil
}

// existing reports whether the submission's execution exists with the same input (a
// duplicate); one with another input is a conflict error.
func (s *Service) existing(ctx context.Context, sub Submission, input string) (bool, error) {
	out, err := s.Starter.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(sub.ExecutionARN)})
	var missing *types.ExecutionDoesNotExist
	switch {
	case errors.As(err, &missing):
		return false, nil
	case err != nil:
		return false, s.internalError(ctx, err, "could not look up job %s", sub.JobID)
	case aws.ToString(out.Input) == input:
		s.log().InfoContext(ctx, "duplicate submission", "jobId", sub.JobID, "status", out.Status)
		return true, nil
	}
	var was pipeline.PlanInput
	_ = json.Unmarshal([]byte(aws.ToString(out.Input)), &was)
	var now pipeline.PlanInput
	_ = json.Unmarshal([]byte(input), &now)
	why := "with other settings"
	if was.MaxConcurrency != now.MaxConcurrency {
		why = fmt.Sprintf("with concurrency %d, not %d", was.MaxConcurrency, now.MaxConcurrency)
	}
	return false, conflict("job %s was already submitted %s (%s): the same job cannot be submitted again with other settings", sub.JobID, why, out.Status)
}

// checkInput accepts s3:// locations in the input bucket or one of the extra input
// buckets only: the functions can read more (the work area, the outputs), and a caller
// must not borrow their reach.
func (s *Service) checkInput(in string) error {
	if err := plan.ValidateLocation(in); err != nil {
		return badRequest("input %q: %v", in, err)
	}
	bucket, key, ok := blob.ParseS3(in)
	if !ok {
		return badRequest("input %q: want an s3://bucket/key or s3://bucket/prefix/ location", in)
	}
	if !s.inputBucket(bucket) {
		return badRequest("input %q: inputs are read from the input bucket %s%s only", in, s.InputBucket, s.extraList())
	}
	if key == "" || strings.HasPrefix(key, "/") {
		return badRequest("input %q: name an object or a prefix under the bucket", in)
	}
	if bucket == s.WorkBucket && reachesWorkArea(key) {
		return badRequest("input %q is in the work area jobs/ of the work bucket", in)
	}
	return nil
}

// reachesWorkArea reports whether an input key names the work area jobs/ or
// something in it, or is a pattern (plan.IsGlob) that may match a key there.
func reachesWorkArea(key string) bool {
	if !plan.IsGlob(key) {
		return strings.HasPrefix(key, "jobs/")
	}
	fixed := key[:strings.IndexAny(key, "*?[")]
	return strings.HasPrefix(fixed, "jobs/") || strings.HasPrefix("jobs/", fixed)
}

// inputBucket reports whether inputs may be read from bucket.
func (s *Service) inputBucket(bucket string) bool {
	return bucket == s.InputBucket || slices.Contains(s.ExtraInputBuckets, bucket)
}

func (s *Service) extraList() string {
	if len(s.ExtraInputBuckets) == 0 {
		return ""
	}
	return " and the extra input buckets " + strings.Join(s.ExtraInputBuckets, ", ")
}

// checkOutput accepts an object under results/ in the output bucket: the reducer writes
// only there for a caller, so no caller overwrites another part of the bucket, and
// nothing it writes can start another job.
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
	case !strings.HasPrefix(key, ResultsPrefix):
		return badRequest("output %q: outputs go under %s of the output bucket (s3://%s/%s...)", out, ResultsPrefix, s.OutputBucket, ResultsPrefix)
	}
	return nil
}
