package plan

// Tree is the one home of the gather tree's arithmetic: the state machine's
// PlanLevel and MergeLevel steps, the reducer's own loop, the query's
// streaming gatherer, the cost model and the usage estimate all derive the
// tree from it.
//
// Level 0 holds the chunks' partials in chunk order. Each level above holds
// one partial per group of FanIn consecutive partials of the level below:
// group g of level l merges partials [g*FanIn, min((g+1)*FanIn, Partials(l)))
// into partial g of level l+1, in order, so input order is kept. A gather
// merges levels while a level has more than FanIn partials (Levels of them);
// the final gather merges the last one.
type Tree struct {
	// Chunks is the number of partials at level 0.
	Chunks int
	// FanIn is how many partials one merge reads (at least 2).
	FanIn int
}

// NewTree is the tree over chunks partials with fanIn; a fanIn under 2 means
// DefaultGatherFanIn.
func NewTree(chunks, fanIn int) Tree {
	if fanIn < 2 {
		fanIn = DefaultGatherFanIn
	}
	return Tree{Chunks: max(chunks, 0), FanIn: fanIn}
}

// Partials is how many partials level has. Levels above the gather's last
// keep dividing down to one (the query's gatherer merges up to one root).
func (t Tree) Partials(level int) int {
	n := t.Chunks
	for ; level > 0 && n > 1; level-- {
		n = t.groupsOf(n)
	}
	return n
}

// groupsOf is how many groups n partials make.
func (t Tree) groupsOf(n int) int { return (n + t.FanIn - 1) / t.FanIn }

// Groups is how many merges level takes (the partials of level+1).
func (t Tree) Groups(level int) int { return t.groupsOf(t.Partials(level)) }

// Merges reports whether the gather merges level into the next one: the
// level has more partials than one merge reads.
func (t Tree) Merges(level int) bool { return t.Partials(level) > t.FanIn }

// Levels is how many levels of merges the gather takes before its final
// merge: the first level with at most FanIn partials, which the final gather
// reads.
func (t Tree) Levels() int {
	l := 0
	for t.Merges(l) {
		l++
	}
	return l
}

// Group is the partials [from, to) of level that group g merges; to <= from
// when level has no group g.
func (t Tree) Group(level, g int) (from, to int) {
	n := t.Partials(level)
	return g * t.FanIn, min((g+1)*t.FanIn, n)
}

// Parent is the group of level (the partial of level+1) that partial j of
// level is merged into.
func (t Tree) Parent(j int) int { return j / t.FanIn }

// Span is the chunks [from, to) whose partials partial j of level holds:
// [j*FanIn^level, (j+1)*FanIn^level), the last one cut at Chunks.
func (t Tree) Span(level, j int) (from, to int) {
	width := 1
	for ; level > 0 && width < t.Chunks; level-- {
		width *= t.FanIn
	}
	return min(j*width, t.Chunks), min((j+1)*width, t.Chunks)
}

// Shape sums the tree for the cost model: its merge levels, the merges
// (groups) in all, the partials they read, the merges of the first level,
// and the partials the final gather reads.
func (t Tree) Shape() (levels, merges, reads, firstLevel, last int64) {
	for l := 0; t.Merges(l); l++ {
		g := int64(t.Groups(l))
		if l == 0 {
			firstLevel = g
		}
		merges += g
		reads += int64(t.Partials(l))
		levels++
	}
	return levels, merges, reads, firstLevel, int64(t.Partials(int(levels)))
}
