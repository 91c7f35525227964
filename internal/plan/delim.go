package plan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/codec"
	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/record"
	"golang.org/x/sync/errgroup"
)

// The CSV delimiter of a job's input is decided once, by the planner, and
// recorded in the job's parameters (job.DelimParam), so that every mapper
// reads every chunk alike: the one the user gave (--delim), else a tab for
// a first CSV input named .tsv, else the one DuckDB's read_csv sniffs at the
// start of the first CSV input (SniffDelim). A ',' is not recorded: it is
// what a job without the parameter reads, so a comma file's job ID is as it
// was.

// DelimParam is the job parameter that records the delimiter
// (job.DelimParam).
const DelimParam = job.DelimParam

// DelimCandidates are the delimiters SniffDelim tries, in DuckDB's sniffer's
// order: a tie goes to the first.
var DelimCandidates = []byte{',', '|', ';', '\t'}

// sniffBytes is how much of the first CSV input's start SniffDelim reads.
const sniffBytes = 64 << 10

// sniffRows bounds the records SniffDelim reads.
const sniffRows = 1024

// SniffDelim decides the delimiter of CSV text that sample starts (eof: the
// whole text) as DuckDB's read_csv sniffer does for the candidates ',' '|'
// ';' and tab: a candidate qualifies when every record of the sample (the
// last one only if eof, blank ones aside, at most sniffRows) is well
// quoted and has as many fields as the first; of those, the one with the
// most fields wins, and a tie the first in DelimCandidates. With none of at
// least two fields it is ',': a one-column sample (every candidate reads
// every record as one well-quoted field) reads alike with any of them,
// and a ragged one (*RaggedError) is not read by any. SniffDialect says
// also where the header is, after a preamble.
func SniffDelim(sample []byte, eof bool) (byte, error) {
	d, err := sniff(sample, eof)
	return d.Delim, err
}

// Dialect is how one CSV input is read, as its start sniffs
// (SniffDialect).
type Dialect struct {
	// Delim separates the fields.
	Delim byte
	// Fields is the count of fields of every record (1 for a one-column
	// sample or one without a record).
	Fields int
	// Header is the byte offset of the header record: 0, or past a
	// preamble (title lines, Excel's "sep=;") that DuckDB's sniffer skips
	// (its SkipRows).
	Header int64
	// NoHeader says that the record at Header is not a header but the
	// first row (hasHeader: header.go).
	NoHeader bool
	// Quoting is how fields are quoted: '"' doubled (csvline.RFC4180),
	// or as the sample quotes them (QuotingCandidates).
	Quoting csvline.Quoting
}

// SniffDialect is SniffDelim with the fields of every record, the
// header's offset and the quoting. When no candidate reads the sample with one count of
// fields (or all but a few records: sniff), a preamble is looked for as
// DuckDB's sniffer skips one: the records before the first one of a
// candidate's largest count are skipped (SkipRows) when every record from
// it on (two at least, the header and a row) has that count, of two
// fields or more; the candidate of the most fields wins, a tie the one
// that skips least, then the first in DelimCandidates. The header is that
// first record of the largest count, or the first row when it is not a
// header (NoHeader: withHeader).
//
// The quoting is sniffed as DuckDB's sniffer sniffs its quote and escape
// (QuotingCandidates): the first candidate (in that order) that reads
// every record of the sample well quoted with one count of fields and
// quotes a field there wins; without one, '"' doubled (RFC 4180), the
// quoting of a sample that quotes nothing.
func SniffDialect(sample []byte, eof bool) (Dialect, error) {
	d, err := sniff(sample, eof)
	if err != nil {
		return d, err
	}
	return withHeader(sample, eof, d), nil
}

// QuotingCandidates are the quotings SniffDialect tries, in the order of
// DuckDB's sniffer's quote and escape candidates (its candidates with no
// escape read as those with the quote doubled when no quote is doubled,
// and fail when one is; those escaping '"' with '\” and '\” with '"'
// are not tried): '"' doubled, '"' escaped by a backslash (MySQL's
// SELECT ... INTO OUTFILE and mysqldump --tab), '\” doubled and '\”
// escaped by a backslash.
var QuotingCandidates = []csvline.Quoting{{Quote: '"', Escape: '"'}, {Quote: '"', Escape: '\\'}, {Quote: '\'', Escape: '\''}, {Quote: '\'', Escape: '\\'}}

