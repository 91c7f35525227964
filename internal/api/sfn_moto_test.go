package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	"github.com/scattergather/scattergather/internal/testutil/moto"
)

// TestDuplicatesAgainstStepFunctions: against moto's Step Functions, which answers
// StartExecution as AWS does (the name and input of a running execution succeed without
// starting one), the same submission twice is reported as a duplicate (200) with one
// execution, not as a second new job; the same job with another concurrency is a
// conflict (409), not a duplicate.
func TestDuplicatesAgainstStepFunctions(t *testing.T) {
	m := moto.Start(t)
	cfg := m.Config(t)
	client := sfn.NewFromConfig(cfg)
	ctx := context.Background()
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String("sg"),
		Definition: aws.String(`{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":600,"End":true}}}`),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/sg-states"),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Step Functions itself: the same name and input while it runs is a success.
	first, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("probe"), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	again, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("probe"), Input: aws.String(`{}`)})
	if err != nil || aws.ToString(again.ExecutionArn) != aws.ToString(first.ExecutionArn) {
		t.Fatalf("StartExecution of a running execution's name and input: %v, %v: want its success", again, err)
	}

	lg := ledgertest.OpenBolt(t)
	mux := blob.NewMux(nil)
	mux.Mount(inBucket, blob.NewFS(t.TempDir()))
	mux.Mount(outBucket, blob.NewFS(t.TempDir()))
	e := &env{svc: &api.Service{
		Config: api.Config{StateMachineARN: aws.ToString(sm.StateMachineArn), Table: "ledger", InputBucket: inBucket,
			OutputBucket: outBucket, WorkBucket: outBucket, DefaultChunkSize: 64 << 20, DefaultConcurrency: 8},
		Starter: client, Ledger: lg, Store: mux, Log: slog.New(slog.DiscardHandler),
	}}
	spec := `{"job":"wordcount","input":"s3://sg-in/data/"}`
	status, resp := e.call(t, http.MethodPost, "/jobs", spec)
	if status != http.StatusAccepted || resp["duplicate"] != false {
		t.Fatalf("first submission: %d %v", status, resp)
	}
	id := resp["jobId"].(string)
	status, resp = e.call(t, http.MethodPost, "/jobs", spec)
	if status != http.StatusOK || resp["duplicate"] != true || resp["jobId"] != id {
		t.Errorf("the same submission again: %d %v, want 200, duplicate, job %s", status, resp, id)
	}
	status, resp = e.call(t, http.MethodPost, "/jobs", `{"job":"wordcount","input":"s3://sg-in/data/","concurrency":2}`)
	if msg, _ := resp["message"].(string); status != http.StatusConflict || !strings.Contains(msg, id) {
		t.Errorf("another concurrency: %d %v, want 409 naming %s", status, resp, id)
	}
	if n := moto.ExecutionsNamed(t, client, aws.ToString(sm.StateMachineArn), id); n != 1 {
		t.Errorf("%d executions named %s, want 1", n, id)
	}
	if status, st := e.call(t, http.MethodGet, "/jobs/"+id, ""); status != http.StatusOK || st["status"] != "RUNNING" {
		t.Errorf("GET: %d %v", status, st)
	}
}
