package localaws_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/motoserver"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/internal/testutil/moto"
	"github.com/scattergather/scattergather/local/asl"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/lambdahost/lambdahosttest"
	"github.com/scattergather/scattergather/local/localaws"
	"github.com/scattergather/scattergather/statemachine"
)

// The one local AWS every test of the package shares, and the binaries it runs.
var (
	stack    *localaws.Stack
	binDir   string // BinDir/<LogicalId>/bootstrap
	scatter  string // the scatter CLI
	repoRoot string
)

// fanIn is the stack's GatherFanIn (the functions' FAN_IN): small, so the jobs'
// several chunks gather in a tree of merges on moto's Step Functions.
const fanIn = 2

// jobTimeout bounds one job through moto's Step Functions (they take a few seconds).
// It only matters when a job never ends: generous, since CI's two cores may be loaded
// and the package's tests run in parallel.
const jobTimeout = 3 * time.Minute

// TestMain builds the four Lambda binaries and the CLI for this machine, starts
// one local AWS on free 127.0.0.1 ports for all tests and stops it at the end.
// A missing python3 or moto fails the package with a message naming it.
func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: local AWS integration tier: %v\n", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	wd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	repoRoot = filepath.Join(wd, "..", "..")
	tmp, err := os.MkdirTemp("", "localaws-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	binDir = filepath.Join(tmp, "lambda")
	scatter = filepath.Join(tmp, "scatter")
	if err := buildAll(tmp); err != nil {
		return 0, err
	}
	// The local engine and the SDK clients of the tests read credentials from the environment.
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": localaws.AccessKeyID, "AWS_SECRET_ACCESS_KEY": localaws.SecretAccessKey,
		"AWS_REGION": localaws.Region, "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		os.Setenv(k, v)
	}
	// The functions' and moto's logs, shown when a test fails.
	logs, err := os.Create(filepath.Join(tmp, "logs"))
	if err != nil {
		return 0, err
	}
	defer logs.Close()
	ctx, cancel := upContext()
	defer cancel()
	stack, err = localaws.Up(ctx, localaws.Options{
		Template: filepath.Join(repoRoot, "template.yaml"),
		BinDir:   binDir,
		Logs:     logs,
		// A small fan-in, so every job gathers through the state machine's tree.
		ExtraEnv: map[string]string{awsrun.EnvFanIn: strconv.Itoa(fanIn)},
	})
	if err != nil {
		// Up names what is missing (python3, moto, a bootstrap) in err.
		return 0, fmt.Errorf("start the local AWS (python3 with moto: %s; the Lambda bootstraps from make build-local): %w", motoserver.Install, err)
	}
	code := m.Run()
	if err := stack.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "stop the local AWS: %v\n", err)
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- the local AWS's logs (last 20000 bytes):\n%s\n", logTail(logs.Name(), 20000))
	}
	return code, nil
}

// buildAll builds bin/lambda/<LogicalId>/bootstrap for the host and the CLI, in parallel.
func buildAll(dir string) error {
	targets := map[string]string{
		filepath.Join(binDir, "SplitterFunction", "bootstrap"): "./functions/splitter",
		filepath.Join(binDir, "MapperFunction", "bootstrap"):   "./functions/mapper",
		filepath.Join(binDir, "ReducerFunction", "bootstrap"):  "./functions/reducer",
		filepath.Join(binDir, "ApiFunction", "bootstrap"):      "./functions/api",
		scatter: "./cmd/scatter",
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(targets))
	for out, pkg := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := lambdahosttest.BuildTo(repoRoot, pkg, out); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// upTimeout bounds bringing a local AWS up. Most of it is moto's start, which took
// over 100 s on a loaded machine (several stacks starting at once, a load average of
// 30 on 2 cores): motoserver.DefaultStartTimeout, and a minute for the rest. It only
// stops a stack that will never come up; a test's deadline for its job starts after.
const upTimeout = motoserver.DefaultStartTimeout + time.Minute

// upContext is the context to bring a local AWS up in (upTimeout).
func upContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), upTimeout)
}

// logTail returns the last n bytes of the stack's log file.
func logTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		f.Seek(fi.Size()-n, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

func s3Client() *s3.Client {
	return s3.NewFromConfig(stack.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
}

func put(t *testing.T, bucket, key string, data []byte) {
	t.Helper()
	if _, err := s3Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
	}); err != nil {
		t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
}

// get returns an object's bytes; found is false when there is no such key.
func get(t *testing.T, bucket, key string) (data []byte, found bool) {
	t.Helper()
	out, err := s3Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var missing *s3types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	data, err = io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read s3://%s/%s: %v", bucket, key, err)
	}
	return data, true
}

