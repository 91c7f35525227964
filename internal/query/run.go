package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"golang.org/x/sync/errgroup"
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

// hedgeSlack multiplies the percentile latency: a chunk outstanding for twice as
// long as most of its peers took is a straggler, not a chunk on a busy machine.
const hedgeSlack = 2

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

// fatal reports whether a chunk's failure is the input's fault, so the query fails.
func fatal(err error) bool {
	typ := ""
	var fe *FunctionError
	if errors.As(err, &fe) {
		typ = fe.Type
	} else {
		typ = pipeline.ErrorType(err)
	}
	return typ == "InputError" || typ == "RecordError"
}

// answer is one attempt's outcome.
type answer struct {
	chunk, attempt int
	partial        []byte
	stats          pipeline.MapStats
	err            error
	took           time.Duration
}

// chunkState is the coordinator's view of one chunk.
type chunkState struct {
	started  time.Time // of the first send; zero until it starts
	attempts int       // sends so far
	running  int       // sends not yet answered
	retries  int       // resends after a retryable failure
	hedge    int       // the hedged resend's attempt number; 0 if none
	cancels  []context.CancelFunc
	done     bool
	failed   error
}

// Run maps every chunk of q with inv, merges the partials as they arrive and
// writes the job's output to w (only when the query succeeds). It returns the
// report; a missed deadline or lost chunk without AllowPartial is an
// *IncompleteError, a chunk failing on its input a *ChunkError.
func Run(ctx context.Context, inv Invoker, q Query, o Options, w io.Writer) (Result, error) {
	started := time.Now()
	o = o.withDefaults()
	job, err := jobs.New(q.Job, q.Params)
	if err != nil {
		return Result{}, &PlanError{Err: err}
	}
	n := len(q.Chunks)
	res := Result{Report: Report{Chunks: ChunkCounts{Total: n}}}
	budget := 0
	if o.Hedge && n > 0 {
		budget = max(1, int(math.Floor(o.HedgeBudget*float64(n))))
	}
	work := ""
	if o.WorkBucket != "" {
		work = pipeline.WorkArea(o.WorkBucket, q.ID)
	}

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	deadline := runCtx
	if o.Deadline > 0 {
		var cancel context.CancelFunc
		deadline, cancel = context.WithTimeout(runCtx, o.Deadline)
		defer cancel()
	}

	// Every attempt sends at most two messages (started, answered); the buffer
	// holds them all, so no worker blocks after Run returns.
	type startedMsg struct {
		chunk int
		at    time.Time
	}
	starts := make(chan startedMsg, n)
	answers := make(chan answer, n+budget+n*max(o.Retries, 0))
	send := func(actx context.Context, i, attempt int) {
		in := pipeline.QueryChunk{QueryID: q.ID, Job: q.Job, Params: q.Params, Chunk: q.Chunks[i], Attempt: attempt, Work: work}
		t0 := time.Now()
		if err := actx.Err(); err != nil {
			answers <- answer{chunk: i, attempt: attempt, err: err}
			return
		}
		part, st, err := inv.Invoke(actx, in)
		answers <- answer{chunk: i, attempt: attempt, partial: part, stats: st, err: err, took: time.Since(t0)}
	}

	state := make([]chunkState, n)
	// The first sends: at most Concurrency in flight; errors travel in answers.
	var firsts errgroup.Group
	firsts.SetLimit(o.Concurrency)
	attemptCtx := func(i int) context.Context {
		actx, cancel := context.WithCancel(deadline)
		state[i].cancels = append(state[i].cancels, cancel)
		return actx
	}
	ctxs := make([]context.Context, n)
	for i := range n {
		ctxs[i] = attemptCtx(i)
		state[i].attempts, state[i].running = 1, 1
	}
	go func() {
		for i := range n {
			firsts.Go(func() error {
				if ctxs[i].Err() == nil {
					starts <- startedMsg{i, time.Now()}
				}
				send(ctxs[i], i, 0)
				return nil
			})
		}
		_ = firsts.Wait() // the sends return no errors: they answer
	}()

	g := newGatherer(job, n, o.FanIn)
	merged := make(chan error, 1)
	accept := make(chan answer, n)
	go func() { merged <- g.run(accept) }()

	var (
		latencies []time.Duration
		pending   = n
		tick      *time.Ticker
		tickC     <-chan time.Time
		fail      error
	)
	if budget > 0 {
		tick = time.NewTicker(max(o.HedgeFloor/4, 2*time.Millisecond))
		defer tick.Stop()
		tickC = tick.C
	}
	hedge := func(now time.Time) {
		if res.Hedges.Sent >= budget || len(latencies) == 0 || float64(len(latencies)) < o.HedgePercentile*float64(n) {
			return
		}
		threshold := max(o.HedgeFloor, hedgeSlack*percentile(latencies, o.HedgePercentile))
		// The longest outstanding first: they are the likeliest stragglers.
		var late []int
		for i := range state {
			s := &state[i]
			if !s.done && s.failed == nil && s.attempts == 1 && !s.started.IsZero() && now.Sub(s.started) >= threshold {
				late = append(late, i)
			}
		}
		slices.SortFunc(late, func(a, b int) int { return state[a].started.Compare(state[b].started) })
		for _, i := range late {
			if res.Hedges.Sent >= budget {
				return
			}
			res.Hedges.Sent++
			state[i].hedge = state[i].attempts
			state[i].attempts++
			state[i].running++
			actx := attemptCtx(i)
			o.Log.Info("hedging a straggler", "queryId", q.ID, "chunk", i, "outstanding", now.Sub(state[i].started), "threshold", threshold)
			go send(actx, i, state[i].hedge)
		}
	}

loop:
	for pending > 0 {
		select {
		case s := <-starts:
			state[s.chunk].started = s.at
		case a := <-answers:
			s := &state[a.chunk]
			s.running--
			if s.done || s.failed != nil {
				continue // a loser that answered anyway
			}
			if a.err != nil {
				if deadline.Err() != nil && ctx.Err() == nil {
					continue // cut short by the deadline: counted as timed out below
				}
				if fatal(a.err) {
					fail = &ChunkError{Chunk: a.chunk, Err: a.err}
					break loop
				}
				if s.running > 0 {
					continue // the other attempt may still answer
				}
				if s.retries < o.Retries {
					backoff := o.RetryBackoff << s.retries
					s.retries++
					res.Retries++
					attempt := s.attempts
					s.attempts++
					s.running++
					actx := attemptCtx(a.chunk)
					o.Log.Info("resending a failed chunk", "queryId", q.ID, "chunk", a.chunk, "attempt", attempt, "after", backoff, "error", a.err)
					go func() {
						select {
						case <-time.After(backoff):
						case <-actx.Done():
						}
						send(actx, a.chunk, attempt)
					}()
					continue
				}
				s.failed = a.err
				res.Chunks.Failed++
				if res.FirstError == nil {
					res.FirstError = &ChunkError{Chunk: a.chunk, Err: a.err}
				}
				pending--
				continue
			}
			s.done = true
			pending--
			res.Chunks.Succeeded++
			if s.hedge > 0 && a.attempt == s.hedge {
				res.Hedges.Won++
			}
			for _, c := range s.cancels {
				c()
			}
			latencies = append(latencies, a.took)
			res.Stats.Add(a.stats.Stats)
			res.BytesRead += a.stats.BytesRead
			accept <- a
		case now := <-tickC:
			hedge(now)
		case <-deadline.Done():
			break loop
		}
	}
	for i := range state {
		for _, c := range state[i].cancels {
			c()
		}
	}
	close(accept)
	mergeErr := <-merged
	if err := ctx.Err(); err != nil && fail == nil {
		return res, err
	}
	res.Chunks.TimedOut = n - res.Chunks.Succeeded - res.Chunks.Failed
	res.Partial = res.Chunks.Succeeded < n
	res.Elapsed = time.Since(started)
	switch {
	case fail != nil:
		return res, fail
	case mergeErr != nil:
		return res, mergeErr
	case res.Partial && !o.AllowPartial:
		return res, &IncompleteError{Report: res.Report, Cause: res.FirstError}
	}
	st, err := g.output(w)
	if err != nil {
		return res, err
	}
	res.Stats.RecordsOut = st.RecordsOut
	res.Elapsed = time.Since(started)
	return res, nil
}

func (o Options) withDefaults() Options {
	if o.HedgePercentile <= 0 || o.HedgePercentile > 1 {
		o.HedgePercentile = DefaultHedgePercentile
	}
	if o.HedgeFloor <= 0 {
		o.HedgeFloor = DefaultHedgeFloor
	}
	if o.HedgeBudget <= 0 {
		o.HedgeBudget = DefaultHedgeBudget
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.FanIn < 2 {
		o.FanIn = DefaultFanIn
	}
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

// percentile is the p-th percentile (nearest rank) of ds, which it sorts.
func percentile(ds []time.Duration, p float64) time.Duration {
	slices.Sort(ds)
	k := int(math.Ceil(p*float64(len(ds)))) - 1
	return ds[min(max(k, 0), len(ds)-1)]
}
