package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
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
				ctx := context.Background()
				p, err := h.Plan(ctx, pipeline.PlanInput{Job: c.job, Params: c.p, Inputs: []string{in}, Output: filepath.Join(t.TempDir(), "out"), ChunkSize: 256})
				if err != nil {
					t.Fatal(err)
				}
				chunks := readManifest(t, h, p)
				for _, ch := range chunks {
					if _, err := h.Map(ctx, mapInput(p, ch)); err != nil {
						t.Fatal(err)
					}
				}
				res, err := h.Gather(ctx, pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Output: p.Output, Chunks: p.Chunks})
				if err != nil {
					t.Fatalf("fan-in %d: %v", fanIn, err)
				}
				got, err := os.ReadFile(res.Output)
				if err != nil {
					t.Fatal(err)
				}
				outputs = append(outputs, got)
				var sum pipeline.Summary
				if b, err := os.ReadFile(res.Summary); err != nil || json.Unmarshal(b, &sum) != nil {
					t.Fatalf("summary %s: %v", res.Summary, err)
				}
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

// readManifest returns the chunks the splitter wrote for p.
func readManifest(t *testing.T, h *pipeline.Handler, p pipeline.PlanOutput) []plan.Chunk {
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
	if len(chunks) < 10 {
		t.Fatalf("%d chunks: want enough for several gather levels", len(chunks))
	}
	return chunks
}