// inputs are the generated data every job case reads, with a few malformed records.
type inputs struct {
	text, csv, jsonl []byte
	firstWords       string
}

var (
	dataOnce sync.Once
	data     inputs
)

func testData(t *testing.T) inputs {
	dataOnce.Do(func() {
		gen := func(kind string, size int64, seed uint64) []byte {
			var b bytes.Buffer
			if err := datagen.Kinds[kind](&b, size, seed); err != nil {
				panic(err)
			}
			return b.Bytes()
		}
		data.text = gen("text", 60_000, 7)
		first := data.text[:bytes.IndexByte(data.text, '\n')]
		data.firstWords = strings.Join(strings.Fields(string(first))[:3], " ")
		data.csv = append(gen("uservisits", 60_000, 3), "1.2.3.4,\"unterminated,1999-01-01,5.5,x,USA,en-US,w,3\n1.2.3.4,too,few\n9.9.9.9,http://x,2000-01-01,notanumber,a,USA,en-US,w,4\n"...)
		data.jsonl = append(gen("jsonl", 50_000, 5), "{not json}\n\n{\"sourceIP\":\"1.1.1.1\",\"adRevenue\":7.25,\"countryCode\":\"USA\"}"...)
	})
	if len(data.text) == 0 {
		t.Fatal("no test data")
	}
	return data
}

// jobCase is one job of the contract with its flags and input.
type jobCase struct {
	name, job, ext string
	params         jobs.Params
	input          []byte
}

func jobCases(t *testing.T) []jobCase {
	d := testData(t)
	return []jobCase{
		{"wordcount", "wordcount", "txt", jobs.Params{}, d.text},
		{"grep", "grep", "txt", jobs.Params{"pattern": "ab[cd]e|^q"}, d.text},
		{"select-csv", "select", "csv", jobs.Params{"where": "adRevenue > 500", "columns": "sourceIP,adRevenue,userAgent"}, d.csv},
		{"select-jsonl", "select", "jsonl", jobs.Params{"format": "jsonl", "where": "countryCode == 'USA'", "columns": "sourceIP,adRevenue,userAgent"}, d.jsonl},
		{"groupby-csv", "groupby", "csv", jobs.Params{"key": "sourceIP:8", "agg": "sum:adRevenue,count:duration,avg:adRevenue,min:duration,max:adRevenue"}, d.csv},
		{"groupby-jsonl", "groupby", "jsonl", jobs.Params{"format": "jsonl", "key": "countryCode", "agg": "sum:adRevenue,count:sourceIP"}, d.jsonl},
		{"search", "search", "txt", jobs.Params{"query": d.firstWords, "k": "25"}, d.text},
		{"sql", "sql", "csv", jobs.Params{"query": "SELECT substr(sourceIP, 1, 8) AS k, sum(adRevenue), count(*) FROM 'data.csv' WHERE duration > 3 GROUP BY 1"}, d.csv},
		{"sql-sort", "sql", "csv", jobs.Params{"query": sqlSortQuery("data.csv")}, d.csv},
	}
}

// sqlSortQuery is the ORDER BY without LIMIT of the sql-sort case, over
// from: its partials are sorted runs, gathered by key ranges when asked.
func sqlSortQuery(from string) string {
	return "SELECT sourceIP, adRevenue, countryCode FROM '" + from + "' WHERE duration > 2 ORDER BY adRevenue DESC, countryCode NULLS FIRST"
}

// chunkSize and concurrency of the test jobs: several chunks each, so the
// Distributed Map fans out, with MaxConcurrencyPath below the chunk count.
const (
	chunkSize   = "8KiB"
	concurrency = 3
)

