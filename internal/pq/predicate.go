package pq

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/parquet-go/parquet-go/format"
)

// Order says how the texts of a column's values compare, which decides what
// its min/max statistics can prove.
type Order uint8

const (
	// Unordered: the statistics bound nothing a text comparison can use.
	Unordered Order = iota
	// Numeric: every non-null value's text is a number (an integer, a decimal,
	// a float; "inf" and "nan" aside) and min/max bound them numerically.
	Numeric
	// Bytewise: min/max bound the values' texts in byte order (strings, dates
	// and timestamps of years 1 to 9999, times, booleans, UUIDs).
	Bytewise
)

// ColumnStats is what a file's statistics say of one column over a run of
// rows (a row group, or a page of the page index).
type ColumnStats struct {
	// Column is the column's name.
	Column string
	// Rows is how many rows the statistics cover.
	Rows int64
	// Order says how Min and Max bound the values' texts.
	Order Order
	// HasMinMax is false when the file gives no usable bounds (or every
	// value is null).
	HasMinMax bool
	// Min and Max are the smallest and largest non-null values, printed as
	// the reader prints values.
	Min, Max []byte
	// NullCount is the number of nulls, or -1 when unknown.
	NullCount int64
	// MayHaveNaN is true for a float column, whose NaNs (printed "nan")
	// statistics leave out.
	MayHaveNaN bool
}

// Predicate is a row filter that a reader can test against statistics to
// skip row groups and pages that cannot hold a matching row. It only prunes:
// the caller still tests every row it is handed.
type Predicate interface {
	// Columns names the columns whose statistics CannotMatch takes.
	Columns() []string
	// CannotMatch reports whether no row described by stats (one entry per
	// column of Columns, in that order) can satisfy the predicate. When in
	// doubt it returns false.
	CannotMatch(stats []ColumnStats) bool
}

// FloatPredicate is a Predicate over one column that can also rule out a
// single row from the column's double value, before the value is printed:
// the reader's caller skips such a row as the row filter would.
type FloatPredicate interface {
	Predicate
	// CannotMatchFloat reports whether a row whose column holds the finite
	// double v cannot satisfy the predicate; false when in doubt.
	CannotMatchFloat(v float64) bool
	// MayMatchFloats appends to keep the index of every row i of a batch
	// whose column holds vals[i] (null when null[i]) that CannotMatchFloat
	// does not rule out: nulls, infinities and NaNs are all kept. It is one
	// loop over the batch instead of a call per row.
	MayMatchFloats(keep []int32, vals []float64, null []bool) []int32
}

// statsOf builds a column's statistics from PLAIN-encoded bounds.
func statsOf(c Column, rows int64, min, max []byte, hasBounds bool, nulls int64) ColumnStats {
	st := ColumnStats{Column: c.Name, Rows: rows, NullCount: nulls, MayHaveNaN: c.vt.kind == kindFloat || c.vt.kind == kindDouble}
	if !c.Nullable {
		st.NullCount = 0
	}
	if !hasBounds {
		return st
	}
	lo, ok1 := c.vt.appendPlain(nil, min)
	hi, ok2 := c.vt.appendPlain(nil, max)
	if !ok1 || !ok2 {
		return st
	}
	st.Min, st.Max, st.HasMinMax = lo, hi, true
	switch c.vt.kind {
	case kindInt, kindUint, kindDecimal, kindFloat, kindDouble:
		st.Order = Numeric
	case kindString, kindBool, kindUUID, kindTime:
		st.Order = Bytewise
	case kindDate, kindTimestamp:
		// ISO text sorts as time only for 4-digit years of the common era
		if !bytes.Contains(lo, []byte("(BC)")) && !bytes.Contains(hi, []byte("(BC)")) &&
			yearDigits(lo) == 4 && yearDigits(hi) == 4 {
			st.Order = Bytewise
		}
	}
	return st
}

func yearDigits(b []byte) int {
	return bytes.IndexByte(b, '-')
}

// bounds is the PLAIN-encoded min and max of column c in row group rg, and
// whether it has them.
func (f *Footer) bounds(rg int, c Column) (min, max []byte, ok bool) {
	s := &f.meta.RowGroups[rg].Columns[c.leaf].MetaData.Statistics
	min, max = s.MinValue, s.MaxValue
	if (min == nil || max == nil) && legacyStatsOrdered(c.vt) {
		min, max = s.Min, s.Max
	}
	return min, max, min != nil && max != nil
}

// chunkStats is the statistics of column c in row group rg.
func (f *Footer) chunkStats(rg int, c Column) ColumnStats {
	g := &f.meta.RowGroups[rg]
	md := &g.Columns[c.leaf].MetaData
	s := &md.Statistics
	min, max, has := f.bounds(rg, c)
	nulls := int64(-1)
	if has || s.NullCount > 0 {
		nulls = s.NullCount // writers that give bounds give the null count
	}
	if md.NumValues == s.NullCount && s.NullCount > 0 {
		has = false // every value is null
	}
	return statsOf(c, g.NumRows, min, max, has, nulls)
}

// legacyStatsOrdered reports whether the deprecated min/max fields, which
// compared bytes as signed, are in the order of the values: only for signed
// numbers.
func legacyStatsOrdered(t valueType) bool {
	switch t.kind {
	case kindInt, kindFloat, kindDouble, kindBool:
		return true
	case kindDecimal, kindDate, kindTimestamp, kindTime:
		return t.physical == format.Int32 || t.physical == format.Int64
	}
	return false
}

