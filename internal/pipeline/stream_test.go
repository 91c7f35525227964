package pipeline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
)

// TestCorruptPartialIsAnInputError: a committed partial whose bytes are damaged fails the
// merge and the final gather with an InputError (which the state machine does not retry),
// the cause kept in the chain: errors.Is finds jobs.ErrCorruptPartial through it.
func TestCorruptPartialIsAnInputError(t *testing.T) {
	h := newHandler(t)
	ctx := context.Background()
	p, first := mappedFirst(t, h, "a b c\na a\nb c\nd d\n", 4)
	if err := h.Store.Put(ctx, first.Partial, strings.NewReader("not a partial at all\n")); err != nil {
		t.Fatal(err)
	}
	in := pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Output: p.Output, Chunks: p.Chunks, FanIn: 2}
	merge := in
	merge.Step, merge.Group = pipeline.StepMerge, 0
	for name, ev := range map[string]pipeline.GatherInput{"final gather": in, "merge step": merge} {
		_, err := h.Gather(ctx, ev)
		var ie *pipeline.InputError
		if !errors.As(err, &ie) || pipeline.ErrorType(err) != "InputError" {
			t.Fatalf("%s over a corrupt partial: %v (%T), want an InputError", name, err, err)
		}
		if !errors.Is(err, jobs.ErrCorruptPartial) {
			t.Errorf("%s: %v does not wrap jobs.ErrCorruptPartial", name, err)
		}
	}
	if _, err := os.Stat(p.Output); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("output %s after a failed gather: %v, want none", p.Output, err)
	}
}

// TestPlanErrorKeepsItsCause: the splitter's InputError for an input that does not exist
// wraps plan's own error, which names the input.
func TestPlanErrorKeepsItsCause(t *testing.T) {
	h := newHandler(t)
	missing := filepath.Join(t.TempDir(), "nothing-here.txt")
	_, err := h.Plan(context.Background(), pipeline.PlanInput{Job: "wordcount", Inputs: []string{missing}, Output: filepath.Join(t.TempDir(), "out.tsv")})
	var ie *pipeline.InputError
	var pe *plan.InputError
	if !errors.As(err, &ie) || !errors.As(err, &pe) || pe.Input != missing {
		t.Fatalf("plan of a missing input: %v (%T), want a pipeline.InputError wrapping plan.InputError for %s", err, err, missing)
	}
}
