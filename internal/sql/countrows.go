package sql

// CountsRows reports an aggregate whose rows can be folded a run at a
// time from their count alone: no WHERE, no GROUP BY, and every aggregate
// count(*) (SELECT count(*) FROM t). Its one group's states take a run of n
// rows with FoldRows, so a Parquet object's rows are counted from its
// footer's row counts.
func (g *Program) CountsRows() bool {
	p := g.Plan
	if p.Kind != Aggregate || p.where != nil || len(p.groups) > 0 || len(g.kernels) == 0 {
		return false
	}
	for i := range g.kernels {
		if g.kernels[i].saved != foldCountStar {
			return false
		}
	}
	return true
}

// FoldRows folds n rows into st, the states of a CountsRows plan's group:
// what Fold does for each of them.
func (g *Program) FoldRows(st []AggState, n int64) {
	for i := range g.kernels {
		st[i].n += n
	}
}
