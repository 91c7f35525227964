package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/query"
	"github.com/scattergather/scattergather/internal/query/lambdainvoke"
	"github.com/scattergather/scattergather/internal/query/querytest"
	"github.com/scattergather/scattergather/internal/testutil/moto"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/lambdahost"
	"github.com/scattergather/scattergather/local/lambdahost/lambdahosttest"
)

// mapperBin is functions/mapper built by TestMain, as `sam build` builds it.
var mapperBin string

func TestMain(m *testing.M) {
	os.Exit(lambdahosttest.Main(m, "github.com/scattergather/scattergather/functions/mapper", &mapperBin))
}

// queryWorld is a moto S3 with the inputs, the real mapper binary on a Lambda host, and
// a Service whose queries invoke it through the Lambda Invoke API.
type queryWorld struct {
	t      testing.TB
	moto   *moto.Server
	cfg    aws.Config
	mux    *blob.Mux
	text   string
	csv    string
	inputs map[string][]byte
}

func newQueryWorld(t testing.TB) *queryWorld {
	t.Helper()
	w := &queryWorld{t: t, moto: moto.Start(t), inputs: map[string][]byte{}}
	w.cfg = w.moto.Config(t)
	s3c := w.moto.S3(t, inBucket, outBucket)
	w.mux = blob.NewMux(func(bucket string) (blob.Store, error) { return blob.NewS3(s3c, bucket), nil })
	for name, gen := range map[string]struct {
		kind string
		size int64
	}{"text.txt": {"text", 200_000}, "visits.csv": {"uservisits", 90_000}} {
		var b bytes.Buffer
		if err := datagen.Kinds[gen.kind](&b, gen.size, 11); err != nil {
			t.Fatal(err)
		}
		loc := blob.S3Location(inBucket, "data/"+name)
		if err := w.mux.Put(context.Background(), loc, bytes.NewReader(b.Bytes())); err != nil {
			t.Fatal(err)
		}
		w.inputs[loc] = b.Bytes()
	}
	w.text, w.csv = blob.S3Location(inBucket, "data/text.txt"), blob.S3Location(inBucket, "data/visits.csv")
	return w
}

// service hosts the mapper binary with extra environment (faults) on a new Lambda host
// (fresh processes) and returns a Service that queries through it, counting invocations.
func (w *queryWorld) service(env map[string]string) (*api.Service, *countingInvoker) {
	t := w.t
	fnEnv := map[string]string{
		"AWS_ENDPOINT_URL": w.moto.URL, "TABLE_NAME": "ledger", "WORK_BUCKET": outBucket,
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true",
	}
	for k, v := range env {
		fnEnv[k] = v
	}
	host, err := lambdahost.New([]lambdahost.Function{{
		Name: "mapper", Path: mapperBin, Env: fnEnv, Timeout: 30 * time.Second, MaxInstances: 12,
	}}, lambdahost.Options{Region: moto.Region})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close() })
	url, err := host.Listen("")
	if err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(w.cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(url) })
	inv := &countingInvoker{Invoker: &lambdainvoke.Lambda{Client: lc, Function: "mapper", Store: w.mux}}
	return &api.Service{
		Config: api.Config{
			StateMachineARN: smARN, Table: "ledger", InputBucket: inBucket, OutputBucket: outBucket, WorkBucket: outBucket,
			DefaultChunkSize: 64 << 20, DefaultConcurrency: 8,
		},
		Store: w.mux, Mapper: inv, Log: slog.New(slog.DiscardHandler),
	}, inv
}

// countingInvoker counts the chunks sent to the mapper.
type countingInvoker struct {
	query.Invoker
	n atomic.Int64
}

func (c *countingInvoker) Invoke(ctx context.Context, in pipeline.QueryChunk) ([]byte, pipeline.MapStats, error) {
	c.n.Add(1)
	return c.Invoker.Invoke(ctx, in)
}

