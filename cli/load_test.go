package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// TestTwentyThousandChunkJob: one job of 20,000 chunks on the local engine gives the
// reference output with at most 2 ledger writes per chunk. Its Distributed Map's results
// (about 55 bytes a chunk, over 1 MB) go through the definition's ResultWriter; without
// it the engine, like AWS, would fail the Map with States.DataLimitExceeded.
func TestTwentyThousandChunkJob(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 20,000-chunk job takes about a minute")
	}
	var data bytes.Buffer
	if err := datagen.Text(&data, 2_000_000, 11); err != nil {
		t.Fatal(err)
	}
	in := testutil.WriteFile(t, t.TempDir(), "in.txt", data.Bytes())
	out := filepath.Join(t.TempDir(), "wc.tsv")
	local, _ := enginetest.Open(t, engine.Options{})
	eng := &engine.Engine{Handler: local.Handler}
	started := time.Now()
	res, err := eng.Run(context.Background(), pipeline.PlanInput{Job: "wordcount", Inputs: []string{in}, Output: out, ChunkSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Since(started)
	if res.Plan.Chunks < 20_000 {
		t.Fatalf("planned %d chunks, want at least 20,000", res.Plan.Chunks)
	}
	checkReference(t, fmt.Sprintf("the %d-chunk job", res.Plan.Chunks), out, "wordcount", jobs.Params{}, []reference.Input{{Source: in, Data: data.Bytes()}})
	perChunk := float64(local.Ledger.Writes()) / float64(res.Plan.Chunks)
	if perChunk > 2 {
		t.Fatalf("%d ledger writes for %d chunks: %.3f per chunk, want at most 2", local.Ledger.Writes(), res.Plan.Chunks, perChunk)
	}
	results, err := filepath.Glob(filepath.Join(local.StateDir, "work", "jobs", res.Plan.JobID, pipeline.MapResultsDir, "*", "SUCCEEDED_0.json"))
	if err != nil || len(results) != 1 {
		t.Fatalf("the Map's results file: %v, %v", results, err)
	}
	fmt.Printf("load: %d chunks in %v, %d ledger writes (%.4f per chunk)\n", res.Plan.Chunks, wall.Round(time.Millisecond), local.Ledger.Writes(), perChunk)
}

// TestConcurrentSubmissions: 100 concurrent submissions of 20 distinct jobs,
// every one submitted five times, end as exactly 20 succeeded jobs with the
// reference outputs.
func TestConcurrentSubmissions(t *testing.T) {
	const distinct, copies = 20, 5
	dir := t.TempDir()
	type sub struct {
		in   pipeline.PlanInput
		want []byte
	}
	subs := make([]sub, distinct)
	for i := range subs {
		var data bytes.Buffer
		if err := datagen.Text(&data, int64(20_000+i*1_000), uint64(i)); err != nil {
			t.Fatal(err)
		}
		in := testutil.WriteFile(t, dir, fmt.Sprintf("in-%02d.txt", i), data.Bytes())
		job, params := "wordcount", jobs.Params{}
		if i%2 == 1 {
			job, params = "grep", jobs.Params{"pattern": "^[a-m]"}
		}
		want := referenceAnswer(t, job, params, []reference.Input{{Source: in, Data: data.Bytes()}})
		subs[i] = sub{pipeline.PlanInput{Job: job, Params: params, Inputs: []string{in}, Output: filepath.Join(dir, fmt.Sprintf("out-%02d", i)), ChunkSize: 4096}, want}
	}
	local, _ := enginetest.Open(t, engine.Options{})
	ids := make([]string, distinct*copies)
	errs := make([]error, distinct*copies)
	testutil.Race(distinct*copies, func(n int) {
		eng := &engine.Engine{Handler: local.Handler, MaxParallel: 4}
		res, err := eng.Run(context.Background(), subs[n%distinct].in)
		ids[n], errs[n] = res.Plan.JobID, err
	})
	for n, err := range errs {
		if err != nil {
			t.Fatalf("submission %d: %v", n, err)
		}
		if ids[n] != ids[n%distinct] {
			t.Fatalf("submissions %d and %d of one spec made jobs %s and %s", n, n%distinct, ids[n], ids[n%distinct])
		}
	}
	all, err := local.Ledger.Jobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != distinct {
		t.Fatalf("the ledger holds %d jobs, want %d", len(all), distinct)
	}
	for _, j := range all {
		if j.Status != ledger.Succeeded {
			t.Errorf("job %s is %s", j.ID, j.Status)
		}
	}
	for i, s := range subs {
		if got, _ := os.ReadFile(s.in.Output); !bytes.Equal(got, s.want) {
			t.Errorf("spec %d (%s): output differs from the reference", i, s.in.Job)
		}
	}
}

// TestThirtyThousandSmallFiles: 30,000 small files in one directory run as one job at
// the default chunk size. The default would pack them all into one chunk; the plan bounds
// each manifest item, so every chunk, with the fields the definition's ItemSelector adds,
// fits a child execution's 256 KiB input.
func TestThirtyThousandSmallFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 30,000 files")
	}
	dir := filepath.Join(t.TempDir(), "logs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var inputs []reference.Input
	for i := range 30_000 {
		data := []byte(fmt.Sprintf("GET /index.html %d ok\nPOST /api/%d fail\n", i%13, i%7))
		path := testutil.WriteFile(t, dir, fmt.Sprintf("host-%03d-part-%06d.log", i%127, i), data)
		inputs = append(inputs, reference.Input{Source: path, Data: data})
	}
	out := filepath.Join(t.TempDir(), "wc.tsv")
	local, _ := enginetest.Open(t, engine.Options{})
	started := time.Now()
	res, err := (&engine.Engine{Handler: local.Handler}).Run(context.Background(), pipeline.PlanInput{Job: "wordcount", Inputs: []string{dir}, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Since(started)
	if res.Plan.Chunks < 2 {
		t.Fatalf("30,000 files made %d chunk(s)", res.Plan.Chunks)
	}
	raw := testutil.ReadFile(t, filepath.Join(local.StateDir, "work", "jobs", res.Plan.JobID, "manifest.json"))
	var chunks []json.RawMessage
	if err := json.Unmarshal(raw, &chunks); err != nil {
		t.Fatal(err)
	}
	for i, c := range chunks {
		item, _ := json.Marshal(map[string]any{"jobId": res.Plan.JobID, "job": res.Plan.Job, "params": res.Plan.Params, "work": res.Plan.Work, "timeoutSeconds": res.Plan.MapTimeoutSeconds, "chunk": c})
		if len(item) > 256<<10 {
			t.Fatalf("item %d of the Distributed Map is %d bytes, over a child execution's 256 KiB input", i, len(item))
		}
	}
	sort.Slice(inputs, func(i, j int) bool { return inputs[i].Source < inputs[j].Source })
	checkReference(t, "30,000 small files", out, "wordcount", jobs.Params{}, inputs)
	fmt.Printf("small files: 30,000 files in %d chunks in %v\n", res.Plan.Chunks, wall.Round(time.Millisecond))
}
