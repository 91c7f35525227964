package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/query"
	"github.com/scattergather/scattergather/internal/testutil"
)

// runQuery runs `scatter query` (args with --json), failing t if it fails, and returns
// its stdout and stderr and the completeness report (lastReport).
func runQuery(t *testing.T, args ...string) (stdout, stderr string, r query.Report) {
	t.Helper()
	return runQueryContext(context.Background(), t, args...)
}

// runQueryContext is runQuery under ctx (faults.WithSlowWait's, say).
func runQueryContext(ctx context.Context, t *testing.T, args ...string) (stdout, stderr string, r query.Report) {
	t.Helper()
	stdout, stderr, err := runCLIContext(ctx, t, args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stderr)
	}
	return stdout, stderr, lastReport(t, stderr)
}

// lastReport parses the completeness report on stderr's last line and checks that its
// counts add up.
func lastReport(t *testing.T, stderr string) query.Report {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	var r query.Report
	dec := json.NewDecoder(strings.NewReader(last))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stderr's last line %q is not the report: %v", last, err)
	}
	if c := r.Chunks; c.Total != c.Succeeded+c.Failed+c.TimedOut || c.Total < 1 {
		t.Fatalf("report %+v: chunk counts do not add up", r)
	}
	if r.Partial != (r.Chunks.Succeeded < r.Chunks.Total) || r.Hedges.Won > r.Hedges.Sent {
		t.Fatalf("report %+v is inconsistent", r)
	}
	return r
}

// TestQueryMatchesRun: for every read-only job, `scatter query` answers byte for byte
// what `scatter run` writes, on stdout or at --output.
func TestQueryMatchesRun(t *testing.T) {
	f := newFixture(t)
	for _, c := range f.cases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var inputs []string
			for _, in := range c.inputs {
				inputs = append(inputs, "--input", in)
			}
			runOut := filepath.Join(t.TempDir(), "run.out")
			args := append(append([]string{"run", "--output", runOut, "--chunk-size", "16KiB", "--state-dir", t.TempDir()}, c.args...), inputs...)
			if _, stderr, err := runCLI(t, args...); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr)
			}
			want, err := os.ReadFile(runOut)
			if err != nil || len(want) == 0 {
				t.Fatalf("run output: %v (%d bytes)", err, len(want))
			}
			for _, chunk := range []string{"777", "16KiB", "64MiB"} {
				args := append(append([]string{"query", "--chunk-size", chunk, "--json"}, c.args...), inputs...)
				stdout, _, r := runQuery(t, args...)
				if stdout != string(want) {
					t.Fatalf("query chunk %s: stdout differs from run's output (%d vs %d bytes)\n got: %.300q\nwant: %.300q", chunk, len(stdout), len(want), stdout, want)
				}
				if r.Partial || r.Chunks.Succeeded != r.Chunks.Total {
					t.Fatalf("query chunk %s: report %+v, want complete", chunk, r)
				}
			}
			out := filepath.Join(t.TempDir(), "query.out")
			args = append(append([]string{"query", "--chunk-size", "4KiB", "--output", out}, c.args...), inputs...)
			if stdout, stderr, err := runCLI(t, args...); err != nil || stdout != "" {
				t.Fatalf("query --output: %v, stdout %.100q\n%s", err, stdout, stderr)
			}
			if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
				t.Fatalf("query --output: %d bytes differ from run's %d", len(got), len(want))
			}
		})
	}
}

