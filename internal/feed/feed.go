package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/internal/hive"
	"github.com/scattergather/scattergather/internal/split"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/record"
)

// Feeder feeds one chunk's records to one mapper. The pipeline's mapper, the
// request-time query path and the job tests all map through a Feeder, so a
// job is fed the same way everywhere.
type Feeder struct {
	job    job.Job
	in     job.Input
	m      job.Mapper
	lines  job.LineMapper
	block  job.BlockMapper
	rows   job.RowMapper
	reader *record.Reader
	strict bool
	// delim separates the fields of CSV records (SetDelim).
	delim byte
	// quote and escape are how CSV fields are quoted (SetQuoting).
	quote, escape byte
	// headerAt is the byte offset of the CSV header of the part
	// StartPart begins (SetHeaderOffset).
	headerAt int64
	// noHeader says that the object has no header row
	// (SetHeaderOffset).
	noHeader bool
	// st counts what the feeder reads for a RowMapper: data records and the
	// ones it skips.
	st     job.Stats
	source string
	// rowGroups holds, for each Parquet object the feeder fed (by source),
	// the row index of each row group's first row, which names the row
	// group of a row its mapper skipped or failed on.
	rowGroups map[string][]int64
	// partitions are the inputs' Hive partition columns (SetPartitions).
	partitions []hive.Column
}

// New returns a feeder of a new mapper of j. strict is the job's "strict"
// parameter.
func New(j job.Job, strict bool) (*Feeder, error) {
	in := j.Input()
	f := &Feeder{job: j, in: in, m: j.NewMapper(), strict: strict, delim: ',', quote: '"', escape: '"'}
	if in.Format.Table() {
		rm, ok := f.m.(job.RowMapper)
		if !ok {
			return nil, fmt.Errorf("the job reads %s, but its mapper %T is not a job.RowMapper", in.Format, f.m)
		}
		f.rows = rm
		return f, nil
	}
	lm, ok := f.m.(job.LineMapper)
	if !ok {
		return nil, fmt.Errorf("the job reads lines, but its mapper %T is not a job.LineMapper", f.m)
	}
	f.lines = lm
	f.block, _ = lm.(job.BlockMapper)
	return f, nil
}

// SetDelim sets the byte that separates the fields of the CSV records the
// feeder reads: ',' until set, else the job's delim parameter (the one the
// plan recorded). Call it before StartPart.
func (f *Feeder) SetDelim(delim byte) { f.delim = delim }

// SetQuoting sets how the fields of the CSV records the feeder reads are
// quoted (record.Reader.SetQuoting): '"' doubled until set, else the
// part's (plan.Part.Quoting). Call it before StartPart.
func (f *Feeder) SetQuoting(quote, escape byte) { f.quote, f.escape = quote, escape }

// SetHeaderOffset sets the byte offset of the CSV header of the object
// the next StartPart begins: 0, or past a preamble (plan.Part.Header). Its
// records before it are not fed. none says that the object has no header
// row (plan.Part.NoHeader): the record at off is its first row, and its
// columns are column0, column1, ... (record.Reader.SetNoHeader).
func (f *Feeder) SetHeaderOffset(off int64, none bool) { f.headerAt, f.noHeader = off, none }

// SetPartitions sets the Hive partition columns of the job's inputs (the
// planner's PartitionsParam): a column of the job's of one of their names
// (or each of them, for a job that reads every column: after the object's
// own, or in place of one of the same name) holds the value the object's
// path gives it, whatever the object holds. Call it before StartPart.
func (f *Feeder) SetPartitions(cols []hive.Column) { f.partitions = cols }

// partColumns returns columns with the partition columns a job reading
// every column gets added (those the object lacks, after its own), and
// the values, by index in the result, of the ones the source's path
// fixes; nil when there are none.
func (f *Feeder) partColumns(source string, columns []string) ([]string, map[int]fixed) {
	if len(f.partitions) == 0 {
		return columns, nil
	}
	pairs := hive.Parse(source)
	fixes := map[int]fixed{}
	for _, pc := range f.partitions {
		i := -1
		if f.in.AllColumns {
			if i = slices.Index(columns, pc.Name); i < 0 {
				columns = append(columns[:len(columns):len(columns)], pc.Name)
				i = len(columns) - 1
			}
		}
		raw, null := "", true
		for _, p := range pairs {
			if p.Key == pc.Name {
				raw, null = p.Value, false
			}
		}
		v := fixed{null: true, typ: pc.Type}
		if !null {
			var text string
			text, v.null = hive.Value(raw, pc.Type)
			v.val = []byte(text)
		}
		if i >= 0 {
			fixes[i] = v
			continue
		}
		for c, col := range columns {
			if colname.Equal(col, pc.Name) {
				fixes[c] = v
			}
		}
	}
	return columns, fixes
}

