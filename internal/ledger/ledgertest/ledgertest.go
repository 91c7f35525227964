package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/testutil"
)

// ManyChunks is how many chunks the listing test commits: with StatsSize bytes of stats
// each, a job's chunk items exceed DynamoDB's 1 MB query page, so adapters must page.
const (
	ManyChunks = 1500
	StatsSize  = 800
)

// Run runs the conformance suite. newLedger returns an empty ledger for one subtest.
func Run(t *testing.T, newLedger func(t *testing.T) ledger.Ledger) {
	tests := []struct {
		name string
		fn   func(t *testing.T, l ledger.Ledger)
	}{
		{"Open", testOpen},
		{"JobNotFound", testJobNotFound},
		{"OpenConcurrent", testOpenConcurrent},
		{"Reopen", testReopen},
		{"Commit", testCommit},
		{"CommitConcurrent", testCommitConcurrent},
		{"ItemSizeLimit", testItemSizeLimit},
		{"Chunks", testChunks},
		{"ChunkRangeAndCount", testChunkRangeAndCount},
		{"Finish", testFinish},
		{"FinishConcurrent", testFinishConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newLedger(t)) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func newJob(id string) ledger.Job {
	return ledger.Job{ID: id, Name: "wordcount", Spec: `{"job":"wordcount","inputs":["in.txt"]}`, Chunks: 3}
}

// sameJob reports the first difference between two jobs ("" when equal).
func sameJob(got, want ledger.Job) string {
	switch {
	case got.ID != want.ID || got.Name != want.Name || got.Spec != want.Spec || got.Chunks != want.Chunks:
		return fmt.Sprintf("identity %q/%q/%q/%d, want %q/%q/%q/%d", got.ID, got.Name, got.Spec, got.Chunks, want.ID, want.Name, want.Spec, want.Chunks)
	case got.Status != want.Status || got.Runs != want.Runs:
		return fmt.Sprintf("status %s runs %d, want %s runs %d", got.Status, got.Runs, want.Status, want.Runs)
	case got.Output != want.Output || got.Error != want.Error:
		return fmt.Sprintf("output %q error %q, want %q and %q", got.Output, got.Error, want.Output, want.Error)
	case !got.Created.Equal(want.Created) || !got.Updated.Equal(want.Updated):
		return fmt.Sprintf("times %v/%v, want %v/%v", got.Created, got.Updated, want.Created, want.Updated)
	}
	return ""
}

func sameCommit(got, want ledger.Commit) bool {
	return got.JobID == want.JobID && got.Chunk == want.Chunk && got.Attempt == want.Attempt &&
		got.Partial == want.Partial && got.Stats == want.Stats && got.Committed.Equal(want.Committed)
}

func open(t *testing.T, l ledger.Ledger, j ledger.Job) ledger.Job {
	t.Helper()
	got, err := l.Open(ctx(t), j)
	if err != nil {
		t.Fatalf("Open(%s): %v", j.ID, err)
	}
	return got
}

func testOpen(t *testing.T, l ledger.Ledger) {
	before := time.Now().Add(-time.Minute)
	first := open(t, l, newJob("job-1"))
	want := newJob("job-1")
	want.Status, want.Runs, want.Created, want.Updated = ledger.Running, 1, first.Created, first.Created
	if d := sameJob(first, want); d != "" {
		t.Fatalf("fresh Open: %s", d)
	}
	if first.Created.Before(before) || first.Created.After(time.Now().Add(time.Minute)) {
		t.Errorf("Created %v is not about now", first.Created)
	}
	stored, err := l.Job(ctx(t), "job-1")
	if err != nil {
		t.Fatal(err)
	}
	if d := sameJob(stored, first); d != "" {
		t.Errorf("Job after Open: %s", d)
	}

	changed := newJob("job-1")
	changed.Name, changed.Chunks = "grep", 99
	// finish ends job-1 as status, before a step's Open.
	finish := func(status ledger.Status, output, msg string) func(t *testing.T) {
		return func(t *testing.T) {
			if _, err := l.Finish(ctx(t), "job-1", status, output, msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	reopened := func(prev ledger.Job) ledger.Job {
		prev.Runs++
		return prev
	}
	steps := []struct {
		name   string
		before func(t *testing.T)
		want   func(prev ledger.Job) ledger.Job
	}{
		{"running returns the stored item", nil, func(prev ledger.Job) ledger.Job { return prev }},
		{"failed is reopened", finish(ledger.Failed, "", "mapper crashed"), reopened},
		{"failed again is reopened again", finish(ledger.Failed, "", "again"), reopened},
		{"succeeded returns the stored item", finish(ledger.Succeeded, "s3://out/result", ""), func(prev ledger.Job) ledger.Job {
			prev.Status, prev.Output = ledger.Succeeded, "s3://out/result"
			return prev
		}},
	}
	prev := first
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.before != nil {
				st.before(t)
			}
			got := open(t, l, changed)
			want := st.want(prev)
			want.Updated = got.Updated
			if d := sameJob(got, want); d != "" {
				t.Errorf("Open: %s", d)
			}
			if got.Updated.Before(prev.Updated) {
				t.Errorf("Updated went back from %v to %v", prev.Updated, got.Updated)
			}
			stored, err := l.Job(ctx(t), "job-1")
			if err != nil {
				t.Fatal(err)
			}
			if d := sameJob(stored, got); d != "" {
				t.Errorf("Job after Open: %s", d)
			}
			prev = got
		})
	}
	if prev.Runs != 3 || prev.Status != ledger.Succeeded {
		t.Errorf("after two reopens and a success: runs %d status %s, want 3 SUCCEEDED", prev.Runs, prev.Status)
	}
	if _, err := l.Open(ctx(t), ledger.Job{}); err == nil {
		t.Error("Open of a job without an ID succeeded")
	}
}

func testJobNotFound(t *testing.T, l ledger.Ledger) {
	open(t, l, newJob("present"))
	_, err := l.Job(ctx(t), "absent")
	if !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("Job(absent) = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "absent") {
		t.Errorf("error %q does not name the job", err)
	}
	if _, err := l.Chunk(ctx(t), "absent", 0); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Chunk of an absent job = %v, want ErrNotFound", err)
	}
	if _, err := l.Chunk(ctx(t), "present", 0); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Chunk never committed = %v, want ErrNotFound", err)
	}
	if cs, err := l.Chunks(ctx(t), "absent"); err != nil || len(cs) != 0 {
		t.Errorf("Chunks of an absent job = %v, %v; want none", cs, err)
	}
	if _, err := l.Finish(ctx(t), "absent", ledger.Succeeded, "x", ""); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Finish of an absent job = %v, want ErrNotFound", err)
	}
	if _, err := l.Job(ctx(t), "absent"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Finish created the absent job: %v", err)
	}
}

