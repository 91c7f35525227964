package pq

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/duckfmt"
)

// readAhead is how far past a wanted page the library's buffered page reader
// may read (its buffer size); page spans are padded by it so that read-ahead
// is served from fetched bytes rather than by one more GET.
const readAhead = 4096

// valueBatch is how many values a column cursor decodes at a time.
const valueBatch = 512

// Span is the part of a Parquet object one reader reads: the row groups whose
// first byte lies in [Start, End) (a plan's chunk part). Start 0 and End Size
// is the whole file.
type Span struct {
	Source string
	URL    string
	Size   int64
	Start  int64
	End    int64
}

// Options tune Open.
type Options struct {
	// Predicate, when set, prunes row groups and pages whose statistics
	// prove that no row matches.
	Predicate Predicate
	// Footer is the object's footer when the caller has read it already.
	Footer *Footer
	// Constants are columns among those asked for that the file does not
	// hold, each of one value in every row (a Hive partition's).
	Constants []Constant
}

// Stats counts what reading cost and what pruning saved.
type Stats struct {
	// BytesRead is every byte taken from the store: footer, page indexes and
	// column data (with the small holes between coalesced ranges).
	BytesRead int64 `json:"bytesRead"`
	// BytesSkipped is the bytes of the span's row groups that were not read:
	// other columns, pruned row groups and pages.
	BytesSkipped int64 `json:"bytesSkipped"`
	// Gets is the number of ranged GETs.
	Gets int `json:"gets"`
	// RowGroups is the number of row groups the span owns.
	RowGroups int `json:"rowGroups"`
	// RowGroupsPruned is how many of them statistics ruled out.
	RowGroupsPruned int `json:"rowGroupsPruned"`
	// PagesPruned is how many pages of the read columns the page index ruled out.
	PagesPruned int `json:"pagesPruned"`
	// Rows is the number of rows handed to the caller.
	Rows int64 `json:"rows"`
}

// Reader hands the rows of a span's row groups to a loop, one at a time,
// exposing the requested columns' values.
//
//	r, err := pq.Open(ctx, store, span, []string{"a", "b"}, pq.Options{})
//	for r.Next() { use(r.Text(0), r.Null(1)) }
//	if err := r.Err(); err != nil { ... }
type Reader struct {
	f     *Footer
	rr    *rangeReader
	cols  []Column
	fixed []bool // the Constants among cols; nil without any
	pred  Predicate
	pcols []Column // the predicate's columns

	owned []int // row groups of the span, in file order
	rgi   int
	rg    int // the current row group, -1 before the first

	ranges []rowRange // rows of the current row group to read
	ri     int
	left   int64 // rows left in the current range
	row    int64 // the index in its row group of the next batch's first row

	// The current batch: every column's next bn values, of which row bi is
	// the current one; its first row is row0 of the row group and number
	// seq0+1 of the reader.
	cur    []cursor
	bi, bn int
	row0   int64
	seq0   uint64
	text   [][]byte // column c's text of the row whose number is textAt[c]
	textAt []uint64

	stats Stats
	err   error
}

type rowRange struct{ start, end int64 }

// Open prepares to read the named columns of span's row groups, reading the
// object's footer unless opts has it. A column the file lacks, a nested column
// or one of a type no job reads is an error naming the file and the column.
func Open(ctx context.Context, store blob.Store, s Span, columns []string, opts Options) (*Reader, error) {
	rr := newRangeReader(ctx, store, s.Source, s.URL, s.Size)
	f := opts.Footer
	if f == nil {
		var err error
		if f, err = readFooter(rr); err != nil {
			return nil, err
		}
	}
	cols, fixed, err := f.resolveWith(columns, opts.Constants)
	if err != nil {
		return nil, err
	}
	r := &Reader{f: f, rr: rr, cols: cols, fixed: fixed, pred: opts.Predicate, rg: -1}
	if r.pred != nil {
		if r.pcols, err = f.resolve(r.pred.Columns()); err != nil {
			return nil, fmt.Errorf("predicate: %w", err)
		}
	}
	for i := range f.meta.RowGroups {
		if st := f.starts[i]; st >= s.Start && st < s.End {
			r.owned = append(r.owned, i)
		}
	}
	r.stats.RowGroups = len(r.owned)
	n := len(cols)
	r.cur = make([]cursor, n)
	for i := range r.cur {
		r.cur[i] = newCursor(cols[i].vt.physical)
	}
	for _, k := range opts.Constants {
		r.cur[k.Index] = constantCursor(k)
	}
	r.text, r.textAt = make([][]byte, n), make([]uint64, n)
	return r, nil
}

