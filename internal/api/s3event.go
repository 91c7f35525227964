package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/plan"
)

// The S3 trigger convention: an object created at incoming/<job>/<name> in the input
// bucket runs job <job> on it, with the output at results/<job>/<name> in the output
// bucket. Parameters come from an optional sidecar object incoming/<job>/<name>.job.json,
// uploaded before the data: a JSON object with the fields of a job spec except job, input
// and output, e.g. {"pattern": "ERROR", "chunkSize": "16MiB"}. Sidecars start nothing.
const (
	IncomingPrefix = "incoming/"
	ResultsPrefix  = "results/"
	SidecarSuffix  = ".job.json"
)

// S3Result reports what an S3 event started.
type S3Result struct {
	// Started has one submission per object that started (or had already started) a job.
	Started []Submission `json:"started"`
	// Skipped lists the records that start nothing, and why.
	Skipped []Skipped `json:"skipped,omitempty"`
}

// Skipped is a record that started no job.
type Skipped struct {
	Bucket string `json:"bucket,omitempty"`
	Key    string `json:"key,omitempty"`
	Reason string `json:"reason"`
}

// HandleS3 starts a job for every object-created record under incoming/. A record that
// cannot start a job (outside incoming/, in the output bucket, a sidecar, an invalid key
// or spec) is logged and skipped; the others still run. The error is non-nil only when
// starting failed in a way a retry of the whole event may fix (duplicates are harmless:
// each object starts one execution).
func (s *Service) HandleS3(ctx context.Context, event json.RawMessage) (S3Result, error) {
	var env struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(event, &env); err != nil {
		return S3Result{}, &EventError{Msg: fmt.Sprintf("malformed S3 event: %v", err)}
	}
	if len(env.Records) == 0 {
		return S3Result{}, &EventError{Msg: "malformed S3 event: no Records"}
	}
	res := S3Result{Started: []Submission{}}
	var retry []error
	s3Records := 0
	for i, raw := range env.Records {
		var src struct {
			EventSource string `json:"eventSource"`
		}
		_ = json.Unmarshal(raw, &src) // a malformed record is reported below
		if src.EventSource != "aws:s3" {
			s.skip(ctx, &res, "", "", fmt.Sprintf("record %d: eventSource %q is not aws:s3", i, src.EventSource))
			continue
		}
		s3Records++
		var rec events.S3EventRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			s.skip(ctx, &res, "", "", fmt.Sprintf("record %d: malformed: %v", i, err))
			continue
		}
		sub, skipped, err := s.startFromRecord(ctx, rec)
		switch {
		case err != nil:
			retry = append(retry, err)
		case skipped != "":
			key, _ := url.QueryUnescape(rec.S3.Object.Key)
			s.skip(ctx, &res, rec.S3.Bucket.Name, key, skipped)
		default:
			res.Started = append(res.Started, sub)
		}
	}
	if s3Records == 0 {
		return res, &EventError{Msg: "unrecognized event: its Records are not S3 event notifications"}
	}
	return res, errors.Join(retry...)
}

func (s *Service) skip(ctx context.Context, r *S3Result, bucket, key, reason string) {
	s.log().WarnContext(ctx, "s3 record skipped", "bucket", bucket, "key", key, "reason", reason)
	r.Skipped = append(r.Skipped, Skipped{Bucket: bucket, Key: key, Reason: reason})
}

