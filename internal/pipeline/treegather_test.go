package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/scattergather/scattergather/internal/blob/blobtest"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
)

// TestTreeGatherEveryJob: for every job, a gather with a small fan-in (levels
// of intermediate merges) writes the same output as one flat merge.
func TestTreeGatherEveryJob(t *testing.T) {
	var text, csv strings.Builder
	csv.WriteString("ip,rev,ua\n")
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&text, "w%d x%d the w%d\n", i%17, i%5, i*7%31)
		fmt.Fprintf(&csv, "10.%d.%d.1,%d.%d,\"ua %d\"\n", i%7, i%3, i%100, i%10, i%4)
	}
	cases := []struct {
		job  string
		p    jobs.Params
		data string
	}{
		{"wordcount", jobs.Params{}, text.String()},
		{"grep", jobs.Params{"pattern": "w1[0-9]"}, text.String()},
		{"search", jobs.Params{"query": "w3 the", "k": "7"}, text.String()},
		{"select", jobs.Params{"where": "rev >= 50", "columns": "ua,ip"}, csv.String()},
		{"groupby", jobs.Params{"key": "ip:4", "agg": "sum:rev,avg:rev,min:rev,max:rev,count:ip"}, csv.String()},
	}
	for _, c := range cases {
		t.Run(c.job, func(t *testing.T) {
			in := writeInput(t, c.data)
			var outputs [][]byte
			var levels []int
			for _, fanIn := range []int{2, 3, 5, pipeline.DefaultFanIn} {
				h := newHandler(t)
				h.FanIn = fanIn
				got, sum := runJob(t, h, pipeline.PlanInput{Job: c.job, Params: c.p, Inputs: []string{in}, Output: filepath.Join(t.TempDir(), "out"), ChunkSize: 256})
				if sum.Chunks < 10 {
					t.Fatalf("%d chunks: want enough for several gather levels", sum.Chunks)
				}
				outputs = append(outputs, got)
				levels = append(levels, sum.GatherLevels)
			}
			for i := 1; i < len(outputs); i++ {
				if !bytes.Equal(outputs[i], outputs[0]) {
					t.Fatalf("output with fan-in index %d differs:\n%q\nwant\n%q", i, outputs[i], outputs[0])
				}
			}
			if len(outputs[0]) == 0 {
				t.Fatal("empty output")
			}
			if levels[0] < 2 || levels[len(levels)-1] != 0 {
				t.Fatalf("gather levels %v: fan-in 2 should merge in levels, the default fan-in in one step", levels)
			}
		})
	}
}

// readManifest returns the chunks the splitter wrote for p, at least 10.
func readManifest(t *testing.T, h *pipeline.Handler, p pipeline.PlanOutput) []plan.Chunk {
	t.Helper()
	chunks := manifest(t, h, p)
	if len(chunks) < 10 {
		t.Fatalf("%d chunks: want enough for several gather levels", len(chunks))
	}
	return chunks
}

