package engine_test

import (
	"bytes"
	"context"
	"io"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scattergather/scattergather"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/local/asl"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// timeoutTemplate is a template whose mapper has a Timeout of 1 second; Globals and a
// parameter's default are evaluated as `scatter local up` evaluates them.
const timeoutTemplate = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  MapperMemory:
    Type: Number
    Default: 256
Globals:
  Function:
    Timeout: 300
    MemorySize: 512
Resources:
  SplitterFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
  MapperFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
      Timeout: 1
      MemorySize: !Ref MapperMemory
  ReducerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
      MemorySize: 2048
`

// TestFunctionsFromTheTemplate: the engine reads each function's Timeout and MemorySize
// with local up's evaluator (Globals under the function's own, a !Ref's default), and a
// template without one of its functions is an error naming it.
func TestFunctionsFromTheTemplate(t *testing.T) {
	fns, err := engine.Functions([]byte(timeoutTemplate))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]engine.Function{
		engine.SplitterFunction: {Timeout: 300 * time.Second, MemoryMB: 512},
		engine.MapperFunction:   {Timeout: time.Second, MemoryMB: 256},
		engine.ReducerFunction:  {Timeout: 300 * time.Second, MemoryMB: 2048},
	}
	for name, w := range want {
		if fns[name] != w {
			t.Errorf("%s: %+v, want %+v", name, fns[name], w)
		}
	}
	noMapper := strings.Replace(timeoutTemplate, "  MapperFunction:", "  OtherFunction:", 1)
	if _, err := engine.Functions([]byte(noMapper)); err == nil || !strings.Contains(err.Error(), "MapperFunction") {
		t.Errorf("a template without MapperFunction: %v, want an error naming it", err)
	}
	if _, err := engine.Functions(nil); err != nil {
		t.Errorf("the embedded template: %v", err)
	}
}

// TestEmbeddedFunctions checks the engine's written-out Functions of the
// embedded template.yaml against the template itself, parsed.
func TestEmbeddedFunctions(t *testing.T) {
	parsed, err := engine.Functions(scattergather.Template)
	if err != nil {
		t.Fatal(err)
	}
	written, err := engine.Functions(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(written, parsed) {
		t.Errorf("Functions(nil) = %+v, but template.yaml gives %+v: update embeddedFunctions in local/engine/functions.go", written, parsed)
	}
	// The map is the caller's: changing it changes no later answer.
	delete(written, engine.MapperFunction)
	again, err := engine.Functions(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(again, parsed) {
		t.Errorf("Functions(nil) after a caller changed its map = %+v, want %+v", again, parsed)
	}
}

// overrun is wordcount whose first mapper attempt to finish calls onBlock, then blocks
// until release is closed: it cannot see its context, as a handler stuck in a long
// computation cannot.
type overrun struct {
	job.Job
	blocked *atomic.Bool
	onBlock func()
	release chan struct{}
}

func (o overrun) NewMapper() job.Mapper {
	return overrunMapper{LineMapper: o.Job.NewMapper().(job.LineMapper), o: o}
}

type overrunMapper struct {
	job.LineMapper
	o overrun
}

func (m overrunMapper) Finish(w io.Writer) (job.Stats, error) {
	if m.o.blocked.CompareAndSwap(false, true) {
		m.o.onBlock()
		<-m.o.release
	}
	return m.LineMapper.Finish(w)
}

var overrunJob overrun // set by TestMapperPastItsTimeout

// timeouts decides when an invocation's Timeout passes, instead of the clock: on a
// loaded machine any attempt may take longer than the template's 1 second, and the tests
// want exactly one attempt past its Timeout. Every invocation's context runs until
// expire ends the latest mapper invocation's with context.DeadlineExceeded, as its
// Timeout would; with one map iteration at a time that is the attempt calling expire.
type timeouts struct {
	mu     sync.Mutex
	latest *deadline
}

func (ts *timeouts) install(e *engine.Engine) {
	engine.SetWithTimeout(e, func(parent context.Context, function string, _ time.Duration) (context.Context, context.CancelFunc) {
		d := &deadline{Context: parent, done: make(chan struct{})}
		stop := context.AfterFunc(parent, func() { d.end(parent.Err()) })
		if function == engine.MapperFunction {
			ts.mu.Lock()
			ts.latest = d
			ts.mu.Unlock()
		}
		return d, func() { stop(); d.end(context.Canceled) }
	})
}

// expire passes the Timeout of the latest mapper invocation.
func (ts *timeouts) expire() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.latest.end(context.DeadlineExceeded)
}

// deadline is a context that ends when its parent does, or when end is called.
type deadline struct {
	context.Context // the parent, for its values
	done            chan struct{}
	mu              sync.Mutex
	err             error
}

func (d *deadline) Done() <-chan struct{} { return d.done }

func (d *deadline) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

func (d *deadline) end(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == nil {
		d.err = err
		close(d.done)
	}
}

func init() {
	job.Register(job.Definition{Name: "overrun-test", Version: "1", Summary: "wordcount whose first attempt overruns",
		New: func(p job.Params) (job.Job, error) {
			wc, err := job.New("wordcount", p)
			o := overrunJob
			o.Job = wc
			return o, err
		}})
}

// TestMapperPastItsTimeout: a mapper attempt that runs past its function's Timeout in
// the template (1 s here) fails the way Lambda fails it, Sandbox.Timedout; the
// definition's Retry takes it, the retry commits the chunk, and the job gives
// wordcount's output. The abandoned attempt, released once the retry was scheduled,
// finds its context done: the ledger refuses its commit, and the chunk keeps the one
// commit. No wall-clock race: the attempt's Timeout passes when it blocks (timeouts),
// no other attempt's ever does, and the attempt stays blocked until the Timeout's
// failure is seen.
func TestMapperPastItsTimeout(t *testing.T) {
	fns, err := engine.Functions([]byte(timeoutTemplate))
	if err != nil {
		t.Fatal(err)
	}
	var ts timeouts
	overrunJob.blocked, overrunJob.release = new(atomic.Bool), make(chan struct{}) // each run of the test its own
	overrunJob.onBlock = ts.expire
	local, dir := enginetest.Open(t, engine.Options{})
	in := testutil.WriteFile(t, dir, "in.txt", bytes.Repeat([]byte("alpha beta gamma\ndelta alpha\n"), 40))
	var mu sync.Mutex
	var failed []*asl.Failure
	var abandoned []error
	released := sync.OnceFunc(func() { close(overrunJob.release) })
	// Only if the Timeout were not enforced: release the attempt when the test gives up.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	context.AfterFunc(ctx, released)
	eng := &engine.Engine{
		Handler: local.Handler, MaxParallel: 1, NoBackups: true, Functions: fns,
		Sleep: func(context.Context, time.Duration) error { return nil },
		OnEvent: func(ev asl.Event) {
			if ev.Type == asl.EventTaskFailed && ev.State == "MapChunk" {
				mu.Lock()
				failed = append(failed, ev.Error)
				mu.Unlock()
				released()
			}
		},
		OnAbandoned: func(function string, err error) {
			mu.Lock()
			defer mu.Unlock()
			if function != engine.MapperFunction {
				t.Errorf("abandoned %s, want only the mapper", function)
			}
			abandoned = append(abandoned, err)
		},
	}
	ts.install(eng)
	res, err := eng.Run(ctx, pipeline.PlanInput{Job: "overrun-test", Inputs: []string{in}, Output: filepath.Join(dir, "out.tsv"), ChunkSize: 256})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failed) != 1 || failed[0].Name != engine.ErrTimedOut || !strings.Contains(failed[0].Cause, "Task timed out after 1.00 seconds") {
		t.Fatalf("mapper failures %v, want one %s after 1.00 seconds", failed, engine.ErrTimedOut)
	}
	if eng.TimedOut() != 1 {
		t.Errorf("%d invocations timed out, want 1", eng.TimedOut())
	}
	// Run waited for the abandoned attempt, which could not commit.
	if len(abandoned) != 1 || abandoned[0] == nil || !strings.Contains(abandoned[0].Error(), "context deadline exceeded") {
		t.Errorf("abandoned attempts ended with %v, want one refused for its done context", abandoned)
	}
	commits, err := local.Ledger.Chunks(context.Background(), res.Plan.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if len(commits) != res.Plan.Chunks || res.Plan.Chunks < 2 {
		t.Errorf("%d commits for %d chunks", len(commits), res.Plan.Chunks)
	}
	ref, _ := enginetest.Open(t, engine.Options{})
	want, _ := enginetest.Run(t, ref, pipeline.PlanInput{Job: "wordcount", Inputs: []string{in}, Output: filepath.Join(dir, "ref.tsv"), ChunkSize: 256})
	if got := testutil.ReadFile(t, res.Gather.Output); !bytes.Equal(got, want) {
		t.Errorf("output %q, want wordcount's %q", got, want)
	}
}

// TestStuckHandlerDoesNotHangTheRun: a mapper attempt that never returns (it ignores
// its context, as a user's endless loop would) is abandoned at its Timeout, the retry
// completes the job, and Run returns once its grace for abandoned handlers has passed,
// reporting the handler as stuck, instead of waiting for it forever. The Timeout passes
// when the attempt blocks and for no other attempt (timeouts), whatever the machine's
// speed.
func TestStuckHandlerDoesNotHangTheRun(t *testing.T) {
	fns, err := engine.Functions([]byte(timeoutTemplate))
	if err != nil {
		t.Fatal(err)
	}
	var ts timeouts
	overrunJob.blocked, overrunJob.release = new(atomic.Bool), make(chan struct{})
	overrunJob.onBlock = ts.expire
	t.Cleanup(func() { close(overrunJob.release) }) // only once the test has its answer
	local, dir := enginetest.Open(t, engine.Options{})
	in := testutil.WriteFile(t, dir, "in.txt", bytes.Repeat([]byte("alpha beta\n"), 50))
	eng := &engine.Engine{
		Handler: local.Handler, MaxParallel: 1, NoBackups: true, Functions: fns,
		AbandonedGrace: 100 * time.Millisecond,
		Sleep:          func(context.Context, time.Duration) error { return nil },
	}
	ts.install(eng)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := eng.Run(ctx, pipeline.PlanInput{Job: "overrun-test", Inputs: []string{in}, Output: filepath.Join(dir, "out.tsv"), ChunkSize: 128})
	if err != nil {
		t.Fatal(err)
	}
	if !eng.Stuck() || eng.TimedOut() != 1 {
		t.Errorf("stuck %v, %d timed out: want the one blocked attempt stuck and timed out", eng.Stuck(), eng.TimedOut())
	}
	if got := string(testutil.ReadFile(t, res.Gather.Output)); got != "alpha\t50\nbeta\t50\n" {
		t.Errorf("output %q", got)
	}
}
