package query

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/straggler"
)

// hedgeSlack multiplies the percentile latency: a chunk outstanding for twice as
// long as most of its peers took is a straggler, not a chunk on a busy machine.
const hedgeSlack = 2

// runner is one query's coordinator: the state of every chunk, and the steps that
// change it. Each step (start, answer, retry, hedge, finish) decides and returns the
// sends it wants; the flight makes them. Only Run's goroutine touches a runner.
type runner struct {
	q      Query
	o      Options
	chunks []chunkState
	// stragglers applies the hedging policy; nil without hedging.
	stragglers *straggler.Tracker
	budget     int // hedges allowed
	next       int // the next chunk to send for the first time
	firsts     int // first sends in flight
	pending    int // chunks neither answered nor failed
	res        Result
}

// chunkState is the coordinator's view of one chunk.
type chunkState struct {
	started  time.Time // of the first send; zero until it starts
	attempts int       // sends so far
	running  int       // sends not yet answered
	retries  int       // resends after a retryable failure
	hedge    int       // the hedged resend's attempt number; 0 if none
	done     bool
	failed   error
}

// send is an attempt a step asks for: chunk's attempt number attempt, made after
// a retry's backoff.
type send struct {
	chunk, attempt int
	after          time.Duration
}

// answer is one attempt's outcome.
type answer struct {
	chunk, attempt int
	partial        []byte
	stats          pipeline.MapStats
	err            error
	took           time.Duration
}

// newRunner sets up q's run under o (with its defaults filled in). With hedging, a
// chunk still on its first send once HedgePercentile of the chunks have answered,
// outstanding for hedgeSlack times that percentile of their latencies (at least
// HedgeFloor), is a straggler; HedgeBudget of the chunks (at least one) may be resent.
func newRunner(q Query, o Options) *runner {
	n := len(q.Chunks)
	r := &runner{q: q, o: o, chunks: make([]chunkState, n), pending: n,
		res: Result{Report: Report{Chunks: ChunkCounts{Total: n}}}}
	r.res.FilesPruned, r.res.BytesPruned = jobs.Pruned(q.Params)
	if o.Hedge && n > 0 {
		r.budget = max(1, int(math.Floor(o.HedgeBudget*float64(n))))
		r.stragglers = straggler.New(straggler.Policy{
			Quantile: o.HedgePercentile, Factor: hedgeSlack, Floor: o.HedgeFloor,
			MinSeen: int(math.Ceil(o.HedgePercentile * float64(n))), Budget: r.budget,
		})
	}
	return r
}

// maxAttempts bounds the sends of the run: a first one per chunk, the hedges and
// the retries.
func (r *runner) maxAttempts() int {
	return len(r.chunks) + r.budget + len(r.chunks)*max(r.o.Retries, 0)
}

// drive is the coordinator's loop: it makes the sends the steps ask for until
// every chunk has answered or failed, or the deadline passes. The error is a
// chunk's input failure, which ends the query at once.
func (r *runner) drive(ctx, deadline context.Context, f *flight, accept chan<- answer) error {
	var tick <-chan time.Time
	if r.stragglers != nil {
		t := time.NewTicker(max(r.o.HedgeFloor/4, 2*time.Millisecond))
		defer t.Stop()
		tick = t.C
	}
	f.launch(r.start(time.Now()))
	for r.pending > 0 {
		select {
		case a := <-f.answers:
			late := deadline.Err() != nil && ctx.Err() == nil
			sends, done, err := r.answer(a, late)
			if err != nil {
				return err
			}
			if done {
				f.cancel(a.chunk)
				accept <- a
			}
			f.launch(sends)
			f.launch(r.start(time.Now()))
		case now := <-tick:
			f.launch(r.hedge(now))
		case <-deadline.Done():
			return nil
		}
	}
	return nil
}

// start asks for first sends, in chunk order, while fewer than Concurrency are in
// flight; now is their start.
func (r *runner) start(now time.Time) []send {
	var sends []send
	for ; r.next < len(r.chunks) && r.firsts < r.o.Concurrency; r.next++ {
		s := &r.chunks[r.next]
		s.started, s.attempts, s.running = now, 1, 1
		r.firsts++
		sends = append(sends, send{chunk: r.next})
	}
	return sends
}