// slowSeed finds a fault seed under which the first sends of the query's first `slow`
// chunks are stragglers and no other send is (no other chunk's first send, no chunk's
// second: a hedge or a resend). The first chunks are sent first, so they are the
// longest outstanding, and the query hedges the longest outstanding first: an ordinary
// chunk that a loaded machine makes late as well never takes a straggler's place in the
// hedge budget. The faults are keyed by query, chunk and attempt, so the same seed
// replays them.
func slowSeed(t *testing.T, spec string, job string, inputs []string, chunkSize int64, slow int) (seed uint64, chunks int) {
	t.Helper()
	_, p := params(t, []string{"--job", job})
	q, err := query.Plan(context.Background(), blob.NewMux(nil), job, p, inputs, "", chunkSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	const tries = 1 << 24 // about 1 in 100,000 seeds will do (spec 3%, 75 chunks)
seeds:
	for seed = 1; seed < tries; seed++ {
		fs, err := faults.Parse(spec, seed)
		if err != nil {
			t.Fatal(err)
		}
		for i := range q.Chunks {
			if fs.Fire("mapper.slow", fmt.Sprintf("%s/%d/0", q.ID, i)) != (i < slow) || fs.Fire("mapper.slow", fmt.Sprintf("%s/%d/1", q.ID, i)) {
				continue seeds
			}
		}
		return seed, len(q.Chunks)
	}
	t.Fatalf("no seed below %d makes the first sends of the first %d of %d chunks, and no other send, slow", tries, slow, len(q.Chunks))
	return 0, 0
}

// TestQueryHedging: with two stragglers among ~75 chunks, the query without hedging waits
// for them; with hedging it resends them and the resends win. Both answers are complete
// and correct. Assertions are on counts, not on times: with hedging, the stragglers'
// first sends are held (faults.WithSlowWait) until the query cancels them, which it does
// once their hedged resends have answered, so no resend can lose to its original however
// slowly a loaded machine runs the rest; and they are the first chunks (slowSeed), so
// they take the hedge budget before any ordinary chunk that passed the hedge delay too.
func TestQueryHedging(t *testing.T) {
	f := newFixture(t)
	const spec = "mapper.slow=0.03"
	seed, chunks := slowSeed(t, spec, "wordcount", []string{f.text}, 4096, 2)
	want := runOnce(t, f, "wordcount")
	base := []string{"query", "--job", "wordcount", "--input", f.text, "--chunk-size", "4KiB", "--json",
		"--faults", spec, "--fault-seed", fmt.Sprint(seed)}
	for _, c := range []struct {
		name  string
		hedge string
	}{{"without hedging", "false"}, {"with hedging", "true"}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, released := context.Background(), new(atomic.Int32)
			if c.hedge == "true" {
				ctx, released = holdStragglers()
			}
			stdout, stderr, r := runQueryContext(ctx, t, append(base, "--hedge="+c.hedge)...)
			if n := released.Load(); n > 0 {
				t.Fatalf("%d stragglers were never hedged: their gate opened after %v; report %+v", n, stragglerGuard, r)
			}
			if stdout != want {
				t.Fatalf("output differs from run's (%d vs %d bytes)", len(stdout), len(want))
			}
			if r.Partial || r.Chunks.Total != chunks || r.Chunks.Succeeded != chunks {
				t.Fatalf("report %+v: want all %d chunks", r, chunks)
			}
			if !strings.Contains(stderr, "mapper.slow=2") {
				t.Fatalf("want two slow first sends (and no slow resend) reported; stderr:\n%s", stderr)
			}
			budget := max(1, chunks*5/100)
			switch {
			case c.hedge == "false" && r.Hedges != (query.HedgeCounts{}):
				t.Fatalf("hedges %+v without hedging", r.Hedges)
			case c.hedge == "true" && (r.Hedges.Won < 2 || r.Hedges.Sent > budget):
				// At least the two stragglers: on a loaded machine an ordinary chunk
				// may pass the hedge delay too, and its resend may win as well.
				t.Fatalf("hedges %+v: want both stragglers resent and won, within the budget of %d", r.Hedges, budget)
			}
		})
	}
}

// stragglerGuard bounds how long a test holds a straggler it expects the query to
// cancel: past it the test fails, rather than hanging until go test's timeout. It
// bounds a hang only; nothing asserts a time.
const stragglerGuard = 3 * time.Minute

// holdStragglers is a context under which a mapper.slow that fires holds its attempt
// until the query cancels it (its hedge answered, or the deadline passed), not for
// faults.SlowDelay. released counts the attempts stragglerGuard let go instead.
func holdStragglers() (ctx context.Context, released *atomic.Int32) {
	released = new(atomic.Int32)
	return faults.WithSlowWait(context.Background(), func(ctx context.Context, key string) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(stragglerGuard): // never cancelled: fail, not hang
			released.Add(1)
			return nil
		}
	}), released
}

// TestQueryRetries: chunks whose mapper crashes are sent again, so the answer
// is complete and equals run's; without retries the query fails naming the crash.
func TestQueryRetries(t *testing.T) {
	f := newFixture(t)
	want := runOnce(t, f, "wordcount")
	// The query ID, and so the fault draws, differ between runs (the fixture's
	// path is in them). At 20% a chunk fails all 9 sends with probability
	// 0.2^9 = 5e-7; without retries, some chunk crashes with probability
	// 1 - 0.8^N, N being dozens of chunks.
	base := []string{"query", "--job", "wordcount", "--input", f.text, "--chunk-size", "4KiB", "--json",
		"--allow-partial=false", "--hedge=false", "--faults", "mapper.crash.before-write=0.2"}
	stdout, stderr, r := runQuery(t, append(base, "--retries", "8")...)
	if stdout != want {
		t.Fatalf("output differs from run's (%d vs %d bytes)", len(stdout), len(want))
	}
	if r.Partial || r.Chunks.Failed != 0 || r.Chunks.Succeeded != r.Chunks.Total {
		t.Fatalf("report %+v: want every chunk answered", r)
	}
	m := regexp.MustCompile(`mapper\.crash\.before-write=(\d+)`).FindStringSubmatch(stderr)
	resent := regexp.MustCompile(`(\d+) resent after a failure`).FindStringSubmatch(stderr)
	if m == nil || m[1] == "0" || resent == nil || resent[1] != m[1] {
		t.Fatalf("want every injected crash resent once; stderr:\n%s", stderr)
	}
	_, stderr, err := runCLI(t, append(base, "--retries", "0")...)
	if err == nil || !strings.Contains(err.Error()+stderr, "mapper.crash.before-write") {
		t.Fatalf("without retries: err %v, stderr %s; want the query to fail naming the crash", err, stderr)
	}
}

