package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/api/apitest"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/local/localaws"
)

// remoteWorld points the remote commands at a Service over local stand-ins (the
// in-memory Step Functions, a bbolt ledger, filesystem buckets) instead of a stack.
type remoteWorld struct {
	svc  *api.Service
	sfn  *apitest.Executions
	lg   *ledger.Bolt
	opts *remoteOptions
}

func newRemoteWorld(t *testing.T) *remoteWorld {
	t.Helper()
	lg := ledgertest.OpenBolt(t)
	mux := blob.NewMux(nil)
	mux.Mount("in", blob.NewFS(t.TempDir()))
	mux.Mount("out", blob.NewFS(t.TempDir()))
	if err := mux.Put(context.Background(), "s3://in/data/a.txt", strings.NewReader("a b a\nc\nd e\nf\n")); err != nil {
		t.Fatal(err)
	}
	w := &remoteWorld{sfn: apitest.New(), lg: lg}
	w.svc = &api.Service{
		Config: api.Config{StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:sg", Table: "t",
			InputBucket: "in", OutputBucket: "out", WorkBucket: "out", DefaultChunkSize: 4, DefaultConcurrency: 2},
		Starter: w.sfn, Ledger: lg, Store: mux, Log: slog.New(slog.DiscardHandler),
	}
	saved := openRemote
	openRemote = func(ctx context.Context, o *remoteOptions) (*api.Service, error) {
		w.opts = o
		return w.svc, nil
	}
	t.Cleanup(func() { openRemote = saved })
	return w
}

