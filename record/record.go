package record

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"strings"

	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/jobs/jsonline"
)

// Format is how the records of an object are found and read.
type Format uint8

const (
	// Lines: a record is a line; its "\n" is not part of it, a "\r" before
	// it is. Jobs over lines implement job.LineMapper.
	Lines Format = iota
	// CSV: a record is an RFC 4180 record (it may hold newlines inside
	// quotes); an object's first record is its header, which names the
	// columns. Jobs over CSV implement job.RowMapper.
	CSV
	// JSONLines: a record is a line holding one JSON object; its members
	// are the columns. Jobs over JSON Lines implement job.RowMapper.
	JSONLines
	// Parquet: a record is a row of a Parquet file. No job asks for it: an
	// object named .parquet, or starting with the PAR1 magic, is read as
	// Parquet whatever the job's format, and handed to job.RowMapper the
	// same way as CSV.
	Parquet
	// Auto: a table format chosen by each object's name: JSON Lines for
	// .jsonl, .ndjson and .json (a compression suffix aside), Parquet as
	// above, CSV otherwise. The sql job reads its inputs this way.
	Auto
)

var formatNames = [...]string{Lines: "lines", CSV: "csv", JSONLines: "jsonl", Parquet: "parquet", Auto: "auto"}

// Of is the format an object named name is read in by a job whose format is
// f: Auto becomes JSONLines or CSV by the name; any other format stays. (A
// Parquet object is found by the planner, by name or magic, not here.)
func Of(name string, f Format) Format {
	if f != Auto {
		return f
	}
	lower := strings.ToLower(name)
	for _, ext := range []string{".gz", ".zst", ".bz2"} {
		lower = strings.TrimSuffix(lower, ext)
	}
	for _, ext := range []string{".jsonl", ".ndjson", ".json"} {
		if strings.HasSuffix(lower, ext) {
			return JSONLines
		}
	}
	return CSV
}

// String is the format's name: lines, csv, jsonl or parquet.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", f)
}

// Table reports whether the format has columns (CSV, JSON Lines, Parquet).
func (f Format) Table() bool { return f != Lines }

// ParseFormat reads a format's name as String writes it.
func ParseFormat(s string) (Format, error) {
	for f, name := range formatNames {
		if s == name {
			return Format(f), nil
		}
	}
	return 0, fmt.Errorf("unknown format %q (want lines, csv, jsonl or parquet)", s)
}

// Skip reasons for records a Reader cannot read. The job summary counts
// skipped records by reason; under --strict the first one fails the job.
const (
	ReasonCSVQuote     = "csv: bad quoting"
	ReasonCSVFields    = "csv: field count"
	ReasonJSONSyntax   = "json: syntax"
	ReasonJSONNotObjct = "json: not an object"
)

// Row is one record of a table format, seen through the columns a job asked
// for (job.Input.Columns), in that order. A Row and every slice it returns
// are only valid during the call that hands it over.
type Row struct {
	// Offset is the record's byte offset in its object; for Parquet, the
	// row's index in its object.
	Offset int64

	present []bool
	val     [][]byte
	raw     [][]byte
	kind    []jsonline.Kind
	format  Format
	// requote marks a row of CSV quoted otherwise than with '"' doubled
	// (Reader.SetQuoting), whose fields AppendCSV writes from their values.
	requote bool
}

func newRow(n int, f Format) Row {
	return Row{present: make([]bool, n), val: make([][]byte, n), raw: make([][]byte, n), kind: make([]jsonline.Kind, n), format: f}
}

// Format is the format the row was read from.
func (r *Row) Format() Format { return r.format }

// Len is the number of columns the row carries.
func (r *Row) Len() int { return len(r.val) }

// Value is column i's text: a CSV field without its quotes, a JSON string's
// decoded text or any other JSON value's token (null included), a Parquet
// value as DuckDB's CSV writer prints it. It is empty when the column is not
// Present.
func (r *Row) Value(i int) []byte {
	if !r.present[i] {
		return nil
	}
	return r.val[i]
}

// Present reports whether the record has column i: always for CSV; for JSON
// Lines, whether the object has the member; for Parquet, whether the value
// is not NULL.
func (r *Row) Present(i int) bool { return r.present[i] }

