package localaws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/localaws"
)

// editedTemplate writes template.yaml as edit changes it to a temporary file
// and returns its path: a stack deployed from a variant of the shipped template.
func editedTemplate(t *testing.T, edit func(text string) string) string {
	t.Helper()
	raw := testutil.ReadFile(t, filepath.Join(repoRoot, "template.yaml"))
	path := testutil.WriteFile(t, t.TempDir(), "template.yaml", []byte(edit(string(raw))))
	return path
}

// withoutMapperPut is template.yaml with s3:PutObject taken out of the mapper's
// WritePartials statement: the mapper may no longer write its partial.
func withoutMapperPut(t *testing.T) string {
	t.Helper()
	return editedTemplate(t, func(text string) string {
		mapper := strings.Index(text, "\n  MapperFunction:\n")
		if mapper < 0 {
			t.Fatal("template.yaml has no MapperFunction")
		}
		sid := strings.Index(text[mapper:], "Sid: WritePartials")
		if sid < 0 {
			t.Fatal("template.yaml has no MapperFunction with a WritePartials statement")
		}
		at := mapper + sid
		put := strings.Index(text[at:], "- s3:PutObject\n")
		if put < 0 {
			t.Fatal("the mapper's WritePartials does not grant s3:PutObject")
		}
		start := strings.LastIndex(text[:at+put], "\n") + 1
		end := at + put + len("- s3:PutObject\n")
		return text[:start] + text[end:]
	})
}