// startFromRecord starts the job of one record. It returns a reason when the record
// starts nothing, and an error when a retry may succeed.
func (s *Service) startFromRecord(ctx context.Context, rec events.S3EventRecord) (Submission, string, error) {
	if !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
		return Submission{}, fmt.Sprintf("event %q is not an ObjectCreated event", rec.EventName), nil
	}
	bucket := rec.S3.Bucket.Name
	if bucket == "" {
		return Submission{}, "record names no bucket", nil
	}
	if bucket != s.InputBucket {
		// The S3 notification is configured on the input bucket only, and the function's
		// permission is scoped to it (SourceArn); an event naming another bucket did not
		// come from there.
		return Submission{}, fmt.Sprintf("bucket %s is not the input bucket %s: objects in other buckets never start jobs", bucket, s.InputBucket), nil
	}
	// S3 URL-encodes keys in events (a space as '+').
	key, err := url.QueryUnescape(rec.S3.Object.Key)
	if err != nil {
		return Submission{}, fmt.Sprintf("key %q is not URL-encoded: %v", rec.S3.Object.Key, err), nil
	}
	job, name, reason := parseIncoming(key)
	if reason != "" {
		return Submission{}, reason, nil
	}
	loc := blob.S3Location(bucket, key)
	if err := plan.ValidateLocation(loc); err != nil {
		return Submission{}, fmt.Sprintf("key %q: %v", key, err), nil
	}
	spec, reason, err := s.sidecar(ctx, loc+SidecarSuffix, job)
	if reason != "" || err != nil {
		return Submission{}, reason, err
	}
	spec.Job = job
	spec.Inputs = []string{loc}
	spec.Output = blob.S3Location(s.OutputBucket, ResultsPrefix+job+"/"+name)
	// The object's ETag (and the event's sequencer) make a new upload to the same key a
	// new submission, and the same event delivered again the same one.
	spec.revision = rec.S3.Object.ETag + "/" + rec.S3.Object.Sequencer
	ctx = WithCaller(ctx, Caller{UserID: strings.TrimPrefix(rec.PrincipalID.PrincipalID, "AWS:")})
	sub, err := s.Submit(ctx, spec)
	if err != nil {
		if StatusOf(err) >= 500 {
			return Submission{}, "", fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
		}
		return Submission{}, err.Error(), nil
	}
	return sub, "", nil
}

// parseIncoming splits incoming/<job>/<name>; reason says why key is not one.
func parseIncoming(key string) (job, name, reason string) {
	rest, ok := strings.CutPrefix(key, IncomingPrefix)
	if !ok {
		return "", "", fmt.Sprintf("key %q is outside %s", key, IncomingPrefix)
	}
	job, name, ok = strings.Cut(rest, "/")
	switch {
	case !ok || job == "":
		return "", "", fmt.Sprintf("key %q: want %s<job>/<name>", key, IncomingPrefix)
	case name == "" || strings.HasSuffix(name, "/"):
		return "", "", fmt.Sprintf("key %q is a folder, not an object", key)
	case strings.HasSuffix(name, SidecarSuffix):
		return "", "", fmt.Sprintf("key %q is a parameter sidecar", key)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", "", fmt.Sprintf("key %q has an empty, . or .. path segment", key)
		}
	}
	return job, name, ""
}

// sidecar reads the optional parameters of an upload from loc. A missing sidecar means
// none; an invalid one is a reason to skip the upload.
func (s *Service) sidecar(ctx context.Context, loc, job string) (Spec, string, error) {
	rc, err := s.Store.Open(ctx, loc, 0, MaxBody+1)
	if errors.Is(err, blob.ErrNotFound) {
		return Spec{}, "", nil
	}
	if err != nil {
		return Spec{}, "", fmt.Errorf("read sidecar %s: %w", loc, err)
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return Spec{}, "", nil
		}
		return Spec{}, "", fmt.Errorf("read sidecar %s: %w", loc, err)
	}
	spec, err := parseSpec(body, map[string]string{
		fieldInput:  "a sidecar names no input: the upload is the input",
		fieldOutput: "a sidecar names no output: it is results/<job>/<name> in the output bucket",
	})
	if err != nil {
		return Spec{}, fmt.Sprintf("sidecar %s: %v", loc, err), nil
	}
	if spec.Job != "" && spec.Job != job {
		return Spec{}, fmt.Sprintf("sidecar %s: job %q differs from the job %q of the key", loc, spec.Job, job), nil
	}
	return spec, "", nil
}
