package jobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/local/engine"
)

// Input is one input object of a case.
type Input struct {
	// Name is the object's file name (e.g. "visits.csv"); inputs are read in
	// the order given.
	Name string
	Data []byte
}

// Case is one run of a job over sample inputs.
type Case struct {
	// Name names the case in test output.
	Name string
	// Params are the job's parameters (without "strict").
	Params job.Params
	// Inputs are the case's input objects.
	Inputs []Input
	// Want, when not nil, is the output the job must produce.
	Want []byte
	// BadRecord, when set, names the first malformed record of the inputs,
	// as "NAME:OFFSET" (its input's name and byte offset; for a Parquet
	// input, the row's index in the file, or "NAME:ROW:ROWGROUP" to name its
	// row group too): with --strict the job must fail naming it ("at byte
	// OFFSET", or "at row ROW (row group ROWGROUP)"). Without it, the inputs
	// must be clean: with --strict the job must succeed with the same output.
	BadRecord string
}

// Check runs each case through the local engine, the same handlers and
// state machine definition as on AWS, and fails t when the job:
//   - gives an output that depends on the chunk boundaries or sizes (one
//     chunk per input, then smaller and smaller chunks, down to a few
//     records each);
//   - gives an output that depends on how partials are grouped when merged
//     (the gather tree at fan-ins 2 and 3 against one flat merge): a
//     non-associative Merge or Combine;
//   - is changed by duplicated, crashed and retried mappers and reducers
//     (the framework's faults, seeded);
//   - does not match Want, when the case gives one;
//   - does not fail on BadRecord under --strict, naming its input and offset
//     (or fails under --strict on clean inputs).
//
// def is registered if no job of its name is.
func Check(t *testing.T, def job.Definition, cases ...Case) {
	t.Helper()
	if _, ok := job.Lookup(def.Name); !ok {
		job.Register(def)
	}
	for i, c := range cases {
		name := c.Name
		if name == "" {
			name = "case" + strconv.Itoa(i)
		}
		t.Run(name, func(t *testing.T) {
			if err := Verify(t.TempDir(), def.Name, c); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Verify is Check for one case of the registered job name, working in dir
// (which it fills): it returns the first failed check.
func Verify(dir, name string, c Case) error {
	var inputs []string
	var total int64
	for _, in := range c.Inputs {
		p := filepath.Join(dir, "in", in.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, in.Data, 0o644); err != nil {
			return err
		}
		inputs = append(inputs, p)
		total += int64(len(in.Data))
	}
	r := &runner{dir: dir, job: name, params: c.Params, inputs: inputs}
	whole := max(total, 1)
	want, err := r.run(whole, 0, "")
	if err != nil {
		return fmt.Errorf("%s on whole inputs: %w", name, err)
	}
	if c.Want != nil && !bytes.Equal(want, c.Want) {
		return fmt.Errorf("%s: output\n%s\nwant\n%s", name, clip(want), clip(c.Want))
	}
	// Smaller chunks (at most about 300, so the check stays fast), gathered in
	// trees of fan-in 3 and 2 against the flat merge above.
	for _, run := range []struct {
		size  int64
		fanIn int
	}{{whole/2 + 1, 3}, {whole/7 + 1, 2}, {max(whole/300, 1), 2}} {
		what := fmt.Sprintf("chunk size %d, fan-in %d", run.size, run.fanIn)
		got, err := r.run(run.size, run.fanIn, "")
		if err != nil {
			return fmt.Errorf("%s with %s: %w", name, what, err)
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("%s with %s: output differs from one chunk per input: the output depends on chunk boundaries or on how partials are merged (a Merge or Combine that is not associative?)\ngot\n%s\nwant\n%s", name, what, clip(got), clip(want))
		}
	}
	chaos := "mapper.duplicate=0.5,mapper.crash.before-commit=0.2,mapper.crash.after-commit=0.2,reducer.crash.before-write=0.3"
	got, err := r.run(max(whole/20, 1), 2, chaos)
	if err != nil {
		return fmt.Errorf("%s with duplicated and crashed attempts: %w", name, err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s with duplicated and crashed attempts (%s): output differs\ngot\n%s\nwant\n%s", name, chaos, clip(got), clip(want))
	}
	r.strict = true
	got, err = r.run(max(whole/3, 1), 0, "")
	if c.BadRecord == "" {
		if err != nil {
			return fmt.Errorf("%s with --strict on inputs the case says are clean: %w", name, err)
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("%s with --strict: output differs from without it", name)
		}
		return nil
	}
	wantMsg := c.badRecordMessage()
	if err == nil || !strings.Contains(err.Error(), wantMsg) {
		return fmt.Errorf("%s with --strict: error %v, want one naming the malformed record %q", name, err, wantMsg)
	}
	return nil
}

// badRecordMessage is what a --strict failure on the case's BadRecord must
// say: "NAME at byte OFFSET", or for a Parquet input "NAME at row ROW (row
// group G" (the group only when BadRecord names it).
func (c Case) badRecordMessage() string {
	src, off, _ := strings.Cut(c.BadRecord, ":")
	parquet := strings.HasSuffix(strings.ToLower(src), ".parquet")
	for _, in := range c.Inputs {
		if in.Name == src && bytes.HasPrefix(in.Data, []byte("PAR1")) {
			parquet = true
		}
	}
	if !parquet {
		return fmt.Sprintf("%s at byte %s", src, off)
	}
	row, group, ok := strings.Cut(off, ":")
	if !ok {
		return fmt.Sprintf("%s at row %s (row group ", src, row)
	}
	return fmt.Sprintf("%s at row %s (row group %s)", src, row, group)
}

// runner runs one case's job on the local engine.
type runner struct {
	dir    string
	job    string
	params job.Params
	inputs []string
	strict bool
	n      int
}

func (r *runner) run(chunkSize int64, fanIn int, chaos string) ([]byte, error) {
	r.n++
	ctx := context.Background()
	var fs *faults.Set
	if chaos != "" {
		var err error
		if fs, err = faults.Parse(chaos, uint64(r.n)); err != nil {
			return nil, err
		}
	}
	state := filepath.Join(r.dir, "state", strconv.Itoa(r.n))
	local, err := engine.Open(ctx, state, engine.Options{Faults: fs})
	if err != nil {
		return nil, err
	}
	defer local.Close()
	local.Handler.FanIn = fanIn
	params := job.Params{}
	for k, v := range r.params {
		params[k] = v
	}
	if r.strict {
		params[job.StrictParam] = "true"
	}
	out := filepath.Join(r.dir, "out", strconv.Itoa(r.n))
	eng := &engine.Engine{Handler: local.Handler, MaxParallel: 4, NoBackups: true, Sleep: func(context.Context, time.Duration) error { return nil }}
	if _, err := eng.Run(ctx, pipeline.PlanInput{Job: r.job, Params: params, Inputs: r.inputs, Output: out, ChunkSize: chunkSize, MaxConcurrency: 4}); err != nil {
		var je *engine.JobError
		if errors.As(err, &je) {
			return nil, je.Err
		}
		return nil, err
	}
	return os.ReadFile(out)
}

// clip shortens an output for a failure message.
func clip(b []byte) string {
	const limit = 2000
	if len(b) > limit {
		return string(b[:limit]) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return string(b)
}