// spec is the JSON job spec of a case: its flags, chunk size and concurrency.
func (c jobCase) spec(extra map[string]any) []byte {
	m := map[string]any{"chunkSize": chunkSize, "concurrency": concurrency}
	for k, v := range c.params {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

// expected is the output of `scatter run` (the local engine, reading the same
// object from the local S3) and of the reference implementation; they must agree.
func (c jobCase) expected(t *testing.T, bucket, key string) []byte {
	t.Helper()
	src := "s3://" + bucket + "/" + key
	withDefaults := jobs.Params{}
	for k, v := range c.params {
		withDefaults[k] = v
	}
	def, ok := jobs.Lookup(c.job)
	if !ok {
		t.Fatalf("no job %q", c.job)
	}
	for _, p := range def.Params {
		if _, set := withDefaults[p.Name]; !set && p.Default != "" {
			withDefaults[p.Name] = p.Default
		}
	}
	// The reference implements the jobs of the contract; sql answers as DuckDB does,
	// which sqlcheck/ proves, so for it `scatter run` alone is the expectation here.
	want, err := reference.Run(c.job, withDefaults, []reference.Input{{Source: src, Data: c.input}})
	if err != nil && c.job != "sql" {
		t.Fatalf("reference %s: %v", c.name, err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	local, err := engine.Open(ctx, filepath.Join(dir, "state"), engine.Options{Endpoint: stack.URL, Region: localaws.Region})
	if err != nil {
		t.Fatalf("open the local engine: %v", err)
	}
	defer local.Close()
	out := filepath.Join(dir, "out")
	eng := &engine.Engine{Handler: local.Handler}
	if _, err := eng.Run(ctx, pipeline.PlanInput{Job: c.job, Params: c.params, Inputs: []string{src}, Output: out, ChunkSize: 8 << 10, MaxConcurrency: concurrency}); err != nil {
		t.Fatalf("scatter run %s: %v", c.name, err)
	}
	got := testutil.ReadFile(t, out)
	if c.job == "sql" {
		want = got
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("scatter run and the reference disagree on %s (%d and %d bytes)", c.name, len(got), len(want))
	}
	if len(want) == 0 {
		t.Fatalf("%s: the expected output is empty: the case tests nothing", c.name)
	}
	return want
}

// TestJobs: for every job (TestJobCasesCoverEveryJob), a job started by an upload
// to incoming/<job>/<name> and one started by POST /jobs run on moto's Step
// Functions with the real binaries, each function and the state machine with its
// own role from the template (IAM on, the default), succeed, and write output byte-identical
// to `scatter run`'s on the same object; GET /jobs/{id} reports progress and
// then success with the output.
func TestJobs(t *testing.T) {
	for _, c := range jobCases(t) {
		t.Run("s3/"+c.name, func(t *testing.T) {
			t.Parallel()
			runThroughS3(t, c)
		})
		t.Run("api/"+c.name, func(t *testing.T) {
			t.Parallel()
			runThroughAPI(t, c)
		})
	}
}

// runThroughS3 uploads the case to incoming/<job>/<name> with its .job.json
// sidecar, waits for the execution the trigger started and checks the output
// at results/<job>/<name> and its summary.
func runThroughS3(t *testing.T, c jobCase) {
	key := fmt.Sprintf("incoming/%s/%s.%s", c.job, c.name, c.ext)
	put(t, stack.InputBucket, key+api.SidecarSuffix, c.spec(nil))
	put(t, stack.InputBucket, key, c.input)
	want := c.expected(t, stack.InputBucket, key)

	outKey := fmt.Sprintf("results/%s/%s.%s", c.job, c.name, c.ext)
	summaryKey := strings.TrimPrefix(pipeline.SummaryLocation("s3://"+stack.OutputBucket+"/"+outKey), "s3://"+stack.OutputBucket+"/")
	if !strings.Contains(summaryKey, "summary") {
		t.Fatalf("summary key %q does not say summary", summaryKey)
	}
	var summary []byte
	testutil.WaitFor(t, jobTimeout, "the summary "+summaryKey, func() bool {
		var ok bool
		summary, ok = get(t, stack.OutputBucket, summaryKey)
		return ok
	})
	var sum pipeline.Summary
	if err := json.Unmarshal(summary, &sum); err != nil {
		t.Fatalf("summary: %v", err)
	}
	// The upload's execution is named by its submission, not by the ledger's job ID:
	// find it by the output it writes.
	name := executionWriting(t, "s3://"+stack.OutputBucket+"/"+outKey)
	exec := waitExecution(t, name)
	if exec != "SUCCEEDED" {
		t.Fatalf("execution %s (job %s): %s", name, sum.JobID, exec)
	}
	if sum.Chunks < 2 {
		t.Errorf("%d chunks: want several, so the Distributed Map fans out", sum.Chunks)
	}
	if want := plan.NewTree(sum.Chunks, fanIn).Levels(); sum.FanIn != fanIn || sum.GatherLevels != want || want < 2 {
		t.Errorf("gathered %d chunks with fan-in %d in %d levels; want fan-in %d and %d levels of the state machine's tree", sum.Chunks, sum.FanIn, sum.GatherLevels, fanIn, want)
	}
	t.Logf("%d chunks gathered with fan-in %d in %d levels", sum.Chunks, sum.FanIn, sum.GatherLevels)
	got, ok := get(t, stack.OutputBucket, outKey)
	if !ok {
		t.Fatalf("no output at %s", outKey)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("output through S3 trigger and moto differs from scatter run's (%d and %d bytes)\n%s", len(got), len(want), firstDiff(got, want))
	}
}

// runThroughAPI starts the case with POST /jobs, follows it with GET /jobs/{id}
// to its success and checks the output.
func runThroughAPI(t *testing.T, c jobCase) {
	key := fmt.Sprintf("data/%s.%s", c.name, c.ext)
	put(t, stack.InputBucket, key, c.input)
	output := fmt.Sprintf("s3://%s/results/api/%s.%s", stack.OutputBucket, c.name, c.ext) // outputs go under results/
	spec := c.spec(map[string]any{"job": c.job, "input": "s3://" + stack.InputBucket + "/" + key, "output": output})
	sub := submit(t, spec)
	want := c.expected(t, stack.InputBucket, key)

	st := waitStatus(t, sub.JobID)
	if st.Status != "SUCCEEDED" || st.Output != output || st.Progress != 1 || st.Chunks < 2 || st.Committed != st.Chunks {
		t.Fatalf("GET /jobs/%s at the end: %+v", sub.JobID, st)
	}
	if !strings.Contains(st.Summary, "summary") {
		t.Errorf("summary location %q", st.Summary)
	}
	got, ok := get(t, stack.OutputBucket, strings.TrimPrefix(output, "s3://"+stack.OutputBucket+"/"))
	if !ok {
		t.Fatalf("no output at %s", output)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("output through the API and moto differs from scatter run's (%d and %d bytes)\n%s", len(got), len(want), firstDiff(got, want))
	}
}

// TestLargeGrepIsComposed: a grep whose partials hold more than 5 MiB, run by
// the state machine through a level of the gather tree, has its output
// composed on S3 by the reducer binary: S3 copies most bytes (UploadPartCopy),
// and the output is the input (every line matches).
func TestLargeGrepIsComposed(t *testing.T) {
	var b bytes.Buffer
	if err := datagen.Text(&b, 14<<20, 21); err != nil {
		t.Fatal(err)
	}
	input := b.Bytes()
	key := "data/large-grep.txt"
	put(t, stack.InputBucket, key, input)
	output := fmt.Sprintf("s3://%s/results/api/large-grep.txt", stack.OutputBucket)
	spec, _ := json.Marshal(map[string]any{"job": "grep", "pattern": "[a-z]", "chunkSize": "6MiB",
		"input": "s3://" + stack.InputBucket + "/" + key, "output": output})
	sub := submit(t, spec)
	if st := waitStatus(t, sub.JobID); st.Status != "SUCCEEDED" {
		t.Fatalf("GET /jobs/%s at the end: %+v", sub.JobID, st)
	}
	outKey := strings.TrimPrefix(output, "s3://"+stack.OutputBucket+"/")
	got, ok := get(t, stack.OutputBucket, outKey)
	if !ok || !bytes.Equal(got, input) {
		t.Fatalf("output (%d bytes, found %v) is not the input (%d bytes)\n%s", len(got), ok, len(input), firstDiff(got, input))
	}
	summary, _ := get(t, stack.OutputBucket, outKey+".summary.json")
	var sum pipeline.Summary
	if err := json.Unmarshal(summary, &sum); err != nil {
		t.Fatalf("summary: %v", err)
	}
	if a := sum.Assembly; a == nil || a.CopiedBytes < int64(len(input))/2 || sum.GatherLevels < 1 {
		t.Fatalf("summary: assembly %+v after %d levels; want most bytes copied by S3 after a tree level", a, sum.GatherLevels)
	}
	t.Logf("%d chunks, %d levels: %d parts, %d bytes copied by S3, %d sent", sum.Chunks, sum.GatherLevels, sum.Assembly.Parts, sum.Assembly.CopiedBytes, sum.Assembly.SentBytes)
}

// TestCopyIntoIncomingStartsAJob: CopyObject creates an object as PutObject
// does (s3:ObjectCreated:Copy), so a copy into incoming/ starts its job.
func TestCopyIntoIncomingStartsAJob(t *testing.T) {
	t.Parallel()
	c := jobCases(t)[0] // wordcount
	put(t, stack.InputBucket, "data/copy-source.txt", c.input)
	key := "incoming/wordcount/copied.txt"
	if _, err := s3Client().CopyObject(context.Background(), &s3.CopyObjectInput{
		Bucket: aws.String(stack.InputBucket), Key: aws.String(key), CopySource: aws.String(stack.InputBucket + "/data/copy-source.txt"),
	}); err != nil {
		t.Fatal(err)
	}
	want := referenceOf(t, c.job, c.params, stack.InputBucket, key, c.input)
	var got []byte
	testutil.WaitFor(t, jobTimeout, "the output of the copied object", func() bool {
		var ok bool
		got, ok = get(t, stack.OutputBucket, "results/wordcount/copied.txt")
		return ok
	})
	if !bytes.Equal(got, want) {
		t.Fatalf("output of the copied object differs from the reference (%d and %d bytes)\n%s", len(got), len(want), firstDiff(got, want))
	}
}

// TestSameSpecTwiceIsOneJob: posting one spec twice, while it runs and after it
// finished, names one job and starts one execution.
func TestSameSpecTwiceIsOneJob(t *testing.T) {
	t.Parallel()
	key := "data/twice.txt"
	put(t, stack.InputBucket, key, testData(t).text)
	spec := []byte(fmt.Sprintf(`{"job":"wordcount","input":"s3://%s/%s","chunkSize":"%s"}`, stack.InputBucket, key, chunkSize))
	var ids []string
	for i := 0; i < 2; i++ {
		code, body := apiCall(t, http.MethodPost, "/jobs", spec)
		var sub api.Submission
		if (code != http.StatusAccepted && code != http.StatusOK) || json.Unmarshal(body, &sub) != nil {
			t.Fatalf("POST %d: %d %s", i+1, code, body)
		}
		ids = append(ids, sub.JobID)
	}
	if st := waitStatus(t, ids[0]); st.Status != "SUCCEEDED" {
		t.Fatalf("job %s: %+v", ids[0], st)
	}
	// The ledger says SUCCEEDED a few states before the execution ends; while it
	// runs, StartExecution of the same name and input is idempotent (202), as on AWS.
	if exec := waitExecution(t, ids[0]); exec != "SUCCEEDED" {
		t.Fatalf("execution %s: %s", ids[0], exec)
	}
	code, body := apiCall(t, http.MethodPost, "/jobs", spec)
	var again api.Submission
	if code != http.StatusOK || json.Unmarshal(body, &again) != nil || !again.Duplicate {
		t.Fatalf("POST after success: %d %s; want 200 with duplicate", code, body)
	}
	ids = append(ids, again.JobID)
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("job IDs %v: want one job", ids)
	}
	if n := moto.ExecutionsNamed(t, sfn.NewFromConfig(stack.AWSConfig()), stack.StateMachineARN, ids[0]); n != 1 {
		t.Fatalf("%d executions of job %s, want 1", n, ids[0])
	}
}

// TestStrictFailureIsReported: a strict job over a malformed record fails in
// a mapper; the Map state fails, its Catch records the failure with the
// reducer, the execution fails, and GET /jobs/{id} reports it.
func TestStrictFailureIsReported(t *testing.T) {
	t.Parallel()
	key := "data/strict.csv"
	csv := testData(t).csv
	put(t, stack.InputBucket, key, csv)
	spec := []byte(fmt.Sprintf(`{"job":"select","input":"s3://%s/%s","where":"adRevenue > 1","columns":"sourceIP","strict":true,"chunkSize":"%s"}`,
		stack.InputBucket, key, chunkSize))
	sub := submit(t, spec)
	st := waitStatus(t, sub.JobID)
	if st.Status != "FAILED" {
		t.Fatalf("strict job over a malformed record: %+v; want it FAILED", st)
	}
	// The ledger says FAILED as soon as RecordFailure ran; the execution ends after it.
	if exec := waitExecution(t, sub.JobID); exec != "FAILED" {
		t.Fatalf("strict job's execution ended %s, want FAILED", exec)
	}
	// The Map state fails (no item failure is tolerated) and its Catch records
	// the failure: the reducer never gathers, and the recorded error names the
	// failed chunk's source and byte offset, not only the Map's threshold.
	source := "s3://" + stack.InputBucket + "/" + key
	if !strings.Contains(st.Error, "RecordError") || !strings.Contains(st.Error, source) || !strings.Contains(st.Error, "at byte") {
		t.Errorf("error %q: want the chunk's RecordError naming %s and the byte offset", st.Error, source)
	}
	if _, found := get(t, stack.OutputBucket, strings.TrimPrefix(sub.Output, "s3://"+stack.OutputBucket+"/")); found {
		t.Errorf("a failed job wrote its output %s", sub.Output)
	}
}

// TestResultsKeyStartsNothing: objects under results/ (in either bucket) and
// anything in the output bucket start no job; the api function also refuses
// such an event when it gets one. It runs alone (not in parallel), so that it
// can count the api function's invocations.
func TestResultsKeyStartsNothing(t *testing.T) {
	before := apiInvocations()
	put(t, stack.InputBucket, "results/wordcount/loop.txt", []byte("a b c\n"))
	put(t, stack.OutputBucket, "results/wordcount/loop.txt", []byte("a b c\n"))
	put(t, stack.OutputBucket, "incoming/wordcount/loop.txt", []byte("a b c\n"))
	stack.Wait()
	if n := apiInvocations() - before; n != 0 {
		t.Errorf("%d api invocations after uploads outside the trigger: want 0", n)
	}
	// Requests on an object under incoming/ that create nothing start nothing either.
	put(t, stack.InputBucket, "incoming/wordcount/tagged.txt", []byte("a b c\n"))
	stack.Wait()
	before = apiInvocations()
	ctx := context.Background()
	if _, err := s3Client().PutObjectTagging(ctx, &s3.PutObjectTaggingInput{
		Bucket: aws.String(stack.InputBucket), Key: aws.String("incoming/wordcount/tagged.txt"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(stack.InputBucket), Key: aws.String("incoming/wordcount/tagged.txt")}); err != nil {
		t.Fatal(err)
	}
	stack.Wait()
	if n := apiInvocations() - before; n != 0 {
		t.Errorf("%d api invocations after tagging and reading an incoming object: want 0", n)
	}
	for _, bucket := range []string{stack.InputBucket, stack.OutputBucket} {
		ev := fmt.Sprintf(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":%q},"object":{"key":"results/wordcount/loop.txt"}}}]}`, bucket)
		res, err := stack.Invoke(context.Background(), "api", []byte(ev))
		if err != nil || res.FunctionError != "" {
			t.Fatalf("api on an event for results/: %v %s", err, res.Payload)
		}
		var out api.S3Result
		if err := json.Unmarshal(res.Payload, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Started) != 0 || len(out.Skipped) != 1 {
			t.Errorf("event for s3://%s/results/...: %s; want one skipped record and nothing started", bucket, res.Payload)
		}
	}
	for _, e := range moto.Executions(t, sfn.NewFromConfig(stack.AWSConfig()), stack.StateMachineARN) {
		if strings.Contains(aws.ToString(e.Name), "loop") {
			t.Errorf("execution %s started", aws.ToString(e.Name))
		}
	}
}

// TestDefinitionIsTheShippedOne: the definition moto runs is the one in
// statemachine/ with the template's substitutions, the same JSON value.
func TestDefinitionIsTheShippedOne(t *testing.T) {
	t.Parallel()
	out, err := sfn.NewFromConfig(stack.AWSConfig()).DescribeStateMachine(context.Background(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(stack.StateMachineARN)})
	if err != nil {
		t.Fatal(err)
	}
	arn := func(fn string) string {
		return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", localaws.Region, localaws.AccountID, fn)
	}
	shipped, err := asl.Substitute(statemachine.Definition, map[string]string{
		"SplitterFunctionArn": arn("SplitterFunction"), "MapperFunctionArn": arn("MapperFunction"), "ReducerFunctionArn": arn("ReducerFunction"),
		statemachine.ChildExecutionType: statemachine.Standard, // the template's default
	})
	if err != nil {
		t.Fatal(err)
	}
	same, err := localaws.SameDefinition(string(shipped), aws.ToString(out.Definition))
	if err != nil || !same {
		t.Fatalf("moto runs a definition other than the shipped one (%v)", err)
	}
}

// TestUpNamesWhatIsMissing: without python3 or without the Lambda binaries
// the local AWS does not start, and the error says what to install or build.
func TestUpNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		opts   localaws.Options
		wanted []string
	}{
		{"python3", localaws.Options{BinDir: binDir, Python: filepath.Join(t.TempDir(), "python3")}, []string{"python3", "moto"}},
		{"binaries", localaws.Options{BinDir: t.TempDir()}, []string{"bootstrap", "make build-local"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Template = filepath.Join(repoRoot, "template.yaml")
			s, err := localaws.Up(context.Background(), tc.opts)
			if err == nil {
				s.Close()
				t.Fatal("Up started")
			}
			testutil.ErrorNames(t, err, tc.wanted...)
		})
	}
}

func apiInvocations() int {
	n := 0
	for _, r := range stack.Stats() {
		if r.Function == "ApiFunction" {
			n++
		}
	}
	return n
}

// submit starts a job with POST /jobs and returns the accepted submission.
func submit(t *testing.T, spec []byte) api.Submission {
	t.Helper()
	code, body := apiCall(t, http.MethodPost, "/jobs", spec)
	if code != http.StatusAccepted {
		t.Fatalf("POST /jobs: %d %s", code, body)
	}
	var sub api.Submission
	if err := json.Unmarshal(body, &sub); err != nil || sub.JobID == "" {
		t.Fatalf("POST /jobs answered %s (%v)", body, err)
	}
	return sub
}

func apiCall(t *testing.T, method, path string, body []byte) (int, []byte) {
	t.Helper()
	return call(t, method, stack.APIURL+path, body)
}

// waitStatus polls GET /jobs/{id} until the job is final, checking that its
// progress only grows on the way.
func waitStatus(t *testing.T, id string) api.Status {
	t.Helper()
	return waitStatusFor(t, id, jobTimeout)
}

// waitStatusFor is waitStatus with a timeout of its own.
func waitStatusFor(t *testing.T, id string, timeout time.Duration) api.Status {
	t.Helper()
	var st api.Status
	lastCommitted := 0
	testutil.WaitFor(t, timeout, "job "+id+" to finish", func() bool {
		code, body := apiCall(t, http.MethodGet, "/jobs/"+id, nil)
		if code != http.StatusOK {
			t.Fatalf("GET /jobs/%s: %d %s", id, code, body)
		}
		st = api.Status{}
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatalf("GET /jobs/%s: %v: %s", id, err, body)
		}
		if st.JobID != id || st.Committed < lastCommitted || st.Progress < 0 || st.Progress > 1 {
			t.Fatalf("GET /jobs/%s: %s (committed %d before)", id, body, lastCommitted)
		}
		lastCommitted = st.Committed
		return st.Terminal()
	})
	return st
}

// waitExecution waits until the job's execution is no longer RUNNING.
func waitExecution(t *testing.T, jobID string) string {
	t.Helper()
	c := sfn.NewFromConfig(stack.AWSConfig())
	var status string
	testutil.WaitFor(t, jobTimeout, "execution "+jobID, func() bool {
		out, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(api.ExecutionARN(stack.StateMachineARN, jobID))})
		if err != nil {
			t.Fatalf("describe execution %s: %v", jobID, err)
		}
		status = string(out.Status)
		return status != "RUNNING"
	})
	return status
}

