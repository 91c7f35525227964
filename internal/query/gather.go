package query

import (
	"bytes"
	"fmt"
	"io"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
)

// gatherer merges partials as they arrive, in an aligned tree: the node (L, j)
// covers chunks [j*F^L, (j+1)*F^L); once its F children are all present they are
// merged into it with the job's Merge, which keeps input order. Missing chunks
// leave their ancestors unmerged, so a partial answer is the present nodes in order.
//
// A chunk that began a CSV part at a guessed quote state (pipeline.CSVBound's
// Assumed) is held back until confirm has checked the guess against the
// previous part's end, as the batch gather does (pipeline.ConfirmCSV).
type gatherer struct {
	job   jobs.Job
	tree  plan.Tree
	root  int                       // the level of one node, which the merges end at
	nodes []map[int][]byte          // the present nodes of each level up to root
	csv   map[int]pipeline.MapStats // the chunks that recorded CSV parts
	held  map[int][]byte            // the partials of chunks that guessed
}

func newGatherer(job jobs.Job, chunks, fanIn int) *gatherer {
	g := &gatherer{job: job, tree: plan.NewTree(max(chunks, 1), fanIn), csv: map[int]pipeline.MapStats{}, held: map[int][]byte{}}
	for g.root = 0; ; g.root++ {
		g.nodes = append(g.nodes, map[int][]byte{})
		if g.tree.Partials(g.root) == 1 {
			return g
		}
	}
}

// run adds every accepted answer; it returns the first merge error (and drains the rest).
func (g *gatherer) run(accepted <-chan answer) error {
	var err error
	for a := range accepted {
		if len(a.stats.CSV) > 0 {
			g.csv[a.chunk] = a.stats
			if guessed(a.stats) {
				g.held[a.chunk] = a.partial
				continue
			}
		}
		if err == nil {
			err = g.add(0, a.chunk, a.partial)
		}
	}
	return err
}

// guessed reports whether a chunk began a CSV part at a guessed quote state.
func guessed(st pipeline.MapStats) bool {
	for _, b := range st.CSV {
		if b.Assumed != "" {
			return true
		}
	}
	return false
}

// rereadFunc maps chunk c again from the record starts firsts gives and
// returns its partial and counts.
type rereadFunc func(c int, firsts map[string]int64) ([]byte, pipeline.MapStats, error)

// confirm checks the held chunks' guesses (pipeline.ConfirmCSV), has every
// chunk whose guess was wrong read again by reread, and merges the held
// partials (the re-read ones in place of theirs). For each re-read it calls
// swap with the chunk's counts before and after.
func (g *gatherer) confirm(reread rereadFunc, swap func(old, now pipeline.MapStats)) (int, error) {
	n, err := pipeline.ConfirmCSV(pipeline.CSVParts(g.csv), func(p pipeline.CSVPart, _ int64, firsts map[string]int64) ([]pipeline.CSVBound, error) {
		partial, st, err := reread(p.Chunk, firsts)
		if err != nil {
			return nil, fmt.Errorf("chunk %d read again from the record start before it (its CSV quote-state guess was wrong): %w", p.Chunk, err)
		}
		swap(g.csv[p.Chunk], st)
		g.csv[p.Chunk], g.held[p.Chunk] = st, partial
		return st.CSV, nil
	})
	if err != nil {
		return n, err
	}
	for c, partial := range g.held {
		delete(g.held, c)
		if err := g.add(0, c, partial); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (g *gatherer) add(level, j int, partial []byte) error {
	g.nodes[level][j] = partial
	if level == g.root {
		return nil
	}
	first, last := g.tree.Group(level, g.tree.Parent(j))
	readers := make([]io.Reader, 0, last-first)
	for k := first; k < last; k++ {
		p, ok := g.nodes[level][k]
		if !ok {
			return nil
		}
		readers = append(readers, bytes.NewReader(p))
	}
	var buf bytes.Buffer
	if err := g.job.Merge(&buf, readers); err != nil {
		from, _ := g.tree.Span(level, first)
		_, to := g.tree.Span(level, last-1)
		return fmt.Errorf("merge chunks %d to %d: %w", from, to-1, err)
	}
	for k := first; k < last; k++ {
		delete(g.nodes[level], k)
	}
	return g.add(level+1, g.tree.Parent(j), buf.Bytes())
}

// present appends, in input order, the largest present nodes under (level, j).
func (g *gatherer) present(level, j int, out []io.Reader) []io.Reader {
	if p, ok := g.nodes[level][j]; ok {
		return append(out, bytes.NewReader(p))
	}
	if level == 0 {
		return out
	}
	from, to := g.tree.Group(level-1, j)
	for k := from; k < to; k++ {
		out = g.present(level-1, k, out)
	}
	return out
}

// output writes the job's output of every partial gathered.
func (g *gatherer) output(w io.Writer) (jobs.Stats, error) {
	return g.job.Output(w, g.present(g.root, 0, nil))
}
