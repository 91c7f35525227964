package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil"
)

const work = "scatter-work"

func newHandler(t *testing.T) *pipeline.Handler {
	t.Helper()
	lg := ledgertest.OpenBolt(t)
	mux := blob.NewMux(nil)
	mux.Mount(work, blob.NewFS(t.TempDir()))
	return &pipeline.Handler{Store: mux, Ledger: lg, WorkBucket: work, TriggerBucket: "in"}
}

func writeInput(t testing.TB, data string) string {
	t.Helper()
	p := testutil.WriteFile(t, t.TempDir(), "in.txt", []byte(data))
	return p
}

func planned(t *testing.T, h *pipeline.Handler, data string, chunk int64) (pipeline.PlanOutput, []plan.Chunk) {
	t.Helper()
	in := writeInput(t, data)
	out, err := h.Plan(context.Background(), pipeline.PlanInput{Job: "wordcount", Inputs: []string{in}, Output: filepath.Join(t.TempDir(), "out.tsv"), ChunkSize: chunk})
	if err != nil {
		t.Fatal(err)
	}
	return out, manifest(t, h, out) // the chunks the splitter wrote
}

// mappedFirst plans data on h in chunks of chunk bytes (at least 2 of them),
// maps every chunk, and returns the plan and the first chunk's result.
func mappedFirst(t *testing.T, h *pipeline.Handler, data string, chunk int64) (pipeline.PlanOutput, pipeline.MapResult) {
	t.Helper()
	p, chunks := planned(t, h, data, chunk)
	if len(chunks) < 2 {
		t.Fatalf("%d chunks, want at least 2", len(chunks))
	}
	var first pipeline.MapResult
	for i, c := range chunks {
		r, err := h.Map(context.Background(), mapInput(p, c))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = r
		}
	}
	return p, first
}

func mapInput(p pipeline.PlanOutput, c plan.Chunk) pipeline.MapInput {
	return pipeline.MapInput{JobID: p.JobID, Job: p.Job, Params: p.Params, JobVersion: p.JobVersion, Work: p.Work, Chunk: c}
}

