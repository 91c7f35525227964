package localaws_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/local/localaws"
)

// withExpressChildren is template.yaml with the ChildWorkflowType parameter's
// default set to EXPRESS, as `sam deploy --parameter-overrides
// ChildWorkflowType=EXPRESS` would deploy it.
func withExpressChildren(t *testing.T) string {
	t.Helper()
	const param = "  ChildWorkflowType:\n    Type: String\n    Default: STANDARD\n"
	return editedTemplate(t, func(text string) string {
		if strings.Count(text, param) != 1 {
			t.Fatal("template.yaml has no ChildWorkflowType parameter defaulting to STANDARD")
		}
		return strings.Replace(text, param, strings.Replace(param, "STANDARD", "EXPRESS", 1), 1)
	})
}

// TestExpressChildrenOnMoto: a stack deployed with Express child workflows
// keeps EXPRESS in its state machine's definition (moto's grammar refuses it;
// the server's patch has moto run such children as Standard ones) and runs a
// job of several chunks to the same output as the Standard stack.
func TestExpressChildrenOnMoto(t *testing.T) {
	t.Parallel()
	express := upVariant(t, withExpressChildren(t))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	desc, err := sfn.NewFromConfig(express.AWSConfig()).DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(express.StateMachineARN)})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(aws.ToString(desc.Definition), `"ExecutionType": "EXPRESS"`); n != 2 {
		t.Fatalf("the deployed definition has %d Distributed Maps of Express children, want 2 (Scatter and GatherRanges)", n)
	}

	var text bytes.Buffer
	for i := range 2000 {
		text.WriteString(strings.Repeat("alpha beta gamma ", i%7+1))
		text.WriteString("delta\n")
	}
	run := func(st *localaws.Stack, name string) []byte {
		client := s3.NewFromConfig(st.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
		key := "data/" + name + ".txt"
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(st.InputBucket), Key: aws.String(key), Body: bytes.NewReader(text.Bytes())}); err != nil {
			t.Fatal(err)
		}
		outKey := "results/" + name + ".tsv"
		status := submitAndWait(t, st, map[string]any{"job": "wordcount", "input": "s3://" + st.InputBucket + "/" + key, "output": "s3://" + st.OutputBucket + "/" + outKey, "chunkSize": 16 << 10})
		if status.Status != "SUCCEEDED" || status.Chunks < 3 {
			t.Fatalf("%s job: %s after %d chunks (%q); want SUCCEEDED over several chunks", name, status.Status, status.Chunks, status.Error)
		}
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(st.OutputBucket), Key: aws.String(outKey)})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Body.Close()
		var got bytes.Buffer
		if _, err := got.ReadFrom(out.Body); err != nil {
			t.Fatal(err)
		}
		return got.Bytes()
	}
	got, want := run(express, "express"), run(stack, "standard-twin")
	if !bytes.Equal(got, want) {
		t.Fatalf("the Express stack's output differs from the Standard stack's\n%s", firstDiff(got, want))
	}
}