// manifest returns the chunks the splitter wrote for p.
func manifest(t testing.TB, h *pipeline.Handler, p pipeline.PlanOutput) []plan.Chunk {
	t.Helper()
	rc, err := h.Store.Open(context.Background(), p.Work+"manifest.json", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var chunks []plan.Chunk
	if err := json.NewDecoder(rc).Decode(&chunks); err != nil {
		t.Fatal(err)
	}
	return chunks
}

// TestGatherTreeSteps drives the reducer's steps as the state machine does
// (plan a level, merge its groups, plan the next, gather the last) and checks
// the output against one flat merge; a merge run twice writes the same bytes,
// and a plan with a chunk missing fails before any merge.
func TestGatherTreeSteps(t *testing.T) {
	var text strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&text, "w%d x%d the w%d\n", i%17, i%5, i*7%31)
	}
	const fanIn = 2
	ctx := context.Background()
	h := newHandler(t)
	h.FanIn = fanIn
	p, err := h.Plan(ctx, pipeline.PlanInput{Job: "wordcount", Inputs: []string{writeInput(t, text.String())}, Output: filepath.Join(t.TempDir(), "out"), ChunkSize: 256})
	if err != nil {
		t.Fatal(err)
	}
	if p.FanIn != fanIn {
		t.Fatalf("plan's fan-in %d, want the handler's %d", p.FanIn, fanIn)
	}
	chunks := readManifest(t, h, p)
	base := pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Chunks: p.Chunks, FanIn: p.FanIn}
	step := func(s string, level, group int) pipeline.GatherInput {
		in := base
		in.Step, in.Level, in.Group = s, level, group
		return in
	}

	for _, ch := range chunks[1:] {
		if _, err := h.Map(ctx, mapInput(p, ch)); err != nil {
			t.Fatal(err)
		}
	}
	var incomplete *pipeline.IncompleteJobError
	if _, err := h.Gather(ctx, step(pipeline.StepPlan, 0, 0)); !errors.As(err, &incomplete) || len(incomplete.Missing) != 1 {
		t.Fatalf("plan with chunk 0 uncommitted: %v, want an IncompleteJobError naming it", err)
	}
	if _, err := h.Map(ctx, mapInput(p, chunks[0])); err != nil {
		t.Fatal(err)
	}

	level, merges := 0, 0
	for {
		res, err := h.Gather(ctx, step(pipeline.StepPlan, level, 0))
		if err != nil {
			t.Fatalf("plan level %d: %v", level, err)
		}
		tl := res.Tree
		if tl == nil || tl.Level != level || tl.Partials != plan.NewTree(p.Chunks, fanIn).Partials(level) {
			t.Fatalf("plan of level %d: %+v", level, tl)
		}
		if !tl.Merge {
			break
		}
		for _, g := range tl.Groups {
			out, err := h.Gather(ctx, step(pipeline.StepMerge, level, g))
			if err != nil {
				t.Fatalf("merge level %d group %d: %v", level, g, err)
			}
			if out.Partial != pipeline.TreeKey(p.Work, level+1, g) {
				t.Fatalf("merge wrote %s", out.Partial)
			}
			merges++
		}
		level = tl.Next
	}
	if want := plan.NewTree(p.Chunks, fanIn).Levels(); level != want || level < 3 {
		t.Fatalf("%d chunks: the tree ended at level %d, want %d (and several)", p.Chunks, level, want)
	}
	// A retried merge overwrites its partial with the same bytes.
	first := readAll(t, h, pipeline.TreeKey(p.Work, 1, 0))
	if _, err := h.Gather(ctx, step(pipeline.StepMerge, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if again := readAll(t, h, pipeline.TreeKey(p.Work, 1, 0)); !bytes.Equal(first, again) {
		t.Fatal("a merge run twice wrote different partials")
	}
	final := step(pipeline.StepGather, level, 0)
	final.Output = p.Output
	res, err := h.Gather(ctx, final)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(res.Output)
	var sum pipeline.Summary
	if b, err := os.ReadFile(res.Summary); err != nil || json.Unmarshal(b, &sum) != nil || sum.GatherLevels != level || sum.FanIn != fanIn {
		t.Fatalf("summary: %v; gatherLevels %d fanIn %d, want %d and %d", err, sum.GatherLevels, sum.FanIn, level, fanIn)
	}

	want, _ := runJob(t, newHandler(t), pipeline.PlanInput{Job: "wordcount", Inputs: []string{writeInput(t, text.String())}, Output: filepath.Join(t.TempDir(), "out"), ChunkSize: 256})
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Fatalf("the tree's output (%d bytes, %d merges) differs from the flat merge's (%d bytes)", len(got), merges, len(want))
	}
	t.Logf("%d chunks, fan-in %d: %d levels, %d merges", p.Chunks, fanIn, level, merges)
}

// TestGatherStepValidation: a malformed step event is an InputError.
func TestGatherStepValidation(t *testing.T) {
	h := newHandler(t)
	ok := pipeline.GatherInput{JobID: "j", Job: "wordcount", Work: "s3://" + work + "/jobs/j/", Chunks: 9, FanIn: 3}
	cases := []struct {
		name string
		edit func(*pipeline.GatherInput)
	}{
		{"unknown step", func(in *pipeline.GatherInput) { in.Step = "split" }},
		{"fan-in of 1", func(in *pipeline.GatherInput) { in.Step, in.FanIn = pipeline.StepPlan, 1 }},
		{"negative level", func(in *pipeline.GatherInput) { in.Step, in.Level = pipeline.StepPlan, -1 }},
		{"negative group", func(in *pipeline.GatherInput) { in.Step, in.Group = pipeline.StepMerge, -2 }},
		{"group past the level", func(in *pipeline.GatherInput) { in.Step, in.Group = pipeline.StepMerge, 3 }},
		{"merge without work", func(in *pipeline.GatherInput) { in.Step, in.Work = pipeline.StepMerge, "" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.edit(&in)
			_, err := h.Gather(context.Background(), in)
			if pipeline.ErrorType(err) != "InputError" {
				t.Fatalf("got %v (%s), want an InputError", err, pipeline.ErrorType(err))
			}
		})
	}
}

