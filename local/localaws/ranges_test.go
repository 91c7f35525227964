package localaws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
)

// startRanged starts an execution of the stack's state machine (the shipped
// definition on moto's Step Functions) with in as its input, as `scatter
// run --partitions` would submit it, waits for it to succeed and returns the
// summary the reducer binary wrote.
func startRanged(t *testing.T, name string, in pipeline.PlanInput) pipeline.Summary {
	t.Helper()
	input, _ := json.Marshal(in)
	if _, err := sfn.NewFromConfig(stack.AWSConfig()).StartExecution(context.Background(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(stack.StateMachineARN), Name: aws.String(name), Input: aws.String(string(input)),
	}); err != nil {
		t.Fatalf("start execution %s: %v", name, err)
	}
	if status := waitExecution(t, name); status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s", name, status)
	}
	summary, ok := get(t, stack.OutputBucket, strings.TrimPrefix(pipeline.SummaryLocation(in.Output), "s3://"+stack.OutputBucket+"/"))
	if !ok {
		t.Fatalf("no summary of %s", in.Output)
	}
	var sum pipeline.Summary
	if err := json.Unmarshal(summary, &sum); err != nil {
		t.Fatalf("summary: %v", err)
	}
	return sum
}

// TestRangeGatherOnMoto: wordcount, groupby, a sql ORDER BY without LIMIT,
// a sql GROUP BY without ORDER BY (ranges of the group key) and one with
// ORDER BY (ranges of the group key, then the sort round's spans of the
// ORDER BY key, the GatherRanges Map run twice) asked for 3 key ranges run
// through the definition on moto: the splitter, the Scatter Map, the
// PlanLevel that samples the partials' indexes, the GatherRanges Distributed
// Map of range reducers (each its own Lambda invocation, committing its range
// in DynamoDB) and the Gather that assembles the ranges on S3. The output is
// byte-identical to `scatter run`'s (the local engine, one gather, on the same
// object) and the reference's, and with outputParts the part files in order
// are that output too.
func TestRangeGatherOnMoto(t *testing.T) {
	groups := jobCase{"sql-groups", "sql", "csv", jobs.Params{"query": "SELECT countryCode, languageCode, count(*) AS n, sum(adRevenue) AS revenue FROM 'data.csv' GROUP BY countryCode, languageCode"}, testData(t).csv}
	groupSort := jobCase{"sql-group-sort", "sql", "csv", jobs.Params{"query": "SELECT countryCode, languageCode, count(*) AS n, sum(adRevenue) AS revenue FROM 'data.csv' GROUP BY countryCode, languageCode ORDER BY revenue DESC"}, testData(t).csv}
	for _, c := range append(jobCases(t), groups, groupSort) {
		if c.name != "wordcount" && c.name != "groupby-csv" && c.name != "sql-sort" && c.name != "sql-groups" && c.name != "sql-group-sort" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			key := fmt.Sprintf("data/ranges-%s.%s", c.name, c.ext)
			put(t, stack.InputBucket, key, c.input)
			want := c.expected(t, stack.InputBucket, key)
			output := fmt.Sprintf("s3://%s/results/ranges/%s.%s", stack.OutputBucket, c.name, c.ext)
			in := pipeline.PlanInput{Job: c.job, Params: c.params, Inputs: []string{"s3://" + stack.InputBucket + "/" + key}, Output: output, ChunkSize: 8 << 10, MaxConcurrency: concurrency, Partitions: 3}
			sum := startRanged(t, "ranges-"+c.name, in)
			if sum.Partitions < 2 || sum.Partitions > 3 || sum.Chunks < 2 || (sum.Spans >= 1) != (c.name == "sql-group-sort") {
				t.Fatalf("summary: %d key ranges over %d chunks, %d spans of the sort round; want 2 or 3 ranges over several chunks, and spans for an aggregate's ORDER BY alone", sum.Partitions, sum.Chunks, sum.Spans)
			}
			got, _ := get(t, stack.OutputBucket, strings.TrimPrefix(output, "s3://"+stack.OutputBucket+"/"))
			if !bytes.Equal(got, want) {
				t.Fatalf("output by %d key ranges on moto differs from scatter run's (%d and %d bytes)\n%s", sum.Partitions, len(got), len(want), firstDiff(got, want))
			}
			in.Output += "-parts"
			in.OutputParts = true
			parts := startRanged(t, "ranges-parts-"+c.name, in)
			var joined []byte
			for r := range parts.Parts {
				p, ok := get(t, stack.OutputBucket, strings.TrimPrefix(pipeline.PartLocation(in.Output, r), "s3://"+stack.OutputBucket+"/"))
				if !ok || len(p) == 0 {
					t.Fatalf("part %d of %d: missing or empty", r, parts.Parts)
				}
				joined = append(joined, p...)
			}
			if parts.Parts < 2 && parts.Spans == 0 || parts.Spans > 0 && parts.Parts != parts.Spans || !bytes.Equal(joined, want) {
				t.Fatalf("%d part files; joined they differ from scatter run's output\n%s", parts.Parts, firstDiff(joined, want))
			}
			t.Logf("%d chunks, %d key ranges, %d part files", sum.Chunks, sum.Partitions, parts.Parts)
		})
	}
}

// TestLargeRangesAreCopiedByS3: a wordcount whose two key ranges each pass
// S3's 5 MiB minimum part size has its output assembled on moto by the
// reducer binary with UploadPartCopy (S3 copies the ranges; the summary says
// how many bytes), byte-identical to the reference.
func TestLargeRangesAreCopiedByS3(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	for i := range 1_100_000 {
		fmt.Fprintf(&b, "w%09d\n", uint32(i)*2654435761) // distinct words, not in order
	}
	input := b.Bytes()
	key := "data/large-ranges.txt"
	put(t, stack.InputBucket, key, input)
	want := referenceOf(t, "wordcount", jobs.Params{}, stack.InputBucket, key, input)
	output := fmt.Sprintf("s3://%s/results/ranges/large.tsv", stack.OutputBucket)
	sum := startRanged(t, "ranges-large", pipeline.PlanInput{Job: "wordcount", Inputs: []string{"s3://" + stack.InputBucket + "/" + key}, Output: output, ChunkSize: 6 << 20, Partitions: 2})
	got, _ := get(t, stack.OutputBucket, "results/ranges/large.tsv")
	if !bytes.Equal(got, want) {
		t.Fatalf("output differs from the reference (%d and %d bytes)\n%s", len(got), len(want), firstDiff(got, want))
	}
	if a := sum.Assembly; sum.Partitions != 2 || a == nil || a.CopiedBytes < int64(len(want))/2 {
		t.Fatalf("summary: %d ranges, assembly %+v; want 2 ranges, most bytes copied by S3", sum.Partitions, a)
	}
	t.Logf("%d chunks, %d ranges: %d parts, %d bytes copied by S3, %d sent", sum.Chunks, sum.Partitions, sum.Assembly.Parts, sum.Assembly.CopiedBytes, sum.Assembly.SentBytes)
}