// upVariant starts a local AWS of its own from the template at path, closed
// when the test ends. A test's deadline for its job starts after it: bringing a
// stack up has its own bound (upContext).
func upVariant(t *testing.T, path string) *localaws.Stack {
	t.Helper()
	ctx, cancel := upContext()
	defer cancel()
	st, err := localaws.Up(ctx, localaws.Options{Template: path, BinDir: binDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// putOn writes an object to a stack of upVariant's.
func putOn(ctx context.Context, t *testing.T, st *localaws.Stack, bucket, key string, data []byte) {
	t.Helper()
	client := s3.NewFromConfig(st.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
}

// getFrom reads an object from a stack of upVariant's.
func getFrom(ctx context.Context, t *testing.T, st *localaws.Stack, bucket, key string) []byte {
	t.Helper()
	client := s3.NewFromConfig(st.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// submitAndWait submits spec to the stack's POST /jobs, waits until the job
// ends and returns its last status.
func submitAndWait(t *testing.T, st *localaws.Stack, spec map[string]any) api.Status {
	t.Helper()
	return submitAndWaitWithin(t, st, spec, jobTimeout)
}

// submitAndWaitWithin is submitAndWait for a job that may take up to timeout.
func submitAndWaitWithin(t *testing.T, st *localaws.Stack, spec map[string]any, timeout time.Duration) api.Status {
	t.Helper()
	body, _ := json.Marshal(spec)
	code, resp := call(t, http.MethodPost, st.APIURL+"/jobs", body)
	var sub api.Submission
	if code != http.StatusAccepted || json.Unmarshal(resp, &sub) != nil {
		t.Fatalf("POST /jobs: %d %s", code, resp)
	}
	var status api.Status
	testutil.WaitFor(t, timeout, "job "+sub.JobID+" to end", func() bool {
		code, resp := call(t, http.MethodGet, st.APIURL+"/jobs/"+sub.JobID, nil)
		status = api.Status{}
		if code != http.StatusOK || json.Unmarshal(resp, &status) != nil {
			t.Fatalf("GET /jobs/%s: %d %s", sub.JobID, code, resp)
		}
		return status.Terminal()
	})
	return status
}

// TestDeniedPermissionFailsTheJobAtOnce: on a local AWS whose template no longer
// grants the mapper s3:PutObject, a job fails with S3's AccessDenied naming the
// action, and at once: its one chunk's mapper ran once (a StoreError is not retried).
func TestDeniedPermissionFailsTheJobAtOnce(t *testing.T) {
	t.Parallel()
	denied := upVariant(t, withoutMapperPut(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := s3.NewFromConfig(denied.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	key := "data/denied.txt"
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(denied.InputBucket), Key: aws.String(key), Body: strings.NewReader("a b c\nb c\n")}); err != nil {
		t.Fatal(err)
	}
	st := submitAndWait(t, denied, map[string]any{"job": "wordcount", "input": "s3://" + denied.InputBucket + "/" + key, "output": "s3://" + denied.OutputBucket + "/results/denied.txt"})
	if st.Status != "FAILED" {
		t.Fatalf("job without the mapper's s3:PutObject: %s %q; want FAILED", st.Status, st.Error)
	}
	// The job's error is the Map's (its tolerated failures exceeded): the mapper could
	// not write its failure record either, as on AWS. The mapper's own error names the
	// refusal as S3 answers it.
	mappers := 0
	for _, r := range denied.Stats() {
		if r.Function != "MapperFunction" {
			continue
		}
		mappers++
		if r.ErrorType != "StoreError" || !strings.Contains(r.ErrorMessage, "AccessDenied") || !strings.Contains(r.ErrorMessage, "s3:PutObject") {
			t.Errorf("the denied mapper failed with %s %q, want a StoreError (not retried) with S3's AccessDenied naming s3:PutObject", r.ErrorType, r.ErrorMessage)
		}
	}
	if st.Chunks != 1 || mappers != 1 {
		t.Fatalf("%d chunks, %d mapper invocations: want the one chunk's mapper to run once, not retried", st.Chunks, mappers)
	}
	t.Logf("failed at once: %s", st.Error)
}

// TestJobCasesCoverEveryJob: the table TestJobs runs through the local AWS, with IAM
// on, holds every registered job, so a new job cannot skip the strict tier.
func TestJobCasesCoverEveryJob(t *testing.T) {
	have := map[string]bool{}
	for _, c := range jobCases(t) {
		have[c.job] = true
	}
	for _, d := range jobs.Definitions() {
		if !have[d.Name] {
			t.Errorf("job %s is registered but not in jobCases: it never runs on the local AWS", d.Name)
		}
	}
}

func call(t *testing.T, method, url string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestJobThroughThrottles: on a local AWS whose template reserves one concurrent
// execution for the mapper (ReservedConcurrentExecutions: 1), a job run with
// concurrency 4 has its mapper invocations past the first refused with 429
// TooManyRequestsException, as Lambda refuses them
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html); the
// mapper Task's Retry on Lambda.TooManyRequestsException takes them again, and the job
// completes with the reference's output, each chunk mapped once.
func TestJobThroughThrottles(t *testing.T) {
	t.Parallel()
	const declared = "ReservedConcurrentExecutions: !If [HasMapperReservedConcurrency, !Ref MapperReservedConcurrency, !Ref AWS::NoValue]"
	template := editedTemplate(t, func(text string) string {
		if strings.Count(text, declared) != 1 {
			t.Fatalf("template.yaml does not declare the mapper's reserved concurrency as %q", declared)
		}
		return strings.Replace(text, declared, "ReservedConcurrentExecutions: 1", 1)
	})
	// The first mapper invocation is held in its slot until another has been
	// throttled, so the throttle does not depend on how the invocations happen to
	// overlap. The minute only bounds a host that never throttles (the test then fails).
	var (
		stack *localaws.Stack
		ready = make(chan struct{})
		held  atomic.Bool
	)
	hold := func(fn string) {
		if fn != "MapperFunction" || held.Swap(true) {
			return
		}
		<-ready
		for end := time.Now().Add(time.Minute); stack.Throttles("MapperFunction") == 0 && time.Now().Before(end); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	upCtx, upCancel := upContext()
	defer upCancel()
	st, err := localaws.Up(upCtx, localaws.Options{Template: template, BinDir: binDir, Admitted: hold})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stack = st
	close(ready)
	var data bytes.Buffer
	if err := datagen.Text(&data, 6_000, 3); err != nil {
		t.Fatal(err)
	}
	key := "data/throttled.txt"
	putOn(ctx, t, st, st.InputBucket, key, data.Bytes())
	status := submitAndWaitWithin(t, st, map[string]any{"job": "wordcount", "input": "s3://" + st.InputBucket + "/" + key,
		"output": "s3://" + st.OutputBucket + "/results/throttled.txt", "chunkSize": 1000, "concurrency": 4}, 5*time.Minute)
	if status.Status != "SUCCEEDED" || status.Chunks < 4 {
		t.Fatalf("the job: %s %q with %d chunks, want SUCCEEDED with at least 4", status.Status, status.Error, status.Chunks)
	}
	throttles := st.Throttles("MapperFunction")
	if throttles == 0 {
		t.Fatal("no mapper invocation was throttled: the reserved concurrency of 1 was not enforced")
	}
	mappers := 0
	for _, r := range st.Stats() {
		if r.Function == "MapperFunction" {
			mappers++
		}
	}
	if mappers != status.Chunks {
		t.Errorf("%d mapper invocations ran for %d chunks, want one each (a throttled invocation does not run)", mappers, status.Chunks)
	}
	got := getFrom(ctx, t, st, st.OutputBucket, "results/throttled.txt")
	want, err := reference.Run("wordcount", jobs.Params{}, []reference.Input{{Source: "s3://" + st.InputBucket + "/" + key, Data: data.Bytes()}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("output: %s", firstDiff(got, want))
	}
	t.Logf("%d chunks, %d throttled mapper invocations retried", status.Chunks, throttles)
}
