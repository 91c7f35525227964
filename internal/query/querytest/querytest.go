package querytest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/query"
)

// Stall is an Invoker whose first sends of the chunks in Chunks do their work and
// then hold their answer until their context ends: the chunk's hedge answered and the
// query cancelled them, or the query ended. They are stragglers that can never answer
// first, so a test of hedging depends on no timing. Every other send is Invoker's.
type Stall struct {
	query.Invoker
	Chunks []int

	mu      sync.Mutex
	resends map[int]int
}

var _ query.Invoker = (*Stall)(nil)

// Invoke runs in on the Invoker and holds a stalled chunk's first answer.
func (s *Stall) Invoke(ctx context.Context, in pipeline.QueryChunk) ([]byte, pipeline.MapStats, error) {
	part, st, err := s.Invoker.Invoke(ctx, in)
	stalled := slices.Contains(s.Chunks, in.Chunk.Index)
	switch {
	case stalled && in.Attempt == 0:
		<-ctx.Done()
		return nil, st, ctx.Err()
	case stalled && err == nil:
		s.mu.Lock()
		if s.resends == nil {
			s.resends = map[int]int{}
		}
		s.resends[in.Chunk.Index]++
		s.mu.Unlock()
	}
	return part, st, err
}

// Resent is how many resends of a stalled chunk answered.
func (s *Stall) Resent(chunk int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resends[chunk]
}

// FaultSeed finds a fault seed under which spec ("NAME=P", see package faults) fires on
// the first sends of exactly `fire` of q's chunks and on none of their first resends:
// the faults are keyed by query, chunk and attempt, so the seed replays them.
func FaultSeed(t testing.TB, q query.Query, spec string, fire int) uint64 {
	t.Helper()
	name, _, _ := strings.Cut(spec, "=")
	for seed := uint64(1); seed < 10_000; seed++ {
		fs, err := faults.Parse(spec, seed)
		if err != nil {
			t.Fatal(err)
		}
		n, again := 0, false
		for i := range q.Chunks {
			if fs.Fire(name, fmt.Sprintf("%s/%d/0", q.ID, i)) {
				n++
				again = again || fs.Fire(name, fmt.Sprintf("%s/%d/1", q.ID, i))
			}
		}
		if n == fire && !again {
			return seed
		}
	}
	t.Fatalf("no seed below 10000 fires %s on %d of %d chunks", spec, fire, len(q.Chunks))
	return 0
}
