package pipeline

// The write side of the attempt records (internal/report/attempts has their format and
// reads them): every handler attempt writes its record and emits its metrics when it ends.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"time"

	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/metrics"
	"github.com/scattergather/scattergather/internal/report/attempts"
)

type attemptStartKey struct{}

// withAttemptStart marks the start of a handler invocation, so that an attempt's record
// includes what happened before its body ran (an injected straggler's delay).
func withAttemptStart(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, attemptStartKey{}, t)
}

// attemptRec is an attempt in progress.
type attemptRec struct {
	a    attempts.Attempt
	work string
	sum  *Summary // set by observe once the gather has built the summary
}

func (h *Handler) beginAttempt(ctx context.Context, phase, jobID, work string, chunk int) *attemptRec {
	start, ok := ctx.Value(attemptStartKey{}).(time.Time)
	if !ok {
		start = h.now()
	}
	mem, _ := strconv.Atoi(os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
	return &attemptRec{work: work, a: attempts.Attempt{
		JobID: jobID, Phase: phase, Chunk: chunk, ID: newAttemptID(), Start: start.UTC(),
		Worker: os.Getenv("AWS_LAMBDA_LOG_STREAM_NAME"), MemoryMB: mem,
	}}
}

// save writes the record; a failure to write it costs the report one bar, never the job.
func (r *attemptRec) save(ctx context.Context, h *Handler) {
	if !isWorkArea(r.work) || r.a.JobID == "" {
		return
	}
	r.a.End = h.now().UTC()
	if r.a.End.Before(r.a.Start) {
		r.a.End = r.a.Start
	}
	body, _ := json.Marshal(r.a)
	if err := h.Store.Put(ctx, attempts.Key(r.work, r.a), bytes.NewReader(body)); err != nil {
		h.log().WarnContext(ctx, "write attempt record", "jobId", r.a.JobID, "chunk", r.a.Chunk, "phase", r.a.Phase, "err", err)
	}
}

func (r *attemptRec) failed(err error) bool {
	if err == nil {
		return false
	}
	r.a.Outcome, r.a.Error = attempts.OutcomeFailed, err.Error()
	return true
}

// endPlan records a splitter attempt that planned a job; an attempt that failed before it
// knew the job's ID has nowhere to go, and a submission that was already done adds nothing.
func (r *attemptRec) endPlan(ctx context.Context, h *Handler, res PlanOutput, err error) {
	if err != nil || res.Done || res.Work == "" {
		return
	}
	r.a.JobID, r.work, r.a.Outcome = res.JobID, res.Work, attempts.OutcomeOK
	r.save(ctx, h)
	h.Metrics.Emit("splitter", map[string]any{"jobId": res.JobID, "attempt": r.a.ID, "chunksPlanned": res.Chunks},
		metrics.Metric{Name: metrics.Duration, Unit: metrics.Milliseconds, Value: float64(r.a.Duration().Milliseconds())},
		metrics.Metric{Name: metrics.Bytes, Unit: metrics.BytesUnit, Value: float64(res.Bytes)})
}

// endMap records a mapper attempt and emits its metrics.
func (r *attemptRec) endMap(ctx context.Context, h *Handler, res MapResult, err error) {
	if !r.failed(err) {
		if res.Duplicate {
			r.a.Outcome, r.a.Winner = attempts.OutcomeDuplicate, res.Attempt
		} else {
			r.a.Outcome, r.a.ID = attempts.OutcomeCommitted, res.Attempt
			r.a.BytesRead, r.a.RecordsIn, r.a.Skipped = res.Stats.BytesRead, res.Stats.RecordsIn, res.Stats.Skipped
		}
	}
	r.save(ctx, h)
	props := map[string]any{"jobId": r.a.JobID, "chunk": r.a.Chunk, "attempt": r.a.ID, "outcome": r.a.Outcome}
	if r.a.Worker != "" {
		props["worker"] = r.a.Worker
	}
	if err := h.Metrics.Emit("mapper", props, h.jobAge(ctx, r.a.JobID),
		metrics.Metric{Name: metrics.Chunks, Unit: metrics.Count, Value: b2f(r.a.Outcome == attempts.OutcomeCommitted)},
		metrics.Metric{Name: metrics.Records, Unit: metrics.Count, Value: float64(r.a.RecordsIn)},
		metrics.Metric{Name: metrics.Bytes, Unit: metrics.BytesUnit, Value: float64(r.a.BytesRead)},
		metrics.Metric{Name: metrics.Skipped, Unit: metrics.Count, Value: float64(r.a.Skipped)},
		metrics.Metric{Name: metrics.Duration, Unit: metrics.Milliseconds, Value: float64(r.a.Duration().Milliseconds())},
		metrics.Metric{Name: metrics.Retries, Unit: metrics.Count, Value: b2f(r.a.Outcome == attempts.OutcomeFailed)},
		metrics.Metric{Name: metrics.Duplicates, Unit: metrics.Count, Value: b2f(r.a.Outcome == attempts.OutcomeDuplicate)},
	); err != nil {
		h.log().WarnContext(ctx, "emit metrics", "jobId", r.a.JobID, "chunk", r.a.Chunk, "err", err)
	}
}

// b2f is a count of 1 for true, 0 for false.
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// jobAge is the JobAgeSeconds metric: how long ago the job was opened in the ledger. Every
// mapper emits it, so its Maximum over a period is the age of the oldest job whose mappers
// are still running, which the template's OldestJobAlarm watches. It costs one ledger read,
// made only when metrics are on (on Lambda).
func (h *Handler) jobAge(ctx context.Context, jobID string) metrics.Metric {
	m := metrics.Metric{Name: metrics.JobAge, Unit: metrics.Seconds}
	if h.Metrics == nil {
		return m
	}
	if j, err := h.Ledger.Job(ctx, jobID); err == nil {
		m.Value = h.now().Sub(j.Created).Seconds()
	}
	return m
}

// endGather records a reducer attempt and, when it wrote a summary, emits the job's metrics.
func (r *attemptRec) endGather(ctx context.Context, h *Handler, res GatherOutput, err error) {
	if !r.failed(err) {
		r.a.Outcome = attempts.OutcomeOK
		if r.sum == nil && res.Status == string(ledger.Succeeded) {
			r.a.Outcome = attempts.OutcomeDuplicate
		}
	}
	r.save(ctx, h)
	props := map[string]any{"jobId": r.a.JobID, "attempt": r.a.ID, "outcome": r.a.Outcome}
	ms := []metrics.Metric{
		{Name: metrics.Duration, Unit: metrics.Milliseconds, Value: float64(r.a.Duration().Milliseconds())},
		{Name: metrics.Retries, Unit: metrics.Count, Value: b2f(r.a.Outcome == attempts.OutcomeFailed)},
	}
	if s := r.sum; s != nil && err == nil {
		props["job"] = s.Job
		ms = append(ms,
			metrics.Metric{Name: metrics.Chunks, Unit: metrics.Count, Value: float64(s.Chunks)},
			metrics.Metric{Name: metrics.Records, Unit: metrics.Count, Value: float64(s.RecordsIn)},
			metrics.Metric{Name: metrics.RecordsOut, Unit: metrics.Count, Value: float64(s.RecordsOut)},
			metrics.Metric{Name: metrics.Bytes, Unit: metrics.BytesUnit, Value: float64(s.BytesIn)},
			metrics.Metric{Name: metrics.Skipped, Unit: metrics.Count, Value: float64(s.Skipped)},
			metrics.Metric{Name: metrics.JobWall, Unit: metrics.Seconds, Value: s.WallSeconds},
			metrics.Metric{Name: metrics.JobCost, Unit: metrics.None, Value: s.EstimatedCost.Total},
			metrics.Metric{Name: metrics.JobAttemptCount, Unit: metrics.Count, Value: float64(s.Phases[attempts.PhaseMap].Attempts)},
		)
	}
	if err := h.Metrics.Emit("reducer", props, ms...); err != nil {
		h.log().WarnContext(ctx, "emit metrics", "jobId", r.a.JobID, "err", err)
	}
}

// Observed are the summary's fields that come from the attempt records: bytes out, the
// phases, and what the run used and cost on AWS's price list.
type Observed struct {
	BytesOut      int64                            `json:"bytesOut"`
	Phases        map[string]attempts.PhaseSummary `json:"phases"`
	Usage         metrics.Usage                    `json:"usage"`
	EstimatedCost metrics.Cost                     `json:"estimatedCost"`
}

// observe fills the summary's phases, usage and cost from the job's attempt records, the
// gather in progress included (the caller has set BytesOut from what it wrote). A listing
// that fails fails the gather, retryable unless the store refused it for good: a summary
// without its phases and cost would look complete and be wrong.
func (h *Handler) observe(ctx context.Context, in GatherInput, rec *attemptRec, sum *Summary) error {
	rec.sum = sum // beginAttempt set its job and work area
	atts, err := attempts.List(ctx, h.Store, in.Work, false)
	if err != nil {
		return storeFailure(err, "gather %s: list attempt records for the summary", in.JobID)
	}
	cur := rec.a
	cur.End, cur.Outcome = h.now().UTC(), attempts.OutcomeOK
	atts = append(atts, cur)
	sum.Phases = attempts.SummarizePhases(atts)
	sum.Usage = attempts.EstimateUsage(atts, attempts.Job{
		Chunks: sum.Chunks, Inputs: len(sum.Inputs), Runs: sum.Runs, FanIn: sum.FanIn, GatherLevels: sum.GatherLevels,
	})
	sum.EstimatedCost = metrics.Estimate(sum.Usage)
	return nil
}
