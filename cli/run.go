package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	jobreport "github.com/scattergather/scattergather/internal/report"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/statemachine"
)

// runOptions are the flags every local-state subcommand shares.
type runOptions struct {
	stateDir    string
	endpoint    string
	region      string
	jsonOut     bool
	concurrency int
	faults      string
	faultSeed   uint64
	backups     bool
	cpuProfile  string
	fanIn       int
	retryScale  float64
	memoryMB    int
	children    string
	// fs is the flag set the options were defined on, for their environment defaults.
	fs *flag.FlagSet
}

func (o *runOptions) define(fs *flag.FlagSet) {
	fs.StringVar(&o.stateDir, "state-dir", engine.DefaultStateDir, "directory of the local work area and ledger")
	fs.StringVar(&o.endpoint, "endpoint", "", "URL of an S3-compatible server for s3:// locations")
	fs.StringVar(&o.region, "region", "", "AWS region for s3:// locations (default: the environment's, else us-east-1)")
	fs.BoolVar(&o.jsonOut, "json", false, "print the job summary as JSON on stdout")
	fs.IntVar(&o.concurrency, "concurrency", runtime.NumCPU(), "mappers running at once")
	fs.StringVar(&o.faults, "faults", "", "inject faults: NAME=P[,NAME=P...] ('scatter faults' lists them)")
	fs.Uint64Var(&o.faultSeed, "fault-seed", 1, "seed of the fault injection: the same seed replays the same faults")
	fs.BoolVar(&o.backups, "backups", true, "give a straggling mapper a backup attempt (first answer wins)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the job to `FILE` (read it with 'go tool pprof')")
	fs.IntVar(&o.fanIn, "fan-in", 0, fmt.Sprintf("partials one reducer merges, 2 to %d; a job with more gathers in a tree of merges (default $%s, else %d)", pipeline.MaxFanIn, envFanIn, pipeline.DefaultFanIn))
	fs.StringVar(&o.children, "children", plan.ChildStandard, "the Distributed Maps' child workflows: standard, or express (at-least-once, each ends after five minutes as on AWS; the template's ChildWorkflowType)")
	fs.Float64Var(&o.retryScale, "retry-scale", 1, "scale of the state machine's retry intervals: 0.01 makes a 1 s interval 10 ms, for chaos runs and demos (default $"+envRetryScale+", else 1)")
	fs.IntVar(&o.memoryMB, "memory", jobs.DefaultMapperMemory>>20, "each mapper's memory in MB (MiB), as a mapper function's: it sets the mappers' combine budget, and the process's Go memory limit is 90% of this times --concurrency (default $"+envMemory+")")
	o.fs = fs
}

// childExecutionType is the definition's ExecutionType of each --children
// value (the names scatter plan's --children takes).
var childExecutionType = map[string]string{plan.ChildStandard: statemachine.Standard, plan.ChildExpress: statemachine.Express}