// run is what `scatter run` writes for the job on the inputs: the local engine executing
// the state machine over the same S3.
func (w *queryWorld) run(job string, params jobs.Params, inputs ...string) string {
	t := w.t
	t.Helper()
	local, err := engine.Open(context.Background(), t.TempDir(), engine.Options{Endpoint: w.moto.URL, Region: moto.Region})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	out := filepath.Join(t.TempDir(), "out")
	eng := &engine.Engine{Handler: local.Handler, MaxParallel: 4}
	if _, err := eng.Run(context.Background(), pipeline.PlanInput{Job: job, Params: params, Inputs: inputs, Output: out, ChunkSize: 16 << 10}); err != nil {
		t.Fatalf("run %s: %v", job, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type queryResponse struct {
	status int
	api.QueryAnswer
	Message string `json:"message"`
}

func postQuery(t testing.TB, svc *api.Service, body string) queryResponse {
	t.Helper()
	req := signed(events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /query", RawPath: "/query", Body: body})
	req.RequestContext.HTTP.Method, req.RequestContext.HTTP.Path = http.MethodPost, "/query"
	raw, _ := json.Marshal(req)
	out, err := svc.Handle(context.Background(), raw)
	if err != nil {
		t.Fatalf("POST /query: handler error %v", err)
	}
	resp := out.(events.APIGatewayV2HTTPResponse)
	var r queryResponse
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil {
		t.Fatalf("POST /query: body %.200q: %v", resp.Body, err)
	}
	r.status = resp.StatusCode
	if c := r.Chunks; r.QueryID != "" && c.Total != c.Succeeded+c.Failed+c.TimedOut {
		t.Fatalf("report %+v: counts do not add up", r.Report)
	}
	return r
}

func (r queryResponse) result() string {
	if r.Result != nil {
		return *r.Result
	}
	return string(r.ResultBase64)
}

// TestQueryThroughLambda: POST /query, with the mapper binary invoked through the Lambda
// Invoke API, answers what `scatter run` writes, for every read-only job; with stragglers
// it hedges, honours a deadline, and refuses bad requests before invoking anything.
func TestQueryThroughLambda(t *testing.T) {
	w := newQueryWorld(t)
	svc, _ := w.service(nil)
	queryJobsThroughLambda(t, w, svc)
	querySQLThroughLambda(t, w, svc)
	queryBadRequests(t, w)
	queryLargeResult(t, w)
	queryStragglers(t, w)
}

// wantComplete fails unless r is a complete answer over several chunks whose result is want.
func wantComplete(t *testing.T, r queryResponse, want string) {
	t.Helper()
	if r.status != http.StatusOK || r.Partial || r.Chunks.Succeeded != r.Chunks.Total || r.Chunks.Total < 3 {
		t.Fatalf("status %d %q, report %+v: want a complete answer over several chunks", r.status, r.Message, r.Report)
	}
	if got := r.result(); got != want {
		t.Fatalf("result differs from run's output (%d vs %d bytes)\n got: %.300q\nwant: %.300q", len(got), len(want), got, want)
	}
}

// queryJobsThroughLambda: each built-in job answers POST /query with run's output.
func queryJobsThroughLambda(t *testing.T, w *queryWorld, svc *api.Service) {
	firstWords := strings.Join(strings.Fields(string(w.inputs[w.text][:bytes.IndexByte(w.inputs[w.text], '\n')]))[:3], " ")
	cases := []struct {
		name   string
		job    string
		params jobs.Params
		input  string
	}{
		{"wordcount", "wordcount", jobs.Params{}, w.text},
		{"grep", "grep", jobs.Params{"pattern": "ab[cd]e|^q"}, w.text},
		{"search", "search", jobs.Params{"query": firstWords, "k": "25"}, w.text},
		{"select", "select", jobs.Params{"where": "adRevenue > 500", "columns": "sourceIP,adRevenue,userAgent", "format": "csv"}, w.csv},
		{"groupby", "groupby", jobs.Params{"key": "sourceIP:8", "agg": "sum:adRevenue,count:duration,avg:adRevenue", "format": "csv"}, w.csv},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := w.run(c.job, c.params, c.input)
			if want == "" {
				t.Fatal("run's output is empty: the case tests nothing")
			}
			body := map[string]any{"job": c.job, "input": c.input, "chunkSize": "16KiB", "deadline": "20s"}
			for k, v := range c.params {
				body[k] = v
			}
			b, _ := json.Marshal(body)
			wantComplete(t, postQuery(t, svc, string(b)), want)
		})
	}
}

// querySQLThroughLambda: {"sql": ...} names the job and, by its FROM, the input: ORDER BY
// with and without LIMIT, over rows and over groups.
func querySQLThroughLambda(t *testing.T, w *queryWorld, svc *api.Service) {
	for _, q := range []string{
		"SELECT sourceIP, adRevenue, countryCode FROM '" + w.csv + "' WHERE duration > 2 ORDER BY adRevenue DESC, countryCode NULLS FIRST",
		"SELECT sourceIP, adRevenue FROM '" + w.csv + "' ORDER BY adRevenue, sourceIP DESC LIMIT 17",
		"SELECT countryCode, count(*) AS n, sum(adRevenue) AS revenue FROM '" + w.csv + "' GROUP BY countryCode ORDER BY revenue DESC",
	} {
		t.Run("sql "+q[:strings.Index(q, " FROM")], func(t *testing.T) {
			want := w.run("sql", jobs.Params{"query": q}, w.csv)
			if strings.Count(want, "\n") < 10 {
				t.Fatalf("run's output has %d lines: the case tests little", strings.Count(want, "\n"))
			}
			b, _ := json.Marshal(map[string]any{"sql": q, "chunkSize": "16KiB", "deadline": "20s"})
			wantComplete(t, postQuery(t, svc, string(b)), want)
		})
	}
}

// queryBadRequests: a bad request is refused with a 400 that names the problem, before any invocation.
func queryBadRequests(t *testing.T, w *queryWorld) {
	t.Run("bad requests invoke nothing", func(t *testing.T) {
		svc, inv := w.service(nil)
		for _, c := range []struct{ body, want string }{
			{`{"job":"wordcount"}`, "no input"},
			{`{"job":"wordcount","input":"` + w.text + `","deadline":0}`, "deadline"},
			{`{"job":"wordcount","input":"` + w.text + `","deadline":"1m"}`, "at most 25s"},
			{`{"job":"wordcount","input":"` + w.text + `","deadline":"soon"}`, "deadline"},
			{`{"job":"wordcount","input":"` + w.text + `","chunkSize":"64"}`, "fan-out cap"},
			{`{"job":"wordcount","input":"` + w.text + `","output":"s3://sg-out/x"}`, "POST /jobs"},
			{`{"job":"wordcount","input":"` + w.text + `","partitions":3}`, "POST /jobs gathers by key ranges"},
			{`{"job":"grep","input":"` + w.text + `","pattern":"a("}`, "pattern"},
			{`{"job":"wordcount","input":"s3://sg-in/data/missing.txt"}`, "missing.txt"},
			{`{"job":"wordcount","input":"s3://sg-out/results/wordcount/a.txt"}`, "inputs are read from the input bucket sg-in only"},
			{`{"sql":"SELECT * FROM 's3://sg-out/results/x.csv'"}`, "inputs are read from the input bucket sg-in only"},
			// The query and the job's flags are checked before the inputs, as POST /jobs
			// checks them: an unsupported query is named with its position first.
			{`{"sql":"SELECT nosuchfn(sourceIP) FROM 's3://sg-out/results/x.csv'"}`, "not supported at column 8: function nosuchfn"},
			{`{"job":"grep","pattern":"a("}`, "pattern"},
		} {
			r := postQuery(t, svc, c.body)
			if r.status != http.StatusBadRequest || !strings.Contains(r.Message, c.want) {
				t.Errorf("%s: status %d %q, want 400 mentioning %q", c.body, r.status, r.Message, c.want)
			}
		}
		if n := inv.n.Load(); n != 0 {
			t.Fatalf("bad requests invoked the mapper %d times", n)
		}
	})
}

// queryLargeResult: a result whose answer, escaped twice (the answer's JSON, then the response's body
// string), passes Lambda's 6 MB response goes to the output bucket: 1 MB of lines
// of '<' (each escaped to \u003c, then to \\u003c) grows to 7 MB.
func queryLargeResult(t *testing.T, w *queryWorld) {
	t.Run("a result too large to answer goes to S3", func(t *testing.T) {
		svc, _ := w.service(nil)
		var b bytes.Buffer
		for b.Len() < 1<<20 {
			b.WriteString(strings.Repeat("<", 99) + "\n")
		}
		loc := blob.S3Location(inBucket, "data/angles.txt")
		if err := w.mux.Put(context.Background(), loc, bytes.NewReader(b.Bytes())); err != nil {
			t.Fatal(err)
		}
		req := signed(events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /query", RawPath: "/query",
			Body: `{"job":"grep","input":"` + loc + `","pattern":"<","deadline":"20s"}`})
		req.RequestContext.HTTP.Method = http.MethodPost
		resp := svc.HandleHTTP(context.Background(), req)
		raw, _ := json.Marshal(resp)
		if len(raw) > api.MaxResponse {
			t.Fatalf("the response is %d bytes, over Lambda's limit (%d)", len(raw), api.MaxResponse)
		}
		var ans api.QueryAnswer
		if err := json.Unmarshal([]byte(resp.Body), &ans); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d %.300s: %v", resp.StatusCode, resp.Body, err)
		}
		if ans.Result != nil || ans.ResultLocation != blob.S3Location(outBucket, api.QueryResultsPrefix+ans.QueryID) {
			t.Fatalf("result inline %v, location %q: want it written under results/queries/", ans.Result != nil, ans.ResultLocation)
		}
		rc, err := w.mux.Open(context.Background(), ans.ResultLocation, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, b.Bytes()) {
			t.Fatalf("the written result is %d bytes, want the %d matching lines", len(got), b.Len())
		}
	})
}

