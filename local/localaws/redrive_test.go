package localaws_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/report/attempts"
)

// TestRedriveResumesAFailedJob: a strict job fails on a malformed row in one chunk; the
// failure is recorded (FAILED, naming the row) and the execution fails at RecordFailure.
// With the row fixed in place, `scatter resume JOBID --remote` redrives the execution:
// RecordFailure runs again, reopens the job, the Scatter Map runs again, the chunks
// committed before answer from the ledger and only the failed one is mapped, and the
// job succeeds with the output of the fixed data.
func TestRedriveResumesAFailedJob(t *testing.T) {
	t.Parallel()
	var rows bytes.Buffer
	rows.WriteString("id,adRevenue,name\n")
	bad := 0
	for i := range 600 {
		if i == 450 {
			bad = rows.Len()
			fmt.Fprintf(&rows, "%d,%d.5,\"unterminated name %d\n", i, i%50, i)
			continue
		}
		fmt.Fprintf(&rows, "%d,%d.5,name %d\n", i, i%50, i)
	}
	data := rows.Bytes()
	key := "data/redrive.csv"
	put(t, stack.InputBucket, key, data)
	spec := []byte(fmt.Sprintf(`{"job":"select","input":"s3://%s/%s","where":"adRevenue > 25","columns":"id,name","strict":true,"chunkSize":"2KiB"}`, stack.InputBucket, key))
	sub := submit(t, spec)
	st := waitStatus(t, sub.JobID)
	if st.Status != "FAILED" || !strings.Contains(st.Error, "RecordError") {
		t.Fatalf("the strict job: %+v; want FAILED on the malformed row", st)
	}
	if exec := waitExecution(t, sub.JobID); exec != "FAILED" {
		t.Fatalf("execution %s, want FAILED", exec)
	}
	failedAt := st.Committed
	if failedAt == 0 || failedAt >= st.Chunks {
		t.Fatalf("%d of %d chunks committed before the failure: want some but not all", failedAt, st.Chunks)
	}

	// Fix the row in place (same length, so the plan's byte ranges still hold) and redrive.
	fixed := bytes.Clone(data)
	fixed[bad+bytes.IndexByte(data[bad:], '"')] = 'N'
	put(t, stack.InputBucket, key, fixed)
	var env []string
	for _, kv := range stack.Exports() {
		env = append(env, kv[0]+"="+kv[1])
	}
	env = append(env, "HOME="+t.TempDir(), "PATH="+os.Getenv("PATH"))
	if _, errOut, err := runScatterEnv(env, "resume", sub.JobID, "--remote"); err != nil {
		t.Fatalf("scatter resume --remote: %v\n%s", err, errOut)
	}
	if exec := waitExecution(t, sub.JobID); exec != "SUCCEEDED" {
		t.Fatalf("the redriven execution ended %s, want SUCCEEDED", exec)
	}
	out, err := sfn.NewFromConfig(stack.AWSConfig()).DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(api.ExecutionARN(stack.StateMachineARN, sub.JobID))})
	if err != nil || aws.ToInt32(out.RedriveCount) != 1 {
		t.Fatalf("DescribeExecution after one redrive: redriveCount %v, %v", out.RedriveCount, err)
	}
	st = waitStatus(t, sub.JobID)
	if st.Status != "SUCCEEDED" || st.Runs != 2 || st.Committed != st.Chunks {
		t.Fatalf("after the redrive: %+v; want SUCCEEDED in 2 runs with every chunk committed", st)
	}
	want := referenceOf(t, "select", jobs.Params{"where": "adRevenue > 25", "columns": "id,name", "strict": "true"}, stack.InputBucket, key, fixed)
	got, _ := get(t, stack.OutputBucket, strings.TrimPrefix(st.Output, "s3://"+stack.OutputBucket+"/"))
	if !bytes.Equal(got, want) {
		t.Fatalf("output after the redrive: %s", firstDiff(got, want))
	}
	// The chunks committed before the failure were not mapped again.
	work := pipeline.WorkArea(stack.OutputBucket, st.LedgerJobID)
	objs, err := s3List(t, stack.OutputBucket, strings.TrimPrefix(attempts.Prefix(work), "s3://"+stack.OutputBucket+"/")+"map/")
	if err != nil {
		t.Fatal(err)
	}
	committed := 0
	for _, k := range objs {
		if strings.Contains(k, "-committed-") {
			committed++
		}
	}
	if committed != st.Chunks {
		t.Errorf("%d committed map attempts for %d chunks: a chunk committed before the redrive was mapped again", committed, st.Chunks)
	}

	// A job that succeeded is not redrivable.
	if _, errOut, err := runScatterEnv(env, "resume", sub.JobID, "--remote"); err == nil || !strings.Contains(errOut, "ExecutionNotRedrivable") {
		t.Errorf("redrive of a succeeded job: %v %s; want ExecutionNotRedrivable", err, errOut)
	}
}

// s3List returns the keys under prefix in bucket.
func s3List(t *testing.T, bucket, prefix string) ([]string, error) {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(s3Client(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}
