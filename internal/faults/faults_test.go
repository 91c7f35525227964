package faults_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
)

func fired(t *testing.T, spec string, seed uint64) string {
	t.Helper()
	s, err := faults.Parse(spec, seed)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range 200 {
		for _, name := range []string{"mapper.crash.before-write", "ledger.throttle"} {
			if s.Fire(name, fmt.Sprintf("key-%d", i%17)) {
				b.WriteString("1")
			} else {
				b.WriteString("0")
			}
		}
	}
	return b.String()
}

// TestSameSeedReplays: a seed fixes every decision; another seed makes others.
func TestSameSeedReplays(t *testing.T) {
	spec := "mapper.crash.before-write=0.3,ledger.throttle=0.5"
	a, b, c := fired(t, spec, 7), fired(t, spec, 7), fired(t, spec, 8)
	if a != b {
		t.Fatal("the same seed made different faults")
	}
	if a == c {
		t.Fatal("seeds 7 and 8 made the same faults")
	}
	ones := strings.Count(a, "1")
	if ones < 100 || ones > 220 { // expected 0.3*200 + 0.5*200 = 160
		t.Fatalf("%d of 400 opportunities fired, want about 160", ones)
	}
}

func TestParseRejects(t *testing.T) {
	for spec, want := range map[string]string{
		"mapper.crash=0.5":        "mapper.crash",
		"mapper.slow=2":           "mapper.slow",
		"mapper.slow":             "mapper.slow",
		"blob.timeout=-0.1":       "blob.timeout",
		"ledger.throttle=abc":     "ledger.throttle",
		"ledger.throttle=0.1,x=1": `"x"`,
		"ledger.throttle=0.1,,":   "empty item",
	} {
		_, err := faults.Parse(spec, 1)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error naming %q", spec, err, want)
		}
	}
	if s, err := faults.Parse("", 1); err != nil || s.Fire("mapper.slow", "k") {
		t.Fatalf("an empty spec: %v, or it fired", err)
	}
}

// TestTransientFaultsAreRetried: throttles, slowdowns and timeouts at a high
// rate cost retries, not failures, and every write lands exactly once.
func TestTransientFaultsAreRetried(t *testing.T) {
	ctx := context.Background()
	set, err := faults.Parse("blob.slowdown=0.3,blob.timeout=0.3,ledger.throttle=0.3,ledger.timeout=0.3", 42)
	if err != nil {
		t.Fatal(err)
	}
	store := faults.Store{Store: blob.NewFS(t.TempDir()), F: set}
	lg := ledgertest.OpenBolt(t)
	led := faults.Ledger{Ledger: lg, F: set}
	if _, err := led.Open(ctx, ledger.Job{ID: "job-1", Name: "wordcount", Chunks: 50}); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		key := fmt.Sprintf("k/%02d", i)
		if err := store.Put(ctx, key, strings.NewReader(key)); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		rc, err := store.Open(ctx, key, 0, -1)
		if err != nil {
			t.Fatalf("open %s: %v", key, err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != key {
			t.Fatalf("read %q from %s", got, key)
		}
		c := ledger.Commit{JobID: "job-1", Chunk: i, Attempt: "a1", Partial: key}
		winner, _, err := led.Commit(ctx, c)
		if err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		if winner.Attempt != "a1" {
			t.Fatalf("commit %d: winner %q", i, winner.Attempt)
		}
	}
	commits, err := lg.Chunks(ctx, "job-1")
	if err != nil || len(commits) != 50 {
		t.Fatalf("%d commits (%v), want 50", len(commits), err)
	}
	f := set.Fired()
	for _, name := range []string{"blob.slowdown", "blob.timeout", "ledger.throttle", "ledger.timeout"} {
		if f[name] == 0 {
			t.Errorf("%s never fired; the test proves nothing about it", name)
		}
	}
}

// TestPersistentFaultSurfaces: a fault that fires every time reaches the caller
// after the retries, naming the fault.
func TestPersistentFaultSurfaces(t *testing.T) {
	set, err := faults.Parse("blob.slowdown=1", 1)
	if err != nil {
		t.Fatal(err)
	}
	store := faults.Store{Store: blob.NewFS(t.TempDir()), F: set}
	err = store.Put(context.Background(), "k", strings.NewReader("x"))
	if err == nil || !strings.Contains(err.Error(), "blob.slowdown") || !strings.Contains(err.Error(), "attempts") {
		t.Fatalf("err = %v, want the slowdown after the retries", err)
	}
	if got := set.Fired()["blob.slowdown"]; got != faults.MaxAttempts {
		t.Fatalf("fired %d times, want %d", got, faults.MaxAttempts)
	}
}

// TestSlowWaitGates: under WithSlowWait a slow fault that fires waits by the
// given wait, not SlowDelay: it returns when the gate opens, and with ctx's
// error when the attempt's context ends first; one that does not fire never
// reaches the gate.
func TestSlowWaitGates(t *testing.T) {
	set, err := faults.Parse("mapper.slow=1", 1)
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	var keys []string
	wait := func(ctx context.Context, key string) error {
		keys = append(keys, key)
		select {
		case <-gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ctx, cancel := context.WithCancel(faults.WithSlowWait(context.Background(), wait))
	cancel()
	if err := set.Sleep(ctx, "mapper.slow", "a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled attempt at a closed gate: %v, want context.Canceled", err)
	}
	close(gate)
	if err := set.Sleep(faults.WithSlowWait(context.Background(), wait), "mapper.slow", "b"); err != nil {
		t.Fatalf("an open gate: %v", err)
	}
	none, err := faults.Parse("mapper.slow=0", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := none.Sleep(faults.WithSlowWait(context.Background(), wait), "mapper.slow", "c"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "a,b" {
		t.Fatalf("the gate saw keys %q, want a,b (c did not fire)", keys)
	}
}
