package pipeline_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	"github.com/scattergather/scattergather/internal/pipeline"
)

// BenchmarkMergeFanIn is one reducer merge of a full fan-in of wordcount
// partials (a StepMerge of the gather tree: 256 committed partials into one),
// on the local store. Its B/op is what the merge allocates: mostly the read
// buffers of the open partials (withPartials' and the runs readers'), which
// bound a reducer's memory whatever the partials' size. Run with -benchmem:
//
//	go test -run '^$' -bench BenchmarkMergeFanIn -benchmem ./internal/pipeline
func BenchmarkMergeFanIn(b *testing.B) {
	const fanIn = pipeline.DefaultFanIn
	ctx := context.Background()
	mux := blob.NewMux(nil)
	mux.Mount(work, blob.NewFS(b.TempDir()))
	h := &pipeline.Handler{Store: mux, Ledger: ledgertest.OpenBolt(b), WorkBucket: work, TriggerBucket: "in", FanIn: fanIn}
	var text strings.Builder
	for i := 0; text.Len() < 2*fanIn*512; i++ {
		fmt.Fprintf(&text, "w%d x%d the w%d\n", i%1000, i%7, i*7%3001)
	}
	p, err := h.Plan(ctx, pipeline.PlanInput{Job: "wordcount", Inputs: []string{writeInput(b, text.String())}, Output: filepath.Join(b.TempDir(), "out"), ChunkSize: 512})
	if err != nil {
		b.Fatal(err)
	}
	chunks := manifest(b, h, p)
	if len(chunks) <= fanIn {
		b.Fatalf("%d chunks: want more than the fan-in of %d", len(chunks), fanIn)
	}
	for _, ch := range chunks {
		if _, err := h.Map(ctx, mapInput(p, ch)); err != nil {
			b.Fatal(err)
		}
	}
	in0 := pipeline.GatherInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, Chunks: p.Chunks, FanIn: fanIn, Step: pipeline.StepMerge}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Gather(ctx, in0); err != nil {
			b.Fatal(err)
		}
	}
}
