package sql

import (
	"encoding/binary"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// SumState is the whole state of a group of a OneColumn plan but its row
// count: how many of the group's records have the column not NULL, and,
// when some aggregate sums it, their exact sum. A mapper keeps it beside
// the group's key and count (as groupby keeps its lone sum), where an
// AggState per aggregate would take 56 bytes each, apart from the key.
// Its zero value is the state of no values.
type SumState struct {
	n int64       // the column's non-NULL values
	d decimal.Dec // their exact sum (OneColumn's sum)
}

// Count counts a non-NULL value of a plan that does not sum it.
func (s *SumState) Count() { s.n++ }

// Add counts and adds a non-NULL value. The first is taken as it stands,
// as FoldSaved takes it (a zero sum of scale 0 would be rescaled).
func (s *SumState) Add(d decimal.Dec) {
	if s.n == 0 {
		s.n, s.d = 1, d
		return
	}
	s.n++
	s.d.AddTo(d)
}

// OneColumn reports a FieldAggregate whose every aggregate is count(*),
// or count, sum or avg of one column, col (-1 when every one is
// count(*)); sum says some aggregate sums it. A mapper can then keep a
// group's states as its row count and a SumState: per record it reads the
// column once (ParseSum when sum), and writes the states with
// AppendSumStates, the bytes AppendStates writes.
func (g *Program) OneColumn() (col int, sum, ok bool) {
	if !g.fieldOK || !g.exact {
		return 0, false, false
	}
	col = -1
	for i := range g.kernels {
		k := &g.kernels[i]
		switch k.saved {
		case foldCountStar:
			continue
		case foldSum:
			sum = true
		case foldCount:
		default:
			return 0, false, false
		}
		if col >= 0 && k.col != col {
			return 0, false, false
		}
		col = k.col
	}
	return col, sum, true
}

// ParseSum reads the text of OneColumn's column, not NULL, as the number
// its sum adds. False when it is not one: the value error is in Row.Err,
// which the caller clears with Reset.
func (g *Program) ParseSum(text []byte) (decimal.Dec, bool) {
	d, ok := parseNumber(text)
	if !ok {
		for i := range g.kernels {
			if k := &g.kernels[i]; k.saved == foldSum {
				g.Row.notNumber(k.name, text)
				break
			}
		}
	}
	return d, ok
}

// AppendSumStates encodes the states of a group of a OneColumn plan, of
// rows records and s: AppendStates' bytes for the AggStates that
// FoldSaved would have folded the same records into.
func (g *Program) AppendSumStates(dst []byte, rows int64, s *SumState) []byte {
	for i := range g.kernels {
		switch g.kernels[i].saved {
		case foldCountStar:
			dst = binary.AppendUvarint(dst, uint64(rows))
		case foldCount:
			dst = binary.AppendUvarint(dst, uint64(s.n))
		default: // foldSum
			dst = binary.AppendUvarint(dst, uint64(s.n))
			dst = s.d.AppendBinary(dst)
		}
	}
	return dst
}
