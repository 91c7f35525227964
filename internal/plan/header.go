package plan

import (
	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/record"
)

// Whether a CSV input has a header row is decided by the planner, per
// input, as DuckDB's read_csv sniffer decides it
// (https://duckdb.org/docs/data/csv/auto_detection: "detect whether or not
// the file has a header row"), and recorded in the plan (Object.NoHeader,
// each part's "nohdr"), so that every mapper of every chunk reads the input
// alike. The sniffer types each column by the sampled records after the
// first (their values as DuckDB's sniffer casts them: pq.TypeSniffer), then
// asks whether the first record's values are of those types: the first
// record is a header when some column is typed (not VARCHAR) and the first
// record's value in it is not of its type; it is a header too when every
// column is VARCHAR (nothing tells a header from a row: DuckDB keeps it as
// one) or every value of the first record is NULL (empty). A sample of one
// record types the columns by that record itself, so it is a header only
// when all its values are text or NULL. A file without one has the columns
// column0, column1, ... (colname.Generated: zero-padded to the digits of
// the last), and its first record is a row, owned, as any, by the chunk its
// first byte lies in.

// hasHeader reports whether the record of the sample at d.Header (the first
// one past a preamble) is a header row, as DuckDB's sniffer decides
// (above), reading the sampled records with d.Delim and d.Quoting ('"'
// doubled when unset); blank records and
// those of another count of fields than the first are not looked at. With
// no whole record sampled, or one that the sample cuts before its end, it
// is (as every input's first record was before: nothing to decide by).
func hasHeader(sample []byte, eof bool, d Dialect) bool {
	var (
		fields   []csvline.Field
		first    [][]byte // the first record's values; nil for a NULL
		sniffers []pq.TypeSniffer
		typed    []bool // a column of a value that is not NULL after the first record
		buf      []byte
		rows     int
	)
	qt := d.Quoting
	if qt == (csvline.Quoting{}) {
		qt = csvline.RFC4180
	}
	off := int(min(d.Header, int64(len(sample))))
	for off < len(sample) && rows < sniffRows {
		rec, next, ok := sampleRecord(sample, off, eof, d.Delim, qt)
		if off = next; !ok || len(rec) == 0 {
			continue // a record the sample cuts, or a blank one
		}
		var err error
		if fields, err = csvline.SplitQuoted(fields, rec, d.Delim, qt); err != nil {
			continue // a malformed record: skipped by the mappers
		}
		if first == nil {
			first = make([][]byte, len(fields))
			for c, f := range fields {
				if !isNull(f) {
					first[c], _ = f.Value(rec, nil) // its own bytes: buf is reused
				}
			}
			sniffers, typed = make([]pq.TypeSniffer, len(fields)), make([]bool, len(fields))
			rows = 1
			continue
		}
		if len(fields) != len(first) {
			continue // a record of another count: skipped by the mappers
		}
		rows++
		for c, f := range fields {
			if !isNull(f) {
				var v []byte
				v, buf = f.Value(rec, buf)
				sniffers[c].Add(v)
				typed[c] = true
			}
		}
	}
	switch {
	case first == nil:
		return true
	case rows == 1 && !eof:
		return true // one record sampled, of a file that has more
	case rows == 1:
		// DuckDB's sniffer types a one-record file by that record.
		for c, v := range first {
			if v != nil {
				sniffers[c].Add(v)
				typed[c] = true
			}
		}
	}
	return firstIsHeader(first, sniffers, typed)
}

// firstIsHeader is DuckDB's header decision of a first record whose
// values are first (nil: NULL), given the columns' types sniffed from the
// other records (typed: a column with a value there; one without is
// SQLNULL, which no text is of).
func firstIsHeader(first [][]byte, sniffers []pq.TypeSniffer, typed []bool) bool {
	allText, allNull, consistent := true, true, true
	for c, v := range first {
		if v != nil {
			allNull = false
		}
		col := sniffers[c].Column()
		if typed[c] && col.Kind == pq.OutString {
			continue // VARCHAR: any value is of it
		}
		allText = false
		switch {
		case v == nil:
		case !typed[c]:
			consistent = false
		default:
			s := sniffers[c]
			s.Add(v)
			consistent = consistent && s.Column() == col
		}
	}
	return allText || allNull || !consistent
}

// isNull reports whether a CSV field is NULL as DuckDB's read_csv reads
// it: empty and not quoted.
func isNull(f csvline.Field) bool { return f.Start == f.End && !f.Quoted }

// withHeader is d with NoHeader set when the sample's record at d.Header
// is not a header (hasHeader). Then, when that record is the object's
// first and a UTF-8 byte order mark starts it, Header is past the mark:
// the records start there, and the first row's first value is without it.
func withHeader(sample []byte, eof bool, d Dialect) Dialect {
	if d.NoHeader = !hasHeader(sample, eof, d); d.NoHeader && d.Header == 0 {
		d.Header = int64(len(sample) - len(record.TrimBOM(sample)))
	}
	return d
}

// sampleRecord is the record of sample at off (without its line
// terminator, and at offset 0 without a byte order mark) with fields
// delimited by d and quoted as qt says, and the offset past it; ok is
// false, and next the sample's end, for a record the sample cuts (eof:
// the sample is the whole object, whose last record may end without a
// newline).
func sampleRecord(sample []byte, off int, eof bool, d byte, qt csvline.Quoting) (rec []byte, next int, ok bool) {
	rest := sample[off:]
	i, _ := csvline.EndQuoted(rest, csvline.AtField, d, qt)
	switch {
	case i >= 0:
		rec, next = rest[:i], off+i+1
	case !eof:
		return nil, len(sample), false
	default:
		rec, next = rest, len(sample)
	}
	rec = csvline.TrimCR(rec)
	if off == 0 {
		rec = record.TrimBOM(rec)
	}
	return rec, next, true
}
