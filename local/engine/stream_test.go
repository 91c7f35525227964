package engine_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
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
	in := testutil.WriteFile(t, dir, "in.txt", []byte(strings.Repeat("a b c\nd e\n", 40)))
	var tasks taskLog
	eng := &engine.Engine{
		Handler: local.Handler, MaxParallel: 2, NoBackups: true, Sleep: tasks.sleep, OnEvent: tasks.onEvent,
		OnMapResult: func(r pipeline.MapResult) {
			if r.Chunk == 0 {
				if err := local.Store.Put(ctx, r.Partial, strings.NewReader("not a partial\n")); err != nil {
					t.Error(err)
				}
			}
		},
	}
	_, err := eng.Run(ctx, pipeline.PlanInput{Job: "wordcount", Inputs: []string{in}, Output: filepath.Join(dir, "out.tsv"), ChunkSize: 64})
	if err == nil || !strings.Contains(err.Error(), "corrupt partial") {
		t.Fatalf("run over a corrupt partial: %v, want a failure naming the corrupt partial", err)
	}
	tasks.wantInputErrorAtOnce(t)
}

// taskLog records, through an Engine's Sleep and OnEvent, the task retries scheduled, the
// retry intervals waited and the names of the task failures, in order.
type taskLog struct {
	mu              sync.Mutex
	retries, sleeps int
	failed          []string
}

func (l *taskLog) sleep(context.Context, time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sleeps++
	return nil
}

func (l *taskLog) onEvent(ev asl.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev.Type {
	case asl.EventTaskRetryScheduled:
		l.retries++
	case asl.EventTaskFailed:
		l.failed = append(l.failed, ev.Error.Name)
	}
}

// wantInputErrorAtOnce fails t unless the first task failure was an InputError and no
// retry was scheduled or waited: an error the input decides is not retried.
func (l *taskLog) wantInputErrorAtOnce(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.retries != 0 || l.sleeps != 0 {
		t.Errorf("%d retries scheduled, %d intervals waited (task failures %v); want none: the input decides this error", l.retries, l.sleeps, l.failed)
	}
	if len(l.failed) == 0 || l.failed[0] != "InputError" {
		t.Errorf("task failures %v, want an InputError first", l.failed)
	}
}
