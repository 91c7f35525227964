package feed

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/record"
)

// Pruner is a job that can tell the Parquet reader which row groups and
// pages cannot hold a row it keeps (select's --where); nil when it cannot.
type Pruner interface {
	ParquetPredicate() pq.Predicate
}

// ParquetColumns is the columns of a Parquet object a mapper of a job of
// input in reads: Column for a job of lines, else Columns, empty (not nil)
// for a job that reads none (SELECT count(*): the footer's row counts);
// nil for every column (AllColumns, or a job of lines without a Column,
// which Parquet refuses). The splitter weighs row groups by them.
func ParquetColumns(in job.Input) []string {
	switch {
	case !in.Format.Table():
		if in.Column == "" {
			return nil
		}
		return []string{in.Column}
	case in.AllColumns:
		return nil
	case in.Columns == nil:
		return []string{}
	}
	return in.Columns
}

// Parquet feeds the rows of a Parquet span (the row groups a chunk part
// owns) to the mapper: a RowMapper gets rows of its columns, values printed
// as DuckDB's CSV writer prints them; a LineMapper gets the values of its
// Input.Column as records. Only the columns the job reads are fetched, and
// row groups and pages a Pruner rules out are skipped. ordinal is the
// object's position in input order.
func (f *Feeder) Parquet(ctx context.Context, store blob.Store, span pq.Span, ordinal int, footer *pq.Footer) (pq.Stats, error) {
	var st pq.Stats
	if footer == nil {
		var err error
		if footer, err = pq.ReadFooter(ctx, store, span.Source, span.URL, span.Size); err != nil {
			return st, err
		}
		st.BytesRead = footer.BytesRead // fetched too: the reader counts only what it reads
	}
	cols := ParquetColumns(f.in)
	switch {
	case f.lines != nil && f.in.Column == "":
		return st, fmt.Errorf("%s is Parquet: this job reads lines; name the column whose values are its records (--column)", span.Source)
	case f.in.AllColumns:
		cols = make([]string, 0, len(footer.Columns))
		for _, c := range footer.Columns {
			cols = append(cols, c.Name)
		}
	}
	var fixes map[int]fixed
	if f.rows != nil {
		cols, fixes = f.partColumns(span.Source, cols)
	}
	var opts pq.Options
	opts.Footer = footer
	opts.Predicate = f.predicate(cols, fixes)
	if rc, ok := f.m.(RowCounter); ok && f.rows != nil && len(cols) == 0 && opts.Predicate == nil && rc.CountsRows() {
		return f.countRows(rc, span, ordinal, footer, st)
	}
	// A column a partition fixes is a constant column of the reader's
	// batches: the mapper reads it as any other, a batch at a time.
	for c, v := range fixes {
		opts.Constants = append(opts.Constants, pq.Constant{Index: c, Type: v.typ, Value: v.val, Null: v.null})
	}
	r, err := pq.Open(ctx, store, span, cols, opts)
	if err != nil {
		return st, err
	}
	defer r.Close()
	types := make([]string, len(cols))
	for c, col := range r.Columns() {
		types[c] = col.Type
	}
	p := job.Part{Source: span.Source, Ordinal: ordinal, Format: record.Parquet, Columns: cols, Types: types, Rows: footer.SpanRows(span.Start, span.End)}
	first, err := f.startParquet(p, footer)
	if err != nil {
		return st, err
	}
	row := record.NewRow(len(cols), record.Parquet)
	// feedRow feeds row i of the reader's batch as a record.Row (or, to a
	// LineMapper, its one value as a record).
	feedRow := func(i int) error {
		r.At(i)
		rg, ri := r.Location()
		offset := first[rg] + ri
		if f.lines != nil {
			return f.named(f.lines.Record(r.Text(0), offset), offset)
		}
		for c := range cols {
			if r.Null(c) {
				row.SetNull(c)
			} else {
				v := r.Text(c)
				row.Set(c, v, v)
			}
		}
		row.Offset = offset
		return f.named(f.rows.Row(row), offset)
	}
	cm, _ := f.m.(ColumnMapper)
	if cm != nil && !cm.ParquetBatches(r) {
		cm = nil
	}
	var fc floatColumn
	fc.fp, fc.c = r.FloatColumn(opts.Predicate)
	if cm == nil && fc.fp != nil {
		// The other columns are decoded only for the rows the filter keeps.
		for c := range cols {
			if c != fc.c {
				r.Lazy(c)
			}
		}
	}
	var keep []int32 // the rows of a batch the float filter keeps
	for n := r.NextBatch(); n > 0; n = r.NextBatch() {
		if f.lines == nil {
			f.st.RecordsIn += int64(n)
		}
		var err error
		switch {
		case cm != nil:
			if err = cm.ParquetBatch(r, n, feedRow); err != nil {
				rg, ri := r.Location()
				err = f.named(err, first[rg]+ri)
			}
		case fc.fp != nil:
			// A row the filter rules out from its double alone is counted
			// and dropped before any value is printed.
			vals, null, _ := r.Floats(fc.c)
			keep = fc.fp.MayMatchFloats(keep[:0], vals[:n], null[:n])
			for _, i := range keep {
				if err = feedRow(int(i)); err != nil {
					break
				}
			}
		default:
			for i := 0; i < n && err == nil; i++ {
				err = feedRow(i)
			}
		}
		if err != nil {
			return f.stats(r, st), err
		}
	}
	return f.stats(r, st), r.Err()
}