// Footer is the file's footer.
func (r *Reader) Footer() *Footer { return r.f }

// Columns are the columns read, in the order requested.
func (r *Reader) Columns() []Column { return r.cols }

// Next advances to the next row; false at the end or on an error (Err).
func (r *Reader) Next() bool {
	if r.bi+1 < r.bn {
		r.bi++
		return true
	}
	return r.NextBatch() > 0
}

// NextBatch decodes the next batch of rows of every column (up to 512, of
// one row range of one row group), makes its first row the current one and
// returns how many rows it has: 0 at the end or on an error (Err). A loop
// over the rows a batch at a time reads its columns' values with Floats and
// Bytes, and moves to row i with At for the other methods.
func (r *Reader) NextBatch() int {
	r.seq0 += uint64(r.bn)
	r.bi, r.bn = 0, 0
	if r.err != nil {
		return 0
	}
	for r.left == 0 {
		if r.ri < len(r.ranges) {
			if err := r.startRange(r.ranges[r.ri]); err != nil {
				r.err = err
				return 0
			}
			r.ri++
			continue
		}
		ok, err := r.nextRowGroup()
		if err != nil {
			r.err = err
			return 0
		}
		if !ok {
			return 0
		}
	}
	n := int(min(r.left, valueBatch))
	for c := range r.cur {
		if r.constant(c) {
			continue
		}
		if err := r.cur[c].fill(n); err != nil {
			r.err = r.columnError(c, err)
			return 0
		}
	}
	r.row0 = r.row
	r.row += int64(n)
	r.bn = n
	r.left -= int64(n)
	r.stats.Rows += int64(n)
	return n
}

// Dictionary is column c's values in the current batch as indexes into its
// column chunk's dictionary, for a VARCHAR column whose pages in the batch
// were all dictionary-encoded: row i, when not null, is dict[idx[i]]. gen
// numbers the dictionaries the column has had (it changes with the row
// group), so that what a caller keeps per entry can follow it. false when
// some value of the batch was not dictionary-encoded.
func (r *Reader) Dictionary(c int) (idx []int32, dict [][]byte, gen uint64, ok bool) {
	cur := &r.cur[c]
	v := &cur.vec
	if !v.indexed || r.cols[c].vt.kind != kindString || cur.lazy {
		return nil, nil, 0, false
	}
	return v.index[:r.bn], cur.dictBytes, cur.dicts, true
}

// At makes row i of the current batch the current row.
func (r *Reader) At(i int) { r.bi = i }

// Floats is column c's values in the current batch, for a FLOAT or DOUBLE
// column: row i is null when null[i], else vals[i]; false for another type.
// The slices are valid until the next batch.
func (r *Reader) Floats(c int) (vals []float64, null []bool, ok bool) {
	v := &r.cur[c].vec
	if v.floats == nil || r.cur[c].lazy {
		return nil, nil, false // (another type's vector has no floats to slice)
	}
	return v.floats[:r.bn], v.null[:r.bn], true
}

