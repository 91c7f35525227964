package query_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/query"
	"github.com/scattergather/scattergather/internal/query/querytest"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
)

// world is a text input on disk and the local handler (filesystem store) that maps it.
type world struct {
	t    *testing.T
	text string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	var b bytes.Buffer
	if err := datagen.Text(&b, 120_000, 3); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, text: testutil.WriteFile(t, t.TempDir(), "text.txt", b.Bytes())}
	return w
}

// handler is an in-process mapper with the faults of spec and seed ("" for none).
func (w *world) handler(spec string, seed uint64) query.InProcess {
	w.t.Helper()
	var o engine.Options
	if spec != "" {
		fs, err := faults.Parse(spec, seed)
		if err != nil {
			w.t.Fatal(err)
		}
		o.Faults = fs
	}
	l, err := engine.Open(context.Background(), w.t.TempDir(), o)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { l.Close() })
	return query.InProcess{Handler: l.Handler}
}

// plan is the wordcount query of the text in 2 KiB chunks.
func (w *world) plan() query.Query {
	w.t.Helper()
	q, err := query.Plan(context.Background(), w.handler("", 0).Handler.Store, "wordcount", jobs.Params{}, []string{w.text}, "", 2<<10, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return q
}

func run(inv query.Invoker, q query.Query, o query.Options) (query.Result, string, error) {
	o.Log = slog.New(slog.DiscardHandler)
	var out bytes.Buffer
	res, err := query.Run(context.Background(), inv, q, o, &out)
	return res, out.String(), err
}

// TestRun: a query answers completely and correctly; it hedges stragglers, resends
// chunks that crash, answers partially or refuses when the deadline passes, and
// fails at once on a chunk's input error. No assertion depends on speed: the
// stragglers are stalled until cancelled, and the crashes come from a seed chosen
// for the query's chunks.
func TestRun(t *testing.T) {
	w := newWorld(t)
	q := w.plan()
	n := len(q.Chunks)
	if n < 40 {
		t.Fatalf("%d chunks: want enough for a hedging budget of 2", n)
	}
	want, err := func() (string, error) {
		_, out, err := run(w.handler("", 0), q, query.Options{})
		return out, err
	}()
	if err != nil || want == "" {
		t.Fatalf("plain run: %v, %d bytes", err, len(want))
	}
	crashSeed := querytest.FaultSeed(t, q, "mapper.crash.before-write=0.1", 3)

	t.Run("complete", func(t *testing.T) {
		res, out, err := run(w.handler("", 0), q, query.Options{Hedge: true, Concurrency: 4, FanIn: 3})
		if err != nil || out != want || res.Partial || res.Chunks != (query.ChunkCounts{Total: n, Succeeded: n}) {
			t.Fatalf("err %v, report %+v, %d bytes: want the complete answer of %d", err, res.Report, len(out), len(want))
		}
	})
	t.Run("stragglers are hedged and their hedges win", func(t *testing.T) {
		// The budget is 5% of the chunks, 2; chunks 0 and 1 start first, so they are
		// the longest outstanding when the threshold comes.
		inv := &querytest.Stall{Invoker: w.handler("", 0), Chunks: []int{0, 1}}
		res, out, err := run(inv, q, query.Options{Hedge: true})
		if err != nil || out != want || res.Partial {
			t.Fatalf("err %v, report %+v: want the complete answer", err, res.Report)
		}
		if res.Hedges != (query.HedgeCounts{Sent: 2, Won: 2}) || inv.Resent(0) != 1 || inv.Resent(1) != 1 {
			t.Fatalf("hedges %+v, resends of chunk 0 %d, of chunk 1 %d: want both stragglers hedged once, both won",
				res.Hedges, inv.Resent(0), inv.Resent(1))
		}
	})
	t.Run("crashed chunks are resent", func(t *testing.T) {
		res, out, err := run(w.handler("mapper.crash.before-write=0.1", crashSeed), q, query.Options{})
		if err != nil || out != want || res.Retries != 3 || res.Chunks.Succeeded != n {
			t.Fatalf("err %v, report %+v, %d retries: want the complete answer after 3 resends", err, res.Report, res.Retries)
		}
	})
	t.Run("without retries the crashed chunks are lost", func(t *testing.T) {
		res, out, err := run(w.handler("mapper.crash.before-write=0.1", crashSeed), q, query.Options{Retries: -1})
		var inc *query.IncompleteError
		if !errors.As(err, &inc) || res.Chunks.Failed != 3 || out != "" || !strings.Contains(err.Error(), "mapper.crash.before-write") {
			t.Fatalf("err %v, report %+v, %d bytes out: want an incomplete answer naming the crash", err, res.Report, len(out))
		}
	})
	for _, allow := range []bool{true, false} {
		t.Run(fmt.Sprintf("deadline, partial allowed %v", allow), func(t *testing.T) {
			inv := &querytest.Stall{Invoker: w.handler("", 0), Chunks: []int{0, n - 1}}
			res, out, err := run(inv, q, query.Options{Deadline: 200 * time.Millisecond, AllowPartial: allow})
			c := res.Chunks
			if !res.Partial || c.TimedOut < 2 || c.Failed != 0 || c.Total != c.Succeeded+c.TimedOut {
				t.Fatalf("report %+v: want partial, the two stragglers timed out", res.Report)
			}
			var inc *query.IncompleteError
			switch {
			case allow && (err != nil || (out != "") != (c.Succeeded > 0) || len(out) >= len(want)):
				// How many chunks beat the deadline depends on the machine; what they
				// answered is written, and it is less than the whole.
				t.Fatalf("err %v, %d bytes from %d chunks: want a partial answer, shorter than the complete %d", err, len(out), c.Succeeded, len(want))
			case !allow && (!errors.As(err, &inc) || inc.Report != res.Report || out != ""):
				t.Fatalf("err %v, %d bytes: want an incomplete-query error with the report, nothing written", err, len(out))
			}
		})
	}
	t.Run("an input error fails the query", func(t *testing.T) {
		csv := testutil.WriteFile(t, t.TempDir(), "bad.csv", []byte("a,b\n1,2\n3,\"4\n"))
		inv := w.handler("", 0)
		p := jobs.Params{"where": "a > 0", "columns": "a", "strict": "true"}
		q, err := query.Plan(context.Background(), inv.Handler.Store, "select", p, []string{csv}, "", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, out, err := run(inv, q, query.Options{AllowPartial: true})
		var ce *query.ChunkError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), csv) || out != "" || res.Retries != 0 {
			t.Fatalf("err %v, %d retries: want a chunk error naming %s, not resent", err, res.Retries, csv)
		}
	})
}