// testReopen: Reopen moves only a FAILED job back to RUNNING (one run more, the error
// cleared), leaves a RUNNING or SUCCEEDED one as it is, never creates a job, and of
// concurrent reopeners of one failure exactly one starts a run.
func testReopen(t *testing.T, l ledger.Ledger) {
	if _, err := l.Reopen(ctx(t), "absent"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("Reopen of an unknown job = %v, want ErrNotFound", err)
	}
	if _, err := l.Job(ctx(t), "absent"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("Reopen created the unknown job: %v", err)
	}
	first := open(t, l, newJob("job-ro"))
	got, err := l.Reopen(ctx(t), "job-ro")
	if err != nil || sameJob(got, first) != "" {
		t.Fatalf("Reopen of a RUNNING job = %+v, %v; want it unchanged", got, err)
	}
	if _, err := l.Finish(ctx(t), "job-ro", ledger.Failed, "", "a chunk failed"); err != nil {
		t.Fatal(err)
	}
	testutil.Race(8, func(int) {
		if _, err := l.Reopen(ctx(t), "job-ro"); err != nil {
			t.Error(err)
		}
	})
	stored, err := l.Job(ctx(t), "job-ro")
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != ledger.Running || stored.Runs != 2 || stored.Error != "" || stored.Spec != first.Spec {
		t.Fatalf("after 8 concurrent reopens of a failure: status %s runs %d error %q, want RUNNING, 2 runs, no error", stored.Status, stored.Runs, stored.Error)
	}
	if _, err := l.Finish(ctx(t), "job-ro", ledger.Succeeded, "s3://out/x", ""); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Reopen(ctx(t), "job-ro"); err != nil || got.Status != ledger.Succeeded || got.Runs != 2 {
		t.Fatalf("Reopen of a SUCCEEDED job = %+v, %v; want it unchanged", got, err)
	}
}