// Bytes is column c's values in the current batch, for a VARCHAR column
// (whose text is its bytes): row i is null when null[i], else vals[i];
// false for another type. The slices are valid until the next batch.
func (r *Reader) Bytes(c int) (vals [][]byte, null []bool, ok bool) {
	if r.cols[c].vt.kind != kindString || r.cur[c].lazy {
		return nil, nil, false // (another type's vector may have no bytes to slice)
	}
	v := &r.cur[c].vec
	return v.bytes[:r.bn], v.null[:r.bn], true
}

// Err is the error that stopped Next, if any.
func (r *Reader) Err() error { return r.err }

// Stats reports what the reader has read and skipped so far.
func (r *Reader) Stats() Stats {
	s := r.stats
	r.rr.mu.Lock()
	s.BytesRead, s.Gets = r.rr.read, r.rr.gets
	r.rr.mu.Unlock()
	return s
}

// Close releases the column readers, and gives the reader's fetch and page
// buffers to the next reader of the process: no value the reader gave may
// be used after it.
func (r *Reader) Close() error {
	r.closeCursors()
	for c := range r.cur {
		if !r.constant(c) {
			r.cur[c].raw.releaseBuffers()
		}
	}
	r.rr.release()
	return nil
}

// Location is the current row group and row within it.
func (r *Reader) Location() (rowGroup int, row int64) { return r.rg, r.row0 + int64(r.bi) }

// Errorf is an error about column c at the current row, naming the file, the
// row group and the column.
func (r *Reader) Errorf(c int, format string, args ...any) error {
	return fmt.Errorf("parquet %s, row group %d, row %d, column %q: %s", r.f.Source, r.rg, r.row0+int64(r.bi), r.cols[c].Name, fmt.Sprintf(format, args...))
}

func (r *Reader) columnError(c int, err error) error {
	return fmt.Errorf("parquet %s, row group %d, column %q: %w", r.f.Source, r.rg, r.cols[c].Name, err)
}

// vec is column c's values in the current batch, with the current row's
// loaded when the column is lazy.
func (r *Reader) vec(c int) *vector {
	cur := &r.cur[c]
	if cur.lazy && cur.loaded != r.bi {
		if err := cur.load(r.bi); err != nil {
			cur.vec.null[r.bi] = true
			if r.err == nil {
				r.err = r.columnError(c, err)
			}
		}
	}
	return &cur.vec
}

// Lazy makes column c's values decoded only for the rows a method (Text,
// Null, Float64, ...) asks for, from the next batch on: for a column read
// for the rows a filter on another column keeps. Its batch accessors
// (Floats, Bytes, Dictionary) then report false. The columns of types
// read through parquet-go's value reader stay as they are.
func (r *Reader) Lazy(c int) {
	cur := &r.cur[c]
	cur.lazy = cur.typed
}

// Null reports whether column c of the current row is null.
func (r *Reader) Null(c int) bool { return r.vec(c).null[r.bi] }

