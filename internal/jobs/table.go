package jobs

import (
	"errors"
	"fmt"

	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/jobs/jsonline"
)

// Skip reasons of the tabular jobs.
const (
	reasonCSVQuote     = "csv: bad quoting"
	reasonCSVFields    = "csv: field count"
	reasonJSONSyntax   = "json: syntax"
	reasonJSONNotObjct = "json: not an object"
)

// rowReader reads the records of a CSV input (with a header row) or a JSON
// Lines input and exposes the values of a fixed list of columns, without
// allocating per record.
type rowReader struct {
	jsonl bool
	cols  []string

	// CSV: the position of each column in the current object's header.
	idx      []int
	nfields  int
	resolved bool
	fields   []csvline.Field

	// JSONL
	members []jsonline.Member
	keyBuf  []byte

	// The current row, per column: whether it is present, its decoded text,
	// its raw bytes (CSV field as it stood, JSON value token) and JSON kind.
	present []bool
	val     [][]byte
	raw     [][]byte
	kind    []jsonline.Kind
	scratch [][]byte
}

func newRowReader(jsonl bool, cols []string) *rowReader {
	n := len(cols)
	return &rowReader{
		jsonl: jsonl, cols: cols,
		idx: make([]int, n), present: make([]bool, n), val: make([][]byte, n),
		raw: make([][]byte, n), kind: make([]jsonline.Kind, n), scratch: make([][]byte, n),
	}
}

// startPart resolves the columns against a CSV object's header. A missing
// column is an error naming the source and the column.
func (r *rowReader) startPart(p Part) error {
	if r.jsonl {
		return nil
	}
	r.resolved = false
	if p.Header == nil { // an empty object: no records will follow
		return nil
	}
	names, err := headerColumns(p.Header)
	if err != nil {
		return fmt.Errorf("CSV header of %s: %w", p.Source, err)
	}
	for c, col := range r.cols {
		r.idx[c] = -1
		for i, name := range names {
			if name == col {
				r.idx[c] = i
				break
			}
		}
		if r.idx[c] < 0 {
			return fmt.Errorf("column %q is not in the CSV header of %s", col, p.Source)
		}
	}
	r.nfields = len(names)
	r.resolved = true
	return nil
}

// headerColumns returns the decoded column names of a CSV header line (already
// without its trailing "\r").
func headerColumns(header []byte) ([]string, error) {
	fields, err := csvline.Split(nil, header)
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
	return names, nil
}

// read parses one record into the current row. It returns false for a record
// that is not data (a CSV header, a blank line) or is malformed, which it
// skips (an error under strict). RecordsIn counts the data records.
func (r *rowReader) read(line []byte, offset int64, st *Stats, strict bool) (bool, error) {
	ok, reason, err := r.parse(line, offset, st)
	if reason != "" {
		return false, skip(st, strict, offset, reason)
	}
	return ok, err
}

// parse is read, returning a non-empty reason for a malformed record.
func (r *rowReader) parse(line []byte, offset int64, st *Stats) (ok bool, reason string, err error) {
	if r.jsonl {
		return r.readJSON(line, st)
	}
	if offset == 0 {
		return false, "", nil // the header row
	}
	if !r.resolved {
		return false, "", errors.New("CSV record before any header")
	}
	l := csvline.TrimCR(line)
	if len(l) == 0 {
		return false, "", nil
	}
	st.RecordsIn++
	r.fields, err = csvline.Split(r.fields, l)
	if err != nil {
		return false, reasonCSVQuote, nil
	}
	if len(r.fields) != r.nfields {
		return false, reasonCSVFields, nil
	}
	for c := range r.cols {
		f := r.fields[r.idx[c]]
		r.present[c] = true
		r.raw[c] = f.Raw(l)
		r.val[c], r.scratch[c] = f.Value(l, r.scratch[c])
	}
	return true, "", nil
}

func (r *rowReader) readJSON(line []byte, st *Stats) (bool, string, error) {
	if jsonline.Blank(line) {
		return false, "", nil
	}
	st.RecordsIn++
	var err error
	r.members, err = jsonline.Members(r.members, line)
	if err != nil {
		if errors.Is(err, jsonline.ErrNotObject) {
			return false, reasonJSONNotObjct, nil
		}
		return false, reasonJSONSyntax, nil
	}
	clear(r.present)
	for _, m := range r.members {
		var key []byte
		key, r.keyBuf = m.KeyText(line, r.keyBuf)
		for c, col := range r.cols {
			if string(key) == col { // a later duplicate key wins, as in encoding/json
				r.present[c] = true
				r.kind[c] = m.Kind
				r.raw[c] = m.Value(line)
				r.val[c], r.scratch[c] = m.Text(line, r.scratch[c])
			}
		}
	}
	return true, "", nil
}

// appendCSVValue appends column c of the current row as a CSV output field:
// a CSV field exactly as it stood; a JSON string's text, a nested object or
// array's raw text (both quoted when needed), any other JSON value's token; a
// missing JSON member as an empty field.
func (r *rowReader) appendCSVValue(dst []byte, c int) []byte {
	switch {
	case !r.jsonl:
		return append(dst, r.raw[c]...)
	case !r.present[c]:
		return dst
	case r.kind[c] == jsonline.String:
		return csvline.AppendField(dst, r.val[c])
	default:
		return csvline.AppendField(dst, r.raw[c])
	}
}

// text returns column c's value text, empty when missing.
func (r *rowReader) text(c int) []byte {
	if !r.present[c] {
		return nil
	}
	return r.val[c]
}

// columnSet collects distinct column names, returning each one's position.
type columnSet struct {
	names []string
}

func (s *columnSet) add(name string) int {
	for i, n := range s.names {
		if n == name {
			return i
		}
	}
	s.names = append(s.names, name)
	return len(s.names) - 1
}