// testOpenConcurrent reopens a FAILED job from many goroutines: exactly one run starts.
func testOpenConcurrent(t *testing.T, l ledger.Ledger) {
	open(t, l, newJob("job-c"))
	if _, err := l.Finish(ctx(t), "job-c", ledger.Failed, "", "boom"); err != nil {
		t.Fatal(err)
	}
	const n = 8
	got := make([]ledger.Job, n)
	errs := make([]error, n)
	testutil.Race(n, func(i int) { got[i], errs[i] = l.Open(ctx(t), newJob("job-c")) })
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i, j := range got {
		if j.Status != ledger.Running || j.Runs != 2 {
			t.Errorf("opener %d got status %s runs %d, want RUNNING runs 2", i, j.Status, j.Runs)
		}
	}
}

func testCommit(t *testing.T, l ledger.Ledger) {
	open(t, l, newJob("job-2"))
	first := ledger.Commit{JobID: "job-2", Chunk: 7, Attempt: "a1", Partial: "s3://work/job-2/7/a1", Stats: `{"records":10}`}
	winner, won, err := l.Commit(ctx(t), first)
	if err != nil || !won {
		t.Fatalf("first Commit = %v, %v; want won", won, err)
	}
	if winner.Committed.IsZero() {
		t.Error("winning commit has no Committed time")
	}
	want := first
	want.Committed = winner.Committed
	if !sameCommit(winner, want) {
		t.Errorf("first Commit returned %+v, want %+v", winner, want)
	}
	cases := []struct {
		name string
		c    ledger.Commit
	}{
		{"duplicate of the same attempt", first},
		{"another attempt", ledger.Commit{JobID: "job-2", Chunk: 7, Attempt: "a2", Partial: "s3://work/job-2/7/a2"}},
		{"retry with its own time", ledger.Commit{JobID: "job-2", Chunk: 7, Attempt: "a3", Partial: "p3", Committed: time.Now().Add(time.Hour)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, won, err := l.Commit(ctx(t), tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if won {
				t.Error("a later Commit won")
			}
			if !sameCommit(got, want) {
				t.Errorf("loser got %+v, want the winner %+v", got, want)
			}
		})
	}
	got, err := l.Chunk(ctx(t), "job-2", 7)
	if err != nil || !sameCommit(got, want) {
		t.Errorf("Chunk = %+v, %v; want %+v", got, err, want)
	}
	other, won, err := l.Commit(ctx(t), ledger.Commit{JobID: "job-2", Chunk: 8, Attempt: "b", Partial: "p8"})
	if err != nil || !won || other.Chunk != 8 {
		t.Errorf("Commit of another chunk = %+v, %v, %v; want won", other, won, err)
	}
	if _, _, err := l.Commit(ctx(t), ledger.Commit{JobID: "job-2", Chunk: -1}); err == nil {
		t.Error("Commit of chunk -1 succeeded")
	}
	if _, _, err := l.Commit(ctx(t), ledger.Commit{Chunk: 1}); err == nil {
		t.Error("Commit without a job ID succeeded")
	}
}

// testItemSizeLimit: a commit whose item passes DynamoDB's 400 KB is refused with
// DynamoDB's ValidationException and leaves no commit; one just under it is taken.
func testItemSizeLimit(t *testing.T, l ledger.Ledger) {
	open(t, l, newJob("job-big"))
	over := ledger.Commit{JobID: "job-big", Chunk: 1, Attempt: "a", Partial: "p", Stats: strings.Repeat("x", ledger.MaxItemBytes)}
	_, _, err := l.Commit(ctx(t), over)
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" {
		t.Fatalf("Commit of a %d-byte item: %v; want a ValidationException", len(over.Stats), err)
	}
	if _, err := l.Chunk(ctx(t), "job-big", 1); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("after the refused commit, Chunk = %v; want ErrNotFound", err)
	}
	// 400,000 bytes: taken by DynamoDB (400 KB of 1,024 bytes) and by moto, which
	// refuses items over 405,000 bytes by its own count.
	under := over
	under.Stats = strings.Repeat("x", 399_000)
	if _, won, err := l.Commit(ctx(t), under); err != nil || !won {
		t.Errorf("Commit of a %d-byte item = %v, %v; want won", len(under.Stats), won, err)
	}
}

