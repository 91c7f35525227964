package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
)

// cmdResume finishes a failed or interrupted job: the same submission runs
// again, and the mappers skip every chunk the ledger has committed.
func cmdResume(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scatter resume", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts runOptions
	opts.define(fs)
	jobID, err := parseJobArgs(fs, args, "scatter resume JOBID [--state-dir DIR]")
	if err != nil {
		return err
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
	objs, err := plan.Resolve(ctx, local.Store, in.Inputs)
	if err != nil {
		return fmt.Errorf("job %s: %w", jobID, err)
	}
	if id := plan.JobID(in.Job, in.Params, objs, in.ChunkSize, in.Output); id != jobID {
		return fmt.Errorf("job %s: its inputs changed since it was planned (they now make job %s); run it again instead", jobID, id)
	}
	committed, err := local.Ledger.Chunks(ctx, jobID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "scatter: resuming %s (%s): %d of %d chunks already committed\n", jobID, j.Status, len(committed), j.Chunks)
	in.MaxConcurrency = opts.concurrency
	return execute(ctx, &opts, local, fset, in, stdout, stderr)
}

func cmdFaults(w io.Writer) error {
	for _, f := range faults.Catalog {
		fmt.Fprintf(w, "%-28s %s\n", f.Name, f.Help)
	}
	return nil
}