// answer takes one attempt's outcome; late means the deadline cut it short. done
// means it answers its chunk (merge it); sends are a resend it asks for; err is a
// chunk's input failure, which fails the query.
func (r *runner) answer(a answer, late bool) (sends []send, done bool, err error) {
	s := &r.chunks[a.chunk]
	s.running--
	if a.attempt == 0 {
		r.firsts--
	}
	switch {
	case s.done || s.failed != nil:
		return nil, false, nil // a loser that answered anyway
	case a.err == nil:
		r.succeed(a)
		return nil, true, nil
	case late:
		return nil, false, nil // finish counts it as timed out
	case fatal(a.err):
		r.fail(a)
		return nil, false, &ChunkError{Chunk: a.chunk, Err: a.err}
	case s.running > 0:
		return nil, false, nil // the other attempt may still answer
	}
	if snd, ok := r.retry(a); ok {
		return []send{snd}, false, nil
	}
	r.fail(a)
	return nil, false, nil
}

// succeed counts the answer of a chunk.
func (r *runner) succeed(a answer) {
	s := &r.chunks[a.chunk]
	s.done = true
	r.pending--
	r.res.Chunks.Succeeded++
	if s.hedge > 0 && a.attempt == s.hedge {
		r.stragglers.Won()
	}
	r.stragglers.Answered(a.took)
	r.res.Stats.Add(a.stats.Stats)
	r.res.BytesRead += a.stats.BytesRead
}

// confirm checks the CSV quote-state guesses of the gathered chunks and
// reads again, through inv, each chunk whose guess was wrong, from the record
// start the part before it ended at (gatherer.confirm); the counts of the
// re-read replace the chunk's. A re-read that fails retryably is sent again
// as a failed chunk is (Retries, RetryBackoff doubling); one that fails on
// its input fails the query.
func (r *runner) confirm(ctx context.Context, inv Invoker, work string, g *gatherer) error {
	reread := func(c int, firsts map[string]int64) ([]byte, pipeline.MapStats, error) {
		s := &r.chunks[c]
		for try := 0; ; try++ {
			in := pipeline.QueryChunk{QueryID: r.q.ID, Job: r.q.Job, Params: r.q.Params, Chunk: r.q.Chunks[c], Attempt: s.attempts, Work: work, Firsts: firsts}
			s.attempts++
			partial, st, err := inv.Invoke(ctx, in)
			switch {
			case err == nil:
				return partial, st, nil
			case fatal(err):
				return nil, st, &ChunkError{Chunk: c, Err: err}
			case try >= max(r.o.Retries, 0) || ctx.Err() != nil:
				return nil, st, err
			}
			select {
			case <-time.After(r.o.RetryBackoff << try):
			case <-ctx.Done():
			}
		}
	}
	n, err := g.confirm(reread, func(old, now pipeline.MapStats) {
		r.res.Stats.Add(negated(old.Stats))
		r.res.Stats.Add(now.Stats)
		for k, v := range r.res.Stats.SkipReason {
			if v == 0 {
				delete(r.res.Stats.SkipReason, k)
			}
		}
		r.res.BytesRead += now.BytesRead
	})
	r.res.CSVRereads += n
	return err
}

// negated is s with every count negated, so that Add takes it out.
func negated(s jobs.Stats) jobs.Stats {
	n := jobs.Stats{RecordsIn: -s.RecordsIn, RecordsOut: -s.RecordsOut, Skipped: -s.Skipped}
	for k, v := range s.SkipReason {
		if n.SkipReason == nil {
			n.SkipReason = map[string]int64{}
		}
		n.SkipReason[k] = -v
	}
	return n
}

// retry asks to send a.chunk again after its only running attempt failed
// retryably, after RetryBackoff doubled per retry; false once its Retries are spent.
func (r *runner) retry(a answer) (send, bool) {
	s := &r.chunks[a.chunk]
	if s.retries >= r.o.Retries {
		return send{}, false
	}
	snd := send{chunk: a.chunk, attempt: s.attempts, after: r.o.RetryBackoff << s.retries}
	s.retries++
	s.attempts++
	s.running++
	r.res.Retries++
	r.o.Log.Info("resending a failed chunk", "queryId", r.q.ID, "chunk", a.chunk, "attempt", snd.attempt, "after", snd.after, "error", a.err)
	return snd, true
}

// fail counts a chunk lost after its retries.
func (r *runner) fail(a answer) {
	r.chunks[a.chunk].failed = a.err
	r.pending--
	r.res.Chunks.Failed++
	if r.res.FirstError == nil {
		r.res.FirstError = &ChunkError{Chunk: a.chunk, Err: a.err}
	}
}