// Null reports whether column i is SQL NULL: not Present, or a JSON null.
// An empty CSV field is not NULL here; a reader with a schema decides that.
func (r *Row) Null(i int) bool {
	return !r.present[i] || (r.format == JSONLines && r.kind[i] == jsonline.Null)
}

// AppendCSV appends column i as a CSV output field: a CSV field exactly as it
// stood in the input (quoted with '"' doubled: one quoted otherwise, such
// as with '\” or a backslash before a quote, is its value, quoted as
// AppendCSVField quotes it); a JSON string's text and a nested object or array's raw
// text, quoted when needed, any other JSON value's token; a Parquet value as
// DuckDB's CSV writer prints it (an empty string as "", apart from NULL); a
// missing value as an empty field.
func (r *Row) AppendCSV(dst []byte, i int) []byte {
	switch {
	case r.format == CSV && !r.requote:
		return append(dst, r.raw[i]...)
	case r.format == CSV:
		return csvline.AppendField(dst, r.val[i])
	case !r.present[i]:
		return dst
	case r.format == JSONLines && r.kind[i] != jsonline.String:
		return csvline.AppendField(dst, r.raw[i])
	case r.format == Parquet && len(r.val[i]) == 0:
		return append(dst, `""`...)
	default:
		return csvline.AppendField(dst, r.val[i])
	}
}

// Set fills column i of the row (a format reader's part: Parquet's, or a
// test's). raw is the value as it stood in the input.
func (r *Row) Set(i int, val, raw []byte) {
	r.present[i], r.val[i], r.raw[i] = true, val, raw
}

// SetNull marks column i of the row as NULL (not Present).
func (r *Row) SetNull(i int) { r.present[i], r.val[i], r.raw[i] = false, nil, nil }

// NewRow returns an empty row of n columns read from format f, for readers
// of other formats and for tests.
func NewRow(n int, f Format) *Row {
	r := newRow(n, f)
	return &r
}

// Reader reads the records of a CSV or JSON Lines object into Rows of a fixed
// list of columns, without allocating per record. One Reader serves one
// goroutine; Start it for each object.
type Reader struct {
	format Format
	cols   []string
	row    Row

	// CSV: the field delimiter (SetDelim), and the position of each column
	// in the current object's header.
	delim    byte
	qt       csvline.Quoting // how fields are quoted (SetQuoting)
	idx      []int
	nfields  int
	resolved bool
	fields   []csvline.Field
	ends     []int    // ReadCSVBlock: where each field of the record ends
	marks    []uint64 // ReadCSVBlock: csvline.Marks of a window
	// headerAt is the byte offset of the object's header record
	// (SetHeaderOffset).
	headerAt int64
	// noHeader says that the record at headerAt is the first row, not a
	// header (SetNoHeader).
	noHeader bool

	// JSON Lines.
	members []jsonline.Member
	keyBuf  []byte

	scratch [][]byte
	// fixed holds, for a column Fix gave the object's value, that value's
	// text (raw: as a CSV field) and whether it is NULL; nfixed counts them.
	fixed  []fixedValue
	nfixed int
	// exact marks the columns a JSON object's key named exactly, which a
	// key of another case (colname.Equal) does not override.
	exact []bool
}

// NewReader returns a reader of format (CSV or JSONLines) for columns.
// A CSV column is found in each object's header by name, else by name
// ignoring case.
func NewReader(format Format, columns []string) (*Reader, error) {
	if format != CSV && format != JSONLines {
		return nil, fmt.Errorf("record: a Reader reads csv or jsonl, not %s", format)
	}
	n := len(columns)
	return &Reader{format: format, cols: columns, row: newRow(n, format), delim: ',', qt: csvline.RFC4180, idx: make([]int, n), scratch: make([][]byte, n), exact: make([]bool, n)}, nil
}

// fixedValue is a column's value in every record of an object (Fix).
type fixedValue struct {
	set      bool
	null     bool
	val, raw []byte
}

