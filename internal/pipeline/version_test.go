package pipeline_test

import (
	"testing"

	"github.com/scattergather/scattergather/internal/jobswap"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
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
