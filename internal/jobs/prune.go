package jobs

import (
	"bytes"
	"math"
	"sort"
	"time"
	"unsafe"

	"github.com/scattergather/scattergather/internal/duckfmt"
	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/pq"
)

var _ pq.Predicate = (*condition)(nil)

// Columns implements pq.Predicate: the --where column.
func (w *condition) Columns() []string { return []string{w.Column} }

// CannotMatch implements pq.Predicate for --where: it reports whether no row
// whose column lies within the statistics can satisfy the condition as match
// tests it. A null reads as an empty field and a float's NaN as "nan" (or
// "-nan", its sign bit set); bounds
// are used only where the comparison match makes follows their order:
// numeric bounds against a numeric VALUE, byte-ordered bounds against a
// VALUE that is not a number.
func (w *condition) CannotMatch(stats []pq.ColumnStats) bool {
	if len(stats) != 1 {
		return false
	}
	s := stats[0]
	if s.NullCount != 0 && w.match(nil) {
		return false // a null (or an unknown number of them) may match
	}
	if s.MayHaveNaN && (w.match([]byte("nan")) || w.match([]byte("-nan"))) {
		return false
	}
	if !s.HasMinMax {
		return s.Rows > 0 && s.NullCount == s.Rows // only nulls, and they do not match
	}
	var lo, hi int // Min and Max compared with VALUE
	switch {
	case s.Order == pq.Numeric && w.isNum:
		min, ok1 := decimal.Parse(s.Min)
		max, ok2 := decimal.Parse(s.Max)
		if !ok1 || !ok2 { // an infinity: its text is not a number
			return false
		}
		lo, hi = decimal.Cmp(min, w.num), decimal.Cmp(max, w.num)
	case s.Order == pq.Bytewise && !w.isNum:
		lo, hi = bytes.Compare(s.Min, w.value), bytes.Compare(s.Max, w.value)
	default:
		return false
	}
	switch w.op {
	case opGT:
		return hi <= 0
	case opGE:
		return hi < 0
	case opLT:
		return lo >= 0
	case opLE:
		return lo > 0
	case opEQ:
		return lo > 0 || hi < 0
	default: // opNE: only when every value equals VALUE
		return lo == 0 && hi == 0
	}
}

// floatCondition is a numeric --where condition with its VALUE as the
// nearest double, so that a Parquet double can be tested without printing it.
type floatCondition struct {
	*condition
	cv float64
}

// CannotMatchFloat implements pq.FloatPredicate. A double v prints as the
// shortest decimal d that rounds to v, and match compares d with VALUE c
// exactly. Rounding to the nearest double is monotone and c rounds to cv,
// so v > cv gives d > c and v < cv gives d < c; only v == cv leaves the
// order of d and c open (a c of more digits than a double holds), and then
// the row is left to match.
func (w floatCondition) CannotMatchFloat(v float64) bool {
	if v == w.cv || v != v {
		return false
	}
	above := v > w.cv
	switch w.op {
	case opGT, opGE:
		return !above
	case opLT, opLE:
		return above
	case opEQ:
		return true
	default: // opNE: every v != cv matches
		return false
	}
}

// MayMatchFloats implements pq.FloatPredicate: the rows whose double is
// null, infinite, NaN or not ruled out by CannotMatchFloat.
func (w floatCondition) MayMatchFloats(keep []int32, vals []float64, null []bool) []int32 {
	cv, null := w.cv, null[:len(vals)]
	// The loops test first what rules most rows out.
	switch w.op {
	case opGT, opGE: // a finite v below cv cannot match
		return keepOutside(keep, vals, null, math.Inf(-1), cv)
	case opLT, opLE: // a finite v above cv cannot match
		return keepOutside(keep, vals, null, cv, math.Inf(1))
	case opEQ: // only cv itself may match
		for i, v := range vals {
			if null[i] || v == cv || v != v || math.IsInf(v, 0) {
				keep = append(keep, int32(i))
			}
		}
	default:
		for i := range vals {
			keep = append(keep, int32(i))
		}
	}
	return keep
}

// keepOutside appends to keep the index of every value of vals that is
// null or not strictly between lo and hi (NaN is not between). A batch
// without a null is tested four values at a time: on a selective filter
// nearly every four are all between, one test each and no append.
func keepOutside(keep []int32, vals []float64, null []bool, lo, hi float64) []int32 {
	i := 0
	if !anyTrue(null) {
		for ; i+4 <= len(vals); i += 4 {
			v := vals[i : i+4 : i+4]
			if lo < v[0] && v[0] < hi && lo < v[1] && v[1] < hi && lo < v[2] && v[2] < hi && lo < v[3] && v[3] < hi {
				continue
			}
			for j, x := range v {
				if !(lo < x && x < hi) {
					keep = append(keep, int32(i+j))
				}
			}
		}
	}
	for ; i < len(vals); i++ {
		if lo < vals[i] && vals[i] < hi && !null[i] {
			continue
		}
		keep = append(keep, int32(i))
	}
	return keep
}

// anyTrue reports whether some element of b is true, searching its bytes
// (a bool is one byte, 0 or 1) with bytes.IndexByte's vector instructions.
func anyTrue(b []bool) bool {
	return bytes.IndexByte(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), len(b)), 1) >= 0
}

// parquetPredicate is the predicate a Parquet reader prunes with for a
// 'COL OP VALUE' condition: with a numeric VALUE it also tests doubles
// (pq.FloatPredicate).
func (w *condition) parquetPredicate() pq.Predicate {
	if !w.isNum {
		return w
	}
	cv := decimal.Float64(w.num)
	if math.IsInf(cv, 0) {
		return w
	}
	return floatCondition{w, cv}
}