// sniff is SniffDialect: the dialect of the first quoting of
// QuotingCandidates that reads the sample alike and quotes a field there
// (sniffQuoted), else that of '"' doubled.
func sniff(sample []byte, eof bool) (Dialect, error) {
	return sniffWith(sample, eof, QuotingCandidates)
}

// sniffWith is sniff with the quotings cands (quotingCandidates) in place
// of QuotingCandidates.
func sniffWith(sample []byte, eof bool, cands []csvline.Quoting) (Dialect, error) {
	var first Dialect
	var firstErr error
	for i, qt := range cands {
		d, clean, quoted, err := sniffQuoted(sample, eof, qt)
		if i == 0 {
			first, firstErr = d, err
		}
		if clean && quoted {
			return d, nil
		}
	}
	return first, firstErr
}

// sniffQuoted is the dialect of the sample with fields quoted as qt says
// (SniffDialect for one quoting), whether it reads every record alike
// (clean: one count of fields, well quoted, with a candidate delimiter,
// not by skipping a preamble or a few records), and whether that reading
// quotes a field. When no candidate gives every record one count of two
// fields or more, one that gives all
// but a few records of the sample (at most one in oddShare) the first
// record's count of two or more is taken: those few are malformed records,
// which the mappers skip and count (or --strict refuses) as for any file,
// the contract's rule for a record of the wrong count; then a preamble is
// looked for (SniffDialect); only a sample read by none of these is ragged.
func sniffQuoted(sample []byte, eof bool, qt csvline.Quoting) (d Dialect, clean, quoted bool, err error) {
	best, bestN := byte(','), 1
	mostly, mostlyN := byte(','), 1
	var skip Dialect
	skipRows := 0
	var ragged *RaggedError
	oneCol, oneQuoted := false, false
	for _, d := range DelimCandidates {
		if d == qt.Quote || d == qt.Escape {
			continue // a given quote or escape is no delimiter (DuckDB)
		}
		r := consistentFields(sample, eof, d, qt)
		if r.runFields >= 2 && r.runRows >= 2 && (r.runFields > skip.Fields || r.runFields == skip.Fields && r.runRows > skipRows) {
			skip, skipRows = Dialect{Delim: d, Fields: r.runFields, Header: r.runAt}, r.runRows
		}
		if bad := r.ragged; bad != nil {
			if bad.Odd*oddShare <= bad.Records && bad.Want > mostlyN {
				mostly, mostlyN = d, bad.Want
			}
			if ragged == nil || bad.Want > ragged.Want {
				ragged = bad
			}
			continue
		}
		if r.fields == 1 && !oneCol {
			oneCol, oneQuoted = true, r.quoted
		}
		if r.fields > bestN {
			best, bestN, quoted = d, r.fields, r.quoted
		}
	}
	switch {
	case bestN < 2 && mostlyN >= 2:
		return Dialect{Delim: mostly, Fields: mostlyN, Quoting: qt}, false, false, nil
	case bestN < 2 && skip.Fields >= 2:
		skip.Quoting = qt
		return skip, false, false, nil
	case bestN < 2 && ragged != nil:
		return Dialect{Delim: ',', Quoting: qt}, false, false, ragged
	case bestN < 2:
		return Dialect{Delim: best, Fields: bestN, Quoting: qt}, oneCol, oneQuoted, nil
	}
	return Dialect{Delim: best, Fields: bestN, Quoting: qt}, true, quoted, nil
}

// oddShare bounds the records of another count than the first that a
// candidate may meet in the sample and still be the delimiter: at most one
// record in oddShare (5%), as a file with a few malformed rows has.
const oddShare = 20

