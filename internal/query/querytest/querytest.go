package querytest

import (
	"context"
	"slices"
	"sync"

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