// open opens the local state with the options' faults.
func (o *runOptions) open(ctx context.Context) (*engine.Local, *faults.Set, error) {
	if o.concurrency < 1 {
		return nil, nil, usageError{fmt.Sprintf("--concurrency %d: want at least 1", o.concurrency)}
	}
	if _, ok := childExecutionType[o.children]; !ok {
		return nil, nil, usageError{fmt.Sprintf("--children %q: want %s or %s", o.children, plan.ChildStandard, plan.ChildExpress)}
	}
	fs, err := parseFaults(o.faults, o.faultSeed)
	if err != nil {
		return nil, nil, err
	}
	if err := applyEnvDefaults(o.fs, os.Getenv); err != nil {
		return nil, nil, err
	}
	if o.fanIn != 0 && (o.fanIn < 2 || o.fanIn > pipeline.MaxFanIn) {
		return nil, nil, usageError{fmt.Sprintf("--fan-in %d: want 2 to %d", o.fanIn, pipeline.MaxFanIn)}
	}
	if o.retryScale < 0 {
		return nil, nil, usageError{fmt.Sprintf("--retry-scale %g: want a non-negative number", o.retryScale)}
	}
	if o.memoryMB < jobs.MinMapperMemory>>20 {
		return nil, nil, usageError{fmt.Sprintf("--memory %d: want at least %d (MB)", o.memoryMB, jobs.MinMapperMemory>>20)}
	}
	// The engine runs the functions of the embedded template.yaml; a mapper given
	// more memory here than its function has on AWS would hold more before it
	// spills, and a job could fit here and not there.
	fns, err := engine.Functions(nil)
	if err != nil {
		return nil, nil, err
	}
	if most := fns[engine.MapperFunction].MemoryMB; o.memoryMB > most {
		return nil, nil, usageError{fmt.Sprintf("--memory %d: more than the mapper function's MemorySize in template.yaml (%d MB; its MapperMemory parameter's default): a mapper may not have more memory here than on AWS", o.memoryMB, most)}
	}
	// The command owns its process and sets Go's memory limit; Run called
	// from a program (or a test) leaves the program's alone.
	jobs.SetMemory(int64(o.memoryMB)<<20, o.concurrency, ownProcess)
	local, err := engine.Open(ctx, o.stateDir, engine.Options{Endpoint: o.endpoint, Region: o.region, Faults: fs})
	if err != nil {
		return nil, nil, err
	}
	local.Handler.FanIn = o.fanIn
	return local, fs, nil
}

// envFanIn is the default of --fan-in: how many partials one reducer merges (the
// Lambdas' FAN_IN). Small values are for tests.
const envFanIn = "SCATTER_FAN_IN"

// envMemory is the default of --memory: each mapper's memory in MB.
const envMemory = "SCATTER_MEMORY"

// envRetryScale is the default of --retry-scale, which scales the definition's retry
// intervals on the local engine.
const envRetryScale = "SCATTER_RETRY_SCALE"

func scaledSleep(scale float64) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		t := time.NewTimer(time.Duration(float64(d) * scale))
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// execute runs one submission on the local engine and reports it.
func execute(ctx context.Context, o *runOptions, local *engine.Local, fs *faults.Set, in pipeline.PlanInput, stdout, stderr io.Writer) error {
	prog := newProgress(stderr)
	eng := &engine.Engine{Handler: local.Handler, MaxParallel: o.concurrency, OnEvent: prog.event, OnMapResult: prog.mapped, NoBackups: !o.backups, Children: childExecutionType[o.children]}
	local.Handler.ChildType = eng.Children // the limit the plan checks key ranges against
	if o.retryScale != 1 {
		eng.Sleep = scaledSleep(o.retryScale)
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	started := time.Now()
	res, err := eng.Run(ctx, in)
	prog.finish()
	if fs != nil {
		fmt.Fprintf(stderr, "scatter: faults injected: %s\n", fs)
	}
	if n := eng.TimedOut(); n > 0 {
		fmt.Fprintf(stderr, "scatter: %d invocations ran past their function's Timeout in template.yaml and failed with %s, as on Lambda\n", n, engine.ErrTimedOut)
	}
	if eng.Stuck() {
		fmt.Fprintf(stderr, "scatter: a handler abandoned at its Timeout still ran %s after the job ended (it does not look at its context); on Lambda its process would have been stopped\n", engine.DefaultAbandonedGrace)
	}
	if sent, won := eng.Backups(); sent > 0 {
		fmt.Fprintf(stderr, "scatter: backup attempts for stragglers: %d sent, %d answered first\n", sent, won)
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			id := "JOBID"
			if je := (*engine.JobError)(nil); errors.As(err, &je) {
				id = je.JobID
			}
			return fmt.Errorf("interrupted; job %s keeps its committed chunks in %s: finish it with 'scatter resume %s --state-dir %s'", id, o.stateDir, id, o.stateDir)
		}
		return err
	}
	return report(ctx, local, res, time.Since(started), o.jsonOut, stdout, stderr)
}