func runRemote(cmd func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) error, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := cmd(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func rsubmit(ctx context.Context, args []string, o, e *bytes.Buffer) error {
	return cmdSubmit(ctx, args, o, e)
}
func rstatus(ctx context.Context, args []string, o, e *bytes.Buffer) error {
	return cmdStatus(ctx, args, o, e)
}
func rwait(ctx context.Context, args []string, o, e *bytes.Buffer) error {
	return cmdWait(ctx, args, o, e)
}

func TestSubmitStatusWait(t *testing.T) {
	w := newRemoteWorld(t)
	ctx := context.Background()

	out, errOut, err := runRemote(rsubmit, "--stack", "prod", "--job", "wordcount", "--input", "s3://in/data/a.txt")
	if err != nil {
		t.Fatalf("submit: %v (%s)", err, errOut)
	}
	id := strings.TrimSpace(out)
	if !strings.HasPrefix(id, "wordcount-") || !strings.Contains(errOut, "started") || w.opts.stack != "prod" {
		t.Fatalf("submit printed %q / %q (stack %q)", out, errOut, w.opts.stack)
	}
	execs := w.sfn.List()
	if len(execs) != 1 || execs[0].Name != id {
		t.Fatalf("executions %+v, want one named %s", execs, id)
	}

	t.Run("duplicate submit", func(t *testing.T) {
		out, errOut, err := runRemote(rsubmit, "--job", "wordcount", "--input", "s3://in/data/a.txt", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var sub api.Submission
		if err := json.Unmarshal([]byte(out), &sub); err != nil {
			t.Fatalf("--json printed %q: %v", out, err)
		}
		if sub.JobID != id || !sub.Duplicate || !strings.Contains(errOut, "already submitted") || len(w.sfn.List()) != 1 {
			t.Errorf("second submit: %+v %q, %d executions", sub, errOut, len(w.sfn.List()))
		}
	})

	t.Run("partitions and part files", func(t *testing.T) {
		out, errOut, err := runRemote(rsubmit, "--job", "wordcount", "--input", "s3://in/data/a.txt", "--partitions", "4", "--output-parts")
		if err != nil {
			t.Fatalf("submit: %v (%s)", err, errOut)
		}
		for _, x := range w.sfn.List() {
			if x.Name != strings.TrimSpace(out) {
				continue
			}
			var in pipeline.PlanInput
			if err := json.Unmarshal([]byte(x.Input), &in); err != nil || in.Partitions != 4 || !in.OutputParts {
				t.Fatalf("execution input %s (%v): want partitions 4 and part files", x.Input, err)
			}
			return
		}
		t.Fatalf("no execution named %q", out)
	})

	t.Run("bad submissions", func(t *testing.T) {
		for _, tc := range []struct {
			args  []string
			want  string
			usage bool
		}{
			{[]string{"--input", "s3://in/data/a.txt"}, "--job (or --sql) is required", true},
			{[]string{"--job", "wordcount"}, "at least one --input", true},
			{[]string{"--job", "nope", "--input", "s3://in/data/a.txt"}, `unknown job "nope"`, true},
			{[]string{"--job", "wordcount", "--input", "s3://in/data/a.txt", "--chunk-size", "big"}, "--chunk-size", true},
			{[]string{"--job", "wordcount", "--input", "s3://in/data/a.txt", "--pattern", "x"}, "--pattern does not apply", true},
			{[]string{"--job", "wordcount", "--input", "s3://in/data/a.txt", "--partitions", "-1"}, "--partitions -1", true},
			{[]string{"--job", "grep", "--pattern", "x", "--input", "s3://in/data/a.txt", "--partitions", "2"}, "cannot be gathered by key ranges", false},
			{[]string{"--job", "wordcount", "--input", "./local.txt"}, "want an s3://", false},
			{[]string{"--job", "wordcount", "--input", "s3://in/data/a.txt", "--output", "s3://in/incoming/x"}, "incoming/", false},
		} {
			_, _, err := runRemote(rsubmit, tc.args...)
			var u usageError
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.As(err, &u) != tc.usage {
				t.Errorf("submit %v: error %v, want one containing %q (usage error %v)", tc.args, err, tc.want, tc.usage)
			}
		}
		if n := len(w.sfn.List()); n != 2 {
			t.Errorf("bad submissions started executions: %d in all, want the 2 above", n)
		}
	})

	t.Run("status before planning", func(t *testing.T) {
		out, _, err := runRemote(rstatus, id)
		if err != nil || !strings.Contains(out, "RUNNING") || !strings.Contains(out, "0/0 chunks") {
			t.Errorf("status: %v\n%s", err, out)
		}
	})

	// The splitter plans the execution's input; one chunk gets committed.
	var in pipeline.PlanInput
	for _, x := range w.sfn.List() {
		if x.Name == id {
			if err := json.Unmarshal([]byte(x.Input), &in); err != nil {
				t.Fatal(err)
			}
		}
	}
	h := &pipeline.Handler{Store: w.svc.Store, Ledger: w.lg, WorkBucket: "out", TriggerBucket: "in", Log: slog.New(slog.DiscardHandler)}
	planned, err := h.Plan(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// The ledger names the job by the ID the splitter derived; status finds it from the submission's.
	if _, _, err := w.lg.Commit(ctx, ledger.Commit{JobID: planned.JobID, Chunk: 0, Attempt: "x", Partial: "s3://out/p"}); err != nil {
		t.Fatal(err)
	}

	t.Run("status with progress", func(t *testing.T) {
		out, _, err := runRemote(rstatus, "--json", id)
		if err != nil {
			t.Fatal(err)
		}
		var st api.Status
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("--json printed %q: %v", out, err)
		}
		if st.Chunks != planned.Chunks || st.Committed != 1 || st.Status != "RUNNING" || st.Output != in.Output {
			t.Errorf("status %+v", st)
		}
		if _, _, err := runRemote(rstatus, "wordcount-000000000000000000000000"); err == nil || !strings.Contains(err.Error(), "no job") {
			t.Errorf("status of an unknown job: %v", err)
		}
		if _, _, err := runRemote(rstatus); err == nil || !strings.Contains(err.Error(), "usage: scatter status JOBID") {
			t.Errorf("status without a job: %v", err)
		}
	})

	t.Run("wait times out while running", func(t *testing.T) {
		_, _, err := runRemote(rwait, id, "--interval", "10ms", "--timeout", "50ms")
		if err == nil || !strings.Contains(err.Error(), "still running") {
			t.Errorf("wait: %v", err)
		}
	})

	t.Run("wait for success", func(t *testing.T) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			time.Sleep(30 * time.Millisecond)
			w.lg.Finish(ctx, planned.JobID, ledger.Succeeded, in.Output, "")
		}()
		out, errOut, err := runRemote(rwait, "--interval", "10ms", "--json", id)
		<-done
		if err != nil {
			t.Fatalf("wait: %v", err)
		}
		var st api.Status
		if err := json.Unmarshal([]byte(out), &st); err != nil || st.Status != "SUCCEEDED" {
			t.Errorf("wait --json printed %q (%v)", out, err)
		}
		if !strings.Contains(errOut, "succeeded") || !strings.Contains(errOut, in.Output) {
			t.Errorf("wait's summary line: %q", errOut)
		}
	})
}

