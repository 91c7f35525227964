package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/pipeline"
)

// Status is a job's state as GET /jobs/{id} reports it.
type Status struct {
	JobID string `json:"jobId"`
	// LedgerJobID is the job's ID in the ledger, derived by the splitter from the inputs'
	// identities (`scatter report` takes it), once it has planned the job.
	LedgerJobID string `json:"ledgerJobId,omitempty"`
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

// Status reports a job: its execution (by the submission ID, the execution's name) and,
// once the splitter has planned it, its ledger item (status, committed chunks, output,
// error). A job ID the ledger names directly (a job started before submission IDs, or by
// `scatter submit` of an older version) is read from the ledger alone. A job neither
// knows is an *Error with status 404; so is one a caller in ctx may not read.
func (s *Service) Status(ctx context.Context, jobID string) (Status, error) {
	if err := validJobID(jobID); err != nil {
		return Status{}, badRequest("%v", err)
	}
	st := Status{JobID: jobID}
	exec, input, err := s.describe(ctx, jobID)
	if err != nil {
		return st, err
	}
	ledgerID := jobID
	if exec != nil && input.Submission == jobID {
		if ledgerID, err = s.planned(ctx, jobID); err != nil {
			return st, err
		}
	}
	var job ledger.Job
	inLedger := false
	if ledgerID != "" {
		job, err = s.Ledger.Job(ctx, ledgerID)
		inLedger = err == nil
		if err != nil && !errors.Is(err, ledger.ErrNotFound) {
			return st, s.internalError(ctx, err, "could not read job %s", jobID)
		}
	}
	unknown := notFound("no job %s", jobID)
	if !inLedger && exec == nil {
		return st, unknown
	}
	owner := input.Owner
	if exec == nil {
		owner = specOwner(job.Spec)
	}
	if err := s.authorize(ctx, jobID, owner, unknown); err != nil {
		return Status{}, err
	}
	st.Execution = exec
	if exec != nil {
		st.Status, st.Output = exec.Status, input.Output
	}
	if inLedger {
		if err := s.fromLedger(ctx, &st, job); err != nil {
			return st, err
		}
	}
	if st.Error == "" && exec != nil && exec.Error != "" {
		st.Error = publicError(exec.Error, exec.Cause, jobID)
	}
	if exec != nil {
		exec.Error, exec.Cause = "", "" // raw causes stay in the logs (see publicError)
	}
	switch {
	case st.Chunks > 0:
		st.Progress = float64(st.Committed) / float64(st.Chunks)
	case st.Status == string(ledger.Succeeded):
		st.Progress = 1
	}
	return st, nil
}

// fromLedger fills st from the job's ledger item.
func (s *Service) fromLedger(ctx context.Context, st *Status, job ledger.Job) error {
	exec := st.Execution
	st.LedgerJobID = job.ID
	st.Job, st.Chunks, st.Runs = job.Name, job.Chunks, job.Runs
	switch {
	case job.Status == ledger.Succeeded || job.Status == ledger.Failed:
		st.Status = string(job.Status)
	case exec == nil || exec.Status == "SUCCEEDED":
		// No execution (started elsewhere, or expired): the ledger is all there is.
		st.Status = string(job.Status)
	}
	if job.Error != "" {
		st.Error = publicLedgerError(job.Error, st.JobID)
	}
	if job.Output != "" {
		st.Output = job.Output
		st.Summary = pipeline.SummaryLocation(job.Output)
	} else if out := specOutput(job.Spec); out != "" {
		st.Output = out
	}
	committed, err := s.Ledger.Count(ctx, job.ID)
	if err != nil {
		return s.internalError(ctx, err, "could not count the committed chunks of job %s", st.JobID)
	}
	st.Committed = committed
	return nil
}

// planned returns the ledger's job ID that the splitter recorded for submission id, or
// "" when it has not planned it yet.
func (s *Service) planned(ctx context.Context, id string) (string, error) {
	rc, err := s.Store.Open(ctx, pipeline.SubmissionLocation(s.WorkBucket, id), 0, 4096)
	if errors.Is(err, blob.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", s.internalError(ctx, err, "could not read which job submission %s planned", id)
	}
	defer rc.Close()
	var rec pipeline.SubmissionRecord
	if err := json.NewDecoder(rc).Decode(&rec); err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return "", nil
		}
		return "", s.internalError(ctx, err, "could not read which job submission %s planned", id)
	}
	if rec.Submission != id || validJobID(rec.JobID) != nil {
		return "", s.internalError(ctx, fmt.Errorf("record %+v", rec), "the record of submission %s is malformed", id)
	}
	return rec.JobID, nil
}

