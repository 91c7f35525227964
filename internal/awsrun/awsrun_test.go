package awsrun_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
)

// TestHandler: a function's handler comes from its environment; a missing or
// malformed variable is an error naming it, and the endpoint a local AWS sets is
// AWS_ENDPOINT_URL.
func TestHandler(t *testing.T) {
	base := map[string]string{
		awsrun.EnvTable: "ledger", awsrun.EnvWorkBucket: "work", awsrun.EnvEndpoint: "http://127.0.0.1:1",
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
	}
	for _, c := range []struct {
		name string
		env  map[string]string
		want string // in the error; "" for none
	}{
		{"complete", map[string]string{awsrun.EnvFanIn: "64", awsrun.EnvDefaultChunkSize: "16MiB"}, ""},
		{"no table", map[string]string{awsrun.EnvTable: ""}, "environment variable TABLE_NAME is not set"},
		{"no work bucket", map[string]string{awsrun.EnvWorkBucket: ""}, "WORK_BUCKET"},
		{"bad fan-in", map[string]string{awsrun.EnvFanIn: "-2"}, `FAN_IN="-2": want a non-negative integer`},
		{"bad chunk size", map[string]string{awsrun.EnvDefaultChunkSize: "big"}, "DEFAULT_CHUNK_SIZE"},
		{"bad faults", map[string]string{"SCATTER_FAULTS": "mapper.nope=1"}, "mapper.nope"},
		{"express children", map[string]string{awsrun.EnvFanIn: "64", awsrun.EnvDefaultChunkSize: "16MiB", awsrun.EnvChildWorkflowType: "EXPRESS"}, ""},
		{"bad child workflow type", map[string]string{awsrun.EnvChildWorkflowType: "express"}, `CHILD_WORKFLOW_TYPE="express": want STANDARD or EXPRESS`},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range base {
				t.Setenv(k, v)
			}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			h, err := awsrun.Handler(context.Background(), "mapper")
			switch {
			case c.want == "" && err != nil:
				t.Fatal(err)
			case c.want == "" && (h.FanIn != 64 || h.DefaultChunkSize != 16<<20 || h.WorkBucket != "work" || h.Log == nil || h.Store == nil || h.Ledger == nil || h.ChildType != c.env[awsrun.EnvChildWorkflowType]):
				t.Fatalf("handler %+v: want the environment's settings", h)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "mapper: ")):
				t.Fatalf("err %v: want one naming the function and %q", err, c.want)
			}
		})
	}
}

// TestLambdaRefusesLocalPaths: on Lambda a function reads and writes s3:// locations
// only; a local path is refused at once as an input error (the job fails, naming it),
// and nothing on the function's own filesystem is read or written.
func TestLambdaRefusesLocalPaths(t *testing.T) {
	for k, v := range map[string]string{
		awsrun.EnvTable: "ledger", awsrun.EnvWorkBucket: "work", awsrun.EnvEndpoint: "http://127.0.0.1:1",
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
	} {
		t.Setenv(k, v)
	}
	h, err := awsrun.Handler(context.Background(), "splitter")
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("local data\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = h.Plan(context.Background(), pipeline.PlanInput{Job: "wordcount", Inputs: []string{secret}, Output: "s3://out/results/x"})
	var ie *pipeline.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "s3://") {
		t.Fatalf("plan of a local input: %v, want an InputError naming it", err)
	}
	if _, err := h.Store.Open(context.Background(), secret, 0, -1); !errors.Is(err, blob.ErrLocalPath) {
		t.Errorf("open of a local path: %v, want ErrLocalPath", err)
	}
	out := filepath.Join(t.TempDir(), "written.txt")
	if err := h.Store.Put(context.Background(), out, strings.NewReader("x")); !errors.Is(err, blob.ErrLocalPath) || !blob.Permanent(err) {
		t.Errorf("put to a local path: %v, want a permanent ErrLocalPath", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the local path was written: %v", err)
	}
}

// TestHandlerMemory: in Lambda the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE)
// sets the combine budget and Go's memory limit; a malformed one is an init error naming it.
func TestHandlerMemory(t *testing.T) {
	for k, v := range map[string]string{
		awsrun.EnvTable: "ledger", awsrun.EnvWorkBucket: "work", awsrun.EnvEndpoint: "http://127.0.0.1:1",
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
		"GOMEMLIMIT": "",
	} {
		t.Setenv(k, v)
	}
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetMemoryLimit(before)
		jobs.SetMemory(jobs.DefaultMapperMemory, 1, false)
	})
	t.Setenv(awsrun.EnvMemorySize, "1769")
	if _, err := awsrun.Handler(context.Background(), "mapper"); err != nil {
		t.Fatal(err)
	}
	if got, want := debug.SetMemoryLimit(-1), jobs.MemoryLimit(1769<<20); got != want {
		t.Fatalf("memory limit %d, want %d (90%% of 1769 MiB)", got, want)
	}
	if got, want := jobs.CurrentCombineBudget(), jobs.CombineBudget(1769<<20); got != want || want < 700<<20 {
		t.Fatalf("combine budget %d, want %d (over 700 MiB)", got, want)
	}
	for _, bad := range []string{"big", "64"} {
		t.Setenv(awsrun.EnvMemorySize, bad)
		if _, err := awsrun.Handler(context.Background(), "mapper"); err == nil || !strings.Contains(err.Error(), awsrun.EnvMemorySize) {
			t.Fatalf("%s=%s: err %v, want one naming the variable", awsrun.EnvMemorySize, bad, err)
		}
	}
}