// executionWriting returns the name of the execution whose input names output.
func executionWriting(t *testing.T, output string) string {
	t.Helper()
	c := sfn.NewFromConfig(stack.AWSConfig())
	for _, e := range moto.Executions(t, c, stack.StateMachineARN) {
		d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		var in pipeline.PlanInput
		if json.Unmarshal([]byte(aws.ToString(d.Input)), &in) == nil && in.Output == output {
			return aws.ToString(e.Name)
		}
	}
	t.Fatalf("no execution writes %s", output)
	return ""
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	clip := func(x []byte) []byte { return x[min(i, len(x)):min(i+80, len(x))] }
	return fmt.Sprintf("first difference at byte %d: got %q, want %q", i, clip(a), clip(b))
}

// TestFaultsThroughMoto: on a local AWS whose mapper crashes before some
// commits and delivers some chunks twice, moto's Step Functions retries the
// RetryableErrors (Retry with JitterStrategy FULL) and the job still writes
// exactly `scatter run`'s output. The fault seed is chosen for the job's ID
// (crashSeed), so that a mapper attempt surely fails whatever the ID covers.
func TestFaultsThroughMoto(t *testing.T) {
	t.Parallel()
	c := jobCases(t)[0] // wordcount
	key := "incoming/wordcount/faults.txt"
	output := "results/wordcount/faults.txt"
	sidecar := c.spec(map[string]any{"concurrency": 1})
	// The faulty stack's buckets are the shared stack's: both are named by the template.
	jobID := triggeredJobID(t, c.job, sidecar, key, output, c.input)
	const spec = "mapper.crash.before-commit=0.3,mapper.duplicate=0.3"
	seed := crashSeed(t, spec, jobID)
	upCtx, upCancel := upContext()
	defer upCancel()
	faulty, err := localaws.Up(upCtx, localaws.Options{
		Template: filepath.Join(repoRoot, "template.yaml"), BinDir: binDir,
		ExtraEnv: map[string]string{faults.EnvFaults: spec, faults.EnvSeed: strconv.FormatUint(seed, 10)},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer faulty.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if faulty.InputBucket != stack.InputBucket || faulty.OutputBucket != stack.OutputBucket {
		t.Fatalf("the faulty stack's buckets %s, %s are not the shared stack's %s, %s, which the job ID was derived with",
			faulty.InputBucket, faulty.OutputBucket, stack.InputBucket, stack.OutputBucket)
	}
	client := s3.NewFromConfig(faulty.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	// The sidecar first: an upload whose sidecar is not there yet is a job without it.
	for _, o := range []struct {
		key  string
		body []byte
	}{{key + api.SidecarSuffix, sidecar}, {key, c.input}} {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(faulty.InputBucket), Key: aws.String(o.key), Body: bytes.NewReader(o.body)}); err != nil {
			t.Fatal(err)
		}
	}
	want := referenceOf(t, c.job, c.params, faulty.InputBucket, key, c.input)
	var got []byte
	testutil.WaitFor(t, jobTimeout, "the output of the faulty job", func() bool {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(faulty.OutputBucket), Key: aws.String(output)})
		if err != nil {
			return false
		}
		defer out.Body.Close()
		got, err = io.ReadAll(out.Body)
		return err == nil
	})
	if !bytes.Equal(got, want) {
		t.Fatalf("output under faults differs from scatter run's (%d and %d bytes)\n%s", len(got), len(want), firstDiff(got, want))
	}
	retried, chosen := 0, false
	var failures []string
	for _, r := range faulty.Stats() {
		if r.Function == "MapperFunction" && r.ErrorType == "RetryableError" {
			retried++
			chosen = chosen || strings.Contains(r.ErrorMessage, "mapper.crash.before-commit at "+jobID+"/0")
			failures = append(failures, r.ErrorMessage)
		}
	}
	if !chosen {
		t.Fatalf("seed %d was chosen to crash job %s's chunk 0 before its commit, but no mapper attempt failed so "+
			"(the job had another ID?); %d mapper attempts failed and were retried: %q", seed, jobID, retried, failures)
	}
	t.Logf("%d mapper attempts failed with RetryableError and were retried (seed %d)", retried, seed)
}

