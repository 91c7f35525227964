// Package enginetest runs jobs on the local engine for tests: an engine whose state lives
// in a test's temporary directory, a run that returns the output and the summary, and
// the part files of an output read back (ReadParts).
package enginetest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
)

// Open opens a local engine with options o whose state is under a fresh temporary
// directory of t, and closes it when t ends. dir is that directory, for the test's
// inputs and outputs.
func Open(t testing.TB, o engine.Options) (local *engine.Local, dir string) {
	t.Helper()
	dir = t.TempDir()
	local, err := engine.Open(context.Background(), filepath.Join(dir, "state"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	return local, dir
}

// fixedTime is the modification time Replayable gives a test's inputs.
var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Replayable makes dir (a test's directory, from Open) the working directory
// for the rest of t and gives the files named (relative to dir) one fixed
// modification time. A job over those relative names, with a relative output,
// then has the same ID in every run: the ID covers each input's name, size and
// mtime, and the output (plan.JobID), where a t.TempDir path or a fresh mtime
// would make a new one each run. The faults a seed injects are decided by the
// job ID (faults.Set keys every opportunity by it), so only then does a seed
// replay the same faults run after run, and a seeded fault test pass or fail
// the same way every time.
func Replayable(t testing.TB, dir string, files ...string) {
	t.Helper()
	t.Chdir(dir)
	for _, f := range files {
		if err := os.Chtimes(f, fixedTime, fixedTime); err != nil {
			t.Fatal(err)
		}
	}
}

// Run runs in through local's handlers and state machine (four map iterations at once,
// no backup attempts, retry intervals not waited) and returns the output and the summary
// the reducer wrote. It fails t when the run fails or the summary counts other chunks
// than the plan made.
func Run(t testing.TB, local *engine.Local, in pipeline.PlanInput) (out []byte, sum pipeline.Summary) {
	t.Helper()
	eng := &engine.Engine{Handler: local.Handler, MaxParallel: 4, NoBackups: true, Sleep: func(context.Context, time.Duration) error { return nil }}
	res, err := eng.Run(context.Background(), in)
	if err != nil {
		t.Fatalf("%s over %v at chunk size %d: %v", in.Job, in.Inputs, in.ChunkSize, err)
	}
	if err := json.Unmarshal(testutil.ReadFile(t, res.Gather.Summary), &sum); err != nil {
		t.Fatalf("summary %s: %v", res.Gather.Summary, err)
	}
	if sum.Chunks != res.Plan.Chunks {
		t.Fatalf("summary of %d chunks, plan of %d", sum.Chunks, res.Plan.Chunks)
	}
	if in.OutputParts {
		return nil, sum
	}
	return testutil.ReadFile(t, res.Gather.Output), sum
}

// ReadParts returns the n part files of an output written as part files
// (pipeline.PartLocation), joined in order, failing t if one is missing or empty.
func ReadParts(t testing.TB, output string, n int) []byte {
	t.Helper()
	var joined []byte
	for r := range n {
		b := testutil.ReadFile(t, pipeline.PartLocation(output, r))
		if len(b) == 0 {
			t.Fatalf("part %d of %d is empty", r, n)
		}
		joined = append(joined, b...)
	}
	return joined
}