// WherePredicate parses a --where 'COL OP VALUE' condition as the predicate a
// Parquet reader prunes row groups and pages with.
func WherePredicate(s string) (pq.Predicate, error) {
	w, err := parseWhere(s)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// batchFilter is a --where 'COL OP VALUE' tested on the values of a
// Parquet batch, for a mapper that takes a span's rows by batches (groupby's
// ParquetBatch): the condition, the column it reads and how, and the rows of
// the current batch it keeps.
type batchFilter struct {
	w    floatCondition
	c    int
	kind filterKind
	// filterDate: the days whose text equals VALUE, [lo, hi) (below lo it
	// is less, from hi greater), among the dates of 4-digit years
	lo, hi int64
	keep   []int32 // the rows of the batch it keeps (rows)
}

type filterKind uint8

const (
	filterDouble filterKind = iota // a DOUBLE column, VALUE a number: its doubles (pq.Reader.FloatColumn)
	filterExact                    // an integer or decimal column, VALUE a number: its exact values
	filterDate                     // a DATE column: its days, against VALUE's place among the dates' texts
)

// newBatchFilter is the batch filter of where for r, or nil when r's batches
// cannot be filtered from their values (no --where, a condition that is no
// 'COL OP VALUE', a column of another type, a VALUE that is no number for a
// numeric column).
func newBatchFilter(where *rowFilter, r *pq.Reader) *batchFilter {
	p := where.parquetPredicate()
	if fp, c := r.FloatColumn(p); fp != nil {
		if w, ok := fp.(floatCondition); ok {
			return &batchFilter{w: w, c: c}
		}
		return nil
	}
	var w *condition
	switch p := p.(type) {
	case floatCondition:
		w = p.condition
	case *condition:
		w = p
	default:
		return nil
	}
	c, ok := r.ColumnIndex(w.Column)
	switch {
	case ok && w.isNum && r.Exact(c):
		return &batchFilter{w: floatCondition{condition: w}, c: c, kind: filterExact}
	case ok && r.IsDate(c):
		f := &batchFilter{w: floatCondition{condition: w}, c: c, kind: filterDate}
		f.lo, f.hi = dateBounds(w.value)
		return f
	}
	return nil
}

// The dates whose text is YYYY-MM-DD with a year of 4 digits, whose byte
// order is theirs: 1000-01-01 and 9999-12-31 in days since 1970-01-01.
var (
	firstDate = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	lastDate  = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix() / 86400
)

// dateBounds is where the text of a DATE (as the row holds it) meets value
// among the dates of 4-digit years: the first day whose text is not less
// than value, and the first whose text is greater. A --where on a DATE
// compares the text (match: a date's text is no number), whose order is the
// dates' for those years.
func dateBounds(value []byte) (lo, hi int64) {
	var buf []byte
	cmp := func(d int64) int {
		buf = duckfmt.AppendDate(buf[:0], d)
		return bytes.Compare(buf, value)
	}
	n := int(lastDate - firstDate + 1)
	lo = firstDate + int64(sort.Search(n, func(k int) bool { return cmp(firstDate+int64(k)) >= 0 }))
	hi = firstDate + int64(sort.Search(n, func(k int) bool { return cmp(firstDate+int64(k)) > 0 }))
	return lo, hi
}

// rows is the rows of r's batch of n rows that the condition does not rule
// out, in order: a row that surely satisfies it as its index i, a row left
// in doubt as ^i, to be tested as Row does. For a DOUBLE column, the rows
// whose double rules them out (MayMatchFloats) are dropped, and a null, an
// infinity, a NaN, a value equal to the condition's double is in doubt: a
// finite v != cv that MayMatchFloats keeps lies on the matching side of cv,
// hence its decimal on the matching side of VALUE (CannotMatchFloat). For
// the other columns (valueRows) each row's value decides, a null or a value
// the vectors do not give exactly in doubt.
func (f *batchFilter) rows(r *pq.Reader, n int) []int32 {
	if f.kind != filterDouble {
		return f.valueRows(r, n)
	}
	vals, null, _ := r.Floats(f.c)
	vals, null = vals[:n], null[:n]
	f.keep = f.w.MayMatchFloats(f.keep[:0], vals, null)
	for k, i := range f.keep {
		if v := vals[i]; null[i] || f.w.op == opEQ || v == f.w.cv || math.IsInf(v, 0) || v != v {
			f.keep[k] = ^i
		}
	}
	return f.keep
}

// valueRows is rows for an integer, decimal or DATE column: each row's
// value compared with VALUE as match compares its text (numerically for a
// number, byte-wise for a date), without printing it; in doubt (^i) a null,
// a decimal beyond an int64, a date of a year of another length than 4.
func (f *batchFilter) valueRows(r *pq.Reader, n int) []int32 {
	f.keep = f.keep[:0]
	for i := 0; i < n; i++ {
		r.At(i)
		c, ok := 0, false
		if f.kind == filterExact {
			var u int64
			var scale int
			if u, scale, ok = r.Decimal(f.c); ok {
				c = decimal.Cmp(decimal.New(u, scale), f.w.num)
			}
		} else {
			var d int64
			if d, ok = r.Date(f.c); ok && (d < firstDate || d > lastDate) {
				ok = false
			}
			switch {
			case d < f.lo:
				c = -1
			case d >= f.hi:
				c = 1
			}
		}
		switch {
		case !ok:
			f.keep = append(f.keep, ^int32(i))
		case f.w.holds(c):
			f.keep = append(f.keep, int32(i))
		}
	}
	return f.keep
}