// Fix makes column i hold val (NULL when null) in every record of the
// object instead of a field of it: a Hive partition's value, which the
// object's path gives. The header is not searched for the column, and a
// JSON member of its name is not read. Call it after NewReader, before
// Start.
func (r *Reader) Fix(i int, val []byte, null bool) {
	if r.fixed == nil {
		r.fixed = make([]fixedValue, len(r.cols))
	}
	if !r.fixed[i].set {
		r.nfixed++
	}
	f := fixedValue{set: true, null: null, val: val, raw: csvline.AppendField(nil, val)}
	if r.format == JSONLines {
		f.raw = val
	}
	r.fixed[i] = f
	r.setFixed(i)
}

// setFixed puts column i's fixed value in the row.
func (r *Reader) setFixed(i int) {
	f := &r.fixed[i]
	if f.null {
		r.row.SetNull(i)
		return
	}
	r.row.present[i], r.row.val[i], r.row.raw[i], r.row.kind[i] = true, f.val, f.raw, jsonline.String
}

// isFixed reports whether Fix gave column c the object's value.
func (r *Reader) isFixed(c int) bool { return r.nfixed > 0 && r.fixed[c].set }

// SetDelim sets the byte that separates a CSV record's fields: ',' (the
// default), or another such as '\t', ';' or '|' (ParseDelim). Call it
// before Start.
func (r *Reader) SetDelim(delim byte) { r.delim = delim }

// SetQuoting sets how a CSV record's fields are quoted: quote opens and
// closes a quoted field ('"', the default, or '\”), and inside one escape
// makes the next byte literal (a backslash), or, when it is quote (the
// default), a doubled quote is one (DuckDB's read_csv quote and escape).
// Call it before Start.
func (r *Reader) SetQuoting(quote, escape byte) {
	r.qt = csvline.Quoting{Quote: quote, Escape: escape}
	r.row.requote = r.qt != csvline.RFC4180
}

// SetHeaderOffset sets the byte offset of the CSV header record of the
// objects Start begins: 0 (the default), or past a preamble, such as title
// lines, that DuckDB's read_csv skips. The records before it are not read
// (a caller does not hand them over); the record at it is the header, not
// data.
func (r *Reader) SetHeaderOffset(off int64) { r.headerAt = off }

// SetNoHeader says whether the CSV objects Start begins have no header
// row, as DuckDB's read_csv sniffs a file whose first record's types are
// those of the others: the record at the header offset is then the first
// row, and the columns are column0, column1, ... (NumberedColumns). Call
// it before Start.
func (r *Reader) SetNoHeader(none bool) { r.noHeader = none }

// Format is the format the reader reads.
func (r *Reader) Format() Format { return r.format }

// Start begins an object. For CSV, header is its first record (without its
// line terminator); a column the header lacks is an error naming source and
// column. A nil header is an empty object, from which no record follows.
// Without a header row (SetNoHeader), header is the first row, which
// names nothing: the columns are NumberedColumns, as many as it has
// fields.
func (r *Reader) Start(source string, header []byte) error {
	if r.format != CSV {
		return nil
	}
	r.resolved = false
	if header == nil {
		return nil
	}
	names, err := HeaderColumnsQuoted(header, r.delim, r.qt.Quote, r.qt.Escape)
	if r.noHeader {
		names, err = NumberedColumnsQuoted(header, r.delim, r.qt.Quote, r.qt.Escape)
	}
	if err != nil {
		return fmt.Errorf("CSV header of %s: %w", source, err)
	}
	for c, col := range r.cols {
		if r.isFixed(c) {
			r.idx[c] = -1
			continue
		}
		if r.idx[c] = columnIndex(names, col); r.idx[c] < 0 {
			return fmt.Errorf("column %q is not in the CSV header of %s", col, source)
		}
	}
	r.nfields = len(names)
	r.ends = make([]int, r.nfields)
	r.resolved = true
	return nil
}

// columnIndex finds col among a header's names (colname.Index): the same
// name, else the one name equal to it ignoring ASCII case (as DuckDB
// matches column names); -1 when neither.
func columnIndex(names []string, col string) int { return colname.Index(names, col) }