// hedge asks for a resend of the stragglers at now, the longest outstanding first,
// while the budget lasts.
func (r *runner) hedge(now time.Time) []send {
	if sent, _ := r.stragglers.Counts(); sent >= r.budget {
		return nil
	}
	threshold, ok := r.stragglers.Threshold()
	if !ok {
		return nil
	}
	var sends []send
	for _, i := range r.late(now, threshold) {
		if !r.stragglers.Backup() {
			break
		}
		s := &r.chunks[i]
		s.hedge = s.attempts
		sends = append(sends, send{chunk: i, attempt: s.hedge})
		s.attempts++
		s.running++
		r.o.Log.Info("hedging a straggler", "queryId", r.q.ID, "chunk", i, "outstanding", now.Sub(s.started), "threshold", threshold)
	}
	return sends
}

// late lists the chunks still on their first send, outstanding for threshold at
// now. start sends chunks in order, so chunk order is the longest outstanding first.
func (r *runner) late(now time.Time, threshold time.Duration) []int {
	var late []int
	for i := range r.chunks {
		s := &r.chunks[i]
		if !s.done && s.failed == nil && s.attempts == 1 && now.Sub(s.started) >= threshold {
			late = append(late, i)
		}
	}
	return late
}

// finish closes the run's report (hedges, and the chunks that never answered as
// timed out) and returns the error the query ends with: the caller's cancellation,
// a chunk's input failure, a merge failure, or an incomplete answer that is not
// allowed. nil means the answer may be written.
func (r *runner) finish(cancelled, fail, mergeErr error) error {
	r.res.Hedges.Sent, r.res.Hedges.Won = r.stragglers.Counts()
	if cancelled != nil && fail == nil {
		return cancelled
	}
	c := &r.res.Chunks
	c.TimedOut = c.Total - c.Succeeded - c.Failed
	r.res.Partial = c.Succeeded < c.Total
	switch {
	case fail != nil:
		return fail
	case mergeErr != nil:
		return mergeErr
	case r.res.Partial && !r.o.AllowPartial:
		return &IncompleteError{Report: r.res.Report, Cause: r.res.FirstError}
	}
	return nil
}

// fatal reports whether a chunk's failure cannot be cured by sending it again, so the
// query fails at once: the input's fault (InputError, RecordError), or a store request
// refused for good (StoreError: an AccessDenied, a ValidationException), which the
// pipeline does not retry either.
func fatal(err error) bool {
	typ := ""
	var fe *FunctionError
	if errors.As(err, &fe) {
		typ = fe.Type
	} else {
		typ = pipeline.ErrorType(err)
	}
	return typ == "InputError" || typ == "RecordError" || typ == "StoreError"
}

// flight makes the sends a runner asks for and brings their answers back. Every
// send answers exactly once, on a channel that holds every answer the run can
// have, so no attempt blocks after Run returns.
type flight struct {
	base    context.Context // the deadline's
	inv     Invoker
	q       Query
	work    string
	answers chan answer
	cancels [][]context.CancelFunc
}

func newFlight(base context.Context, inv Invoker, q Query, o Options, maxAttempts int) *flight {
	f := &flight{base: base, inv: inv, q: q, answers: make(chan answer, maxAttempts), cancels: make([][]context.CancelFunc, len(q.Chunks))}
	if o.WorkBucket != "" {
		f.work = pipeline.WorkArea(o.WorkBucket, q.ID)
	}
	return f
}

// launch starts every send, each under its own context.
func (f *flight) launch(sends []send) {
	for _, s := range sends {
		ctx, cancel := context.WithCancel(f.base)
		f.cancels[s.chunk] = append(f.cancels[s.chunk], cancel)
		go f.attempt(ctx, s)
	}
}

// attempt waits out the send's backoff, invokes the mapper and answers.
func (f *flight) attempt(ctx context.Context, s send) {
	if s.after > 0 {
		t := time.NewTimer(s.after)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	a := answer{chunk: s.chunk, attempt: s.attempt}
	if a.err = ctx.Err(); a.err != nil {
		f.answers <- a
		return
	}
	in := pipeline.QueryChunk{QueryID: f.q.ID, Job: f.q.Job, Params: f.q.Params, Chunk: f.q.Chunks[s.chunk], Attempt: s.attempt, Work: f.work}
	t0 := time.Now()
	a.partial, a.stats, a.err = f.inv.Invoke(ctx, in)
	a.took = time.Since(t0)
	f.answers <- a
}

// cancel ends a chunk's attempts still running: it has its answer.
func (f *flight) cancel(chunk int) {
	for _, c := range f.cancels[chunk] {
		c()
	}
}

// cancelAll ends every attempt still running.
func (f *flight) cancelAll() {
	for i := range f.cancels {
		f.cancel(i)
	}
}
