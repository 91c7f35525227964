package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/api"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
)

// cmdResume finishes a failed or interrupted job: the same submission runs
// again, and the mappers skip every chunk the ledger has committed.
func cmdResume(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter resume", stderr)
	var opts runOptions
	opts.define(fs)
	stack := fs.String("stack", "", "redrive the job's failed execution on this deployed stack instead of resuming local state")
	remote := fs.Bool("remote", false, "redrive on the stack of the SCATTER_* variables 'scatter local up' prints")
	jobID, err := parseJobArgs(fs, args, "scatter resume JOBID [--state-dir DIR | --stack NAME | --remote]")
	if err != nil {
		return err
	}
	if *stack != "" || *remote {
		return redrive(ctx, &remoteOptions{stack: *stack, endpoint: cmp.Or(opts.endpoint, os.Getenv(envAWSEndpoint)), region: opts.region}, jobID, stderr)
	}
	local, fset, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer local.Close()
	j, err := local.Ledger.Job(ctx, jobID)
	if errors.Is(err, ledger.ErrNotFound) {
		return fmt.Errorf("job %s: not in the ledger of %s", jobID, opts.stateDir)
	} else if err != nil {
		return err
	}
	var in pipeline.PlanInput
	if err := json.Unmarshal([]byte(j.Spec), &in); err != nil {
		return fmt.Errorf("job %s: stored spec: %w", jobID, err)
	}
	// The inputs must be the ones the job was planned on, or it would be another job.
	objs, _, err := plan.ResolveJob(ctx, local.Store, in.Job, in.Params, in.Inputs)
	if err != nil {
		return fmt.Errorf("job %s: %w", jobID, err)
	}
	if id := in.JobID(objs); id != jobID {
		if planned, now := in.PlannedVersion(objs, jobID), plan.JobVersion(in.Job); planned != "" && planned != now {
			return fmt.Errorf("job %s was planned by version %s of job %s, and this scatter's %s is version %s, whose output may differ: "+
				"the chunks version %s committed cannot be resumed by version %s; run it again instead (it is job %s now)", jobID, planned, in.Job, in.Job, now, planned, now, id)
		}
		if slices.Contains(in.EarlierJobIDs(objs), jobID) {
			return fmt.Errorf("job %s was planned by an earlier scatter, which read records (framework version) or weighed Parquet row groups otherwise: this one may read its inputs into other records or cut them into other chunks, so its committed chunks cannot be resumed; run it again instead (it is job %s now)", jobID, id)
		}
		return fmt.Errorf("job %s: its inputs changed since it was planned (they now make job %s); run it again instead", jobID, id)
	}
	committed, err := local.Ledger.Count(ctx, jobID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "scatter: resuming %s (%s): %d of %d chunks already committed\n", jobID, j.Status, committed, j.Chunks)
	in.MaxConcurrency = opts.concurrency
	return execute(ctx, &opts, local, fset, in, stdout, stderr)
}

// redrive resumes a job of a deployed stack: a Step Functions redrive of its failed
// execution (the caller needs states:RedriveExecution on it). The execution goes on from
// its failed step, RecordFailure, which reopens the job and resumes at the Scatter Map or
// the gather; committed chunks answer from the ledger, so only the failed ones run again
// (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html).
func redrive(ctx context.Context, ro *remoteOptions, jobID string, stderr io.Writer) error {
	svc, err := openRemote(ctx, ro)
	if err != nil {
		return err
	}
	r, ok := svc.Starter.(interface {
		RedriveExecution(context.Context, *sfn.RedriveExecutionInput, ...func(*sfn.Options)) (*sfn.RedriveExecutionOutput, error)
	})
	if !ok {
		return fmt.Errorf("job %s: this stack's client cannot redrive executions", jobID)
	}
	arn := api.ExecutionARN(svc.StateMachineARN, jobID)
	if _, err := r.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)}); err != nil {
		return fmt.Errorf("job %s: redrive %s: %w", jobID, arn, err)
	}
	fmt.Fprintf(stderr, "scatter: job %s redriven: its failed step runs again and only uncommitted chunks are mapped; follow it with 'scatter wait %s'\n", jobID, jobID)
	return nil
}

func cmdFaults(_ context.Context, _ []string, w, _ io.Writer) error {
	for _, f := range faults.Catalog {
		fmt.Fprintf(w, "%-28s %s\n", f.Name, f.Help)
	}
	return nil
}
