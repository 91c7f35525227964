package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/local/asl"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// TestCorruptPartialFailsAtOnce runs the state machine over a job whose first partial is
// damaged after its mapper committed it: the reducer's InputError fails the job at once,
// with no retry scheduled and no retry interval waited, and the job's error names the
// corrupt partial.
func TestCorruptPartialFailsAtOnce(t *testing.T) {
	ctx := context.Background()
	local, dir := enginetest.Open(t, engine.Options{})
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte(strings.Repeat("a b c\nd e\n", 40)), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var failed []string // the task failures, as error names
	retries, sleeps := 0, 0
	eng := &engine.Engine{
		Handler: local.Handler, MaxParallel: 2, NoBackups: true,
		Sleep: func(context.Context, time.Duration) error { mu.Lock(); sleeps++; mu.Unlock(); return nil },
		OnMapResult: func(r pipeline.MapResult) {
			if r.Chunk == 0 {
				if err := local.Store.Put(ctx, r.Partial, strings.NewReader("not a partial\n")); err != nil {
					t.Error(err)
				}
			}
		},
		OnEvent: func(ev asl.Event) {
			mu.Lock()
			defer mu.Unlock()
			switch ev.Type {
			case asl.EventTaskRetryScheduled:
				retries++
			case asl.EventTaskFailed:
				failed = append(failed, ev.Error.Name)
			}
		},
	}
	_, err := eng.Run(ctx, pipeline.PlanInput{Job: "wordcount", Inputs: []string{in}, Output: filepath.Join(dir, "out.tsv"), ChunkSize: 64})
	if err == nil || !strings.Contains(err.Error(), "corrupt partial") {
		t.Fatalf("run over a corrupt partial: %v, want a failure naming the corrupt partial", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if retries != 0 || sleeps != 0 {
		t.Errorf("%d retries scheduled, %d intervals waited; want none: an input error is not retried", retries, sleeps)
	}
	if len(failed) == 0 || failed[0] != "InputError" {
		t.Errorf("task failures %v, want the reducer's InputError first", failed)
	}
}