// runJob plans in on h, maps every chunk in order, gathers them in one call, and
// returns the output and the summary.
func runJob(t *testing.T, h *pipeline.Handler, in pipeline.PlanInput) ([]byte, pipeline.Summary) {
	t.Helper()
	ctx := context.Background()
	p, err := h.Plan(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range manifest(t, h, p) {
		if _, err := h.Map(ctx, mapInput(p, ch)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := h.Gather(ctx, pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Output: p.Output, Chunks: p.Chunks})
	if err != nil {
		t.Fatalf("gather %s at fan-in %d: %v", p.JobID, h.FanIn, err)
	}
	var sum pipeline.Summary
	if err := json.Unmarshal(readAll(t, h, res.Summary), &sum); err != nil {
		t.Fatalf("summary %s: %v", res.Summary, err)
	}
	return readAll(t, h, res.Output), sum
}

// TestDuplicateMappersCommitOnce: concurrent deliveries of one chunk commit
// once, and every delivery returns the one committed partial.
func TestDuplicateMappersCommitOnce(t *testing.T) {
	h := newHandler(t)
	p, chunks := planned(t, h, "a b c\na a\n", 1<<20)
	results := make([]pipeline.MapResult, 8)
	errs := make([]error, 8)
	testutil.Race(len(results), func(i int) {
		results[i], errs[i] = h.Map(context.Background(), mapInput(p, chunks[0]))
	})
	winners := 0
	for i, r := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if r.Partial != results[0].Partial {
			t.Fatalf("delivery %d returned partial %s, delivery 0 %s", i, r.Partial, results[0].Partial)
		}
		if !r.Duplicate {
			winners++
		}
	}
	if winners != 1 {
		t.Fatalf("%d deliveries claim the commit, want 1", winners)
	}
	// The losers' orphaned partials are deleted: one partial remains.
	left, err := h.Store.List(context.Background(), p.Work+"partials/")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 {
		t.Fatalf("%d partials left, want 1: %v", len(left), left)
	}
}

// TestGatherRefusesUncommitted: the reducer never writes an output while a
// chunk is uncommitted, and says which.
func TestGatherRefusesUncommitted(t *testing.T) {
	h := newHandler(t)
	p, chunks := planned(t, h, "one two\nthree four\nfive six\n", 8)
	if len(chunks) < 3 {
		t.Fatalf("want at least 3 chunks, got %d", len(chunks))
	}
	if _, err := h.Map(context.Background(), mapInput(p, chunks[0])); err != nil {
		t.Fatal(err)
	}
	g := pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Output: p.Output, Chunks: p.Chunks}
	_, err := h.Gather(context.Background(), g)
	var inc *pipeline.IncompleteJobError
	if !errors.As(err, &inc) || len(inc.Missing) != len(chunks)-1 || inc.Missing[0] != 1 {
		t.Fatalf("gather with missing chunks: %v", err)
	}
	if _, err := os.Stat(p.Output); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("an output was written while chunks were missing")
	}
	for _, c := range chunks[1:] {
		if _, err := h.Map(context.Background(), mapInput(p, c)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := h.Gather(context.Background(), g)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(res.Output)
	want := "five\t1\nfour\t1\none\t1\nsix\t1\nthree\t1\ntwo\t1\n"
	if string(got) != want {
		t.Fatalf("output %q, want %q", got, want)
	}
	j, err := h.Ledger.Job(context.Background(), p.JobID)
	if err != nil || j.Status != ledger.Succeeded || j.Output != p.Output {
		t.Fatalf("job after gather: %+v, %v", j, err)
	}
}

// TestTreeGather: with a fan-in of 2 the reducer merges in levels and the
// output is the same as a flat merge.
func TestTreeGather(t *testing.T) {
	data := strings.Repeat("x y z\nw x\n", 40)
	var outputs [][]byte
	for _, fanIn := range []int{2, 3, 1000} {
		h := newHandler(t)
		h.FanIn = fanIn
		p, chunks := planned(t, h, data, 16)
		for _, c := range chunks {
			if _, err := h.Map(context.Background(), mapInput(p, c)); err != nil {
				t.Fatal(err)
			}
		}
		res, err := h.Gather(context.Background(), pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Output: p.Output, Chunks: p.Chunks})
		if err != nil {
			t.Fatalf("fan-in %d: %v", fanIn, err)
		}
		got, _ := os.ReadFile(res.Output)
		outputs = append(outputs, got)
	}
	if string(outputs[0]) != "w\t40\nx\t80\ny\t40\nz\t40\n" || !bytes.Equal(outputs[0], outputs[1]) || !bytes.Equal(outputs[1], outputs[2]) {
		t.Fatalf("tree gather outputs differ: %q / %q / %q", outputs[0], outputs[1], outputs[2])
	}
}