// fixed is a column's value in every row of an object: a partition's.
type fixed struct {
	val  []byte
	null bool
	typ  string
}

// Delim is the byte that separates the fields of the CSV records the feeder
// reads.
func (f *Feeder) Delim() byte { return f.delim }

// Format is how the feeder reads the records of the object named source.
func (f *Feeder) Format(source string) record.Format { return record.Of(source, f.in.Format) }

// NeedsHeader reports whether StartPart needs the first record of the object
// named source: a CSV header, or the first JSON object whose members are
// the columns when the job asks for all of them.
func (f *Feeder) NeedsHeader(source string) bool {
	switch f.Format(source) {
	case record.CSV:
		return true
	case record.JSONLines:
		return f.in.AllColumns
	}
	return false
}

// StartPart begins the records of part p. header is the object's first
// record when NeedsHeader says so (nil for an empty object).
func (f *Feeder) StartPart(p job.Part, header []byte) error {
	f.source = p.Source
	p.Format = f.Format(p.Source)
	if f.rows == nil {
		return f.m.StartPart(p)
	}
	if header == nil && f.NeedsHeader(p.Source) {
		f.reader = nil // an empty object: no records follow
		return f.m.StartPart(p)
	}
	p.Columns = f.in.Columns
	if f.in.AllColumns {
		var err error
		switch {
		case p.Format == record.CSV && f.noHeader:
			p.Columns, err = record.NumberedColumnsQuoted(header, f.delim, f.quote, f.escape)
		case p.Format == record.CSV:
			p.Columns, err = record.HeaderColumnsQuoted(header, f.delim, f.quote, f.escape)
		default:
			p.Columns, err = record.JSONKeys(header)
		}
		if err != nil {
			return fmt.Errorf("columns of %s: %w", p.Source, err)
		}
	}
	var fixes map[int]fixed
	p.Columns, fixes = f.partColumns(p.Source, p.Columns)
	r, err := record.NewReader(p.Format, p.Columns)
	if err != nil {
		return err
	}
	for c, v := range fixes {
		r.Fix(c, v.val, v.null)
	}
	r.SetDelim(f.delim)
	r.SetQuoting(f.quote, f.escape)
	r.SetHeaderOffset(f.headerAt)
	r.SetNoHeader(f.noHeader)
	if err := r.Start(p.Source, header); err != nil {
		return err
	}
	f.reader = r
	return f.m.StartPart(p)
}

// Record feeds one record: rec is the record without its line terminator
// ("\r" kept), offset its byte offset in its object. A *job.RecordError
// returned names the part's source.
func (f *Feeder) Record(rec []byte, offset int64) error {
	if f.lines != nil {
		return f.named(f.lines.Record(rec, offset), offset)
	}
	if f.reader == nil {
		return errors.New("a record before any header")
	}
	row, data, reason, err := f.reader.Read(rec, offset)
	if err != nil {
		if data {
			f.st.RecordsIn++
		}
		return err
	}
	return f.row(row, offset, data, reason)
}

// row takes one record the reader read (record.RowFunc).
func (f *Feeder) row(row *record.Row, offset int64, data bool, reason string) error {
	if data {
		f.st.RecordsIn++
	}
	switch {
	case reason != "" && !f.strict:
		f.st.SkipAt(reason, f.source, offset, "")
		return nil
	case reason != "":
		return f.named(job.Skip(&f.st, f.strict, offset, reason), offset)
	case row == nil:
		return nil
	}
	return f.named(f.rows.Row(row), offset)
}

// Block is the function that takes runs of whole records at once, or nil
// when the mapper takes one record at a time.
func (f *Feeder) Block() func(data []byte, offset int64, n int) error {
	if f.block == nil {
		return nil
	}
	return func(data []byte, offset int64, n int) error {
		return f.named(f.block.Records(data, offset, n), offset)
	}
}