func TestWaitReportsFailure(t *testing.T) {
	w := newRemoteWorld(t)
	ctx := context.Background()
	if _, err := w.lg.Open(ctx, ledger.Job{ID: "grep-000000000000000000000001", Name: "grep", Chunks: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.lg.Finish(ctx, "grep-000000000000000000000001", ledger.Failed, "", "RecordError: malformed record in s3://in/x at byte 7"); err != nil {
		t.Fatal(err)
	}
	_, _, err := runRemote(rwait, "grep-000000000000000000000001", "--interval", "10ms")
	if err == nil || !strings.Contains(err.Error(), "failed") || !strings.Contains(err.Error(), "at byte 7") {
		t.Errorf("wait of a failed job: %v", err)
	}
}

func TestRemoteConfigSources(t *testing.T) {
	outs := []cftypes.Output{
		{OutputKey: aws.String("InputBucket"), OutputValue: aws.String("sg-input")},
		{OutputKey: aws.String("OutputBucket"), OutputValue: aws.String("sg-output")},
		{OutputKey: aws.String("WorkBucket"), OutputValue: aws.String("sg-output")},
		{OutputKey: aws.String("LedgerTable"), OutputValue: aws.String("sg-ledger")},
		{OutputKey: aws.String("StateMachineArn"), OutputValue: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:sg")},
		{OutputKey: aws.String("DefaultChunkSize"), OutputValue: aws.String("16MiB")},
		{OutputKey: aws.String("DefaultConcurrency"), OutputValue: aws.String("50")},
		{OutputKey: aws.String("ApiUrl"), OutputValue: aws.String("https://abc.execute-api.us-east-1.amazonaws.com")},
	}
	c, err := api.ConfigFromOutputs(stackOutputs(outs))
	if err != nil || c.InputBucket != "sg-input" || c.Table != "sg-ledger" || c.DefaultChunkSize != 16<<20 || c.DefaultConcurrency != 50 {
		t.Errorf("config from outputs: %+v %v", c, err)
	}
	if _, err := api.ConfigFromOutputs(stackOutputs(outs[1:])); err == nil || !strings.Contains(err.Error(), "InputBucket") {
		t.Errorf("missing output: %v", err)
	}

	env := map[string]string{
		envLocalMachine: "arn:aws:states:us-east-1:123456789012:stateMachine:ScatterGatherStateMachine",
		envLocalTable:   "scatter-ledgertable", envLocalInput: "scatter-inputbucket", envLocalOutput: "scatter-outputbucket",
	}
	local, err := localOutputs(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	c, err = api.ConfigFromOutputs(local)
	if err != nil || c.WorkBucket != "scatter-outputbucket" || c.DefaultChunkSize != 64<<20 || c.DefaultConcurrency != localaws.HostInstances {
		t.Errorf("config from scatter local up's variables: %+v %v", c, err)
	}
	_, err = localOutputs(func(string) string { return "" })
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "--stack is required") {
		t.Errorf("no stack and no variables: %v", err)
	}
}

func remoteFlagSet(o *remoteOptions) *flag.FlagSet {
	fs := newFlagSet("test", io.Discard)
	o.define(fs)
	return fs
}

func TestParseJobArgs(t *testing.T) {
	for _, args := range [][]string{{"j1", "--json"}, {"--json", "j1"}} {
		var o remoteOptions
		fs := remoteFlagSet(&o)
		id, err := parseJobArgs(fs, args, "x")
		if err != nil || id != "j1" || !o.jsonOut {
			t.Errorf("%v: id %q json %v err %v", args, id, o.jsonOut, err)
		}
	}
	for _, args := range [][]string{{}, {"--json"}, {"j1", "j2"}} {
		var o remoteOptions
		if _, err := parseJobArgs(remoteFlagSet(&o), args, "x"); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