// TestEventsValidated: every handler rejects a malformed event with an
// InputError that names what is wrong.
func TestEventsValidated(t *testing.T) {
	h := newHandler(t)
	in := writeInput(t, "a\n")
	ctx := context.Background()
	good := pipeline.MapInput{JobID: "j", Job: "wordcount", Work: "s3://scatter-work/jobs/j/", Chunk: plan.Chunk{Parts: []plan.Part{{URL: in, End: 2, Size: 2}}}}
	// planning, mapWith, gathering and querying make the cases' calls: a plan, a map of good
	// with one thing changed, a gather, a query.
	planning := func(in pipeline.PlanInput) func() error {
		return func() error { _, err := h.Plan(ctx, in); return err }
	}
	mapWith := func(change func(*pipeline.MapInput)) func() error {
		return func() error {
			bad := good
			change(&bad)
			_, err := h.Map(ctx, bad)
			return err
		}
	}
	gathering := func(in pipeline.GatherInput) func() error {
		return func() error { _, err := h.Gather(ctx, in); return err }
	}
	querying := func(in pipeline.QueryChunk) func() error {
		return func() error { _, err := h.Query(ctx, in); return err }
	}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"plan: unknown job", planning(pipeline.PlanInput{Job: "nope", Inputs: []string{in}, Output: "o"}), "unknown job"},
		{"plan: no inputs", planning(pipeline.PlanInput{Job: "wordcount", Output: "o"}), "no inputs"},
		{"plan: output in trigger prefix", planning(pipeline.PlanInput{Job: "wordcount", Inputs: []string{in}, Output: "s3://in/incoming/wordcount/x"}), "trigger prefix"},
		{"plan: key with ..", planning(pipeline.PlanInput{Job: "wordcount", Inputs: []string{"s3://b/a/../k"}, Output: "o"}), `".."`},
		{"plan: control character", planning(pipeline.PlanInput{Job: "wordcount", Inputs: []string{in}, Output: "o\x01"}), "control character"},
		{"plan: parameters too large for a child execution", planning(pipeline.PlanInput{Job: "grep", Params: map[string]string{"pattern": "a|" + strings.Repeat("b", 200<<10)}, Inputs: []string{in}, Output: "o"}), "256 KiB"},
		{"plan: over the chunk cap", func() error {
			h2 := *h
			h2.MaxChunks = 1
			_, err := h2.Plan(ctx, pipeline.PlanInput{Job: "wordcount", Inputs: []string{writeInput(t, "a\nb\nc\n")}, Output: "o", ChunkSize: 2})
			return err
		}, "over the cap"},
		{"map: no jobId", mapWith(func(bad *pipeline.MapInput) { bad.JobID = "" }), "no jobId"},
		{"map: no parts", mapWith(func(bad *pipeline.MapInput) { bad.Chunk.Parts = nil }), "no parts"},
		{"map: bad range", mapWith(func(bad *pipeline.MapInput) { bad.Chunk.Parts = []plan.Part{{URL: in, Start: 5, End: 2, Size: 2}} }), "bad range"},
		{"map: work not s3", mapWith(func(bad *pipeline.MapInput) { bad.Work = "/tmp/x" }), "work"},
		{"gather: no job", gathering(pipeline.GatherInput{JobID: "j", Work: "s3://scatter-work/jobs/j/", Output: "o"}), "no job"},
		{"gather: unknown job id", gathering(pipeline.GatherInput{JobID: "missing", Job: "wordcount", Work: "s3://scatter-work/jobs/j/", Output: "o"}), "no such job"},
		{"gather: fan-in over the file descriptors", gathering(pipeline.GatherInput{Step: pipeline.StepMerge, JobID: "j", Job: "wordcount", Work: "s3://scatter-work/jobs/j/", Chunks: 9000, FanIn: 4096}), "fanIn 4096"},
		{"gather: work not s3", gathering(pipeline.GatherInput{JobID: "j", Job: "wordcount", Work: "/tmp/w/", Output: "o"}), "is not an s3://bucket/prefix/ location"},
		{"query: no queryId", querying(pipeline.QueryChunk{Job: "wordcount", Chunk: good.Chunk}), "no queryId"},
		{"query: no job", querying(pipeline.QueryChunk{QueryID: "q", Chunk: good.Chunk}), "query q: event has no job"},
		{"query: work not a prefix", querying(pipeline.QueryChunk{QueryID: "q", Job: "wordcount", Work: "s3://b/p", Chunk: good.Chunk}), `work "s3://b/p"`},
		{"query: negative attempt", querying(pipeline.QueryChunk{QueryID: "q", Job: "wordcount", Attempt: -1, Chunk: good.Chunk}), "attempt -1"},
		{"record failure: redrive resuming nowhere", gathering(pipeline.GatherInput{JobID: "j", Failure: &pipeline.Failure{Error: "E"}, FailedAt: &pipeline.FailedAt{Resume: "Plan"}, RedriveCount: 1}), "failedAt.resume"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			var ie *pipeline.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want an InputError, got %T %v", err, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
			if pipeline.ErrorType(err) != "InputError" {
				t.Fatalf("error type %q, want InputError (what the state machine matches)", pipeline.ErrorType(err))
			}
		})
	}
}

// resendingLedger sends every commit twice, as an SDK retry does when the
// first request took effect but its answer was lost.
type resendingLedger struct{ ledger.Ledger }

func (l resendingLedger) Commit(ctx context.Context, c ledger.Commit) (ledger.Commit, bool, error) {
	if _, _, err := l.Ledger.Commit(ctx, c); err != nil {
		return ledger.Commit{}, false, err
	}
	return l.Ledger.Commit(ctx, c)
}

// TestLateAcknowledgedCommitKeepsPartial: a mapper whose retried commit meets its
// own first write keeps its partial, and the job gathers to the right answer.
func TestLateAcknowledgedCommitKeepsPartial(t *testing.T) {
	h := newHandler(t)
	h.Ledger = resendingLedger{h.Ledger}
	p, chunks := planned(t, h, "b a\na\n", 1<<20)
	r, err := h.Map(context.Background(), mapInput(p, chunks[0]))
	if err != nil {
		t.Fatal(err)
	}
	if r.Duplicate {
		t.Fatalf("the only delivery reports itself a duplicate: %+v", r)
	}
	g, err := h.Gather(context.Background(), pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Output: p.Output, Chunks: p.Chunks})
	if err != nil {
		t.Fatalf("gather after a late-acknowledged commit: %v", err)
	}
	got := testutil.ReadFile(t, g.Output)
	if string(got) != "a\t2\nb\t1\n" {
		t.Fatalf("output %q", got)
	}
}