// CSVBlock is the function that reads runs of whole CSV records of the
// part StartPart began at once (record.Reader.ReadCSVBlock), or nil when
// its records are not CSV or not quoted with '"' doubled (which go one by
// one).
func (f *Feeder) CSVBlock() split.CSVBlockFunc {
	if f.rows == nil || f.reader == nil || f.reader.Format() != record.CSV || f.quote != '"' || f.escape != '"' {
		return nil
	}
	r, fn := f.reader, f.row
	return func(data []byte, offset int64) (int, int, error) {
		return r.ReadCSVBlock(data, offset, fn)
	}
}

// Finish writes the mapper's partial and returns its counts, with the
// records the feeder read and skipped added.
func (f *Feeder) Finish(w io.Writer) (job.Stats, error) {
	st, err := f.m.Finish(w)
	st.Add(f.st)
	f.rowPlaces(st.SkipExamples)
	return st, err
}

// MapError is an error a job's mapper returned for a record (other than a
// *job.RecordError): the job's own failure, which running the chunk again
// would repeat, so the pipeline does not retry it.
type MapError struct {
	Source string
	// Offset is the record's byte offset, or a Parquet row's index.
	Offset int64
	// Where says where the record is: "at byte N", or for a Parquet row
	// "at row N (row group G)".
	Where string
	Err   error
}

func (e *MapError) Error() string {
	return fmt.Sprintf("map %s %s: %v", e.Source, e.Where, e.Err)
}

func (e *MapError) Unwrap() error { return e.Err }

// named fills in the source of a *job.RecordError, and makes any other
// error a *MapError.
func (f *Feeder) named(err error, offset int64) error {
	if err == nil {
		return nil
	}
	starts, parquet := f.rowGroups[f.source]
	var re *job.RecordError
	if errors.As(err, &re) {
		if re.Source == "" {
			re.Source = f.source
		}
		if parquet && re.Source == f.source && !re.Parquet {
			re.Parquet, re.RowGroup = true, rowGroupOf(starts, re.Offset)
		}
		return err
	}
	var me *MapError
	if errors.As(err, &me) {
		return err // named already (a row a batch mapper handed back to feedRow)
	}
	at := job.RecordError{Offset: offset}
	if parquet {
		at.Parquet, at.RowGroup = true, rowGroupOf(starts, offset)
	}
	return &MapError{Source: f.source, Offset: offset, Where: at.Where(), Err: err}
}

// Mapper is the mapper the feeder feeds.
func (f *Feeder) Mapper() job.Mapper { return f.m }

// Object feeds every record of a whole object held in memory, as part p:
// its lines, or its CSV records (the first being the header, unless
// SetHeaderOffset says there is none; those from the header
// SetHeaderOffset sets, past a preamble). It is the
// in-memory form of what the pipeline does with a part read from a store,
// for tests and small inputs.
func (f *Feeder) Object(p job.Part, data []byte) error {
	csv := f.Format(p.Source) == record.CSV
	var base int64
	if csv && f.headerAt > 0 { // the records start at the header (SetHeaderOffset)
		base = min(f.headerAt, int64(len(data)))
		data = data[base:]
	}
	var header []byte
	if f.NeedsHeader(p.Source) && len(data) > 0 {
		header, _, _ = bytes.Cut(data, []byte{'\n'})
		if csv {
			_ = split.CSVRecords(data, f.delim, func(rec []byte, _ int64) error {
				header = rec
				return errFirst
			})
		}
		header = bytes.TrimSuffix(header, []byte{'\r'})
	}
	if err := f.StartPart(p, header); err != nil {
		return err
	}
	if csv && base > 0 {
		return split.CSVRecords(data, f.delim, func(rec []byte, off int64) error { return f.Record(rec, base+off) })
	}
	if csv {
		return split.CSVRecords(data, f.delim, f.Record)
	}
	var off int64
	for len(data) > 0 {
		line, rest, found := bytes.Cut(data, []byte{'\n'})
		if err := f.Record(line, off); err != nil {
			return err
		}
		off += int64(len(line))
		if found {
			off++
		}
		data = rest
	}
	return nil
}

// errFirst stops a walk of records after the first.
var errFirst = errors.New("first record")