// cmdRun is `scatter run`: a job through the local engine (the state machine, ledger and
// handlers the stack runs), its summary on stderr and, with --json, on stdout.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, j := newLocalJob("scatter run", stderr, "an input: file, directory, s3://bucket/key, s3://bucket/prefix/ or a pattern of them (logs/2024-*.csv, s3://b/t/**/*.parquet; repeatable)",
		"where the result goes: a local path or s3://bucket/key")
	if err := j.sub.parse(fs, args); err != nil {
		return err
	}
	if *j.output == "" {
		return usageError{"--output is required"}
	}
	if err := j.gf.check(); err != nil {
		return err
	}
	_, err := j.run(ctx, fs, func(*engine.Local, jobs.Params) string { return *j.output }, stdout, stderr)
	return err
}

// run resolves the chunk size and the job's parameters, opens the local engine and runs the
// job into output's answer (given the engine and the parameters), its summary on summary;
// it returns where the output went.
func (j *localJob) run(ctx context.Context, fs *flag.FlagSet, output func(*engine.Local, jobs.Params) string, summary, stderr io.Writer) (string, error) {
	size, params, err := j.sub.sizeAndParams(fs, *j.chunkSize) // size 0: the default, balanced over the mappers
	if err != nil {
		return "", err
	}
	local, fset, err := j.opts.open(ctx)
	if err != nil {
		return "", err
	}
	defer local.Close()
	out := output(local, params)
	if !strings.Contains(out, "://") {
		if err := blob.RegularOrAbsent(out); err != nil {
			return "", usageError{fmt.Sprintf("--output %s: %v; the output is written beside it and renamed over it, with its summary beside it (%s): give a file's path", out, err, pipeline.SummaryLocation(out))}
		}
	}
	in := pipeline.PlanInput{Job: j.sub.job, Params: params, Inputs: j.sub.inputs, Output: out, ChunkSize: size, MaxConcurrency: j.opts.concurrency, Partitions: *j.gf.parts, OutputParts: *j.gf.outParts}
	return out, execute(ctx, &j.opts, local, fset, in, summary, stderr)
}

// report prints the one-line summary on stderr and, with --json, the summary object on stdout.
func report(ctx context.Context, local *engine.Local, res engine.Result, wall time.Duration, jsonOut bool, stdout, stderr io.Writer) error {
	var sum pipeline.Summary
	rc, err := local.Store.Open(ctx, res.Gather.Summary, 0, -1)
	if err != nil {
		return fmt.Errorf("read job summary %s: %w", res.Gather.Summary, err)
	}
	err = json.NewDecoder(rc).Decode(&sum)
	rc.Close()
	if err != nil {
		return fmt.Errorf("read job summary %s: %w", res.Gather.Summary, err)
	}
	mbps := float64(sum.BytesIn) / 1e6 / max(wall.Seconds(), 1e-9)
	reused := ""
	if res.Plan.Done {
		reused = " (already done; output reused)"
	}
	fmt.Fprintf(stderr, "scatter: %s %s%s: %d chunks, %.1f MB in %.2fs (%.1f MB/s), %d records in, %d out, %d skipped -> %s\n",
		sum.JobID, strings.ToLower(sum.Status), reused, sum.Chunks, float64(sum.BytesIn)/1e6, wall.Seconds(), mbps,
		sum.RecordsIn, sum.RecordsOut, sum.Skipped, sum.Output)
	if p := jobreport.ParquetScan(sum); p != "" {
		fmt.Fprintf(stderr, "scatter: parquet: %s\n", p)
	}
	for _, l := range jobreport.Skips(sum) {
		fmt.Fprintf(stderr, "scatter: %s\n", l)
	}
	if jsonOut {
		return writeJSON(stdout, struct {
			pipeline.Summary
			Reused bool    `json:"reused"`
			MBps   float64 `json:"mbPerSecond"`
		}{sum, res.Plan.Done, mbps})
	}
	return nil
}