// Text is column c's value as DuckDB's CSV writer prints it (without CSV
// quoting), or nil for a null. It is valid until the next call of Next.
func (r *Reader) Text(c int) []byte {
	v, i := r.vec(c), r.bi
	if v.null[i] {
		return nil
	}
	t := &r.cols[c].vt
	if t.kind == kindString {
		return v.bytes[i] // the text is the bytes: no copy
	}
	seq := r.seq0 + uint64(i) + 1
	if r.textAt[c] == seq {
		return r.text[c]
	}
	b := r.text[c][:0]
	switch t.physical {
	case format.Boolean:
		if v.ints[i] != 0 {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
	case format.Int32, format.Int64:
		b = t.appendInt(b, v.ints[i])
	case format.Int96:
		b = duckfmt.AppendTimestamp(b, int96Micros(v.i96[i]), 1e6)
	case format.Float:
		b = duckfmt.AppendFloat(b, v.floats[i], 32)
	case format.Double:
		b = duckfmt.AppendFloat(b, v.floats[i], 64)
	case format.ByteArray, format.FixedLenByteArray:
		b = t.appendBytes(b, v.bytes[i])
	}
	r.text[c], r.textAt[c] = b, seq
	return b
}

// Int64 is column c's value as an integer, for a signed or unsigned integer
// column whose value fits; false for a null or another type.
func (r *Reader) Int64(c int) (int64, bool) {
	v, i := r.vec(c), r.bi
	if v.null[i] {
		return 0, false
	}
	t := &r.cols[c].vt
	switch t.kind {
	case kindInt:
		return v.ints[i], true
	case kindUint:
		if t.physical == format.Int32 {
			return int64(uint32(v.ints[i])), true
		}
		return v.ints[i], v.ints[i] >= 0
	}
	return 0, false
}

// Decimal is column c's value as unscaled × 10^-scale, for an integer or
// decimal column whose unscaled value fits an int64; false for a null or
// another type (use Text).
func (r *Reader) Decimal(c int) (unscaled int64, scale int, ok bool) {
	if v, ok := r.Int64(c); ok {
		return v, 0, true
	}
	v, i := r.vec(c), r.bi
	t := &r.cols[c].vt
	if v.null[i] || t.kind != kindDecimal {
		return 0, 0, false
	}
	switch t.physical {
	case format.Int32, format.Int64:
		return v.ints[i], t.scale, true
	default:
		u, ok := beInt64(v.bytes[i])
		return u, t.scale, ok
	}
}

// Float64 is column c's value for a FLOAT or DOUBLE column; false for a null
// or another type.
func (r *Reader) Float64(c int) (float64, bool) {
	v, i := r.vec(c), r.bi
	switch {
	case v.null[i]:
		return 0, false
	case v.floats != nil:
		return v.floats[i], true
	}
	return math.NaN(), false
}

// Double reports whether column c is a DOUBLE column, whose values print as
// their shortest round-tripping decimal (what a FloatPredicate relies on).
func (r *Reader) Double(c int) bool { return r.cols[c].vt.kind == kindDouble }

// Exact reports whether column c holds integers or decimals, whose values
// Decimal gives exactly (when they fit an int64).
func (r *Reader) Exact(c int) bool {
	k := r.cols[c].vt.kind
	return k == kindInt || k == kindUint || k == kindDecimal
}

// Date is column c's value as days since 1970-01-01, for a DATE column;
// false for a null or another type.
func (r *Reader) Date(c int) (int64, bool) {
	v, i := r.vec(c), r.bi
	if r.cols[c].vt.kind != kindDate || v.null[i] {
		return 0, false
	}
	return v.ints[i], true
}

// IsDate reports whether column c is a DATE column.
func (r *Reader) IsDate(c int) bool { return r.cols[c].vt.kind == kindDate }

// Numeric reports whether column c holds numbers (integers, decimals, floats).
func (r *Reader) Numeric(c int) bool { return r.cols[c].vt.numeric() }

// leafSet is the distinct leaf columns the reader needs.
func (r *Reader) leafSet() []int {
	var out []int
	seen := map[int]bool{}
	for _, c := range r.cols {
		if c.leaf >= 0 && !seen[c.leaf] {
			seen[c.leaf] = true
			out = append(out, c.leaf)
		}
	}
	return out
}

func (r *Reader) chunk(rg, leaf int) *parquet.FileColumnChunk {
	return r.f.file.RowGroups()[rg].ColumnChunks()[leaf].(*parquet.FileColumnChunk)
}

// nextRowGroup moves to the next row group that pruning leaves, fetching the
// byte ranges of its wanted columns (or pages), and opens the column cursors.
func (r *Reader) nextRowGroup() (bool, error) {
	r.closeCursors()
	for r.rgi < len(r.owned) {
		rg := r.owned[r.rgi]
		r.rgi++
		r.rg, r.row = rg, 0
		all := r.f.ColumnBytes(rg, nil)
		if r.pred != nil {
			if r.f.cannotMatch(rg, r.pcols, r.pred) {
				r.stats.RowGroupsPruned++
				r.stats.BytesSkipped += all
				continue
			}
		}
		ranges, spans, err := r.plan(rg)
		if err != nil {
			return false, fmt.Errorf("parquet %s, row group %d: %w", r.f.Source, rg, err)
		}
		if len(ranges) == 0 {
			r.stats.RowGroupsPruned++
			r.stats.BytesSkipped += all
			continue
		}
		n, err := r.rr.fetch(spans, true)
		if err != nil {
			return false, fmt.Errorf("parquet %s, row group %d: %w", r.f.Source, rg, err)
		}
		r.stats.BytesSkipped += max(0, all-n)
		whole := len(ranges) == 1 && ranges[0] == (rowRange{0, r.f.meta.RowGroups[rg].NumRows})
		for c := range r.cols {
			if r.constant(c) {
				continue
			}
			l := r.cols[c].leaf
			r.cur[c].open(r.chunk(rg, l), &r.f.meta.RowGroups[rg].Columns[l], r.rr, whole)
		}
		r.ranges, r.ri, r.left = ranges, 0, 0
		if ranges[0].start == 0 { // no seek needed for a range at the start
			r.left, r.ri = ranges[0].end, 1
		}
		return true, nil
	}
	return false, nil
}

func (r *Reader) startRange(rg rowRange) error {
	for c := range r.cur {
		if r.constant(c) {
			continue
		}
		if err := r.cur[c].seek(rg.start); err != nil {
			return r.columnError(c, fmt.Errorf("seek to row %d: %w", rg.start, err))
		}
	}
	r.row = rg.start
	r.left = rg.end - rg.start
	return nil
}

func (r *Reader) closeCursors() {
	r.seq0 += uint64(r.bn)
	r.bi, r.bn = 0, 0
	for c := range r.cur {
		if !r.constant(c) {
			r.cur[c].close()
		}
	}
	r.rr.drop()
}

// plan decides which rows of row group rg to read and which byte spans to
// fetch: the wanted columns' whole chunks, or, when a predicate and the page
// index allow, only the pages that may hold matching rows.
func (r *Reader) plan(rg int) ([]rowRange, []span, error) {
	g := &r.f.meta.RowGroups[rg]
	rows := g.NumRows
	whole := func() ([]rowRange, []span, error) {
		var spans []span
		for _, l := range r.leafSet() {
			s, e := chunkRange(&g.Columns[l])
			spans = append(spans, span{s, e})
		}
		if rows == 0 {
			return nil, spans, nil
		}
		return []rowRange{{0, rows}}, spans, nil
	}
	if r.pred == nil || rows == 0 {
		return whole()
	}
	leaves := r.leafSet()
	for _, c := range r.pcols {
		if g.Columns[c.leaf].ColumnIndexOffset == 0 || g.Columns[c.leaf].OffsetIndexOffset == 0 {
			return whole()
		}
	}
	for _, l := range leaves {
		if g.Columns[l].OffsetIndexOffset == 0 {
			return whole()
		}
	}
	// fetch the indexes: the predicate columns' column and offset indexes, the
	// read columns' offset indexes
	var ix []span
	for _, c := range r.pcols {
		cc := &g.Columns[c.leaf]
		ix = append(ix, span{cc.ColumnIndexOffset, cc.ColumnIndexOffset + int64(cc.ColumnIndexLength)},
			span{cc.OffsetIndexOffset, cc.OffsetIndexOffset + int64(cc.OffsetIndexLength)})
	}
	for _, l := range leaves {
		cc := &g.Columns[l]
		ix = append(ix, span{cc.OffsetIndexOffset, cc.OffsetIndexOffset + int64(cc.OffsetIndexLength)})
	}
	if _, err := r.rr.fetch(ix, false); err != nil {
		return nil, nil, fmt.Errorf("page index: %w", err)
	}
	type pidx struct {
		ci    format.ColumnIndex
		first []int64 // first row of each page
	}
	pi := make([]pidx, len(r.pcols))
	var bounds []int64
	for i, c := range r.pcols {
		cc := &g.Columns[c.leaf]
		raw := make([]byte, cc.ColumnIndexLength)
		if _, err := r.rr.ReadAt(raw, cc.ColumnIndexOffset); err != nil {
			return nil, nil, fmt.Errorf("column index of %q: %w", c.Name, err)
		}
		if err := thrift.Unmarshal(&thrift.CompactProtocol{}, raw, &pi[i].ci); err != nil {
			return nil, nil, fmt.Errorf("column index of %q: %w", c.Name, err)
		}
		oi, err := r.chunk(rg, c.leaf).OffsetIndexFrom(r.rr)
		if err != nil {
			return nil, nil, fmt.Errorf("offset index of %q: %w", c.Name, err)
		}
		np := oi.NumPages()
		if len(pi[i].ci.MinValues) != np || len(pi[i].ci.MaxValues) != np || len(pi[i].ci.NullPages) != np {
			return whole() // an index that does not describe the pages: do not trust it
		}
		for p := 0; p < np; p++ {
			pi[i].first = append(pi[i].first, oi.FirstRowIndex(p))
			bounds = append(bounds, oi.FirstRowIndex(p))
		}
	}
	bounds = append(bounds, 0, rows)
	sort.Slice(bounds, func(i, j int) bool { return bounds[i] < bounds[j] })
	var ranges []rowRange
	st := make([]ColumnStats, len(r.pcols))
	for b := 0; b+1 < len(bounds); b++ {
		lo, hi := bounds[b], bounds[b+1]
		if lo >= hi || lo >= rows {
			continue
		}
		for i, c := range r.pcols {
			p := sort.Search(len(pi[i].first), func(k int) bool { return pi[i].first[k] > lo }) - 1
			if p < 0 {
				p = 0
			}
			ci := &pi[i].ci
			nulls := int64(-1)
			if len(ci.NullCounts) == len(ci.NullPages) {
				nulls = ci.NullCounts[p]
			}
			st[i] = statsOf(c, hi-lo, ci.MinValues[p], ci.MaxValues[p], !ci.NullPages[p], nulls)
		}
		if r.pred.CannotMatch(st) {
			continue
		}
		if n := len(ranges); n > 0 && ranges[n-1].end == lo {
			ranges[n-1].end = hi
		} else {
			ranges = append(ranges, rowRange{lo, hi})
		}
	}
	if len(ranges) == 1 && ranges[0] == (rowRange{0, rows}) {
		return whole()
	}
	if len(ranges) == 0 {
		return nil, nil, nil
	}
	// the pages of each read column that overlap the ranges, and its dictionary
	var spans []span
	for _, l := range leaves {
		cc := &g.Columns[l]
		oi, err := r.chunk(rg, l).OffsetIndexFrom(r.rr)
		if err != nil {
			return nil, nil, fmt.Errorf("offset index of column %d: %w", l, err)
		}
		start, end := chunkRange(cc)
		np := oi.NumPages()
		if np > 0 && oi.Offset(0) > start {
			spans = append(spans, span{start, oi.Offset(0)}) // the dictionary page
		}
		for p := 0; p < np; p++ {
			first, last := oi.FirstRowIndex(p), rows
			if p+1 < np {
				last = oi.FirstRowIndex(p + 1)
			}
			if !overlaps(ranges, first, last) {
				r.stats.PagesPruned++
				continue
			}
			off := oi.Offset(p)
			spans = append(spans, span{off, min(end, off+oi.CompressedPageSize(p)+readAhead)})
		}
	}
	return ranges, spans, nil
}

func overlaps(ranges []rowRange, lo, hi int64) bool {
	for _, rg := range ranges {
		if rg.start < hi && lo < rg.end {
			return true
		}
	}
	return false
}
