package jobs

import (
	"sync"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/record"
)

// sumGroups holds the groups of a OneColumn plan (sql.Program.OneColumn:
// count(*), and counts, sums and avgs of one column): a group's states
// are its table entry's count and, in the entry, the count and sum of its
// values (inlineSum, groupby's lone sum, whose n is the count), so that a
// record that finds its group reads one cache line, the entry's, and a
// group holds 64 bytes with no pointer beside its key where it held a
// 32-byte entry and a 56-byte sql.AggState per aggregate apart.
type sumGroups struct {
	t   *keyTableOf[inlineSum]
	col int  // the column counted and summed, -1: none (count(*) only)
	sum bool // some aggregate sums it: its values are read as numbers
	// The batch's values of col (when sum), and whether each is NULL
	// (always, when there is no col).
	vals [batchSize]decimal.Dec
	null [batchSize]bool
	// The NULL group's records and state (sqlMapper.hasNull).
	nullRows int64
	nullSt   inlineSum
	bigSums  []decimal.Dec // the sums too large for an int64 (inlineSum.big)
}

// save keeps the record's value of the column as the n-th of the batch;
// false when it is not the number a sum needs (the value error in
// Row.Err).
func (s *sumGroups) save(g *sql.Program, row *record.Row, n int) bool {
	if s.col < 0 {
		s.null[n] = true
		return true
	}
	v, null := sqlValue(row, s.col)
	s.null[n] = null
	if null || !s.sum {
		return true
	}
	var ok bool
	s.vals[n], ok = g.ParseSum(v)
	return ok
}

// fold folds the n-th record of the batch into st: the first value is
// taken as it stands, the next added with AddTo, as FoldSaved adds them.
func (s *sumGroups) fold(n int, st *inlineSum) {
	if s.null[n] {
		return
	}
	if s.sum {
		st.fold(s.vals[n], st.n == 0, &s.bigSums)
	}
	st.n++
}

// appendStates appends the encoded states of a group of rows records
// whose sum and count are st.
func (s *sumGroups) appendStates(g *sql.Program, dst []byte, rows int64, st *inlineSum) []byte {
	return g.AppendSumStates(dst, rows, st.n, st.dec(s.bigSums))
}

// reset empties the groups.
func (s *sumGroups) reset() {
	s.t.reset()
	s.nullRows, s.nullSt, s.bigSums = 0, inlineSum{}, s.bigSums[:0]
}

// pooledTable returns a finished mapper's table (groupTables, which
// groupby's mappers share) whose entries hold S, empty, or a new one: as
// for groupby, a table of a few hundred thousand groups is tens of
// megabytes, which a new one per chunk would have the system clear and
// fault in again, and the garbage collector run for (takeGroupTable).
func pooledTable[S any]() *keyTableOf[S] {
	var t *keyTableOf[S]
	takeGroupTable(func(g *groupTable) bool {
		k, ok := g.keys.(*keyTableOf[S])
		if ok && k.memory(0) <= combineBudget.Load() {
			t = k
		}
		return t != nil
	})
	if t == nil {
		t = newKeyTableOf[S]()
	}
	return t
}

// statePools holds finished mappers' states (statePages), for the next
// mapper of the process whose groups have as many aggregates: its pages
// are reused as after a spill, each group's states cleared as it comes.
var statePools sync.Pool

// pooledStates returns a finished mapper's states of na aggregates per
// group, emptied, or new ones.
func pooledStates(na int) statePages {
	if p, ok := statePools.Get().(*statePages); ok && p.na == na {
		return *p
	}
	return statePages{na: na}
}

// release hands an aggregate's table, emptied, to the next mapper of the
// process (pooledTable); m is done with it.
func (m *sqlMapper) release() {
	var t groupKeys
	switch {
	case m.sums != nil:
		m.sums.reset()
		t, m.sums = m.sums.t, nil
	case m.keys != nil:
		m.keys.reset()
		t, m.keys = m.keys, nil
		st := m.states
		st.reset()
		statePools.Put(&st)
		m.states = statePages{}
	default:
		return
	}
	groupTables.Put(&groupTable{keys: t})
}

// grouped reports an aggregate's mapper: its groups are in keys and
// states, or in sums.
func (m *sqlMapper) grouped() bool { return m.keys != nil || m.sums != nil }
