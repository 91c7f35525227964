package query_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/query"
)

// compiles counts the builds of the job compile-count: wordcount under another name.
var compiles atomic.Int64

func init() {
	d, _ := jobs.Lookup("wordcount")
	jobs.Register(jobs.Definition{Name: "compile-count", Version: "1", Summary: "wordcount, counting its builds", Params: d.Params,
		New: func(p jobs.Params) (jobs.Job, error) {
			compiles.Add(1)
			return jobs.New("wordcount", p)
		}})
}

// mapperSide invokes one chunk at a time and counts the builds the mappers make (as
// separate functions on AWS, each builds the job itself), to tell them from the caller's.
type mapperSide struct {
	query.Invoker
	mu sync.Mutex
	n  int64
}

func (m *mapperSide) Invoke(ctx context.Context, in pipeline.QueryChunk) ([]byte, pipeline.MapStats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	before := compiles.Load()
	defer func() { m.n += compiles.Load() - before }()
	return m.Invoker.Invoke(ctx, in)
}

// TestQueryCompilesItsJobOnce: planning and running a query builds its job once (Plan's
// build before the inputs is kept when they add no types, and Run reuses it), and the
// answer is wordcount's.
func TestQueryCompilesItsJobOnce(t *testing.T) {
	w := newWorld(t)
	inv := w.handler("", 0)
	compiles.Store(0)
	q, err := query.Plan(context.Background(), inv.Handler.Store, "compile-count", jobs.Params{}, []string{w.text}, "", 2<<10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Chunks) < 2 {
		t.Fatalf("%d chunks: too few to tell the mappers' builds from the caller's", len(q.Chunks))
	}
	side := &mapperSide{Invoker: inv}
	_, got, err := run(side, q, query.Options{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if n := compiles.Load() - side.n; n != 1 {
		t.Errorf("the query built its job %d times outside the mappers, want once", n)
	}
	if side.n < int64(len(q.Chunks)) {
		t.Fatalf("the mappers built the job %d times for %d chunks: the count does not see them", side.n, len(q.Chunks))
	}
	_, want, err := run(inv, w.plan(), query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got != want || !strings.Contains(want, "\t") {
		t.Fatalf("compile-count answered %.200q, wordcount %.200q", got, want)
	}
}
