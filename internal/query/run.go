package query

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/scattergather/scattergather/internal/jobs"
)

// Defaults of Options.
const (
	DefaultConcurrency     = 64
	DefaultHedgePercentile = 0.9
	DefaultHedgeFloor      = 50 * time.Millisecond
	DefaultHedgeBudget     = 0.05
	DefaultFanIn           = 16
	DefaultRetries         = 2
	DefaultRetryBackoff    = 50 * time.Millisecond
)

// Options shape one query's run. The zero value runs without a deadline, refuses
// nothing partial, and does not hedge; use the defaults above for the rest.
type Options struct {
	// Deadline bounds the query; when it passes the answer is what has been
	// gathered (or, without AllowPartial, an error). Zero means no deadline.
	Deadline time.Duration
	// AllowPartial lets a query that missed its deadline or lost chunks answer
	// with the chunks it has, reported as partial.
	AllowPartial bool
	// Hedge resends a chunk that has not answered by the time most have: once
	// HedgePercentile of the chunks have answered, a chunk outstanding for longer
	// than twice that percentile of the answers' latencies (and at least HedgeFloor)
	// is sent again; the first answer wins and the loser is cancelled. At most
	// HedgeBudget of the chunks (and at least one) are resent.
	Hedge           bool
	HedgePercentile float64
	HedgeFloor      time.Duration
	HedgeBudget     float64
	// Retries is how often a chunk whose attempt failed with a retryable
	// error (a crash, a timeout, a throttled read) is sent again, after
	// RetryBackoff, doubling; 0 means DefaultRetries, a negative value none. A
	// chunk that fails on its input is never resent: the query fails.
	Retries      int
	RetryBackoff time.Duration
	// Concurrency caps the first sends in flight (hedges come on top, within
	// their budget); 0 means DefaultConcurrency.
	Concurrency int
	// FanIn is how many partials one merge step combines; 0 means DefaultFanIn.
	FanIn int
	// WorkBucket, when set, is where mappers spill partials too large to answer
	// inline, under jobs/<queryId>/.
	WorkBucket string
	// Log receives a line per hedge; nil means slog.Default().
	Log *slog.Logger
}

// Report is how complete a query's answer is, in the form of the contract's
// `scatter query --json` object.
type Report struct {
	Chunks  ChunkCounts `json:"chunks"`
	Partial bool        `json:"partial"`
	Hedges  HedgeCounts `json:"hedges"`
	// FilesPruned inputs, of BytesPruned bytes, the planner left out, as
	// the run summary counts them: their Hive partitions' values cannot
	// pass the query's filter (jobs.PrunedParam), so they are no chunk and
	// their absence leaves the answer complete. Absent when none.
	FilesPruned int64 `json:"filesPruned,omitempty"`
	BytesPruned int64 `json:"bytesPruned,omitempty"`
}

// ChunkCounts add up: Total = Succeeded + Failed + TimedOut.
type ChunkCounts struct {
	Total     int `json:"total"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	TimedOut  int `json:"timedOut"`
}

// HedgeCounts are the resends and how many of them answered first.
type HedgeCounts struct {
	Sent int `json:"sent"`
	Won  int `json:"won"`
}

// Result is a finished query: its report and the counts of the chunks gathered.
type Result struct {
	Report
	// Stats sums the gathered chunks' mapper counts and the output's records.
	Stats     jobs.Stats
	BytesRead int64
	Elapsed   time.Duration
	// Retries counts the resends of chunks whose attempt failed retryably.
	Retries int
	// FirstError is the first chunk failure, if any chunk failed.
	FirstError error
	// CSVRereads counts the chunks read again because the CSV quote state
	// guessed at a part's start was wrong (gatherer.confirm).
	CSVRereads int
}

// IncompleteError is a query that could not answer completely and was not allowed
// to answer partially. The Report says what was missing.
type IncompleteError struct {
	Report Report
	Cause  error
}

func (e *IncompleteError) Error() string {
	c := e.Report.Chunks
	msg := fmt.Sprintf("query incomplete: %d of %d chunks answered (%d failed, %d timed out) and partial results are not allowed",
		c.Succeeded, c.Total, c.Failed, c.TimedOut)
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

func (e *IncompleteError) Unwrap() error { return e.Cause }

// ChunkError is a chunk that failed in a way no resend can fix (a malformed
// record under strict, an input that cannot be read): the query fails.
type ChunkError struct {
	Chunk int
	Err   error
}

func (e *ChunkError) Error() string { return fmt.Sprintf("chunk %d: %v", e.Chunk, e.Err) }
func (e *ChunkError) Unwrap() error { return e.Err }

// Run maps every chunk of q with inv, merges the partials as they arrive and
// writes the job's output to w (only when the query succeeds). It returns the
// report; a missed deadline or lost chunk without AllowPartial is an
// *IncompleteError, a chunk failing on its input a *ChunkError.
func Run(ctx context.Context, inv Invoker, q Query, o Options, w io.Writer) (Result, error) {
	began := time.Now()
	o = o.withDefaults()
	job, err := q.Compiled()
	if err != nil {
		return Result{}, &PlanError{Err: err}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	deadline := runCtx
	if o.Deadline > 0 {
		var cancel context.CancelFunc
		deadline, cancel = context.WithTimeout(runCtx, o.Deadline)
		defer cancel()
	}
	r := newRunner(q, o)
	f := newFlight(deadline, inv, q, o, r.maxAttempts())
	g := newGatherer(job, len(q.Chunks), o.FanIn)
	accept := make(chan answer, len(q.Chunks))
	merged := make(chan error, 1)
	go func() { merged <- g.run(accept) }()

	fail := r.drive(ctx, deadline, f, accept)
	f.cancelAll()
	close(accept)
	err = r.finish(ctx.Err(), fail, <-merged)
	if err == nil {
		err = r.confirm(runCtx, inv, f.work, g)
	}
	r.res.Elapsed = time.Since(began)
	if err != nil {
		return r.res, err
	}
	st, err := g.output(w)
	if err != nil {
		return r.res, err
	}
	r.res.Stats.RecordsOut = st.RecordsOut
	r.res.Elapsed = time.Since(began)
	return r.res, nil
}

// withDefaults fills in every setting left at zero (or out of its range).
func (o Options) withDefaults() Options {
	if o.HedgePercentile > 1 {
		o.HedgePercentile = 0
	}
	if o.FanIn < 2 {
		o.FanIn = 0
	}
	o.HedgePercentile = positiveOr(o.HedgePercentile, DefaultHedgePercentile)
	o.HedgeFloor = positiveOr(o.HedgeFloor, DefaultHedgeFloor)
	o.HedgeBudget = positiveOr(o.HedgeBudget, DefaultHedgeBudget)
	o.Concurrency = positiveOr(o.Concurrency, DefaultConcurrency)
	o.FanIn = positiveOr(o.FanIn, DefaultFanIn)
	o.Retries = cmp.Or(o.Retries, DefaultRetries) // negative: none
	o.RetryBackoff = positiveOr(o.RetryBackoff, DefaultRetryBackoff)
	o.Log = cmp.Or(o.Log, slog.Default())
	return o
}

// positiveOr is v, or def when v is not positive.
func positiveOr[T int | float64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