// TestFailedJobNamesTheChunkError: a Distributed Map's failure says only that
// the threshold was passed; the job's recorded error names the failed chunk's
// source and byte offset.
func TestFailedJobNamesTheChunkError(t *testing.T) {
	h := newHandler(t)
	in := testutil.WriteFile(t, t.TempDir(), "bad.csv", []byte("a,b\n1,x\n2,\"open\n"))
	p, err := h.Plan(context.Background(), pipeline.PlanInput{Job: "select", Inputs: []string{in}, Output: filepath.Join(t.TempDir(), "out.csv"),
		Params: map[string]string{"where": "a > 0", "columns": "a", "strict": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Map(context.Background(), mapInput(p, manifest(t, h, p)[0]))
	var rec *pipeline.RecordError
	if !errors.As(err, &rec) {
		t.Fatalf("strict map of a malformed row: %v, want a RecordError", err)
	}
	_, err = h.Gather(context.Background(), pipeline.GatherInput{JobID: p.JobID, Failure: &pipeline.Failure{
		Error: "States.ExceedToleratedFailureThreshold", Cause: "The specified tolerated failure threshold was exceeded",
	}})
	var jf *pipeline.JobFailedError
	if !errors.As(err, &jf) || !strings.Contains(jf.Msg, "byte 8") {
		t.Fatalf("RecordFailure = %v, want a JobFailedError naming the chunk's error", err)
	}
	j, err := h.Ledger.Job(context.Background(), p.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != ledger.Failed || !strings.Contains(j.Error, in) || !strings.Contains(j.Error, "byte 8") || !strings.Contains(j.Error, "RecordError") {
		t.Fatalf("job %s %q: want FAILED naming %s and byte 8", j.Status, j.Error, in)
	}
}

// TestRecordFailureThenRedrive: RecordFailure records the job as FAILED and fails (so the
// execution fails at that Task); a retry of the same step records again; the same step
// run by a redrive of the execution (a higher redrive count) reopens the job and names
// the state to resume at.
func TestRecordFailureThenRedrive(t *testing.T) {
	h := newHandler(t)
	ctx := context.Background()
	p, _ := planned(t, h, "a b\n", 64)
	step := func(redrives int) (pipeline.GatherOutput, error) {
		return h.Gather(ctx, pipeline.GatherInput{JobID: p.JobID,
			Failure:  &pipeline.Failure{Error: "IncompleteJobError", Cause: `{"errorMessage":"2 of 3 chunks not committed","errorType":"IncompleteJobError"}`},
			FailedAt: &pipeline.FailedAt{Resume: pipeline.ResumeGather, RedriveCount: 0}, RedriveCount: redrives})
	}
	for range 2 { // the step, and a retry of it
		_, err := step(0)
		var jf *pipeline.JobFailedError
		if !errors.As(err, &jf) || pipeline.ErrorType(err) != "JobFailedError" || jf.Msg != "IncompleteJobError: 2 of 3 chunks not committed" {
			t.Fatalf("RecordFailure = %v (%T), want a JobFailedError with the recorded message", err, err)
		}
		j, _ := h.Ledger.Job(ctx, p.JobID)
		if j.Status != ledger.Failed || j.Error != jf.Msg || j.Runs != 1 {
			t.Fatalf("job %s %q runs %d after RecordFailure, want FAILED with the message, 1 run", j.Status, j.Error, j.Runs)
		}
	}
	out, err := step(1)
	if err != nil || out.Resume != pipeline.ResumeGather || out.Status != string(ledger.Running) {
		t.Fatalf("RecordFailure run by a redrive = %+v, %v; want the job reopened and resume at %s", out, err, pipeline.ResumeGather)
	}
	if j, _ := h.Ledger.Job(ctx, p.JobID); j.Status != ledger.Running || j.Runs != 2 || j.Error != "" {
		t.Fatalf("job %s %q runs %d after the redrive, want RUNNING, 2 runs, no error", j.Status, j.Error, j.Runs)
	}
}