// runOnce is `scatter run` of job on the fixture's text.
func runOnce(t *testing.T, f *fixture, job string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "run.out")
	if _, stderr, err := runCLI(t, "run", "--job", job, "--input", f.text, "--output", out, "--state-dir", t.TempDir()); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	b := testutil.ReadFile(t, out)
	return string(b)
}

// TestQueryDeadline: stragglers held until the deadline (holdStragglers) time out; the
// answer is partial and says so, or, with --allow-partial=false, the query fails. The
// stragglers time out whatever the deadline; it is 2 s so that the other chunks, which
// make the partial answer, answer before it on a loaded machine too (at 300 ms, 75
// chunks were left to a machine's speed).
func TestQueryDeadline(t *testing.T) {
	f := newFixture(t)
	const spec = "mapper.slow=0.03"
	seed, chunks := slowSeed(t, spec, "wordcount", []string{f.text}, 4096, 2)
	want := runOnce(t, f, "wordcount")
	base := []string{"query", "--job", "wordcount", "--input", f.text, "--chunk-size", "4KiB", "--json", "--hedge=false",
		"--deadline", "2s", "--faults", spec, "--fault-seed", fmt.Sprint(seed)}
	t.Run("partial allowed", func(t *testing.T) {
		t.Parallel()
		ctx, released := holdStragglers()
		stdout, _, r := runQueryContext(ctx, t, base...)
		if n := released.Load(); n > 0 {
			t.Fatalf("the deadline did not cancel %d stragglers", n)
		}
		if !r.Partial || r.Chunks.Total != chunks || r.Chunks.TimedOut < 2 || r.Chunks.Failed != 0 {
			t.Fatalf("report %+v: want partial with the 2 stragglers timed out", r)
		}
		if stdout == "" || stdout == want || len(stdout) > len(want) {
			t.Fatalf("partial output of %d bytes; the complete one has %d", len(stdout), len(want))
		}
	})
	t.Run("partial refused", func(t *testing.T) {
		t.Parallel()
		ctx, _ := holdStragglers()
		stdout, stderr, err := runCLIContext(ctx, t, append(base, "--allow-partial=false")...)
		var inc *query.IncompleteError
		if !errors.As(err, &inc) || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("err %v: want an incomplete-query error", err)
		}
		if stdout != "" {
			t.Fatalf("a refused partial answer wrote %d bytes", len(stdout))
		}
		if r := lastReport(t, stderr); !r.Partial || r.Chunks.TimedOut < 2 || r != inc.Report {
			t.Fatalf("report %+v, error's %+v: want the same partial report", r, inc.Report)
		}
	})
}

// TestQueryErrors: bad queries fail with a message naming what was wrong, before mapping anything.
func TestQueryErrors(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no job", []string{"--input", f.text}, "--job"},
		{"no input", []string{"--job", "wordcount"}, "--input"},
		{"missing input", []string{"--job", "wordcount", "--input", filepath.Join(f.dir, "missing.txt")}, "missing.txt"},
		{"negative deadline", []string{"--job", "wordcount", "--input", f.text, "--deadline", "-1s"}, "--deadline"},
		{"bad deadline", []string{"--job", "wordcount", "--input", f.text, "--deadline", "soon"}, "deadline"},
		{"fan-out over the cap", []string{"--job", "wordcount", "--input", f.text, "--chunk-size", "1KiB", "--max-fan-out", "10"}, "fan-out cap of 10"},
		{"flag of another job", []string{"--job", "wordcount", "--pattern", "x", "--input", f.text}, "--pattern does not apply"},
		{"bad regexp", []string{"--job", "grep", "--pattern", "a(", "--input", f.text}, "pattern"},
		{"output overwrites input", []string{"--job", "wordcount", "--input", f.text, "--output", f.text}, "overwrite"},
		{"strict malformed csv", []string{"--job", "select", "--strict", "--where", "adRevenue > 1", "--columns", "sourceIP", "--input", f.csv}, f.csv},
		{"unknown fault", []string{"--job", "wordcount", "--input", f.text, "--faults", "nope=1"}, "nope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, _, err := runCLI(t, append([]string{"query"}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v: want an error mentioning %q", err, c.want)
			}
			if stdout != "" {
				t.Fatalf("a failed query wrote %.100q", stdout)
			}
		})
	}
}