// CannotMatch reports whether row group rg's statistics prove that no row of
// it satisfies pred, as a Reader's pruning decides before fetching any of its
// column data; a planner uses it to price a scan before running it. A column
// pred names that the file lacks is an error naming the file and the column.
func (f *Footer) CannotMatch(rg int, pred Predicate) (bool, error) {
	cols, err := f.resolve(pred.Columns())
	if err != nil {
		return false, err
	}
	return f.cannotMatch(rg, cols, pred), nil
}

// cannotMatch is CannotMatch over pred's columns, resolved.
func (f *Footer) cannotMatch(rg int, cols []Column, pred Predicate) bool {
	st := make([]ColumnStats, len(cols))
	for i, c := range cols {
		st[i] = f.chunkStats(rg, c)
	}
	return pred.CannotMatch(st)
}

// DatesInRange reports whether the statistics of every row group show each
// value of the DATE column name within DuckDB's DATE range, 5877642-06-25
// (BC) to 5881580-07-10: every int32 day but the two ends, which DuckDB
// keeps for -infinity and infinity. False when a row group with values
// lacks them.
func (f *Footer) DatesInRange(name string) bool {
	c, ok := f.Column(name)
	if !ok || c.leaf < 0 || c.vt.kind != kindDate {
		return false
	}
	return f.boundsWithin(c, 4, -math.MaxInt32+1, math.MaxInt32-1)
}

// TimestampsInRange reports whether the TIMESTAMP column name is one the sql
// job can type as DuckDB's TIMESTAMP: of milliseconds or microseconds (not
// nanoseconds, which DuckDB reads as TIMESTAMP_NS), not adjusted to UTC
// (DuckDB's TIMESTAMP WITH TIME ZONE), and with statistics in every row
// group with values that show each value within [minMicros, maxMicros]
// (DuckDB's range: its ends are the infinities); or a legacy INT96
// timestamp, whatever its statistics (Spark and Hive write none, and the
// order of INT96 bounds is undefined): DuckDB reads it as a TIMESTAMP, its
// microseconds computed as the reader computes them.
func (f *Footer) TimestampsInRange(name string, minMicros, maxMicros int64) bool {
	c, ok := f.Column(name)
	if ok && c.leaf >= 0 && c.vt.kind == kindInt96 {
		return true
	}
	if !ok || c.leaf < 0 || c.vt.kind != kindTimestamp || c.vt.utc || (c.vt.unit != 1e3 && c.vt.unit != 1e6) {
		return false
	}
	per := 1e6 / c.vt.unit
	return f.boundsWithin(c, 8, minMicros/per, maxMicros/per)
}

// NanoTimestampsInRange reports whether the column name is a TIMESTAMP of
// nanoseconds not adjusted to UTC (DuckDB's TIMESTAMP_NS, pandas' default)
// with statistics in every row group with values that show each value
// within DuckDB's range: not its infinity (the largest int64), nor before
// the first whole microsecond that, as nanoseconds, fits an int64.
func (f *Footer) NanoTimestampsInRange(name string) bool {
	c, ok := f.Column(name)
	if !ok || c.leaf < 0 || c.vt.kind != kindTimestamp || c.vt.utc || c.vt.unit != 1e9 {
		return false
	}
	return f.boundsWithin(c, 8, math.MinInt64/1000*1000, math.MaxInt64-1)
}

// boundsWithin reports whether the statistics of every row group of column
// c, whose values are little-endian integers of size bytes, show each value
// within [lo, hi]; false when a row group with values lacks them.
func (f *Footer) boundsWithin(c Column, size int, lo, hi int64) bool {
	read := func(b []byte) int64 {
		if size == 4 {
			return int64(int32(binary.LittleEndian.Uint32(b)))
		}
		return int64(binary.LittleEndian.Uint64(b))
	}
	for rg := range f.meta.RowGroups {
		st := f.chunkStats(rg, c)
		if !st.HasMinMax {
			if st.NullCount != st.Rows {
				return false
			}
			continue
		}
		min, max, _ := f.bounds(rg, c)
		if len(min) != size || len(max) != size || read(min) < lo || read(max) > hi {
			return false
		}
	}
	return true
}

// FloatColumn is p when it can rule out rows from the values of a DOUBLE
// column that r reads (a FloatPredicate), and that column's index in
// Columns; a nil predicate otherwise.
func (r *Reader) FloatColumn(p Predicate) (FloatPredicate, int) {
	fp, ok := p.(FloatPredicate)
	if !ok || len(fp.Columns()) != 1 {
		return nil, 0
	}
	if c, ok := r.ColumnIndex(fp.Columns()[0]); ok && r.Double(c) {
		return fp, c
	}
	return nil, 0
}

// ColumnIndex is the index in Columns of the column named name, resolved
// as the reader resolves the names it is given (Footer.Column); false when
// r does not read it.
func (r *Reader) ColumnIndex(name string) (int, bool) {
	pc, ok := r.Footer().Column(name)
	if !ok {
		return 0, false
	}
	for c, col := range r.Columns() {
		if col.Name == pc.Name {
			return c, true
		}
	}
	return 0, false
}
