package attempts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/report/attempts"
)

// TestListReadsWhatKeyEncodes: records written at Key come back from List in start order,
// with what the key encodes (phase, chunk, start, duration, memory, outcome, ID) from the
// LIST alone and the body's fields with detail; a key of another shape is passed over.
func TestListReadsWhatKeyEncodes(t *testing.T) {
	ctx := context.Background()
	mux := blob.NewMux(nil)
	mux.Mount("work", blob.NewFS(t.TempDir()))
	work := "s3://work/jobs/j1/"
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	recs := []attempts.Attempt{
		{JobID: "j1", Phase: attempts.PhaseGather, Chunk: -1, ID: "g1", MemoryMB: 2048, Start: t0.Add(3 * time.Second), End: t0.Add(4 * time.Second), Outcome: attempts.OutcomeOK},
		{JobID: "j1", Phase: attempts.PhaseMap, Chunk: 7, ID: "m7", MemoryMB: 1769, Start: t0.Add(time.Second), End: t0.Add(1500 * time.Millisecond), Outcome: attempts.OutcomeCommitted, RecordsIn: 42, Worker: "stream-1"},
		{JobID: "j1", Phase: attempts.PhasePlan, Chunk: -1, ID: "p1", MemoryMB: 512, Start: t0, End: t0.Add(200 * time.Millisecond), Outcome: attempts.OutcomeOK},
	}
	for _, a := range recs {
		body, _ := json.Marshal(a)
		if err := mux.Put(ctx, attempts.Key(work, a), bytes.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := mux.Put(ctx, attempts.Prefix(work)+"map/notachunk/1-2-3-ok-x.json", bytes.NewReader(nil)); err != nil {
		t.Fatal(err)
	}
	for _, detail := range []bool{false, true} {
		got, err := attempts.List(ctx, mux, work, detail)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("detail %v: %d records, want 3: %+v", detail, len(got), got)
		}
		for i, want := range []attempts.Attempt{recs[2], recs[1], recs[0]} {
			g := got[i]
			if g.Phase != want.Phase || g.Chunk != want.Chunk || g.ID != want.ID || g.MemoryMB != want.MemoryMB ||
				!g.Start.Equal(want.Start) || g.Duration() != want.Duration() || g.Outcome != want.Outcome {
				t.Errorf("detail %v: record %d = %+v, want %+v", detail, i, g, want)
			}
			if detail && (g.RecordsIn != want.RecordsIn || g.Worker != want.Worker || g.JobID != "j1") {
				t.Errorf("detail: record %d lost its body's fields: %+v", i, g)
			}
		}
	}
}

// TestSummarizePhases: attempts fold into one summary per phase, failures and duplicates
// counted, the span from the first start to the last end.
func TestSummarizePhases(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(phase, outcome string, from, to int) attempts.Attempt {
		return attempts.Attempt{Phase: phase, Outcome: outcome, Start: t0.Add(time.Duration(from) * time.Second), End: t0.Add(time.Duration(to) * time.Second)}
	}
	got := attempts.SummarizePhases([]attempts.Attempt{
		at(attempts.PhasePlan, attempts.OutcomeOK, 0, 1),
		at(attempts.PhaseMap, attempts.OutcomeFailed, 1, 2),
		at(attempts.PhaseMap, attempts.OutcomeCommitted, 2, 5),
		at(attempts.PhaseMap, attempts.OutcomeDuplicate, 3, 4),
	})
	m := got[attempts.PhaseMap]
	if m.Attempts != 3 || m.Failed != 1 || m.Duplicates != 1 || m.WallSeconds != 4 || m.BusySeconds != 5 {
		t.Errorf("map phase %+v: want 3 attempts, 1 failed, 1 duplicate, 4 s wall, 5 s busy", m)
	}
	if g := got[attempts.PhaseGather]; g.Attempts != 0 || g.WallSeconds != 0 {
		t.Errorf("gather phase without attempts: %+v", g)
	}
}
