package pipeline_test

import (
	"context"
	"testing"

	"github.com/scattergather/scattergather/internal/jobswap"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestPlannedVersion: the version that planned a job is its spec's JobVersion; a spec
// stored before specs kept it is of version "1" (every built-in's then) when "1" makes
// the job's ID, else of no version a resume can name.
func TestPlannedVersion(t *testing.T) {
	objs := []plan.Object{{URL: "s3://b/in.txt", ETag: `"e"`, Size: 10}}
	in := pipeline.PlanInput{Job: "wordcount", Inputs: []string{"s3://b/in.txt"}, Output: "s3://b/out", ChunkSize: 4}
	restore := jobswap.Version("wordcount", "1")
	legacy := in.JobID(objs)
	restore()
	now := in.JobID(objs)
	if legacy == now {
		t.Fatalf("wordcount's version %s makes the ID of version 1: %s", plan.JobVersion("wordcount"), now)
	}
	if got := in.PlannedVersion(objs, legacy); got != "1" {
		t.Fatalf("a spec without its version, of a job of version 1: planned by %q, want 1", got)
	}
	if got := in.PlannedVersion(objs, now); got != "" {
		t.Fatalf("a spec without its version, of a job of version %s: planned by %q, want unknown", plan.JobVersion("wordcount"), got)
	}
	in.JobVersion = "7"
	if got := in.PlannedVersion(objs, legacy); got != "7" {
		t.Fatalf("a spec of version 7: planned by %q", got)
	}
}

// TestStepsRefuseAnotherVersionsJob: a job planned by one version of its code (the
// plan's jobVersion, which the state machine hands every step) is refused by mappers and
// reducers of another (a deploy between the plan and a redrive): an InputError naming both
// versions, and no chunk of the other version committed beside the old ones.
func TestStepsRefuseAnotherVersionsJob(t *testing.T) {
	h := newHandler(t)
	restore := jobswap.Version("wordcount", "0-old")
	p, chunks := planned(t, h, "a b\nc d\ne f\n", 4)
	restore()
	if p.JobVersion != "0-old" {
		t.Fatalf("the plan of version 0-old says version %q", p.JobVersion)
	}
	now := plan.JobVersion("wordcount")
	refused := func(what string, err error) {
		t.Helper()
		if pipeline.ErrorType(err) != "InputError" {
			t.Fatalf("%s of a job of version 0-old by version %s: %v (%s), want an InputError", what, now, err, pipeline.ErrorType(err))
		}
		testutil.ErrorNames(t, err, "planned by version 0-old of job wordcount", "is version "+now, "run it again as a new job")
	}
	_, err := h.Map(context.Background(), mapInput(p, chunks[0]))
	refused("a mapper", err)
	if n, err := h.Ledger.Count(context.Background(), p.JobID); err != nil || n != 0 {
		t.Fatalf("%d chunks committed (%v) after the mapper refused", n, err)
	}
	_, err = h.Gather(context.Background(), pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, JobVersion: p.JobVersion, Work: p.Work, Output: p.Output, Chunks: p.Chunks})
	refused("the gather", err)
	// The same version maps it.
	restore = jobswap.Version("wordcount", "0-old")
	defer restore()
	if _, err := h.Map(context.Background(), mapInput(p, chunks[0])); err != nil {
		t.Fatalf("a mapper of the job's own version: %v", err)
	}
}