// JSONKeys returns the member names of a JSON object line, in order, once
// each: the columns of a JSON Lines object whose first line it is.
func JSONKeys(line []byte) ([]string, error) {
	if jsonline.Blank(line) {
		return nil, errors.New("the first line is blank")
	}
	ms, err := jsonline.Members(nil, line)
	if err != nil {
		return nil, err
	}
	var names []string
	var buf []byte
	seen := map[string]bool{}
	for _, m := range ms {
		var k []byte
		k, buf = m.KeyText(line, buf)
		if !seen[string(k)] {
			seen[string(k)] = true
			names = append(names, string(k))
		}
	}
	return names, nil
}

// HeaderColumns returns the decoded column names of a CSV header record
// (without its line terminator) whose fields delim separates. A UTF-8 byte order mark before it is not
// part of the first name. The names are those DuckDB's read_csv gives
// (colname.Header), so that every column can be named as there: spaces
// around a name are not part of it, an empty name is column<N> (N its
// position from 0, column1 in "id,,amount" and column3 after a trailing
// delimiter), and one equal to an earlier one, ignoring ASCII case, gets
// "_N" appended, N counting that name's repeats (and again while the result
// is taken), so a header a,A,b,a has the columns a, A_1, b, a_2 and a
// header a,a_1,a the columns a, a_1, a_1_1.
func HeaderColumns(header []byte, delim byte) ([]string, error) {
	return HeaderColumnsQuoted(header, delim, '"', '"')
}

// HeaderColumnsQuoted is HeaderColumns of a header whose fields are quoted
// with quote, escape inside them escaping the next byte (SetQuoting).
func HeaderColumnsQuoted(header []byte, delim, quote, escape byte) ([]string, error) {
	header = TrimBOM(csvline.TrimCR(header))
	fields, err := csvline.SplitQuoted(nil, header, delim, csvline.Quoting{Quote: quote, Escape: escape})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(fields))
	var buf []byte
	for i, f := range fields {
		var v []byte
		v, buf = f.Value(header, buf)
		names[i] = string(v)
	}
	colname.Header(names)
	return names, nil
}

// NumberedColumns returns the names DuckDB's read_csv gives the columns
// of a CSV file without a header row whose first record is rec (without
// its line terminator; fields separated by delim): column0, column1, ...,
// one a field, zero-padded to the digits of the last (column00 to
// column11 of 12 columns).
func NumberedColumns(rec []byte, delim byte) ([]string, error) {
	return NumberedColumnsQuoted(rec, delim, '"', '"')
}

// NumberedColumnsQuoted is NumberedColumns of a record whose fields are
// quoted with quote, escape inside them escaping the next byte (SetQuoting).
func NumberedColumnsQuoted(rec []byte, delim, quote, escape byte) ([]string, error) {
	fields, err := csvline.SplitQuoted(nil, TrimBOM(csvline.TrimCR(rec)), delim, csvline.Quoting{Quote: quote, Escape: escape})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(fields))
	for i := range names {
		names[i] = colname.Generated(len(names), i)
	}
	return names, nil
}

// ParseDelim reads a CSV field delimiter as a user writes it (DuckDB's
// read_csv delim): one byte such as ",", ";", "|" or a tab, or `\t` or
// "tab" for a tab. A quote, "\r", "\n" and text of more than one byte are
// refused.
func ParseDelim(s string) (byte, error) {
	switch s {
	case `\t`, "tab", "TAB":
		return '\t', nil
	}
	if len(s) != 1 {
		return 0, fmt.Errorf("the CSV delimiter must be one byte (such as ',' ';' '|' or '\\t' for a tab), not %q", s)
	}
	switch c := s[0]; c {
	case '"', '\r', '\n', 0:
		return 0, fmt.Errorf("the CSV delimiter cannot be %q", c)
	default:
		return c, nil
	}
}

// TrimBOM removes a UTF-8 byte order mark from the start of b.
func TrimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