// triggeredJobID is the ID of the job that uploading data to key in the input
// bucket, with sidecar beside it, starts: the spec the S3 event makes
// (api.Service's startFromRecord: the sidecar's, over the upload, into output
// in the output bucket), planned by the API, over the object as the splitter
// resolves it. Its ETag is the MD5 of data, as S3 gives an object PUT in
// plaintext: "Objects created by the PUT Object ... and are encrypted by SSE-S3
// or plaintext, have ETags that are an MD5 digest of their object data"
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html).
func triggeredJobID(t *testing.T, job string, sidecar []byte, key, output string, data []byte) string {
	t.Helper()
	spec, err := api.ParseSpec(sidecar)
	if err != nil {
		t.Fatal(err)
	}
	loc := "s3://" + stack.InputBucket + "/" + key
	spec.Job, spec.Inputs, spec.Output = job, []string{loc}, "s3://"+stack.OutputBucket+"/"+output
	svc := &api.Service{Config: api.Config{InputBucket: stack.InputBucket, OutputBucket: stack.OutputBucket}}
	in, _, err := svc.Plan(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	return in.JobID([]plan.Object{{Source: loc, URL: loc, Size: int64(len(data)), ETag: hex.EncodeToString(sum[:])}})
}

// crashSeed is the first seed under which spec's faults crash the first
// attempt at chunk 0 of job jobID before its commit, with no duplicate
// delivery of the chunk that could commit first, and spare the retry in the
// same instance. The faults are keyed by the job ID (pipeline.Handler.Map's
// key for chunk 0 is jobID/0), so a seed fixed by hand stops failing any
// attempt when what the ID covers changes; this one fails one whatever it is.
func crashSeed(t *testing.T, spec, jobID string) uint64 {
	t.Helper()
	key := jobID + "/0"
	for seed := uint64(1); seed < 10_000; seed++ {
		fs, err := faults.Parse(spec, seed)
		if err != nil {
			t.Fatal(err)
		}
		if !fs.Fire("mapper.duplicate", key) && fs.Fire("mapper.crash.before-commit", key) && !fs.Fire("mapper.crash.before-commit", key) {
			return seed
		}
	}
	t.Fatalf("no seed below 10000 crashes chunk 0 of %s under %s", jobID, spec)
	return 0
}

// referenceOf is the reference implementation's output of job over one object, key in
// bucket: what the stack must write.
func referenceOf(t *testing.T, job string, p jobs.Params, bucket, key string, data []byte) []byte {
	t.Helper()
	want, err := reference.Run(job, p, []reference.Input{{Source: "s3://" + bucket + "/" + key, Data: data}})
	if err != nil {
		t.Fatalf("reference %s: %v", job, err)
	}
	return want
}