func testCommitConcurrent(t *testing.T, l ledger.Ledger) {
	open(t, l, newJob("job-3"))
	const n = 16
	type result struct {
		c   ledger.Commit
		won bool
	}
	results := make([]result, n)
	errs := make([]error, n)
	testutil.Race(n, func(i int) {
		c, won, err := l.Commit(ctx(t), ledger.Commit{JobID: "job-3", Chunk: 0, Attempt: fmt.Sprintf("attempt-%d", i), Partial: fmt.Sprintf("partial-%d", i)})
		results[i], errs[i] = result{c, won}, err
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	winners := 0
	var winner ledger.Commit
	for i, r := range results {
		if r.won {
			winners++
			winner = r.c
			if r.c.Attempt != fmt.Sprintf("attempt-%d", i) {
				t.Errorf("goroutine %d won with another's commit %+v", i, r.c)
			}
		}
	}
	if winners != 1 {
		t.Fatalf("%d commits won, want exactly 1", winners)
	}
	for i, r := range results {
		if !sameCommit(r.c, winner) {
			t.Errorf("goroutine %d sees %+v, the winner is %+v", i, r.c, winner)
		}
	}
	stored, err := l.Chunk(ctx(t), "job-3", 0)
	if err != nil || !sameCommit(stored, winner) {
		t.Errorf("stored %+v, %v; want the winner %+v", stored, err, winner)
	}
}

func testChunks(t *testing.T, l ledger.Ledger) {
	open(t, l, newJob("job-4"))
	open(t, l, newJob("job-4b"))
	stats := strings.Repeat("s", StatsSize)
	// Commit in an order that is not the index order, several at a time.
	var g errgroup.Group
	g.SetLimit(8)
	for k := range ManyChunks {
		i := (k * 7) % ManyChunks // 7 is coprime with 1500: a permutation
		g.Go(func() error {
			_, won, err := l.Commit(ctx(t), ledger.Commit{JobID: "job-4", Chunk: i, Attempt: "a", Partial: fmt.Sprintf("p/%d", i), Stats: stats})
			if err == nil && !won {
				err = fmt.Errorf("chunk %d: first commit lost", i)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Commit(ctx(t), ledger.Commit{JobID: "job-4b", Chunk: 3, Attempt: "x", Partial: "other job"}); err != nil {
		t.Fatal(err)
	}
	cs, err := l.Chunks(ctx(t), "job-4")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != ManyChunks {
		t.Fatalf("Chunks returned %d commits, want %d", len(cs), ManyChunks)
	}
	for i, c := range cs {
		if c.Chunk != i || c.JobID != "job-4" || c.Partial != fmt.Sprintf("p/%d", i) || c.Stats != stats {
			t.Fatalf("Chunks[%d] = chunk %d of %s partial %q (stats %d bytes), want chunk %d of job-4", i, c.Chunk, c.JobID, c.Partial, len(c.Stats), i)
		}
	}
	other, err := l.Chunks(ctx(t), "job-4b")
	if err != nil || len(other) != 1 || other[0].Partial != "other job" {
		t.Errorf("Chunks(job-4b) = %+v, %v; want its one commit", other, err)
	}
	c, err := l.Chunk(ctx(t), "job-4", ManyChunks-1)
	if err != nil || c.Partial != fmt.Sprintf("p/%d", ManyChunks-1) {
		t.Errorf("Chunk(last) = %+v, %v", c, err)
	}
}

// testChunkRangeAndCount: a range returns exactly the committed chunks in it, in order,
// whatever page boundaries fall inside; Count counts every commit of the job and no other's.
func testChunkRangeAndCount(t *testing.T, l ledger.Ledger) {
	open(t, l, newJob("job-r"))
	open(t, l, newJob("job-r2"))
	if n, err := l.Count(ctx(t), "job-r"); err != nil || n != 0 {
		t.Fatalf("Count of a job without commits = %d, %v; want 0", n, err)
	}
	if n, err := l.Count(ctx(t), "no-such-job"); err != nil || n != 0 {
		t.Fatalf("Count of an unknown job = %d, %v; want 0", n, err)
	}
	stats := strings.Repeat("s", StatsSize)
	committed := map[int]bool{}
	var g errgroup.Group
	g.SetLimit(8)
	for i := range ManyChunks {
		if i%3 == 1 { // every third chunk stays uncommitted
			continue
		}
		committed[i] = true
		g.Go(func() error {
			_, _, err := l.Commit(ctx(t), ledger.Commit{JobID: "job-r", Chunk: i, Attempt: "a", Partial: fmt.Sprintf("p/%d", i), Stats: stats})
			return err
		})
	}
	for i := range 5 {
		g.Go(func() error {
			_, _, err := l.Commit(ctx(t), ledger.Commit{JobID: "job-r2", Chunk: i, Attempt: "b", Partial: "other"})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Count(ctx(t), "job-r"); err != nil || n != len(committed) {
		t.Fatalf("Count = %d, %v; want %d", n, err, len(committed))
	}
	if n, err := l.Count(ctx(t), "job-r2"); err != nil || n != 5 {
		t.Fatalf("Count(job-r2) = %d, %v; want 5", n, err)
	}
	for _, r := range [][2]int{{0, 1}, {1, 2}, {0, 10}, {7, 8}, {99, 256}, {0, ManyChunks}, {ManyChunks - 3, ManyChunks + 10}, {5, 5}, {9, 3}, {-4, 2}} {
		from, to := r[0], r[1]
		got, err := l.ChunkRange(ctx(t), "job-r", from, to)
		if err != nil {
			t.Fatalf("ChunkRange(%d, %d): %v", from, to, err)
		}
		var want []int
		for i := max(from, 0); i < to && i < ManyChunks; i++ {
			if committed[i] {
				want = append(want, i)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("ChunkRange(%d, %d) returned %d commits, want %d", from, to, len(got), len(want))
		}
		for k, c := range got {
			if c.JobID != "job-r" || c.Chunk != want[k] || c.Partial != fmt.Sprintf("p/%d", want[k]) || c.Stats != stats {
				t.Fatalf("ChunkRange(%d, %d)[%d] = chunk %d of %s (%q), want chunk %d of job-r", from, to, k, c.Chunk, c.JobID, c.Partial, want[k])
			}
		}
	}
}

func testFinish(t *testing.T, l ledger.Ledger) {
	type step struct {
		status       ledger.Status
		output, emsg string
		wantErr      error
		want         ledger.Status
		wantOutput   string
		wantError    string
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"succeed then repeat then fail", []step{
			{status: ledger.Succeeded, output: "s3://out/r", want: ledger.Succeeded, wantOutput: "s3://out/r"},
			{status: ledger.Succeeded, output: "s3://out/other", want: ledger.Succeeded, wantOutput: "s3://out/r"},
			{status: ledger.Failed, emsg: "late failure", wantErr: ledger.ErrConflict},
		}},
		{"fail then repeat then succeed", []step{
			{status: ledger.Failed, emsg: "reducer crashed", want: ledger.Failed, wantError: "reducer crashed"},
			{status: ledger.Failed, emsg: "second report", want: ledger.Failed, wantError: "reducer crashed"},
			{status: ledger.Succeeded, output: "s3://out/r", wantErr: ledger.ErrConflict},
		}},
		{"running is not a final status", []step{
			{status: ledger.Running, wantErr: errAny},
			{status: "DONE", wantErr: errAny},
			{status: ledger.Succeeded, output: "o", want: ledger.Succeeded, wantOutput: "o"},
		}},
	}
	for n, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("job-f%d", n)
			opened := open(t, l, newJob(id))
			for i, st := range tc.steps {
				got, err := l.Finish(ctx(t), id, st.status, st.output, st.emsg)
				switch {
				case st.wantErr == errAny:
					if err == nil {
						t.Fatalf("step %d: Finish(%s) succeeded, want an error", i, st.status)
					}
					continue
				case st.wantErr != nil:
					if !errors.Is(err, st.wantErr) {
						t.Fatalf("step %d: Finish(%s) = %v, want %v", i, st.status, err, st.wantErr)
					}
					if !strings.Contains(err.Error(), id) {
						t.Errorf("error %q does not name the job", err)
					}
					continue
				case err != nil:
					t.Fatalf("step %d: Finish(%s): %v", i, st.status, err)
				}
				want := opened
				want.Status, want.Output, want.Error, want.Updated = st.want, st.wantOutput, st.wantError, got.Updated
				if d := sameJob(got, want); d != "" {
					t.Errorf("step %d: Finish returned %s", i, d)
				}
				stored, err := l.Job(ctx(t), id)
				if err != nil {
					t.Fatal(err)
				}
				if d := sameJob(stored, got); d != "" {
					t.Errorf("step %d: stored %s", i, d)
				}
			}
		})
	}
}

var errAny = errors.New("any error")

// testFinishConcurrent finishes one job from many goroutines, half as SUCCEEDED and half
// as FAILED: one status wins, its callers all get the item, the others get ErrConflict.
func testFinishConcurrent(t *testing.T, l ledger.Ledger) {
	open(t, l, newJob("job-5"))
	const n = 8
	jobs := make([]ledger.Job, n)
	errs := make([]error, n)
	testutil.Race(n, func(i int) {
		st, out, msg := ledger.Succeeded, fmt.Sprintf("out-%d", i), ""
		if i%2 == 1 {
			st, out, msg = ledger.Failed, "", fmt.Sprintf("err-%d", i)
		}
		jobs[i], errs[i] = l.Finish(ctx(t), "job-5", st, out, msg)
	})
	stored, err := l.Job(ctx(t), "job-5")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		mine := ledger.Succeeded
		if i%2 == 1 {
			mine = ledger.Failed
		}
		switch {
		case mine == stored.Status && errs[i] != nil:
			t.Errorf("finisher %d (%s, the stored status): %v", i, mine, errs[i])
		case mine == stored.Status:
			if d := sameJob(jobs[i], stored); d != "" {
				t.Errorf("finisher %d: %s", i, d)
			}
		case !errors.Is(errs[i], ledger.ErrConflict):
			t.Errorf("finisher %d (%s, stored %s) = %v, want ErrConflict", i, mine, stored.Status, errs[i])
		}
	}
}
