package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/api/apitest"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
)

// The buckets the sample events name, and the sample object they read (44 bytes).
const (
	sampleIn   = "scattergather-input-123456789012-us-east-1"
	sampleOut  = "scatter-outputbucket"
	sampleKey  = "incoming/wordcount/sample.txt"
	sampleText = "the quick brown fox jumps over the lazy dog\n"
)

// decodeStrict decodes a sample event into its handler's event type, refusing fields the
// type does not have (a typo in a sample would otherwise pass silently).
func decodeStrict(t *testing.T, name string, v any) []byte {
	t.Helper()
	raw := testutil.ReadFile(t, filepath.Join(repoRoot(t), "local", "events", name))
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("local/events/%s does not decode into %T: %v", name, v, err)
	}
	if dec.More() {
		t.Fatalf("local/events/%s: data after the event", name)
	}
	return raw
}

// sampleWorld is the stores and ledger the sample events run against.
type sampleWorld struct {
	mux *blob.Mux
	lg  *ledger.Bolt
	h   *pipeline.Handler
	svc *api.Service
	sfn *apitest.Executions
}

func newSampleWorld(t *testing.T) *sampleWorld {
	t.Helper()
	lg := ledgertest.OpenBolt(t)
	w := &sampleWorld{mux: blob.NewMux(nil), lg: lg, sfn: apitest.New()}
	w.mux.Mount(sampleIn, blob.NewFS(t.TempDir()))
	w.mux.Mount(sampleOut, blob.NewFS(t.TempDir()))
	if err := w.mux.Put(context.Background(), blob.S3Location(sampleIn, sampleKey), strings.NewReader(sampleText)); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	w.h = &pipeline.Handler{Store: w.mux, Ledger: lg, WorkBucket: sampleOut, TriggerBucket: sampleIn, Log: quiet}
	w.svc = &api.Service{
		Config: api.Config{StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:scattergather-scatter-gather",
			Table: "ledger", InputBucket: sampleIn, OutputBucket: sampleOut, WorkBucket: sampleOut,
			DefaultChunkSize: 64 << 20, DefaultConcurrency: 10},
		Starter: w.sfn, Ledger: lg, Store: w.mux, Log: quiet,
	}
	return w
}

// TestSampleEvents feeds every local/events sample (the files `sam local invoke -e` takes)
// to its handler: each decodes strictly and is handled successfully.
func TestSampleEvents(t *testing.T) {
	ctx := context.Background()
	w := newSampleWorld(t)

	t.Run("splitter.json", func(t *testing.T) {
		var in pipeline.PlanInput
		decodeStrict(t, "splitter.json", &in)
		out, err := w.h.Plan(ctx, in)
		if err != nil {
			t.Fatalf("splitter: %v", err)
		}
		if out.Chunks != 1 || out.Bytes != int64(len(sampleText)) {
			t.Errorf("plan of %d chunks, %d bytes; want the one chunk of the 44-byte sample that mapper.json maps", out.Chunks, out.Bytes)
		}
		if _, err := w.mux.Stat(ctx, blob.S3Location(out.Manifest.Bucket, out.Manifest.Key)); err != nil {
			t.Errorf("manifest: %v", err)
		}
	})

	var mapIn pipeline.MapInput
	t.Run("mapper.json", func(t *testing.T) {
		decodeStrict(t, "mapper.json", &mapIn)
		res, err := w.h.Map(ctx, mapIn)
		if err != nil {
			t.Fatalf("mapper: %v", err)
		}
		if res.JobID != mapIn.JobID || res.Duplicate || res.Stats.RecordsIn == 0 {
			t.Errorf("map result %+v", res)
		}
	})

	t.Run("reducer.json", func(t *testing.T) {
		var in pipeline.GatherInput
		decodeStrict(t, "reducer.json", &in)
		if in.JobID != mapIn.JobID || in.Work != mapIn.Work {
			t.Fatalf("reducer.json gathers %s at %s; mapper.json maps %s at %s", in.JobID, in.Work, mapIn.JobID, mapIn.Work)
		}
		// The splitter would have opened the job; the sample mapper committed its one chunk.
		// Its spec is the splitter sample's, which names the local /api's principal as the
		// owner, so that api-get-job.json may read the job.
		spec := testutil.ReadFile(t, filepath.Join(repoRoot(t), "local", "events", "splitter.json"))
		if _, err := w.lg.Open(ctx, ledger.Job{ID: in.JobID, Name: in.Job, Chunks: in.Chunks, Spec: string(spec)}); err != nil {
			t.Fatal(err)
		}
		out, err := w.h.Gather(ctx, in)
		if err != nil {
			t.Fatalf("reducer: %v", err)
		}
		rc, err := w.mux.Open(ctx, out.Output, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		got, _ := io.ReadAll(rc)
		if !strings.Contains(string(got), "the\t2\n") {
			t.Errorf("output %q lacks the\\t2", got)
		}
	})

	t.Run("reducer-plan.json", func(t *testing.T) {
		var in pipeline.GatherInput
		decodeStrict(t, "reducer-plan.json", &in)
		if in.JobID != mapIn.JobID || in.Work != mapIn.Work || in.Step != pipeline.StepPlan {
			t.Fatalf("reducer-plan.json plans %s at %s (step %q); mapper.json maps %s at %s", in.JobID, in.Work, in.Step, mapIn.JobID, mapIn.Work)
		}
		out, err := w.h.Gather(ctx, in)
		if err != nil {
			t.Fatalf("reducer (plan): %v", err)
		}
		if out.Tree == nil || out.Tree.Merge || out.Tree.Partials != 1 {
			t.Errorf("plan of the gather %+v: want one partial, nothing to merge", out.Tree)
		}
	})

	t.Run("api-post-jobs.json", func(t *testing.T) {
		var req events.APIGatewayV2HTTPRequest
		raw := decodeStrict(t, "api-post-jobs.json", &req)
		if _, err := api.ParseSpec([]byte(req.Body)); err != nil {
			t.Fatalf("the sample's body is not a job spec: %v", err)
		}
		out, err := w.svc.Handle(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		resp := out.(events.APIGatewayV2HTTPResponse)
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("status %d %s, want 202", resp.StatusCode, resp.Body)
		}
	})

	t.Run("api-get-job.json", func(t *testing.T) {
		var req events.APIGatewayV2HTTPRequest
		raw := decodeStrict(t, "api-get-job.json", &req)
		out, err := w.svc.Handle(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		resp := out.(events.APIGatewayV2HTTPResponse)
		// The reducer sample finished this job in the ledger.
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"status":"SUCCEEDED"`) {
			t.Errorf("status %d %s, want 200 and SUCCEEDED", resp.StatusCode, resp.Body)
		}
	})

	t.Run("api-s3-put.json", func(t *testing.T) {
		var ev events.S3Event
		raw := decodeStrict(t, "api-s3-put.json", &ev)
		before := len(w.sfn.List())
		out, err := w.svc.Handle(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		res := out.(api.S3Result)
		if len(res.Started) != 1 || len(res.Skipped) != 0 || len(w.sfn.List()) != before+1 {
			t.Errorf("result %+v; want one job started", res)
		}
		if want := blob.S3Location(sampleOut, "results/wordcount/sample.txt"); len(res.Started) == 1 && res.Started[0].Output != want {
			t.Errorf("output %s, want %s", res.Started[0].Output, want)
		}
	})
}