// predicate is the job's filter of row groups and pages (a Pruner's),
// nil when it has none or it reads a column a partition fixes (fixes, by
// index in cols), which the object does not hold: the planner pruned by
// those.
func (f *Feeder) predicate(cols []string, fixes map[int]fixed) pq.Predicate {
	p, ok := f.job.(Pruner)
	if !ok {
		return nil
	}
	pred := p.ParquetPredicate()
	if pred == nil || len(fixes) == 0 {
		return pred
	}
	for c := range fixes {
		for _, pc := range pred.Columns() {
			if colname.Equal(pc, cols[c]) {
				return nil
			}
		}
	}
	return pred
}

// RowCounter is a mapper of a job that reads no column (SELECT count(*))
// that takes a row group's rows as their count, the footer's num_rows, so
// that no page is read or decoded and no row is fed one at a time.
type RowCounter interface {
	// CountsRows reports whether the mapper takes rows by Rows; when false
	// every row is fed to its Row.
	CountsRows() bool
	// Rows takes the next n rows of the part (n > 0), rows of no column.
	Rows(n int64) error
}

// countRows feeds the row groups of span to rc as their row counts, from
// the footer alone: what a RowCounter reads of a Parquet object. The span
// owns the row groups whose first byte lies in [Start, End), as pq.Open's.
func (f *Feeder) countRows(rc RowCounter, span pq.Span, ordinal int, footer *pq.Footer, st pq.Stats) (pq.Stats, error) {
	first, err := f.startParquet(job.Part{Source: span.Source, Ordinal: ordinal, Format: record.Parquet, Columns: []string{}, Types: []string{}}, footer)
	if err != nil {
		return st, err
	}
	for _, g := range footer.RowGroups() {
		if g.Start < span.Start || g.Start >= span.End {
			continue
		}
		st.RowGroups++
		st.BytesSkipped += g.Bytes
		if g.Rows <= 0 {
			continue
		}
		st.Rows += g.Rows
		f.st.RecordsIn += g.Rows
		if err := rc.Rows(g.Rows); err != nil {
			return st, f.named(err, first[g.Index])
		}
	}
	return st, nil
}

// startParquet starts the mapper's part p of a Parquet object whose
// footer is footer, and returns the index of each row group's first row
// (rowGroupStarts), which the feeder keeps to name a row's row group.
func (f *Feeder) startParquet(p job.Part, footer *pq.Footer) ([]int64, error) {
	f.source = p.Source
	if err := f.m.StartPart(p); err != nil {
		return nil, err
	}
	first := rowGroupStarts(footer)
	if f.rowGroups == nil {
		f.rowGroups = make(map[string][]int64)
	}
	f.rowGroups[p.Source] = first
	return first, nil
}

// ColumnMapper is a mapper that takes the rows of a Parquet span a batch at
// a time, reading the columns' decoded values (pq.Reader's Floats and
// Bytes) instead of a record.Row per row.
type ColumnMapper interface {
	// ParquetBatches reports whether the mapper takes r's rows by batches;
	// when false every row is fed to its Row.
	ParquetBatches(r *pq.Reader) bool
	// ParquetBatch takes rows [0, n) of r's current batch, in order; a row
	// it does not take from the vectors it hands to row(i), which feeds row i
	// to the mapper's Row (the rows keep their order either way).
	ParquetBatch(r *pq.Reader, n int, row func(i int) error) error
}

// floatColumn is a predicate that rules out rows from a DOUBLE column's
// values (pq.Reader.FloatColumn), and that column.
type floatColumn struct {
	fp pq.FloatPredicate
	c  int
}

// stats is the reader's counts and the footer bytes fetched before it (in
// st).
func (f *Feeder) stats(r *pq.Reader, st pq.Stats) pq.Stats {
	s := r.Stats()
	s.BytesRead += st.BytesRead
	return s
}

// rowGroupStarts is the index in the file of each row group's first row.
func rowGroupStarts(f *pq.Footer) []int64 {
	groups := f.RowGroups()
	starts := make([]int64, len(groups))
	var n int64
	for _, g := range groups {
		starts[g.Index] = n
		n += g.Rows
	}
	return starts
}

// rowGroupOf is the index of the row group holding row (an index in the
// file), given each row group's first row (rowGroupStarts).
func rowGroupOf(starts []int64, row int64) int {
	return sort.Search(len(starts), func(i int) bool { return starts[i] > row }) - 1
}

// atByte is how job.Stats.SkipAt says where a record is.
const atByte = " at byte "

// rowPlaces rewrites the skip examples of rows of the Parquet objects the
// feeder fed, which job.Stats.SkipAt wrote as "SRC at byte N" with N the
// row's index, to say "SRC at row N (row group G)".
func (f *Feeder) rowPlaces(examples map[string]string) {
	for reason, ex := range examples {
		for src, starts := range f.rowGroups {
			rest, ok := strings.CutPrefix(ex, src+atByte)
			if !ok {
				continue
			}
			end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
			if end < 0 {
				end = len(rest)
			}
			row, err := strconv.ParseInt(rest[:end], 10, 64)
			if err != nil {
				continue
			}
			at := job.RecordError{Offset: row, Parquet: true, RowGroup: rowGroupOf(starts, row)}
			examples[reason] = src + " " + at.Where() + rest[end:]
			break
		}
	}
}
