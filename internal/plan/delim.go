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
// least two fields (a one-column file), it is ','.
func SniffDelim(sample []byte, eof bool) byte {
	best, bestN := byte(','), 1
	for _, d := range DelimCandidates {
		if n := consistentFields(sample, eof, d); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

// consistentFields is how many fields every record of sample has with
// delimiter d, or 0 when they differ or one is badly quoted.
func consistentFields(sample []byte, eof bool, d byte) int {
	var fields []csvline.Field
	want := -1
	for rows := 0; len(sample) > 0 && rows < sniffRows; {
		i, _ := csvline.End(sample, csvline.AtField, d)
		rec := sample
		if i >= 0 {
			rec, sample = sample[:i], sample[i+1:]
		} else if !eof {
			break // a record the sample cuts
		} else {
			sample = nil
		}
		rec = csvline.TrimCR(rec)
		if rows == 0 {
			rec = record.TrimBOM(rec)
		}
		if len(rec) == 0 {
			continue
		}
		var err error
		if fields, err = csvline.Split(fields, rec, d); err != nil {
			return 0
		}
		if want < 0 {
			want = len(fields)
		} else if len(fields) != want {
			return 0
		}
		rows++
	}
	return max(want, 0)
}

// withDelim returns params with the delimiter of the job's CSV input
// recorded (job.DelimParam) when the user gave none and the planner finds
// one other than ','; objs are the job's inputs.
func withDelim(ctx context.Context, store blob.Store, name string, compiled job.Job, params map[string]string, objs []Object) (map[string]string, error) {
	if params[job.DelimParam] != "" {
		return params, nil
	}
	o, ok := firstCSV(name, compiled, params, objs)
	if !ok {
		return params, nil
	}
	d := byte('\t')
	if !isTSV(o.URL) {
		sample, eof, err := readStart(ctx, store, o, sniffBytes)
		if err != nil {
			return params, err
		}
		d = SniffDelim(sample, eof)
	}
	if d == ',' {
		return params, nil
	}
	return withParam(params, job.DelimParam, string(d)), nil
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

// firstCSV is the first of objs (not empty) that the named job reads as
// CSV; false when the job reads none (a job of lines, JSON Lines or
// Parquet input, or a job params do not configure: jobs.New says why).
// compiled is the job when the caller has built it (nil: built here).
func firstCSV(name string, compiled job.Job, params map[string]string, objs []Object) (Object, bool) {
	j := compiled
	if j == nil {
		var err error
		if j, err = job.New(name, params); err != nil {
			return Object{}, false
		}
	}
	f := j.Input().Format
	if f != record.CSV && f != record.Auto {
		return Object{}, false
	}
	for _, o := range objs {
		if o.Parquet == nil && o.Size > 0 && record.Of(o.URL, f) == record.CSV {
			return o, true
		}
	}
	return Object{}, false
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