// Read parses one record into the reader's row. It returns (nil, "", nil)
// for a record that is not data (a CSV header at offset 0, a blank line), and
// (nil, reason, nil) for a malformed one, reason being one of the Reason
// constants. data reports whether the record counts as a data record (every
// record but headers and blank lines), malformed or not.
func (r *Reader) Read(rec []byte, offset int64) (row *Row, data bool, reason string, err error) {
	if r.format == JSONLines {
		return r.readJSON(rec, offset)
	}
	if offset == r.headerAt && !r.noHeader {
		return nil, false, "", nil // the header row
	}
	if !r.resolved {
		return nil, false, "", errors.New("CSV record before any header")
	}
	l := csvline.TrimCR(rec)
	if len(l) == 0 {
		return nil, false, "", nil
	}
	r.fields, err = csvline.SplitQuoted(r.fields, l, r.delim, r.qt)
	if err != nil {
		return nil, true, ReasonCSVQuote, nil
	}
	if len(r.fields) != r.nfields {
		return nil, true, ReasonCSVFields, nil
	}
	for c := range r.cols {
		if r.idx[c] < 0 {
			continue // fixed
		}
		f := r.fields[r.idx[c]]
		r.row.present[c] = true
		r.row.raw[c] = f.Raw(l)
		r.row.val[c], r.scratch[c] = f.Value(l, r.scratch[c])
	}
	r.row.Offset = offset
	return &r.row, true, "", nil
}

// RowFunc takes one record that ReadCSVBlock read, as Read returns it:
// row is nil for a record that is not data (the header at offset 0, a blank
// line) and for a malformed one, reason then being one of the Reason
// constants; data reports whether it counts as a data record.
type RowFunc func(row *Row, offset int64, data bool, reason string) error

// ReadCSVBlock reads CSV records from data, whole lines (it ends in "\n")
// the first of which starts a record at object offset offset, and calls fn
// for each as Read would read it, until a record it leaves to Read: one
// whose quoting is bad, or whose quoted field does not close in data. It
// returns how many bytes (the records before that one) and how many
// records it read. Read's callers find a record's end, then Read its
// fields: two passes over every byte. ReadCSVBlock makes one, 8 bytes at a
// time, stopping only at the commas, newlines and quotes, and jumps over a
// quoted field to its closing quote. It reads nothing of an object whose
// header was not read (Start), nor of one quoted otherwise than with '"'
// doubled (SetQuoting), which Read reads.
func (r *Reader) ReadCSVBlock(data []byte, offset int64, fn RowFunc) (used, records int, err error) {
	if r.format != CSV || !r.resolved || r.qt != csvline.RFC4180 {
		return 0, 0, nil
	}
	if r.marks == nil {
		r.marks = make([]uint64, markWindow/64)
	}
	ends, marks, delim := r.ends, r.marks, r.delim
	// The record's start in data, the delimiters seen in it, the field's start.
	start, nf, from := 0, 0, 0
	for p := 0; p < len(data); {
		// The marks of a window of data from p's 64-byte block, visited a
		// word (64 bytes) at a time.
		lo := p &^ 63
		hi := min(lo+markWindow, len(data))
		csvline.Marks(marks, data[lo:hi], delim)
		w, nw := 0, (hi-lo+63)/64
		m := marks[0] &^ (1<<(p-lo) - 1)
		p = hi
		for {
			if m == 0 {
				if w++; w == nw {
					break
				}
				m = marks[w]
				continue
			}
			j := lo + 64*w + bits.TrailingZeros64(m)
			m &= m - 1
			switch c := data[j]; {
			case c == delim:
				if nf < len(ends) {
					ends[nf] = j
				}
				nf, from = nf+1, j+1
				continue
			case c == '\n':
				if err := r.csvRecord(data, start, j, nf, offset, fn); err != nil {
					return start, records, err
				}
				start, nf, from = j+1, 0, j+1
				records++
				continue
			}
			// A quote: it must open the field and close before a
			// delimiter, "\n" or "\r\n"; the scan goes on at what follows it.
			next := closingQuote(data, j, delim)
			if j != from || next < 0 {
				return start, records, nil
			}
			if next >= hi {
				p = next
				break
			}
			w = (next - lo) / 64
			m = marks[w] &^ (1<<((next-lo)%64) - 1)
		}
	}
	return start, records, nil
}

