package api

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/pipeline"
)

// Status is a job's state as GET /jobs/{id} reports it.
type Status struct {
	JobID string `json:"jobId"`
	// Job is the job's type (wordcount, grep, ...), once the splitter has opened it.
	Job string `json:"job,omitempty"`
	// Status is SUCCEEDED or FAILED once the ledger says so; otherwise the execution's
	// status (RUNNING, ABORTED, TIMED_OUT, FAILED, ...).
	Status string `json:"status"`
	// Chunks is the plan's chunk count and Committed how many are committed; Progress is
	// their ratio (1 for a job without chunks once it succeeded).
	Chunks    int     `json:"chunks"`
	Committed int     `json:"committed"`
	Progress  float64 `json:"progress"`
	// Output is the result's location and Summary its summary's, once known.
	Output  string `json:"output,omitempty"`
	Summary string `json:"summary,omitempty"`
	// Error says why the job failed.
	Error string `json:"error,omitempty"`
	// Runs counts how often the job was opened (redrives add one).
	Runs      int        `json:"runs,omitempty"`
	Execution *Execution `json:"execution,omitempty"`
}

// Execution is the Step Functions view of a job.
type Execution struct {
	ARN       string     `json:"arn"`
	Status    string     `json:"status"`
	StartDate *time.Time `json:"startDate,omitempty"`
	StopDate  *time.Time `json:"stopDate,omitempty"`
	Error     string     `json:"error,omitempty"`
	Cause     string     `json:"cause,omitempty"`
}

// Terminal reports whether the status is final: the job will not change by itself.
func (st Status) Terminal() bool {
	switch st.Status {
	case string(ledger.Succeeded), string(ledger.Failed), "ABORTED", "TIMED_OUT":
		return true
	}
	return false
}

// Status reports a job from the ledger (status, committed chunks, output, error) and its
// execution. A job neither knows is an *Error with status 404.
func (s *Service) Status(ctx context.Context, jobID string) (Status, error) {
	if err := validJobID(jobID); err != nil {
		return Status{}, badRequest("%v", err)
	}
	st := Status{JobID: jobID}
	job, err := s.Ledger.Job(ctx, jobID)
	inLedger := err == nil
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return st, upstream("read job %s: %v", jobID, err)
	}
	exec, found, err := s.describe(ctx, jobID)
	if err != nil {
		return st, err
	}
	if !found {
		exec = nil
	}
	if !inLedger && !found {
		return st, notFound("no job %s", jobID)
	}
	st.Execution = exec
	if exec != nil {
		st.Status = exec.Status
	}
	if inLedger {
		st.Job, st.Chunks, st.Runs = job.Name, job.Chunks, job.Runs
		switch {
		case job.Status == ledger.Succeeded || job.Status == ledger.Failed:
			st.Status = string(job.Status)
		case exec == nil || exec.Status == "SUCCEEDED":
			// No execution (started elsewhere, or expired): the ledger is all there is.
			st.Status = string(job.Status)
		}
		st.Error = job.Error
		if job.Output != "" {
			st.Output = job.Output
			st.Summary = pipeline.SummaryLocation(job.Output)
		} else {
			st.Output = specOutput(job.Spec)
		}
		committed, err := s.Ledger.Count(ctx, jobID)
		if err != nil {
			return st, upstream("count commits of %s: %v", jobID, err)
		}
		st.Committed = committed
	}
	if st.Error == "" && exec != nil && exec.Error != "" {
		st.Error = exec.Error
		if exec.Cause != "" {
			st.Error += ": " + exec.Cause
		}
	}
	switch {
	case st.Chunks > 0:
		st.Progress = float64(st.Committed) / float64(st.Chunks)
	case st.Status == string(ledger.Succeeded):
		st.Progress = 1
	}
	return st, nil
}

// Cancel stops the job's execution and reports its status. Stopping a finished execution
// changes nothing.
func (s *Service) Cancel(ctx context.Context, jobID string) (Status, error) {
	if err := validJobID(jobID); err != nil {
		return Status{}, badRequest("%v", err)
	}
	_, err := s.Starter.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: aws.String(ExecutionARN(s.StateMachineARN, jobID)),
		Error:        aws.String("Cancelled"),
		Cause:        aws.String("cancelled by request"),
	})
	var missing *types.ExecutionDoesNotExist
	switch {
	case errors.As(err, &missing):
		return Status{}, notFound("no execution of job %s", jobID)
	case err != nil:
		return Status{}, upstream("stop job %s: %v", jobID, err)
	}
	s.log().InfoContext(ctx, "job cancelled", "jobId", jobID)
	return s.Status(ctx, jobID)
}

// describe returns the job's execution; found is false when there is none.
func (s *Service) describe(ctx context.Context, jobID string) (e *Execution, found bool, err error) {
	arn := ExecutionARN(s.StateMachineARN, jobID)
	out, err := s.Starter.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	var missing *types.ExecutionDoesNotExist
	switch {
	case errors.As(err, &missing):
		return &Execution{ARN: arn}, false, nil
	case err != nil:
		return nil, false, upstream("describe job %s: %v", jobID, err)
	}
	e = &Execution{ARN: arn, Status: string(out.Status), StartDate: out.StartDate, StopDate: out.StopDate,
		Error: aws.ToString(out.Error), Cause: aws.ToString(out.Cause)}
	if out.ExecutionArn != nil {
		e.ARN = *out.ExecutionArn
	}
	return e, true, nil
}

// specOutput is the output named in a job's stored spec (a PlanInput as JSON).
func specOutput(spec string) string {
	var in pipeline.PlanInput
	if spec == "" || json.Unmarshal([]byte(spec), &in) != nil {
		return ""
	}
	return in.Output
}
