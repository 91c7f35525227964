package sql

import (
	"encoding/binary"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// OneColumn reports a FieldAggregate whose every aggregate is count(*),
// or count, sum or avg of one column, col (-1 when every one is
// count(*)); sum says some aggregate sums it. A mapper can then keep a
// group's states as its row count, the count of its values of the column
// and their exact sum, beside the group's key (as groupby keeps a lone
// sum), where an AggState per aggregate would take 56 bytes each, apart
// from the key: per record it reads the column once (ParseSum when sum),
// and writes the states with AppendSumStates, the bytes AppendStates
// writes.
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

// AppendSumStates encodes the states of a group of a OneColumn plan: of
// rows records, n of them with the column not NULL, whose sum is sum (the
// first value as it stands, the next added with AddTo, as FoldSaved adds
// them): AppendStates' bytes for the AggStates that FoldSaved would have
// folded the same records into.
func (g *Program) AppendSumStates(dst []byte, rows, n int64, sum decimal.Dec) []byte {
	for i := range g.kernels {
		switch g.kernels[i].saved {
		case foldCountStar:
			dst = binary.AppendUvarint(dst, uint64(rows))
		case foldCount:
			dst = binary.AppendUvarint(dst, uint64(n))
		default: // foldSum
			dst = binary.AppendUvarint(dst, uint64(n))
			dst = sum.AppendBinary(dst)
		}
	}
	return dst
}
