package query

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/plan"
)

// The runner's steps decide from the state and the time they are given, so these
// tests drive them with a clock of their own: no timing, no goroutines.

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// testRunner is a runner of n chunks under o (defaults filled in, logs discarded).
func testRunner(n int, o Options) *runner {
	o.Log = slog.New(slog.DiscardHandler)
	return newRunner(Query{ID: "q", Job: "wordcount", Chunks: make([]plan.Chunk, n)}, o.withDefaults())
}

func chunksOf(sends []send) []int {
	out := []int{}
	for _, s := range sends {
		out = append(out, s.chunk)
	}
	return out
}

// ok is a successful answer of chunk's attempt that took ms milliseconds.
func ok(chunk, attempt, ms int) answer {
	return answer{chunk: chunk, attempt: attempt, took: time.Duration(ms) * time.Millisecond}
}

var (
	errCrash = &FunctionError{Type: "RetryableError", Message: "mapper crashed"}
	errInput = &FunctionError{Type: "InputError", Message: "bad record"}
	errStore = &FunctionError{Type: "StoreError", Message: "AccessDenied: s3:GetObject"}
)

// TestStart: first sends go out in chunk order, at most Concurrency at a time; an
// answered first send makes room for the next.
func TestStart(t *testing.T) {
	r := testRunner(5, Options{Concurrency: 2})
	if got := chunksOf(r.start(at(0))); !slices.Equal(got, []int{0, 1}) {
		t.Fatalf("first start sent %v, want [0 1]", got)
	}
	if got := r.start(at(1)); len(got) != 0 {
		t.Fatalf("start with 2 in flight sent %v", chunksOf(got))
	}
	if _, done, err := r.answer(ok(1, 0, 5), false); !done || err != nil {
		t.Fatalf("answer: done %v, err %v", done, err)
	}
	if got := chunksOf(r.start(at(7))); !slices.Equal(got, []int{2}) || r.chunks[2].started != at(7) {
		t.Fatalf("after an answer start sent %v (chunk 2 started %v), want [2] at 7ms", got, r.chunks[2].started)
	}
}

// TestAnswer: what one answer does to its chunk, by the chunk's state.
func TestAnswer(t *testing.T) {
	for _, c := range []struct {
		name string
		o    Options
		// before are answers taken first; then a is the one under test.
		before    []answer
		a         answer
		late      bool
		wantSends []send
		wantDone  bool
		wantErr   string
		want      ChunkCounts // after a
	}{
		{name: "success", a: ok(0, 0, 5), wantDone: true, want: ChunkCounts{Total: 2, Succeeded: 1}},
		{name: "a loser after the winner", before: []answer{ok(0, 0, 5)}, a: answer{chunk: 0, attempt: 1, err: context.Canceled},
			want: ChunkCounts{Total: 2, Succeeded: 1}},
		{name: "cut short by the deadline", a: answer{chunk: 0, err: context.DeadlineExceeded}, late: true, want: ChunkCounts{Total: 2}},
		{name: "input error fails the query", a: answer{chunk: 1, err: errInput}, wantErr: "chunk 1: InputError: bad record", want: ChunkCounts{Total: 2, Failed: 1}},
		{name: "a refused permission fails the query, not resent", o: Options{RetryBackoff: 10 * time.Millisecond}, a: answer{chunk: 1, err: errStore},
			wantErr: "chunk 1: StoreError: AccessDenied: s3:GetObject", want: ChunkCounts{Total: 2, Failed: 1}},
		{name: "retryable error is resent after the backoff", o: Options{RetryBackoff: 10 * time.Millisecond}, a: answer{chunk: 1, err: errCrash},
			wantSends: []send{{chunk: 1, attempt: 1, after: 10 * time.Millisecond}}, want: ChunkCounts{Total: 2}},
		{name: "the backoff doubles", o: Options{RetryBackoff: 10 * time.Millisecond}, before: []answer{{chunk: 1, err: errCrash}},
			a: answer{chunk: 1, attempt: 1, err: errCrash}, wantSends: []send{{chunk: 1, attempt: 2, after: 20 * time.Millisecond}}, want: ChunkCounts{Total: 2}},
		{name: "retries spent", o: Options{Retries: 1}, before: []answer{{chunk: 1, err: errCrash}}, a: answer{chunk: 1, attempt: 1, err: errCrash},
			want: ChunkCounts{Total: 2, Failed: 1}},
		{name: "no retries", o: Options{Retries: -1}, a: answer{chunk: 0, err: errCrash}, want: ChunkCounts{Total: 2, Failed: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := testRunner(2, c.o)
			r.start(at(0))
			for _, b := range c.before {
				sends, _, _ := r.answer(b, false)
				for _, s := range sends { // a retry's attempt is running until it answers
					if s.attempt != b.attempt+1 {
						t.Fatalf("setup: %+v asked for %+v", b, s)
					}
				}
			}
			sends, done, err := r.answer(c.a, c.late)
			if !slices.Equal(sends, c.wantSends) || done != c.wantDone || fmt.Sprint(err) != fmt.Sprint(errOrNil(c.wantErr)) {
				t.Fatalf("answer(%+v) = %+v, %v, %v; want %+v, %v, %v", c.a, sends, done, err, c.wantSends, c.wantDone, c.wantErr)
			}
			if r.res.Chunks != c.want {
				t.Fatalf("counts %+v, want %+v", r.res.Chunks, c.want)
			}
			if c.want.Failed > 0 && c.wantErr == "" && !errors.Is(r.res.FirstError, errCrash) {
				t.Fatalf("FirstError %v, want the crash", r.res.FirstError)
			}
		})
	}
}

func errOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TestAnswerWaitsForTheOtherAttempt: a hedged chunk whose resend fails retryably waits
// for its first send instead of resending again.
func TestAnswerWaitsForTheOtherAttempt(t *testing.T) {
	r := testRunner(1, Options{Hedge: true, HedgePercentile: 0.5})
	r.start(at(0))
	r.chunks[0].attempts, r.chunks[0].running, r.chunks[0].hedge = 2, 2, 1
	if sends, done, err := r.answer(answer{chunk: 0, attempt: 1, err: errCrash}, false); sends != nil || done || err != nil {
		t.Fatalf("answer = %v, %v, %v; want to wait", sends, done, err)
	}
	if _, done, _ := r.answer(ok(0, 0, 5), false); !done || r.res.Retries != 0 {
		t.Fatalf("the first send's answer: done %v, retries %d", done, r.res.Retries)
	}
}

// TestHedge: no hedge before HedgePercentile of the chunks have answered, nor before
// a chunk has been outstanding hedgeSlack times their percentile latency (at least
// HedgeFloor); then the longest outstanding first, within the budget, each once.
func TestHedge(t *testing.T) {
	// 20 chunks, budget 10% = 2; chunk 19 starts 30 ms after the rest.
	r := testRunner(20, Options{Hedge: true, HedgePercentile: 0.8, HedgeFloor: 50 * time.Millisecond, HedgeBudget: 0.1, Concurrency: 19})
	r.start(at(0))
	for i := 3; i <= 17; i++ { // 15 answers: below 80% of 20
		r.answer(ok(i, 0, 40), false)
	}
	r.start(at(30))
	if got := r.hedge(at(500)); got != nil {
		t.Fatalf("hedged %v with 15 of 20 answered", chunksOf(got))
	}
	r.answer(ok(18, 0, 40), false) // 16 answered: p80 is 40 ms, the threshold 80 ms
	if got := r.hedge(at(79)); got != nil {
		t.Fatalf("hedged %v 79 ms in, before the threshold", chunksOf(got))
	}
	got := r.hedge(at(80))
	if want := []send{{chunk: 0, attempt: 1}, {chunk: 1, attempt: 1}}; !slices.Equal(got, want) {
		t.Fatalf("at the threshold hedged %+v, want %+v (the earliest, within the budget of 2)", got, want)
	}
	if got := r.hedge(at(1000)); got != nil {
		t.Fatalf("hedged %v with the budget spent", chunksOf(got))
	}
	// Chunk 0's hedge wins, chunk 1's first send does; chunk 2 and 19 answer late.
	for _, a := range []answer{ok(0, 1, 5), ok(1, 0, 900), answer{chunk: 1, attempt: 1, err: context.Canceled}, ok(2, 0, 900), ok(19, 0, 900)} {
		r.answer(a, false)
	}
	if err := r.finish(nil, nil, nil); err != nil || r.res.Hedges != (HedgeCounts{Sent: 2, Won: 1}) || r.pending != 0 {
		t.Fatalf("finish = %v, hedges %+v, %d pending; want sent 2, won 1, none pending", err, r.res.Hedges, r.pending)
	}
}

