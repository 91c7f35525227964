package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/api/apitest"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/blob/blobtest"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/local/engine"
)

const (
	smARN     = "arn:aws:states:us-east-1:123456789012:stateMachine:sg"
	inBucket  = "sg-in"
	outBucket = "sg-out"
)

// env is a Service over real local stand-ins: the in-memory Step Functions, the bbolt
// ledger and filesystem buckets.
type env struct {
	svc     *api.Service
	exec    *apitest.Executions
	lg      *ledger.Bolt
	mux     *blob.Mux
	in, out *blob.FS
	reads   *countingStore // the input bucket as the Service sees it
	extra   *blob.FS       // an extra input bucket
}

// The callers of the tests' requests.
var (
	alice = api.Caller{UserARN: "arn:aws:iam::123456789012:user/alice", UserID: "AIDAALICE", AccountID: "123456789012"}
	bob   = api.Caller{UserARN: "arn:aws:sts::123456789012:assumed-role/analyst/bob", UserID: "AROAANALYST:bob", AccountID: "123456789012"}
	admin = api.Caller{UserARN: "arn:aws:sts::123456789012:assumed-role/ops/carol", UserID: "AROAOPS:carol", AccountID: "123456789012"}
)

// countingStore counts the reads (Stat, Open, List) of the real store it wraps.
type countingStore struct {
	blob.Store
	n atomic.Int64
}

func (c *countingStore) Stat(ctx context.Context, key string) (blob.Info, error) {
	c.n.Add(1)
	return c.Store.Stat(ctx, key)
}

func (c *countingStore) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	c.n.Add(1)
	return c.Store.Open(ctx, key, off, n)
}

func (c *countingStore) List(ctx context.Context, prefix string) ([]blob.Info, error) {
	c.n.Add(1)
	return c.Store.List(ctx, prefix)
}

// countOnly is a ledger whose reads of a job's commits fail: what may only count them.
type countOnly struct{ ledger.Ledger }

func (countOnly) Chunks(context.Context, string) ([]ledger.Commit, error) {
	return nil, errors.New("the commits were read, not counted")
}

func (countOnly) ChunkRange(context.Context, string, int, int) ([]ledger.Commit, error) {
	return nil, errors.New("the commits were read, not counted")
}

func newEnv(t *testing.T) *env {
	t.Helper()
	lg := ledgertest.OpenBolt(t)
	e := &env{exec: apitest.New(), lg: lg, mux: blob.NewMux(nil), in: blob.NewFS(t.TempDir()), out: blob.NewFS(t.TempDir()), extra: blob.NewFS(t.TempDir())}
	e.reads = &countingStore{Store: e.in}
	e.mux.Mount(inBucket, e.reads)
	e.mux.Mount(outBucket, e.out)
	e.mux.Mount("sg-lake", e.extra)
	e.mux.Mount("elsewhere", blob.NewFS(t.TempDir()))
	e.svc = &api.Service{
		Config: api.Config{
			StateMachineARN: smARN, Table: "ledger", InputBucket: inBucket, OutputBucket: outBucket, WorkBucket: outBucket,
			DefaultChunkSize: 64 << 20, DefaultConcurrency: 8, ExtraInputBuckets: []string{"sg-lake"},
			AdminPrincipals: []string{"arn:aws:iam::123456789012:role/ops"},
		},
		Starter: e.exec, Ledger: lg, Store: e.mux, Log: slog.New(slog.DiscardHandler),
	}
	return e
}

func put(t *testing.T, s blob.Store, key, data string) {
	t.Helper()
	if err := s.Put(context.Background(), key, strings.NewReader(data)); err != nil {
		t.Fatal(err)
	}
}

func (e *env) call(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	return e.callAs(t, &alice, method, path, body)
}

// callAs sends the request as API Gateway does for an IAM-authorized route signed by
// caller (nil: an unsigned request, which only a misconfigured route lets through).
func (e *env) callAs(t *testing.T, caller *api.Caller, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: path, Body: body}
	req.RequestContext.RequestID = "req-1"
	if caller != nil {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
			UserARN: caller.UserARN, UserID: caller.UserID, AccountID: caller.AccountID, CallerID: caller.UserID,
		}}
	}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.HTTP.Path = path
	switch {
	case path == "/jobs":
		req.RouteKey = method + " /jobs"
	case strings.HasPrefix(path, "/jobs/"):
		req.RouteKey = method + " /jobs/{id}"
		req.PathParameters = map[string]string{"id": strings.TrimPrefix(path, "/jobs/")}
	}
	raw, _ := json.Marshal(req)
	out, err := e.svc.Handle(context.Background(), raw)
	if err != nil {
		t.Fatalf("%s %s: handler error %v", method, path, err)
	}
	resp, ok := out.(events.APIGatewayV2HTTPResponse)
	if !ok {
		t.Fatalf("%s %s: answer is a %T, want an APIGatewayV2HTTPResponse", method, path, out)
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, resp.Body, err)
	}
	return resp.StatusCode, m
}

// seed writes the inputs the specs below name.
func (e *env) seed(t *testing.T) {
	put(t, e.in, "data/a.txt", "the quick brown fox\njumps over the lazy dog\n")
	put(t, e.in, "data/b.txt", "ERROR disk full\nok\nERROR again\n")
	put(t, e.in, "logs/app.log", "ERROR one\nINFO two\n")
	put(t, e.out, "results/old.tsv", "a\t1\n")
	put(t, e.in, "big.txt", strings.Repeat("x", 100_001))
	put(t, e.extra, "lake/part-0.txt", "from the lake\n")
}