// queryStragglers: the same seed makes the same two first sends slow in the binary; without
// hedging the answer waits for them, a deadline cuts them off (partial or 504), hedging wins.
func queryStragglers(t *testing.T, w *queryWorld) {
	const spec = "mapper.slow=0.05"
	want := w.run("wordcount", jobs.Params{}, w.text)
	q, err := query.Plan(context.Background(), w.mux, "wordcount", jobs.Params{}, []string{w.text}, "", 3<<10, 0)
	if err != nil {
		t.Fatal(err)
	}
	seed := querytest.FaultSeed(t, q, spec, 2)
	faulty := map[string]string{faults.EnvFaults: spec, faults.EnvSeed: fmt.Sprint(seed)}
	base := `{"job":"wordcount","input":"` + w.text + `","chunkSize":"3KiB"`
	for _, c := range []struct {
		name, body string
		check      func(t *testing.T, r queryResponse)
	}{
		{"without hedging", base + `,"hedge":false}`, func(t *testing.T, r queryResponse) {
			if r.status != 200 || r.Partial || r.Hedges != (query.HedgeCounts{}) || r.result() != want {
				t.Fatalf("status %d, report %+v: want complete, no hedges, run's output", r.status, r.Report)
			}
		}},
		{"deadline, partial allowed", base + `,"hedge":false,"deadline":"300ms"}`, func(t *testing.T, r queryResponse) {
			if r.status != 200 || !r.Partial || r.Chunks.TimedOut < 2 || r.Chunks.Failed != 0 || len(r.result()) >= len(want) {
				t.Fatalf("status %d %q, report %+v: want a partial answer with the stragglers timed out", r.status, r.Message, r.Report)
			}
		}},
		{"deadline, partial refused", base + `,"hedge":false,"deadline":"300ms","allowPartial":false}`, func(t *testing.T, r queryResponse) {
			if r.status != http.StatusGatewayTimeout || !r.Partial || r.Chunks.TimedOut < 2 || r.Result != nil || !strings.Contains(r.Message, "timed out") {
				t.Fatalf("status %d %q, report %+v: want 504 with the partial report and no result", r.status, r.Message, r.Report)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, _ := w.service(faulty) // fresh processes: each replays the seed from the start
			c.check(t, postQuery(t, svc, c.body))
		})
	}

	// A straggler of mapper.slow answers after 2 s; under load the hedge (sent once 90%
	// of the chunks have answered, after twice their p90 latency) can come later than
	// that, and the straggler wins. Stalled stragglers cannot answer first: chunks 0
	// and 1 start first, so they are the first hedged, within the budget of 3 (5% of
	// the chunks), and their hedges win whatever the machine's load.
	t.Run("with hedging", func(t *testing.T) {
		svc, _ := w.service(nil)
		stall := &querytest.Stall{Invoker: svc.Mapper, Chunks: []int{0, 1}}
		svc.Mapper = stall
		r := postQuery(t, svc, base+`,"hedge":true,"deadline":"25s"}`)
		budget := max(1, r.Chunks.Total*5/100)
		if r.status != 200 || r.Partial || r.result() != want {
			t.Fatalf("status %d %q, report %+v: want complete, run's output", r.status, r.Message, r.Report)
		}
		if r.Hedges.Won < 2 || r.Hedges.Sent > budget || stall.Resent(0) != 1 || stall.Resent(1) != 1 {
			t.Fatalf("report %+v, resends of chunk 0: %d, of chunk 1: %d: want both stragglers hedged once and won, within the budget of %d",
				r.Report, stall.Resent(0), stall.Resent(1), budget)
		}
	})
}

// TestQueryMapperErrorsDoNotLeak: a mapper refused by S3 (AccessDenied, whose message names
// the mapper's role, the account and the request) fails the query without that message
// in the answer: the caller sees the error type, the query and the request ID, and the
// api function's log has the raw error. A RecordError, which describes the caller's own
// data, still answers with its message.
func TestQueryMapperErrorsDoNotLeak(t *testing.T) {
	const secret = "User: arn:aws:sts::123456789012:assumed-role/sg-MapperRole-X/mapper is not authorized to perform: s3:GetObject"
	// S3 as it answers a role whose policy lacks s3:GetObject
	// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
	denied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("x-amz-request-id", "4F2AREQUESTID")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>%s</Message><RequestId>4F2AREQUESTID</RequestId></Error>`, secret)
	}))
	defer denied.Close()
	w := newQueryWorld(t)
	svc, inv := w.service(map[string]string{"AWS_ENDPOINT_URL": denied.URL})
	var logs bytes.Buffer
	svc.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	req := signed(events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /query", RawPath: "/query",
		Body: `{"job":"wordcount","input":"` + w.text + `","chunkSize":"64KiB","deadline":"20s","allowPartial":false}`})
	req.RequestContext.HTTP.Method, req.RequestContext.RequestID = http.MethodPost, "req-7e1d"
	resp := svc.HandleHTTP(context.Background(), req)
	var r queryResponse
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil {
		t.Fatalf("body %.300q: %v", resp.Body, err)
	}
	if inv.n.Load() == 0 || r.Chunks.Failed == 0 {
		t.Fatalf("status %d %q, report %+v: the mapper was not refused, the case tests nothing", resp.StatusCode, r.Message, r.Report)
	}
	for _, leak := range []string{"assumed-role", "123456789012", "4F2AREQUESTID"} {
		if strings.Contains(resp.Body, leak) {
			t.Errorf("the answer leaks %q: %s", leak, resp.Body)
		}
	}
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(r.Message, "StoreError") ||
		!strings.Contains(r.Message, "req-7e1d") || !strings.Contains(r.Message, r.QueryID) {
		t.Errorf("status %d %q: want 500 naming the error type, the query and the request", resp.StatusCode, r.Message)
	}
	// A refused permission is not transient: the chunk is not sent again.
	if n := inv.n.Load(); n > int64(r.Chunks.Total) {
		t.Errorf("the mapper was invoked %d times for %d chunks: a refused permission was sent again", n, r.Chunks.Total)
	}
	if !strings.Contains(logs.String(), "assumed-role/sg-MapperRole-X") || !strings.Contains(logs.String(), "req-7e1d") {
		t.Errorf("the log lacks the raw error under the request ID:\n%s", logs.String())
	}

	// A malformed record under strict: the caller's own data, answered as it is.
	bad := blob.S3Location(inBucket, "data/bad.csv")
	if err := w.mux.Put(context.Background(), bad, strings.NewReader("a,b\n1,\"unterminated\n")); err != nil {
		t.Fatal(err)
	}
	svc, _ = w.service(nil)
	r = postQuery(t, svc, `{"job":"select","input":"`+bad+`","columns":"a","format":"csv","strict":true,"deadline":"20s"}`)
	if r.status != http.StatusBadRequest || !strings.Contains(r.Message, "RecordError: ") {
		t.Errorf("malformed record: status %d %q, want 400 with the RecordError's message", r.status, r.Message)
	}
}