// markWindow is how many bytes ReadCSVBlock marks (csvline.Marks) at a
// time: their marks, a 64th of them, stay in the L1 cache.
const markWindow = 16 << 10

// closingQuote returns the index just past the quoted field that opens at
// data[j] (a quote), at the delimiter or newline (or "\r\n") after its
// closing quote; -1 when the field does not close in data or something
// else follows it (bad quoting, which Read reports).
func closingQuote(data []byte, j int, delim byte) int {
	for k := j + 1; ; {
		q := bytes.IndexByte(data[k:], '"')
		if q < 0 {
			return -1
		}
		k += q + 1
		if k >= len(data) {
			return -1
		}
		switch c := data[k]; {
		case c == '"': // a doubled quote
			k++
			continue
		case c == delim || c == '\n':
			return k
		case c == '\r':
			if k+1 < len(data) && data[k+1] == '\n' {
				return k
			}
		}
		return -1
	}
}

// csvRecord hands fn the record data[start:end] ("\n" at end), which
// ReadCSVBlock found well quoted, with nf delimiters outside its quotes, the
// first len(r.ends) of them at r.ends.
func (r *Reader) csvRecord(data []byte, start, end, nf int, offset int64, fn RowFunc) error {
	off := offset + int64(start)
	if end > start && data[end-1] == '\r' {
		end--
	}
	switch {
	case off == r.headerAt && !r.noHeader || end == start:
		return fn(nil, off, false, "") // the header row, or a blank line
	case nf+1 != r.nfields:
		return fn(nil, off, true, ReasonCSVFields)
	}
	r.ends[nf] = end
	for c, k := range r.idx {
		if k < 0 {
			continue // fixed
		}
		f := csvline.Field{Start: start, End: r.ends[k]}
		if k > 0 {
			f.Start = r.ends[k-1] + 1
		}
		v := data[f.Start:f.End]
		r.row.present[c], r.row.raw[c], r.row.val[c] = true, v, v
		if len(v) > 0 && v[0] == '"' {
			// A quoted field (a quote opens no other): in it, any quote is
			// one of a doubled pair.
			f.Quoted, f.Escaped = true, bytes.IndexByte(v[1:len(v)-1], '"') >= 0
			r.row.val[c], r.scratch[c] = f.Value(data, r.scratch[c])
		}
	}
	r.row.Offset = off
	return fn(&r.row, off, true, "")
}

func (r *Reader) readJSON(line []byte, offset int64) (*Row, bool, string, error) {
	if jsonline.Blank(line) {
		return nil, false, "", nil
	}
	var err error
	r.members, err = jsonline.Members(r.members, line)
	if err != nil {
		if errors.Is(err, jsonline.ErrNotObject) {
			return nil, true, ReasonJSONNotObjct, nil
		}
		return nil, true, ReasonJSONSyntax, nil
	}
	row := &r.row
	clear(row.present)
	clear(r.exact)
	for _, m := range r.members {
		var key []byte
		key, r.keyBuf = m.KeyText(line, r.keyBuf)
		for c, col := range r.cols {
			if r.isFixed(c) {
				continue
			}
			// A later duplicate key wins, as in encoding/json. A key finds
			// its column as a CSV header's name does (colname.Index): the
			// same name, else the same but for ASCII case, as DuckDB's
			// case-insensitive identifiers find it; an exact key is not
			// overridden by one of another case.
			exact := string(key) == col
			if !exact && (r.exact[c] || !colname.EqualBytes(key, col)) {
				continue
			}
			if exact {
				r.exact[c] = true
			}
			row.present[c] = true
			row.kind[c] = m.Kind
			row.raw[c] = m.Value(line)
			row.val[c], r.scratch[c] = m.Text(line, r.scratch[c])
		}
	}
	if r.nfixed > 0 {
		for c := range r.fixed {
			if r.fixed[c].set {
				r.setFixed(c)
			}
		}
	}
	row.Offset = offset
	return row, true, "", nil
}

// AppendCSVField appends v to dst as one CSV field, quoted (with its quotes
// doubled) when it holds a comma, a quote, "\r" or "\n".
func AppendCSVField(dst, v []byte) []byte { return csvline.AppendField(dst, v) }