func readAll(t *testing.T, h *pipeline.Handler, key string) []byte {
	t.Helper()
	return blobtest.ReadAll(t, h.Store, key)
}

// TestPlanBoundsTheTreeGroups: a plan of more than MaxTreeGroups × the
// handler's fan-in chunks raises its fan-in, so a level has at most
// MaxTreeGroups groups.
func TestPlanBoundsTheTreeGroups(t *testing.T) {
	h := newHandler(t)
	h.FanIn = 2
	in := writeInput(t, strings.Repeat("a b\n", 1200))
	p, err := h.Plan(context.Background(), pipeline.PlanInput{Job: "wordcount", Inputs: []string{in}, Output: filepath.Join(t.TempDir(), "out"), ChunkSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p.Chunks <= 2*pipeline.MaxTreeGroups {
		t.Fatalf("%d chunks: the case needs more than %d", p.Chunks, 2*pipeline.MaxTreeGroups)
	}
	if groups := (p.Chunks + p.FanIn - 1) / p.FanIn; p.FanIn <= 2 || groups > pipeline.MaxTreeGroups {
		t.Fatalf("%d chunks: fan-in %d makes %d groups, want at most %d", p.Chunks, p.FanIn, groups, pipeline.MaxTreeGroups)
	}
}

// readCounter is the bbolt ledger with a count of the commit items each read returned.
type readCounter struct {
	ledger.Ledger
	mu    sync.Mutex
	items int
}

func (r *readCounter) add(n int) {
	r.mu.Lock()
	r.items += n
	r.mu.Unlock()
}

func (r *readCounter) Chunks(ctx context.Context, id string) ([]ledger.Commit, error) {
	cs, err := r.Ledger.Chunks(ctx, id)
	r.add(len(cs))
	return cs, err
}

func (r *readCounter) ChunkRange(ctx context.Context, id string, from, to int) ([]ledger.Commit, error) {
	cs, err := r.Ledger.ChunkRange(ctx, id, from, to)
	r.add(len(cs))
	return cs, err
}

func (r *readCounter) read() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.items
	r.items = 0
	return n
}

// TestLevelZeroReadsOnlyWhatItNeeds: the first PlanLevel of a job gathered by the tree
// (partitions 1: wordcount's partials are sorted runs, which with partitions 0 the plan
// step sizes to choose key ranges) counts the commits instead of reading them, and a
// level-0 merge reads only its own group's commits; a missing commit is still reported
// by chunk.
func TestLevelZeroReadsOnlyWhatItNeeds(t *testing.T) {
	var text strings.Builder
	for i := range 600 {
		fmt.Fprintf(&text, "w%d x%d\n", i%13, i%7)
	}
	h := newHandler(t)
	rc := &readCounter{Ledger: h.Ledger}
	h.Ledger = rc
	h.FanIn = 4
	ctx := context.Background()
	p, chunks := planned(t, h, text.String(), 128)
	if len(chunks) < 20 {
		t.Fatalf("%d chunks: want at least 20", len(chunks))
	}
	for _, c := range chunks[:len(chunks)-1] {
		if _, err := h.Map(ctx, mapInput(p, c)); err != nil {
			t.Fatal(err)
		}
	}
	step := func(s string, group int) pipeline.GatherInput {
		return pipeline.GatherInput{Step: s, JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Chunks: p.Chunks, FanIn: 4, Group: group, Partitions: 1}
	}
	_, err := h.Gather(ctx, step(pipeline.StepPlan, 0))
	var inc *pipeline.IncompleteJobError
	if !errors.As(err, &inc) || len(inc.Missing) != 1 || inc.Missing[0] != len(chunks)-1 {
		t.Fatalf("plan with the last chunk uncommitted: %v, want IncompleteJobError naming chunk %d", err, len(chunks)-1)
	}
	rc.read()
	if _, err := h.Map(ctx, mapInput(p, chunks[len(chunks)-1])); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Gather(ctx, step(pipeline.StepPlan, 0)); err != nil {
		t.Fatal(err)
	}
	if n := rc.read(); n != 0 {
		t.Errorf("the first PlanLevel of a complete job read %d commits, want 0 (a count)", n)
	}
	group := 2
	if _, err := h.Gather(ctx, step(pipeline.StepMerge, group)); err != nil {
		t.Fatal(err)
	}
	if n := rc.read(); n != 4 {
		t.Errorf("a level-0 merge of %d partials read %d commits, want its group's 4", len(chunks), n)
	}
}