// RaggedError is a CSV start that no candidate delimiter reads: with one
// at least, a record has another count of fields than the first, and none
// gives every record (or all but one in oddShare) two fields or more, well
// quoted (a badly quoted
// record alone is left to the mappers, which skip it, or with --strict
// refuse it, naming its offset). DuckDB's read_csv reads
// such a file as one column of whole lines, or drops the lines before a
// consistent run of them (csvcheck's TestRaggedAsDuckDB); a job refuses it
// unless the delimiter is given (--delim), when the records of another
// count are skipped (as DuckDB's ignore_errors = true skips them).
type RaggedError struct {
	Delim   byte  // the candidate whose first record has the most fields
	Offset  int64 // the byte offset of the first record of another count
	Fields  int   // that record's fields
	Want    int   // the first record's fields
	Odd     int   // the sampled records of another count than the first's
	Records int   // the records sampled
}

func (e *RaggedError) Error() string {
	return fmt.Sprintf("ragged CSV: no delimiter of ',' '|' ';' tab gives the records of its first %d KiB one count of fields "+
		"(with %s the record at byte %d has %d field%s where the first has %d, and %d of %d records have another count); DuckDB's read_csv reads such a file as one column, "+
		"or drops its lines before a consistent run: give --%s to read it with one delimiter, skipping the records of another count",
		sniffBytes>>10, delimName(e.Delim), e.Offset, e.Fields, plural(e.Fields), e.Want, e.Odd, e.Records, job.DelimParam)
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// delimName writes a delimiter as a user reads it: quoted, a tab as tab.
func delimName(d byte) string {
	if d == '\t' {
		return "tab"
	}
	return fmt.Sprintf("%q", string(d))
}

// reading is how a candidate delimiter reads a sample (consistentFields).
type reading struct {
	// fields is the count of fields of every record; 0 when they differ
	// (ragged says where) or a record is badly quoted.
	fields int
	// ragged is the first record of another count than the first's, with
	// how many do of how many sampled.
	ragged *RaggedError
	// runFields is the largest count of fields of a record, when every
	// record from the first one of that count on has it (0 else), and
	// runAt is that record's byte offset, runRows the records from it on:
	// what DuckDB's sniffer reads after skipping the lines before.
	runFields int
	runAt     int64
	runRows   int
	// quoted reports a quoted field in a record read.
	quoted bool
}

// consistentFields reads sample with delimiter d and quoting qt: how many fields every
// record has; when they differ, the first record that breaks the run,
// with how many do of how many sampled; and the run of the largest count
// (reading). A badly quoted record gives the zero reading: d does not
// qualify.
func consistentFields(sample []byte, eof bool, d byte, qt csvline.Quoting) reading {
	var fields []csvline.Field
	var r reading
	want, odd := -1, 0
	off, rows := 0, 0
	runOdd := 0
	for off < len(sample) && rows < sniffRows {
		start := off
		rec, next, ok := sampleRecord(sample, off, eof, d, qt)
		if !ok {
			break // a record the sample cuts
		}
		if off = next; len(rec) == 0 {
			continue
		}
		var err error
		if fields, err = csvline.SplitQuoted(fields, rec, d, qt); err != nil {
			return reading{} // not d's: the mappers skip (or --strict refuses) a badly quoted record
		}
		for _, f := range fields {
			r.quoted = r.quoted || f.Quoted
		}
		rows++
		n := len(fields)
		switch {
		case n > r.runFields:
			r.runFields, r.runAt, r.runRows, runOdd = n, int64(start), 1, 0
		case n == r.runFields:
			r.runRows++
		default:
			runOdd++
		}
		switch {
		case want < 0:
			want = n
		case n != want:
			odd++
			if r.ragged == nil {
				r.ragged = &RaggedError{Delim: d, Offset: int64(start), Fields: n, Want: want}
			}
		}
	}
	if runOdd > 0 {
		r.runFields, r.runAt, r.runRows = 0, 0, 0
	}
	if r.ragged != nil {
		r.ragged.Odd, r.ragged.Records = odd, rows
		return r
	}
	r.fields = max(want, 0)
	return r
}

// withDelim returns params with the delimiter of the job's CSV inputs
// recorded (job.DelimParam) when the user gave none and the planner finds
// one other than ',': that of the first input of two fields or more; objs
// are the job's inputs, and each CSV one whose header follows a preamble
// gets its offset (Object.Header), each whose delimiter is not the job's
// its own (Object.Delim; a one-column input reads alike with any). Every
// CSV input is sniffed (delimOf: one ranged read of its first 64 KiB,
// sniffReads at once), as DuckDB's read_csv sniffs, and reads, every file
// of a list or glob with its own dialect; a ragged input is refused
// (*RaggedError). With a delimiter given (params), params stay as they
// are, and each CSV input gets only its header's offset after a preamble
// (givenDialect).
func withDelim(ctx context.Context, store blob.Store, name string, compiled job.Job, params map[string]string, objs []Object) (map[string]string, error) {
	csv := csvObjects(name, compiled, params, objs)
	if len(csv) == 0 {
		return params, nil
	}
	cands := quotingCandidates(params)
	var given byte
	if text := params[job.DelimParam]; text != "" {
		var err error
		if given, err = record.ParseDelim(text); err != nil {
			return params, nil // the job reports it
		}
	}
	dialects := make([]Dialect, len(csv))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sniffReads)
	for i, k := range csv {
		g.Go(func() error {
			var err error
			dialects[i], err = delimOf(gctx, store, objs[k], given, cands)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return params, err
	}
	if given != 0 {
		for i, k := range csv {
			objs[k].Header, objs[k].NoHeader = dialects[i].Header, dialects[i].NoHeader
			objs[k].Quote, objs[k].Escape = quotingFields(dialects[i].Quoting)
		}
		return params, nil
	}
	d, from := byte(','), false
	for i := range csv {
		if dialects[i].Fields >= 2 && !from { // one column: read alike with any delimiter
			d, from = dialects[i].Delim, true
		}
	}
	for i, k := range csv {
		objs[k].Header, objs[k].NoHeader = dialects[i].Header, dialects[i].NoHeader
		objs[k].Quote, objs[k].Escape = quotingFields(dialects[i].Quoting)
		if dialects[i].Fields >= 2 && dialects[i].Delim != d {
			objs[k].Delim = string(dialects[i].Delim)
		}
	}
	if d == ',' {
		return params, nil
	}
	return withParam(params, job.DelimParam, string(d)), nil
}

// sniffReads bounds the inputs withDelim reads at once.
const sniffReads = 8

// delimOf is the dialect of one CSV input (SniffDialect), sniffed from
// its first sniffBytes; with a given delimiter (the job's --delim, or a
// tab for a name ending .tsv) only its preamble is looked for
// (givenDialect); the quotings tried are cands (quotingCandidates: the
// user's quote and escape); then whether it has a header row
// (withHeader). A ragged start is an InputError naming the input.
func delimOf(ctx context.Context, store blob.Store, o Object, given byte, cands []csvline.Quoting) (Dialect, error) {
	if given == 0 && isTSV(o.URL) {
		given = '\t'
	}
	sample, eof, err := readStart(ctx, store, o, sniffBytes)
	var ie *InputError
	if given != 0 && errors.As(err, &ie) {
		// A start that does not decompress: no preamble to look for; the
		// mappers report it, as without the search.
		return Dialect{Delim: given, Fields: 2, Quoting: cands[0]}, nil
	}
	if err != nil {
		return Dialect{}, err
	}
	var d Dialect
	if given != 0 {
		d = givenDialect(sample, eof, given, cands)
	} else if d, err = sniffWith(sample, eof, cands); err != nil {
		return Dialect{}, &InputError{Input: o.Source, Err: err}
	}
	return withHeader(sample, eof, d), nil
}

// givenDialect is the dialect of CSV text that sample starts read with
// the given delimiter d: its quoting, the first of cands (quotingCandidates) that
// reads every record with one count of fields, well quoted, and quotes a
// field there (the first without one); its header past a preamble, found as sniff finds
// one (the first record of d's largest count, when every record from it
// on has it), only when the records do not all have the first's count
// (nor all but one in oddShare: malformed records, skipped); else the
// first record is the header, as it was before a preamble was looked for
// with a given delimiter. Fields is 2: a decided delimiter.
func givenDialect(sample []byte, eof bool, d byte, cands []csvline.Quoting) Dialect {
	out := Dialect{Delim: d, Fields: 2, Quoting: cands[0]}
	var r reading
	for i, qt := range cands {
		ri := consistentFields(sample, eof, d, qt)
		if i == 0 {
			r = ri
		}
		if ri.fields > 0 && ri.quoted {
			r, out.Quoting = ri, qt
			break
		}
	}
	bad := r.ragged
	if bad == nil || bad.Odd*oddShare <= bad.Records {
		return out
	}
	if r.runFields >= 2 && r.runRows >= 2 {
		out.Header = r.runAt
	}
	return out
}

// withQueryDelim returns the sql job's params with the delimiter its
// query's FROM read_csv(..., delim = 'X') gives recorded (job.DelimParam),
// ',' too (the input is not sniffed then); a delimiter params give already
// (--delim) must be the same one. A query that does not parse is left to
// the job to refuse.
func withQueryDelim(params map[string]string) (map[string]string, error) {
	q, err := sql.Parse(params["query"])
	if err != nil || q.FromDelim == "" {
		return params, nil
	}
	given := params[job.DelimParam]
	if given == "" {
		return withParam(params, job.DelimParam, q.FromDelim), nil
	}
	d, err := record.ParseDelim(given)
	if err != nil {
		return params, fmt.Errorf("--%s: %w", job.DelimParam, err)
	}
	if string(d) != q.FromDelim {
		return params, fmt.Errorf("the query's %s(..., delim = %q) and --%s %q differ: give the delimiter once", q.FromFunc, q.FromDelim, job.DelimParam, string(d))
	}
	return params, nil
}

// isTSV reports whether an object's name, without a compression suffix,
// ends in .tsv.
func isTSV(name string) bool {
	lower := strings.ToLower(path.Base(name))
	if c := codec.Of(lower); c != "" {
		lower = strings.TrimSuffix(lower, path.Ext(lower))
	}
	return strings.HasSuffix(lower, ".tsv")
}

// csvObjects are the indices in objs of those (not empty) that the named job reads as CSV;
// none when the job reads none (a job of lines, JSON Lines or Parquet
// input, or a job params do not configure: jobs.New says why). compiled is
// the job when the caller has built it (nil: built here).
func csvObjects(name string, compiled job.Job, params map[string]string, objs []Object) []int {
	j := compiled
	if j == nil {
		var err error
		if j, err = job.New(name, params); err != nil {
			return nil
		}
	}
	f := j.Input().Format
	if f != record.CSV && f != record.Auto {
		return nil
	}
	var csv []int
	for i, o := range objs {
		if o.Parquet == nil && o.Size > 0 && record.Of(o.URL, f) == record.CSV {
			csv = append(csv, i)
		}
	}
	return csv
}

// readStart reads up to n bytes of the start of an object, decompressed
// when it is compressed, in ranged reads (as firstColumns does: a text
// object's n bytes in one); eof reports that they are the whole of it.
func readStart(ctx context.Context, store blob.Store, o Object, n int) (data []byte, eof bool, err error) {
	limit, want := o.Size, n+1 // a byte past n tells whether a stream has more
	if o.Codec() == "" {
		limit = min(limit, int64(n))
		want = int(limit)
	}
	rc := &rangedReader{ctx: ctx, store: store, url: o.URL, limit: limit, n: max(firstRange, int64(n))}
	defer rc.Close()
	if err := rc.open(); err != nil {
		return nil, false, storeError(o.Source, err)
	}
	src := &storeReader{r: rc}
	var r io.Reader = src
	if c := o.Codec(); c != "" {
		zr, err := codec.Reader(c, src)
		if err != nil {
			return nil, false, startError(o, src, err)
		}
		defer zr.Close()
		r = zr
	}
	data = make([]byte, want)
	k, err := io.ReadFull(r, data)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, false, startError(o, src, err)
	}
	if o.Codec() == "" {
		return data[:k], o.Size <= int64(n), nil
	}
	if k <= n {
		return data[:k], true, nil
	}
	return data[:n], false, nil
}

// startError is the error of reading an object's start: the store's, or
// the decompressor's (the object's bytes: an input error).
func startError(o Object, src *storeReader, err error) error {
	if src.err != nil {
		return storeError(o.Source, src.err)
	}
	return &InputError{Input: o.Source, Err: fmt.Errorf("its start does not decompress: %w", err)}
}