// LedgerJobID returns the ledger's ID of job id: the job a submission planned (an error
// until the splitter has planned it), or id itself when the ledger names it directly.
func (s *Service) LedgerJobID(ctx context.Context, id string) (string, error) {
	if err := validJobID(id); err != nil {
		return "", badRequest("%v", err)
	}
	exec, input, err := s.describe(ctx, id)
	if err != nil || exec == nil || input.Submission != id {
		return id, err
	}
	if err := s.authorize(ctx, id, input.Owner, notFound("no job %s", id)); err != nil {
		return "", err
	}
	lid, err := s.planned(ctx, id)
	if err == nil && lid == "" {
		err = notFound("job %s is not planned yet (its execution is %s)", id, exec.Status)
	}
	return lid, err
}

// Cancel stops the job's execution and reports its status. Stopping a finished execution
// changes nothing.
func (s *Service) Cancel(ctx context.Context, jobID string) (Status, error) {
	if err := validJobID(jobID); err != nil {
		return Status{}, badRequest("%v", err)
	}
	exec, input, err := s.describe(ctx, jobID)
	if err != nil {
		return Status{}, err
	}
	unknown := notFound("no execution of job %s", jobID)
	if exec == nil {
		return Status{}, unknown
	}
	if err := s.authorize(ctx, jobID, input.Owner, unknown); err != nil {
		return Status{}, err
	}
	_, err = s.Starter.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: aws.String(exec.ARN),
		Error:        aws.String("Cancelled"),
		Cause:        aws.String("cancelled by request"),
	})
	var missing *types.ExecutionDoesNotExist
	switch {
	case errors.As(err, &missing):
		return Status{}, notFound("no execution of job %s", jobID)
	case err != nil:
		return Status{}, s.internalError(ctx, err, "could not cancel job %s", jobID)
	}
	s.log().InfoContext(ctx, "job cancelled", "jobId", jobID)
	return s.Status(ctx, jobID)
}

// describe returns the job's execution and its input; a nil execution when there is none.
func (s *Service) describe(ctx context.Context, jobID string) (*Execution, pipeline.PlanInput, error) {
	var in pipeline.PlanInput
	arn := ExecutionARN(s.StateMachineARN, jobID)
	out, err := s.Starter.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	var missing *types.ExecutionDoesNotExist
	switch {
	case errors.As(err, &missing):
		return nil, in, nil
	case err != nil:
		return nil, in, s.internalError(ctx, err, "could not look up job %s", jobID)
	}
	_ = json.Unmarshal([]byte(aws.ToString(out.Input)), &in) // an input not ours has no owner
	e := &Execution{ARN: arn, Status: string(out.Status), StartDate: out.StartDate, StopDate: out.StopDate,
		Error: aws.ToString(out.Error), Cause: aws.ToString(out.Cause)}
	if out.ExecutionArn != nil {
		e.ARN = *out.ExecutionArn
	}
	return e, in, nil
}

// The error types whose messages callers see: they describe the caller's own job and
// data (a bad input, a malformed record, a refused parameter). Any other failure (an AWS
// error, a timeout, a crash) may name roles, accounts and requests; callers see its type
// and where to look, and the log has the rest.
var publicErrorTypes = map[string]bool{"InputError": true, "RecordError": true, "Cancelled": true}

// publicError is what a caller sees of an execution's error and cause.
func publicError(errType, cause, jobID string) string {
	if publicErrorTypes[errType] {
		if msg := pipeline.CauseMessage(cause); msg != "" {
			return errType + ": " + msg
		}
		return errType
	}
	return fmt.Sprintf("%s: the job failed; its cause is in the execution's history and the functions' logs (job %s)", errType, jobID)
}

// publicLedgerError is what a caller sees of the error the ledger recorded: "TYPE: message"
// or "chunk N failed: TYPE: message" (pipeline's recordFailure).
func publicLedgerError(msg, jobID string) string {
	rest := msg
	prefix := ""
	if strings.HasPrefix(rest, "chunk ") {
		if i := strings.Index(rest, " failed: "); i > 0 {
			prefix, rest = rest[:i+len(" failed: ")], rest[i+len(" failed: "):]
		}
	}
	errType, _, _ := strings.Cut(rest, ": ")
	if publicErrorTypes[errType] {
		return msg
	}
	return prefix + publicError(errType, "", jobID)
}

// specOwner is the owner named in a job's stored spec (a PlanInput as JSON).
func specOwner(spec string) string {
	var in pipeline.PlanInput
	if spec == "" || json.Unmarshal([]byte(spec), &in) != nil {
		return ""
	}
	return in.Owner
}

// specOutput is the output named in a job's stored spec (a PlanInput as JSON).
func specOutput(spec string) string {
	var in pipeline.PlanInput
	if spec == "" || json.Unmarshal([]byte(spec), &in) != nil {
		return ""
	}
	return in.Output
}