func TestSubmitValidation(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	longKey := "s3://" + inBucket + "/" + strings.Repeat("k", 1100)
	cases := []struct {
		name   string
		body   string
		status int
		want   string // in the message (bad) or the output (good)
	}{
		{"wordcount one input", `{"job":"wordcount","input":"s3://sg-in/data/a.txt"}`, 202, "s3://sg-out/results/wordcount/wordcount-"},
		{"grep inputs array and flags", `{"job":"grep","input":["s3://sg-in/data/a.txt","s3://sg-in/data/b.txt"],"pattern":"ERROR","chunkSize":"1KiB","concurrency":4,"strict":true}`, 202, "s3://sg-out/results/grep/"},
		{"prefix input, explicit output", `{"job":"wordcount","input":"s3://sg-in/data/","output":"s3://sg-out/results/counts.tsv"}`, 202, "s3://sg-out/results/counts.tsv"},
		{"search k as a number", `{"job":"search","input":"s3://sg-in/logs/app.log","query":"error","k":3}`, 202, "s3://sg-out/results/search/"},
		{"a pattern input", `{"job":"wordcount","input":"s3://sg-in/data/*.txt"}`, 202, "s3://sg-out/results/wordcount/wordcount-"},
		{"sql over a pattern", `{"sql":"SELECT count(*) AS n FROM 's3://sg-in/**/*.txt'"}`, 202, "s3://sg-out/results/sql/sql-"},
		{"an extra input bucket", `{"job":"wordcount","input":"s3://sg-lake/lake/","output":"s3://sg-out/results/lake.tsv"}`, 202, "s3://sg-out/results/lake.tsv"},
		{"a missing input: the splitter says so", `{"job":"wordcount","input":"s3://sg-in/data/none.txt"}`, 202, "s3://sg-out/results/wordcount/"},
		{"an empty prefix: the splitter says so", `{"job":"wordcount","input":"s3://sg-in/nothing/"}`, 202, "s3://sg-out/results/wordcount/"},
		{"chunk size in bytes", `{"job":"wordcount","input":"s3://sg-in/logs/app.log","chunkSize":4096}`, 202, "s3://sg-out/results/wordcount/"},

		{"a delimiter and hive partitioning off", `{"job":"groupby","input":"s3://sg-in/data/","key":"k","agg":"count:*","delim":";","hive-partitioning":false}`, 202, "s3://sg-out/results/groupby/"},
		{"hive partitioning neither true nor false", `{"job":"groupby","input":"s3://sg-in/data/","key":"k","agg":"count:*","hive-partitioning":"maybe"}`, 400, "--hive-partitioning must be true or false"},
		{"sql, its input the FROM", `{"sql":"SELECT count(*) AS n FROM 's3://sg-in/data/'"}`, 202, "s3://sg-out/results/sql/sql-"},
		{"sql with an input given", `{"sql":"SELECT count(*) AS n FROM 's3://sg-in/data/'","input":"s3://sg-lake/lake/"}`, 202, "s3://sg-out/results/sql/"},
		{"sql ORDER BY by key ranges into part files", `{"sql":"SELECT a FROM 's3://sg-in/data/' ORDER BY a DESC","partitions":3,"outputParts":true}`, 202, "s3://sg-out/results/sql/sql-"},
		{"groupby by key ranges", `{"job":"groupby","input":"s3://sg-in/data/","key":"k","agg":"count:*","partitions":4}`, 202, "s3://sg-out/results/groupby/"},
		{"partitions on a job that is not keyed", `{"job":"grep","pattern":"a","input":"s3://sg-in/data/","partitions":3}`, 400, "its partials are not sorted runs"},
		{"part files of a sql query that is not a full sort", `{"sql":"SELECT a FROM 's3://sg-in/data/' ORDER BY a LIMIT 3","outputParts":true}`, 400, "cannot be gathered by key ranges"},
		{"partitions out of range", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","partitions":1001}`, 400, "want a whole number from 0 to 1000"},
		{"outputParts not a boolean", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","outputParts":"yes"}`, 400, "want true or false"},
		{"sql: a FROM outside the input buckets", `{"sql":"SELECT * FROM 's3://sg-out/jobs/x/manifest.json'"}`, 400, "inputs are read from the input bucket sg-in"},
		{"sql: a FROM outside, an input inside", `{"sql":"SELECT * FROM 's3://elsewhere/secret.csv'","input":"s3://sg-in/data/a.txt"}`, 400, `input "s3://elsewhere/secret.csv"`},
		{"sql: a parse error names its position", `{"sql":"SELECT a,, b FROM 's3://sg-in/data/'"}`, 400, "at column 10"},
		{"sql: unsupported", `{"sql":"SELECT a FROM 's3://sg-in/x.csv' JOIN y ON a = b"}`, 400, "column"},
		{"sql and another job", `{"sql":"SELECT a FROM 's3://sg-in/x.csv'","job":"grep"}`, 400, "does not go with job grep"},
		{"sql twice", `{"sql":"SELECT a FROM 's3://sg-in/x.csv'","job":"sql","query":"SELECT b FROM 's3://sg-in/x.csv'"}`, 400, "give the query once"},

		{"empty body", ``, 400, "request body is empty"},
		{"not JSON", `job=wordcount`, 400, "not a JSON object"},
		{"JSON array", `[{"job":"wordcount"}]`, 400, "not a JSON object"},
		{"JSON null", `null`, 400, "not a JSON object"},
		{"trailing data", `{"job":"wordcount","input":"s3://sg-in/data/a.txt"} {}`, 400, "unexpected data after"},
		{"body over 64 KiB", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","pattern":"` + strings.Repeat("a", 70_000) + `"}`, 413, "over the limit of 65536"},
		{"unknown field", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","colour":"red"}`, 400, `unknown field "colour"`},
		{"no job", `{"input":"s3://sg-in/data/a.txt"}`, 400, "no job given"},
		{"unknown job", `{"job":"frobnicate","input":"s3://sg-in/data/a.txt"}`, 400, `unknown job "frobnicate"`},
		{"job as a number", `{"job":7,"input":"s3://sg-in/data/a.txt"}`, 400, `field "job": want a string`},
		{"missing required flag", `{"job":"grep","input":"s3://sg-in/data/a.txt"}`, 400, "missing --pattern"},
		{"bad regular expression", `{"job":"grep","input":"s3://sg-in/data/a.txt","pattern":"("}`, 400, "grep"},
		{"flag of another job", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","pattern":"x"}`, 400, `"pattern" does not apply to job wordcount`},
		{"strict not a boolean", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","strict":"maybe"}`, 400, "want true or false"},
		{"flag as an object", `{"job":"grep","input":"s3://sg-in/data/a.txt","pattern":{"re":"x"}}`, 400, "want a string, number or boolean"},
		{"no input", `{"job":"wordcount"}`, 400, "no input given"},
		{"input an object", `{"job":"wordcount","input":{"s3":"x"}}`, 400, "want a string or an array of strings"},
		{"too many inputs", `{"job":"wordcount","input":[` + strings.Repeat(`"s3://sg-in/data/a.txt",`, 1000) + `"s3://sg-in/data/a.txt"]}`, 400, "over the limit of 1000"},
		{"local path input", `{"job":"wordcount","input":"/etc/passwd"}`, 400, "want an s3://bucket/key"},
		{"dot-dot in input key", `{"job":"wordcount","input":"s3://sg-in/data/../secret"}`, 400, `".." segment`},
		{"control character in input", `{"job":"wordcount","input":"s3://sg-in/data/a\u0001.txt"}`, 400, "control character 0x01"},
		{"input key over 1024 bytes", `{"job":"wordcount","input":"` + longKey + `"}`, 400, "over the limit of 1024"},
		{"input bucket only", `{"job":"wordcount","input":"s3://sg-in/"}`, 400, "name an object or a prefix"},
		{"input in the work area", `{"job":"wordcount","input":"s3://sg-out/jobs/x/manifest.json"}`, 400, "inputs are read from the input bucket sg-in and the extra input buckets sg-lake only"},
		{"a result as input", `{"job":"wordcount","input":"s3://sg-out/results/old.tsv","output":"s3://sg-out/results/new.tsv"}`, 400, "inputs are read from the input bucket"},
		{"input in another bucket", `{"job":"wordcount","input":"s3://elsewhere/secret.txt"}`, 400, "inputs are read from the input bucket"},
		{"output outside results/", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","output":"s3://sg-out/index.html"}`, 400, "outputs go under results/"},
		{"output under incoming/", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","output":"s3://sg-in/incoming/wordcount/x"}`, 400, "trigger prefix incoming/"},
		{"output in another bucket", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","output":"s3://elsewhere/x.tsv"}`, 400, "outputs go to the output bucket"},
		{"output a prefix", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","output":"s3://sg-out/results/"}`, 400, "not a prefix"},
		{"output in the work area", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","output":"s3://sg-out/jobs/x.tsv"}`, 400, "work area jobs/"},
		{"output a local path", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","output":"/tmp/out.tsv"}`, 400, "want an s3://sg-out/KEY"},
		{"output with dot-dot", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","output":"s3://sg-out/results/../x"}`, 400, `".." segment`},
		{"chunk size not a size", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","chunkSize":"lots"}`, 400, `size "lots"`},
		{"chunk size zero", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","chunkSize":0}`, 400, "want a positive number"},
		{"chunk size negative", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","chunkSize":-5}`, 400, "want a positive number"},
		{"concurrency zero", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","concurrency":0}`, 400, "want a whole number from 1 to 10000"},
		{"concurrency too high", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","concurrency":20000}`, 400, "want a whole number from 1 to 10000"},
		{"concurrency fractional", `{"job":"wordcount","input":"s3://sg-in/data/a.txt","concurrency":2.5}`, 400, "want a whole number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.exec.List())
			status, body := e.call(t, http.MethodPost, "/jobs", tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d (body %v)", status, tc.status, body)
			}
			after := len(e.exec.List())
			if tc.status >= 400 {
				msg, _ := body["message"].(string)
				if !strings.Contains(msg, tc.want) {
					t.Errorf("message %q does not contain %q", msg, tc.want)
				}
				if after != before {
					t.Errorf("a refused spec started %d executions", after-before)
				}
				return
			}
			if after != before+1 {
				t.Errorf("started %d executions, want 1", after-before)
			}
			id, _ := body["jobId"].(string)
			if out, _ := body["output"].(string); !strings.HasPrefix(out, tc.want) {
				t.Errorf("output %q, want it to start %q", out, tc.want)
			}
			if arn, _ := body["executionArn"].(string); arn != api.ExecutionARN(smARN, id) {
				t.Errorf("executionArn %q, want %q", arn, api.ExecutionARN(smARN, id))
			}
		})
	}
}

// TestSubmitPatternOutOfWorkArea: where the work bucket is also an input
// bucket, a pattern that may match a key in the work area jobs/ is refused
// as a key in it is, and one that cannot is accepted.
func TestSubmitPatternOutOfWorkArea(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	e.svc.ExtraInputBuckets = append(e.svc.ExtraInputBuckets, outBucket)
	for _, c := range []struct {
		input  string
		status int
	}{
		{"s3://sg-out/*/manifest.json", 400},
		{"s3://sg-out/j?bs/x", 400},
		{"s3://sg-out/jobs/*", 400},
		{"s3://sg-out/**", 400},
		{"s3://sg-out/results/*.tsv", 202},
		{"s3://sg-out/jobsx/*", 202},
	} {
		status, body := e.call(t, http.MethodPost, "/jobs", `{"job":"wordcount","input":"`+c.input+`","output":"s3://sg-out/results/x-`+fmt.Sprint(len(c.input))+`.tsv"}`)
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%v)", c.input, status, c.status, body)
		} else if msg, _ := body["message"].(string); status == 400 && !strings.Contains(msg, "work area jobs/") {
			t.Errorf("%s: %q does not name the work area", c.input, msg)
		}
	}
}

// execOf returns the execution named id.
func (e *env) execOf(t *testing.T, id string) (apitest.Execution, pipeline.PlanInput) {
	t.Helper()
	for _, x := range e.exec.List() {
		if x.Name == id {
			var in pipeline.PlanInput
			dec := json.NewDecoder(strings.NewReader(x.Input))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				t.Fatalf("execution input is not a PlanInput: %v", err)
			}
			return x, in
		}
	}
	t.Fatalf("no execution named %s", id)
	return apitest.Execution{}, pipeline.PlanInput{}
}

// splitter is the splitter function over the env's stores.
func (e *env) splitter() *pipeline.Handler {
	return &pipeline.Handler{Store: e.mux, Ledger: e.lg, WorkBucket: outBucket, TriggerBucket: inBucket, DefaultChunkSize: 1 << 30}
}

// TestSubmitReadsNoInputs: POST /jobs answers without reading an input (a large prefix
// would outlast API Gateway's 30 s); the execution input names the submitter and the
// submission, the splitter plans it and records the job it planned, and GET reports that
// job's progress under the submission's ID.
func TestSubmitReadsNoInputs(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	for _, body := range []string{
		`{"job":"wordcount","input":"s3://sg-in/data/"}`,
		`{"job":"grep","input":["s3://sg-in/data/b.txt","s3://sg-in/logs/app.log"],"pattern":"ERROR","chunkSize":16}`,
		`{"job":"search","input":"s3://sg-in/logs/app.log","query":"error","output":"s3://sg-out/results/s.tsv"}`,
	} {
		e.reads.n.Store(0)
		status, resp := e.call(t, http.MethodPost, "/jobs", body)
		if status != http.StatusAccepted {
			t.Fatalf("%s: status %d %v", body, status, resp)
		}
		if n := e.reads.n.Load(); n != 0 {
			t.Errorf("%s: the submission read the input bucket %d times, want none", body, n)
		}
		id := resp["jobId"].(string)
		_, in := e.execOf(t, id)
		if in.Submission != id || in.Owner != alice.UserARN || in.Output != resp["output"] {
			t.Errorf("execution input %+v: want submission %s, owner %s, output %v", in, id, alice.UserARN, resp["output"])
		}
		status, st := e.call(t, http.MethodGet, "/jobs/"+id, "")
		if status != http.StatusOK || st["status"] != "RUNNING" || st["ledgerJobId"] != nil {
			t.Errorf("before planning: %d %v, want RUNNING without a ledger job", status, st)
		}
		out, err := e.splitter().Plan(context.Background(), in)
		if err != nil {
			t.Fatalf("splitter refused the execution input: %v", err)
		}
		status, st = e.call(t, http.MethodGet, "/jobs/"+id, "")
		if status != http.StatusOK || st["ledgerJobId"] != out.JobID || int(st["chunks"].(float64)) != out.Chunks || st["output"] != out.Output {
			t.Errorf("after planning: %d %v, want ledger job %s of %d chunks", status, st, out.JobID, out.Chunks)
		}
	}
}

// TestInputErrorsShowInStatus: an input the API accepted without reading it, but which
// the splitter cannot plan, fails the job; GET says why, naming the input.
func TestInputErrorsShowInStatus(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	for body, want := range map[string]string{
		`{"job":"wordcount","input":"s3://sg-in/data/none.txt"}`:         "s3://sg-in/data/none.txt",
		`{"job":"wordcount","input":"s3://sg-in/nothing/"}`:              "no objects under this prefix",
		`{"job":"wordcount","input":"s3://sg-in/big.txt","chunkSize":1}`: "over the cap of 100000",
	} {
		status, resp := e.call(t, http.MethodPost, "/jobs", body)
		if status != http.StatusAccepted {
			t.Fatalf("%s: status %d %v", body, status, resp)
		}
		id := resp["jobId"].(string)
		x, in := e.execOf(t, id)
		_, err := e.splitter().Plan(context.Background(), in)
		var ie *pipeline.InputError
		if !errors.As(err, &ie) {
			t.Fatalf("%s: splitter error %v, want an InputError", body, err)
		}
		// The Plan state has no Catch: the execution fails with the function's error,
		// its cause the Lambda error payload.
		cause, _ := json.Marshal(map[string]string{"errorType": "InputError", "errorMessage": ie.Msg})
		if err := e.exec.Fail(x.ARN, "InputError", string(cause)); err != nil {
			t.Fatal(err)
		}
		status, st := e.call(t, http.MethodGet, "/jobs/"+id, "")
		msg, _ := st["error"].(string)
		if status != http.StatusOK || st["status"] != "FAILED" || !strings.Contains(msg, want) || !strings.HasPrefix(msg, "InputError: ") {
			t.Errorf("%s: status %d %v, want FAILED with an error naming %q", body, status, st, want)
		}
	}
}

// TestInternalsDoNotLeak: an execution that failed for a reason that is not the caller's
// input (an AWS error naming roles and accounts) answers its error type and where to look,
// not its cause; the execution's raw error and cause are not in the answer either.
func TestInternalsDoNotLeak(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	_, resp := e.call(t, http.MethodPost, "/jobs", `{"job":"wordcount","input":"s3://sg-in/data/a.txt"}`)
	id := resp["jobId"].(string)
	x, _ := e.execOf(t, id)
	secret := "User: arn:aws:sts::123456789012:assumed-role/sg-SplitterRole-X/fn is not authorized to perform: s3:ListBucket (Request ID: 4F2A)"
	cause, _ := json.Marshal(map[string]string{"errorType": "StoreError", "errorMessage": secret})
	if err := e.exec.Fail(x.ARN, "StoreError", string(cause)); err != nil {
		t.Fatal(err)
	}
	status, st := e.call(t, http.MethodGet, "/jobs/"+id, "")
	raw, _ := json.Marshal(st)
	if status != http.StatusOK || strings.Contains(string(raw), "assumed-role") || strings.Contains(string(raw), "4F2A") {
		t.Errorf("status %d: the answer leaks the cause: %s", status, raw)
	}
	if msg, _ := st["error"].(string); !strings.HasPrefix(msg, "StoreError: ") || !strings.Contains(msg, id) {
		t.Errorf("error %q: want the error type and the job's ID", msg)
	}
}

// TestOnlyTheOwnerOrAnAdminSeesAJob: the submitter recorded on the job may read and cancel
// it, and so may a session of an admin role (ApiAdminPrincipalArns); another principal
// gets on both the very answer of a job that does not exist (a 403 would tell it the job
// exists), and an unsigned request is refused on every route.
func TestOnlyTheOwnerOrAnAdminSeesAJob(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	_, resp := e.callAs(t, &alice, http.MethodPost, "/jobs", `{"job":"wordcount","input":"s3://sg-in/data/a.txt"}`)
	id := resp["jobId"].(string)
	const unknownID = "nosuchjob0000000000000000000000"
	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		wantStatus, wantBody := e.callAs(t, &bob, m, "/jobs/"+unknownID, "")
		wantMsg, _ := wantBody["message"].(string)
		if wantStatus != http.StatusNotFound || !strings.Contains(wantMsg, unknownID) {
			t.Fatalf("%s of an unknown job: %d %v, want 404 naming it", m, wantStatus, wantBody)
		}
		status, body := e.callAs(t, &bob, m, "/jobs/"+id, "")
		if msg, _ := body["message"].(string); status != wantStatus || msg != strings.ReplaceAll(wantMsg, unknownID, id) {
			t.Errorf("%s by another principal: %d %v, want the unknown job's answer %d %q", m, status, body, wantStatus, wantMsg)
		}
	}
	if x, _ := e.execOf(t, id); x.Status != types.ExecutionStatusRunning {
		t.Fatalf("another principal's DELETE stopped the job: %s", x.Status)
	}
	if status, body := e.callAs(t, nil, http.MethodGet, "/jobs/"+id, ""); status != http.StatusForbidden || !strings.Contains(body["message"].(string), "no IAM identity") {
		t.Errorf("unsigned GET: %d %v, want 403", status, body)
	}
	if status, body := e.callAs(t, nil, http.MethodPost, "/jobs", `{"job":"wordcount","input":"s3://sg-in/data/a.txt"}`); status != http.StatusForbidden {
		t.Errorf("unsigned POST: %d %v, want 403", status, body)
	}
	if status, body := e.callAs(t, &alice, http.MethodGet, "/jobs/"+id, ""); status != http.StatusOK {
		t.Errorf("owner's GET: %d %v", status, body)
	}
	if status, body := e.callAs(t, &admin, http.MethodGet, "/jobs/"+id, ""); status != http.StatusOK {
		t.Errorf("admin's GET: %d %v", status, body)
	}
	if status, body := e.callAs(t, &admin, http.MethodDelete, "/jobs/"+id, ""); status != http.StatusOK || body["status"] != "ABORTED" {
		t.Errorf("admin's DELETE: %d %v", status, body)
	}
	// The same spec from another principal is its own submission.
	if status, body := e.callAs(t, &bob, http.MethodPost, "/jobs", `{"job":"wordcount","input":"s3://sg-in/data/a.txt"}`); status != http.StatusAccepted || body["jobId"] == id {
		t.Errorf("bob's submission: %d %v, want a new job", status, body)
	}
}

func TestDuplicateSubmissionsStartOneExecution(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	// The same job, spelled three ways: k as a number, as a string, and left to its default.
	specs := []string{
		`{"job":"search","input":"s3://sg-in/logs/app.log","query":"error","k":10}`,
		`{"job":"search","input":["s3://sg-in/logs/app.log"],"query":"error","k":"10"}`,
		`{"query":"error","job":"search","input":"s3://sg-in/logs/app.log","strict":false}`,
	}
	var first string
	for i, body := range specs {
		status, resp := e.call(t, http.MethodPost, "/jobs", body)
		id, _ := resp["jobId"].(string)
		if i == 0 {
			if status != http.StatusAccepted || resp["duplicate"] != false {
				t.Fatalf("first submission: status %d %v", status, resp)
			}
			first = id
			continue
		}
		if status != http.StatusOK || resp["duplicate"] != true {
			t.Errorf("submission %d: status %d duplicate %v, want 200 true", i, status, resp["duplicate"])
		}
		if id != first {
			t.Errorf("submission %d: job %s, want %s", i, id, first)
		}
	}
	if n := len(e.exec.List()); n != 1 {
		t.Errorf("%d executions, want 1", n)
	}
	// The same job with another concurrency is not a duplicate: it conflicts.
	status, resp := e.call(t, http.MethodPost, "/jobs", `{"job":"search","input":"s3://sg-in/logs/app.log","query":"error","concurrency":3}`)
	if msg, _ := resp["message"].(string); status != http.StatusConflict || !strings.Contains(msg, "concurrency 8, not 3") || !strings.Contains(msg, first) {
		t.Errorf("another concurrency: status %d %v, want 409 naming the job and both concurrencies", status, resp)
	}
	// A different spec is a different job.
	status, resp = e.call(t, http.MethodPost, "/jobs", `{"job":"search","input":"s3://sg-in/logs/app.log","query":"error","k":3}`)
	if status != http.StatusAccepted || resp["jobId"] == first {
		t.Errorf("another k: status %d job %v", status, resp["jobId"])
	}
}

func TestStatusAndCancel(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	ctx := context.Background()
	_, resp := e.call(t, http.MethodPost, "/jobs", `{"job":"wordcount","input":"s3://sg-in/data/","chunkSize":16}`)
	id := resp["jobId"].(string)

	t.Run("unknown job", func(t *testing.T) {
		status, body := e.call(t, http.MethodGet, "/jobs/wordcount-000000000000000000000000", "")
		if status != http.StatusNotFound || !strings.Contains(body["message"].(string), "no job") {
			t.Errorf("status %d %v, want 404", status, body)
		}
	})
	t.Run("bad job ID", func(t *testing.T) {
		for _, bad := range []string{"a%2F..%2Fb", "x%00y", strings.Repeat("a", 81)} {
			status, body := e.call(t, http.MethodGet, "/jobs/"+bad, "")
			if status != http.StatusBadRequest {
				t.Errorf("GET /jobs/%s: status %d %v, want 400", bad, status, body)
			}
		}
	})
	t.Run("started, not yet planned", func(t *testing.T) {
		status, body := e.call(t, http.MethodGet, "/jobs/"+id, "")
		if status != http.StatusOK || body["status"] != "RUNNING" {
			t.Errorf("status %d %v", status, body)
		}
	})
	// The splitter opens the job; two chunks get committed.
	var in pipeline.PlanInput
	json.Unmarshal([]byte(e.exec.List()[0].Input), &in)
	h := &pipeline.Handler{Store: e.mux, Ledger: e.lg, WorkBucket: outBucket, TriggerBucket: inBucket}
	plan, err := h.Plan(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Chunks < 3 {
		t.Fatalf("plan has %d chunks; the test wants at least 3", plan.Chunks)
	}
	for i := 0; i < 2; i++ {
		if _, _, err := e.lg.Commit(ctx, ledger.Commit{JobID: plan.JobID, Chunk: i, Attempt: "a", Partial: "s3://sg-out/jobs/p"}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("running with progress", func(t *testing.T) {
		// Status counts the commits (one Select COUNT query on DynamoDB) and never reads
		// them: a job of many chunks would re-read every commit at each GET.
		e.svc.Ledger = countOnly{e.lg}
		defer func() { e.svc.Ledger = e.lg }()
		status, body := e.call(t, http.MethodGet, "/jobs/"+id, "")
		if status != http.StatusOK {
			t.Fatalf("status %d %v", status, body)
		}
		if body["status"] != "RUNNING" || body["job"] != "wordcount" || int(body["chunks"].(float64)) != plan.Chunks || body["committed"] != 2.0 {
			t.Errorf("got %v", body)
		}
		if p := body["progress"].(float64); p <= 0 || p >= 1 {
			t.Errorf("progress %v, want between 0 and 1", p)
		}
		if body["output"] != in.Output {
			t.Errorf("output %v, want %s", body["output"], in.Output)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		status, body := e.call(t, http.MethodDelete, "/jobs/"+id, "")
		if status != http.StatusOK || body["status"] != "ABORTED" {
			t.Errorf("status %d %v, want 200 ABORTED", status, body)
		}
		if x := e.exec.List()[0]; x.Status != types.ExecutionStatusAborted {
			t.Errorf("execution is %s", x.Status)
		}
		status, _ = e.call(t, http.MethodDelete, "/jobs/wordcount-000000000000000000000000", "")
		if status != http.StatusNotFound {
			t.Errorf("cancel of an unknown job: status %d, want 404", status)
		}
	})
	t.Run("succeeded", func(t *testing.T) {
		if _, err := e.lg.Finish(ctx, plan.JobID, ledger.Succeeded, in.Output, ""); err != nil {
			t.Fatal(err)
		}
		status, body := e.call(t, http.MethodGet, "/jobs/"+id, "")
		if status != http.StatusOK || body["status"] != "SUCCEEDED" || body["summary"] != in.Output+".summary.json" {
			t.Errorf("status %d %v", status, body)
		}
	})
	t.Run("wrong method", func(t *testing.T) {
		status, _ := e.call(t, http.MethodPut, "/jobs", `{}`)
		if status != http.StatusMethodNotAllowed {
			t.Errorf("PUT /jobs: status %d, want 405", status)
		}
	})
}

func s3Event(records ...[2]string) []byte {
	ev := events.S3Event{}
	for _, r := range records {
		ev.Records = append(ev.Records, events.S3EventRecord{
			EventVersion: "2.1", EventSource: "aws:s3", EventName: "ObjectCreated:Put",
			S3: events.S3Entity{Bucket: events.S3Bucket{Name: r[0]}, Object: events.S3Object{Key: r[1]}},
		})
	}
	b, _ := json.Marshal(ev)
	return b
}

func TestS3Events(t *testing.T) {
	e := newEnv(t)
	put(t, e.in, "incoming/wordcount/a.txt", "a b a\n")
	put(t, e.in, "incoming/wordcount/my file.txt", "x y\n")
	put(t, e.in, "incoming/grep/app.log", "ERROR x\nok\n")
	put(t, e.in, "incoming/grep/app.log.job.json", `{"pattern":"ERROR","chunkSize":"1KiB"}`)
	put(t, e.in, "incoming/grep/nosidecar.log", "ERROR x\n")
	put(t, e.in, "incoming/grep/bad.log", "x\n")
	put(t, e.in, "incoming/grep/bad.log.job.json", `{"pattern":"x","output":"s3://sg-out/elsewhere"}`)
	put(t, e.in, "uploads/wordcount/a.txt", "a\n")
	put(t, e.out, "incoming/wordcount/a.txt", "a\n")
	put(t, e.out, "results/wordcount/a.txt", "a\t2\n")
	ctx := context.Background()

	cases := []struct {
		name    string
		event   []byte
		started []string // outputs started (or duplicate)
		skipped []string // reasons, in order
		dup     bool
	}{
		{"upload starts its job", s3Event([2]string{inBucket, "incoming/wordcount/a.txt"}), []string{"s3://sg-out/results/wordcount/a.txt"}, nil, false},
		{"the same event again", s3Event([2]string{inBucket, "incoming/wordcount/a.txt"}), []string{"s3://sg-out/results/wordcount/a.txt"}, nil, true},
		{"URL-encoded key", s3Event([2]string{inBucket, "incoming/wordcount/my+file.txt"}), []string{"s3://sg-out/results/wordcount/my file.txt"}, nil, false},
		{"sidecar parameters", s3Event([2]string{inBucket, "incoming/grep/app.log"}), []string{"s3://sg-out/results/grep/app.log"}, nil, false},
		{"the sidecar itself", s3Event([2]string{inBucket, "incoming/grep/app.log.job.json"}), nil, []string{"parameter sidecar"}, false},
		{"required flag without sidecar", s3Event([2]string{inBucket, "incoming/grep/nosidecar.log"}), nil, []string{"missing --pattern"}, false},
		{"sidecar naming an output", s3Event([2]string{inBucket, "incoming/grep/bad.log"}), nil, []string{`field "output": a sidecar names no output`}, false},
		{"outside incoming/", s3Event([2]string{inBucket, "uploads/wordcount/a.txt"}), nil, []string{"outside incoming/"}, false},
		{"output bucket results/", s3Event([2]string{outBucket, "results/wordcount/a.txt"}), nil, []string{"never start jobs"}, false},
		{"output bucket incoming/", s3Event([2]string{outBucket, "incoming/wordcount/a.txt"}), nil, []string{"never start jobs"}, false},
		{"dot-dot key", s3Event([2]string{inBucket, "incoming/wordcount/../x"}), nil, []string{"path segment"}, false},
		{"bad URL encoding", s3Event([2]string{inBucket, "incoming/wordcount/%zz"}), nil, []string{"malformed"}, false},
		{"control character", s3Event([2]string{inBucket, "incoming/wordcount/a%01b"}), nil, []string{"control character"}, false},
		{"unknown job", s3Event([2]string{inBucket, "incoming/frobnicate/a.txt"}), nil, []string{`unknown job "frobnicate"`}, false},
		{"folder marker", s3Event([2]string{inBucket, "incoming/wordcount/"}), nil, []string{"folder"}, false},
		{"another bucket of the account", s3Event([2]string{"elsewhere", "incoming/wordcount/a.txt"}), nil, []string{"is not the input bucket sg-in"}, false},
		{"an upload is not read: the splitter checks it", s3Event([2]string{inBucket, "incoming/wordcount/gone.txt"}), []string{"s3://sg-out/results/wordcount/gone.txt"}, nil, false},
		{"bad records do not stop good ones", s3Event(
			[2]string{inBucket, "incoming/wordcount/%zz"},
			[2]string{inBucket, "uploads/x"},
			[2]string{inBucket, "incoming/grep/app.log"},
		), []string{"s3://sg-out/results/grep/app.log"}, []string{"malformed", "outside incoming/"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.exec.List())
			out, err := e.svc.Handle(ctx, tc.event)
			if err != nil {
				t.Fatalf("handler error: %v", err)
			}
			res := out.(api.S3Result)
			var started []string
			for _, s := range res.Started {
				started = append(started, s.Output)
				if s.Duplicate != tc.dup {
					t.Errorf("%s: duplicate %v, want %v", s.Output, s.Duplicate, tc.dup)
				}
			}
			if strings.Join(started, " ") != strings.Join(tc.started, " ") {
				t.Errorf("started %v, want %v", started, tc.started)
			}
			if len(res.Skipped) != len(tc.skipped) {
				t.Fatalf("skipped %+v, want %d", res.Skipped, len(tc.skipped))
			}
			for i, want := range tc.skipped {
				if !strings.Contains(res.Skipped[i].Reason, want) {
					t.Errorf("skip reason %q does not contain %q", res.Skipped[i].Reason, want)
				}
			}
			newExecs := len(e.exec.List()) - before
			want := len(tc.started)
			if tc.dup {
				want = 0
			}
			if newExecs != want {
				t.Errorf("%d new executions, want %d", newExecs, want)
			}
		})
	}
	// The sidecar's parameters reached the execution.
	for _, x := range e.exec.List() {
		if strings.HasPrefix(x.Name, "grep-") {
			var in pipeline.PlanInput
			json.Unmarshal([]byte(x.Input), &in)
			if in.Params["pattern"] != "ERROR" || in.ChunkSize != 1024 || in.Inputs[0] != "s3://sg-in/incoming/grep/app.log" {
				t.Errorf("grep execution input %+v", in)
			}
		}
	}
}

func TestMalformedEvents(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, event, want string
	}{
		{"empty", ``, "empty event"},
		{"not JSON", `{"Records": [`, "malformed event"},
		{"neither shape", `{"hello": "world"}`, "unrecognized event"},
		{"API v1 payload", `{"httpMethod":"GET","path":"/jobs/x"}`, "unrecognized event"},
		{"Records not an array", `{"Records": {"a": 1}}`, "malformed S3 event"},
		{"no records", `{"Records": []}`, "no Records"},
		{"SQS records", `{"Records": [{"eventSource": "aws:sqs", "body": "x"}]}`, "not S3 event notifications"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Handle(context.Background(), json.RawMessage(tc.event))
			var ee *api.EventError
			if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want an EventError containing %q", err, tc.want)
			}
		})
	}
	t.Run("S3 test event", func(t *testing.T) {
		if _, err := e.svc.Handle(context.Background(), json.RawMessage(`{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"sg-in"}`)); err != nil {
			t.Errorf("s3:TestEvent: %v", err)
		}
	})
	t.Run("base64 body", func(t *testing.T) {
		e.seed(t)
		req := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /jobs", RawPath: "/jobs", IsBase64Encoded: true,
			Body: base64.StdEncoding.EncodeToString([]byte(`{"job":"wordcount","input":"s3://sg-in/data/a.txt"}`))}
		resp := e.svc.HandleHTTP(context.Background(), signed(req))
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("status %d %s", resp.StatusCode, resp.Body)
		}
	})
}

func TestConfigFromEnv(t *testing.T) {
	full := map[string]string{
		api.EnvStateMachineARN: smARN, api.EnvTable: "t", api.EnvInputBucket: "in", api.EnvOutputBucket: "out",
		api.EnvWorkBucket: "out", api.EnvDefaultChunkSize: "64MiB", api.EnvDefaultConcurrency: "100",
	}
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := api.ConfigFromEnv(get(full))
	if err != nil || c.DefaultChunkSize != 64<<20 || c.DefaultConcurrency != 100 || c.OutputBucket != "out" {
		t.Fatalf("ConfigFromEnv = %+v, %v", c, err)
	}
	for _, name := range api.Required {
		t.Run("missing "+name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range full {
				if k != name {
					m[k] = v
				}
			}
			if _, err := api.ConfigFromEnv(get(m)); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("error %v does not name %s", err, name)
			}
		})
	}
	for name, bad := range map[string]string{api.EnvDefaultChunkSize: "big", api.EnvDefaultConcurrency: "0", api.EnvStateMachineARN: "sg"} {
		t.Run("malformed "+name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range full {
				m[k] = v
			}
			m[name] = bad
			if _, err := api.ConfigFromEnv(get(m)); err == nil {
				t.Errorf("%s=%q accepted", name, bad)
			}
		})
	}
}

func TestSpecJSONRoundTrip(t *testing.T) {
	in := api.Spec{Job: "grep", Inputs: []string{"s3://a/b", "s3://a/c/"}, Output: "s3://o/k", ChunkSize: 4096, Concurrency: 3,
		Params: map[string]string{"pattern": "x|y", "strict": "true"}, Partitions: 4, OutputParts: true}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out api.Spec
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if fmt.Sprint(out) != fmt.Sprint(in) {
		t.Errorf("round trip of %s: %+v, want %+v", b, out, in)
	}
}

// signed returns req as API Gateway passes it for an IAM-authorized route signed by alice.
func signed(req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
		UserARN: alice.UserARN, UserID: alice.UserID, AccountID: alice.AccountID,
	}}
	return req
}

func TestRouteByPath(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	// A $default route (or a proxy in front of the function): the path decides.
	req := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: "/jobs",
		Body: `{"job":"wordcount","input":"s3://sg-in/data/a.txt"}`}
	req.RequestContext.HTTP.Method = http.MethodPost
	resp := e.svc.HandleHTTP(context.Background(), signed(req))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /jobs: %d %s", resp.StatusCode, resp.Body)
	}
	var sub api.Submission
	json.Unmarshal([]byte(resp.Body), &sub)
	req = events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: "/jobs/" + sub.JobID}
	req.RequestContext.HTTP.Method = http.MethodGet
	if resp := e.svc.HandleHTTP(context.Background(), signed(req)); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /jobs/ID: %d %s", resp.StatusCode, resp.Body)
	}
	req.RawPath = "/other"
	if resp := e.svc.HandleHTTP(context.Background(), signed(req)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /other: %d %s", resp.StatusCode, resp.Body)
	}
}

// TestSubmitPartitionsRuns: partitions and outputParts on POST /jobs reach the execution
// input, and that input, run by the real definition on the local engine over the env's
// stores, gathers by key ranges into ordered part files whose bytes are the one reducer's
// output (the same spec without them, to another output). The same spec with other
// partitions is a conflict; another outputParts is another job.
func TestSubmitPartitionsRuns(t *testing.T) {
	e := newEnv(t)
	var text strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&text, "w%d x%d the w%d\n", i, i%7, i*7%1009)
	}
	put(t, e.in, "words/a.txt", text.String())
	const spec = `{"job":"wordcount","input":"s3://sg-in/words/","chunkSize":"8KiB","output":"s3://sg-out/results/%s"%s}`
	run := func(name, extra string) (pipeline.PlanInput, engine.Result) {
		t.Helper()
		status, resp := e.call(t, http.MethodPost, "/jobs", fmt.Sprintf(spec, name, extra))
		if status != http.StatusAccepted {
			t.Fatalf("%s: status %d %v", extra, status, resp)
		}
		_, in := e.execOf(t, resp["jobId"].(string))
		res, err := (&engine.Engine{Handler: e.splitter(), MaxParallel: 2, NoBackups: true}).Run(context.Background(), in)
		if err != nil {
			t.Fatalf("%s: run the execution input: %v", extra, err)
		}
		return in, res
	}
	in, res := run("parts", `,"partitions":3,"outputParts":true`)
	if in.Partitions != 3 || !in.OutputParts {
		t.Fatalf("execution input: partitions %d, outputParts %v; want 3, true", in.Partitions, in.OutputParts)
	}
	_, one := run("one", `,"partitions":1`)
	if one.Plan.Partitions != 1 || res.Plan.Partitions != 3 || !res.Plan.OutputParts {
		t.Fatalf("plans: %+v and %+v, want partitions 1, and 3 with part files", one.Plan, res.Plan)
	}
	read := func(key string) []byte { return blobtest.ReadAll(t, e.out, key) }
	want := read("results/one")
	var got []byte
	parts := 0
	for ; ; parts++ {
		if _, err := e.out.Stat(context.Background(), fmt.Sprintf("results/parts/part-%05d", parts)); err != nil {
			break
		}
		got = append(got, read(fmt.Sprintf("results/parts/part-%05d", parts))...)
	}
	if parts < 2 || len(want) == 0 || string(got) != string(want) {
		t.Fatalf("%d part files of %d bytes in all; want 2 or more whose bytes are the one reducer's %d", parts, len(got), len(want))
	}

	status, resp := e.call(t, http.MethodPost, "/jobs", fmt.Sprintf(spec, "parts", `,"partitions":2,"outputParts":true`))
	if status != http.StatusConflict {
		t.Errorf("the same spec with other partitions: %d %v, want a 409", status, resp)
	}
	status, resp = e.call(t, http.MethodPost, "/jobs", fmt.Sprintf(spec, "parts", `,"partitions":3`))
	if status != http.StatusAccepted || resp["jobId"] == in.Submission {
		t.Errorf("one object instead of part files: %d %v, want another job than %s", status, resp, in.Submission)
	}
}