// TestHedgeFloor: a threshold below HedgeFloor is raised to it; a resent chunk is
// never hedged.
func TestHedgeFloor(t *testing.T) {
	r := testRunner(4, Options{Hedge: true, HedgePercentile: 0.5, HedgeFloor: 50 * time.Millisecond, HedgeBudget: 1})
	r.start(at(0))
	r.answer(ok(2, 0, 1), false)
	r.answer(ok(3, 0, 1), false)
	r.answer(answer{chunk: 1, err: errCrash}, false) // resent: attempt 1 runs
	if got := r.hedge(at(49)); got != nil {
		t.Fatalf("hedged %v below the floor", chunksOf(got))
	}
	if got := r.hedge(at(50)); !slices.Equal(chunksOf(got), []int{0}) {
		t.Fatalf("at the floor hedged %v, want only [0] (1 was resent)", chunksOf(got))
	}
}

// TestNoHedging: without Hedge nothing is ever hedged.
func TestNoHedging(t *testing.T) {
	r := testRunner(2, Options{})
	r.start(at(0))
	r.answer(ok(1, 0, 1), false)
	if got := r.hedge(at(100_000)); got != nil || r.stragglers != nil {
		t.Fatalf("hedged %v without hedging", chunksOf(got))
	}
}

// TestFinish: the error a run ends with, and its report, by how the chunks ended.
func TestFinish(t *testing.T) {
	for _, c := range []struct {
		name         string
		allowPartial bool
		answers      []answer
		cancelled    error
		fail         error
		mergeErr     error
		want         string // the error's text, "" for none
		wantCounts   ChunkCounts
	}{
		{name: "complete", answers: []answer{ok(0, 0, 1), ok(1, 0, 1)}, wantCounts: ChunkCounts{Total: 2, Succeeded: 2}},
		{name: "partial allowed", allowPartial: true, answers: []answer{ok(0, 0, 1)}, wantCounts: ChunkCounts{Total: 2, Succeeded: 1, TimedOut: 1}},
		{name: "partial refused", answers: []answer{ok(0, 0, 1)}, want: "query incomplete: 1 of 2 chunks answered (0 failed, 1 timed out) and partial results are not allowed",
			wantCounts: ChunkCounts{Total: 2, Succeeded: 1, TimedOut: 1}},
		{name: "lost chunk refused", answers: []answer{ok(0, 0, 1), {chunk: 1, err: errCrash}},
			want:       "query incomplete: 1 of 2 chunks answered (1 failed, 0 timed out) and partial results are not allowed: chunk 1: RetryableError: mapper crashed",
			wantCounts: ChunkCounts{Total: 2, Succeeded: 1, Failed: 1}},
		{name: "input failure", fail: &ChunkError{Chunk: 1, Err: errInput}, want: "chunk 1: InputError: bad record", wantCounts: ChunkCounts{Total: 2, TimedOut: 2}},
		{name: "merge failure", answers: []answer{ok(0, 0, 1), ok(1, 0, 1)}, mergeErr: errors.New("merge chunks 0 to 1: bad partial"),
			want: "merge chunks 0 to 1: bad partial", wantCounts: ChunkCounts{Total: 2, Succeeded: 2}},
		{name: "cancelled", cancelled: context.Canceled, want: "context canceled", wantCounts: ChunkCounts{Total: 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := testRunner(2, Options{AllowPartial: c.allowPartial, Retries: -1})
			r.start(at(0))
			for _, a := range c.answers {
				r.answer(a, false)
			}
			err := r.finish(c.cancelled, c.fail, c.mergeErr)
			if fmt.Sprint(err) != fmt.Sprint(errOrNil(c.want)) || r.res.Chunks != c.wantCounts {
				t.Fatalf("finish = %v, counts %+v; want %q, %+v", err, r.res.Chunks, c.want, c.wantCounts)
			}
			if r.res.Partial != (c.wantCounts.Succeeded < 2 && c.cancelled == nil) {
				t.Fatalf("partial %v with counts %+v", r.res.Partial, r.res.Chunks)
			}
		})
	}
}
