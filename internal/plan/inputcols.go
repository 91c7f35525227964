package plan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/codec"
	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/internal/hive"
	"github.com/scattergather/scattergather/internal/jobs/jsonline"
	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/record"
)

// InputColumnsParam is the sql job's parameter that ResolveJob sets when a
// query's binding depends on the input's columns (sql.Plan.InputNames: a
// GROUP BY name that is also a select alias, a select alias in a plain
// query's ORDER BY expression): a JSON array of those names that are
// columns of the first input, as DuckDB takes a query's columns from the
// first file it reads. Each of them binds to the column, the others to the
// alias.
const InputColumnsParam = "input-columns"

// maxHeaderLine bounds what is read of a text object's first line for its
// columns.
const maxHeaderLine = 1 << 20

// withInputColumns returns the sql job's input-columns parameter for its
// query and schema over objs: "" when the query's binding does not depend
// on the input's columns (or it does not compile: the job reports why), or
// when every object is empty (no row to bind; but every object an empty
// CSV one has EmptyCSVColumns, checked as a header's). The columns are the first
// object's that has a record; when its first line does not tell them (a line past
// maxHeaderLine, a header that does not parse), the query is refused
// (an InputError naming the object and the names), not answered with a
// binding that may be DuckDB's or not. A CSV header's fields are separated
// by delim, the job's "delim" parameter (',' when empty). When that object is CSV or
// Parquet, a column the query reads that it does not have refuses the
// query too (sql.Plan.MissingColumn: the position and the columns it
// has), before any mapper starts, as every mapper of that object would
// fail on it; JSON Lines are not checked, as a member the first line
// lacks is NULL there and may be present further on.
func withInputColumns(ctx context.Context, store blob.Store, query, schema, delim string, objs []Object, parts []hive.Column) (string, error) {
	s, err := sql.ParseSchema(schema)
	if err != nil || len(objs) == 0 {
		return "", nil
	}
	sep := byte(',')
	if delim != "" {
		if sep, err = record.ParseDelim(delim); err != nil {
			return "", nil // the job reports it
		}
	}
	q, err := sql.Parse(query)
	if err != nil {
		return "", nil
	}
	star := q.HasStar()
	var p *sql.Plan
	if !star {
		if p, err = sql.Analyze(q, s, nil); err != nil {
			return "", nil
		}
	}
	// The first object with a record: one of blank lines only, or one that
	// decompresses to nothing, tells no columns, and the next may.
	var cols []string
	i := -1
	for j, o := range objs {
		if o.Size == 0 {
			continue
		}
		if !star && len(p.InputNames) == 0 && record.Of(o.URL, record.Auto) == record.JSONLines && o.Parquet == nil {
			return "", nil // nothing to bind or check
		}
		d := sep
		if o.Delim != "" {
			d = o.Delim[0] // its own (Object.Delim)
		}
		if cols, err = firstColumns(ctx, store, o, d); err != nil {
			return "", err
		}
		if i = j; cols == nil || len(cols) > 0 {
			break
		}
	}
	if i < 0 && allEmptyCSV(objs) {
		cols, i = EmptyCSVColumns, 0 // DuckDB's columns of a CSV without a record
	}
	if cols != nil {
		cols = withPartitionNames(cols, parts)
	}
	if star {
		// * stands for the first object's columns, and a name of the
		// query that is not one of them is refused here rather than by
		// every mapper (sql.Analyze with the header).
		if cols != nil && len(cols) > 0 {
			if _, err := sql.Compile(query, s, cols); errors.Is(err, sql.ErrName) {
				return "", &InputError{Input: objs[i].Source, Err: err}
			}
		}
		return "", nil
	}
	if i < 0 || cols == nil && len(p.InputNames) == 0 {
		return "", nil
	}
	if cols == nil {
		return "", &InputError{Input: objs[i].Source, Err: fmt.Errorf(
			"its columns cannot be read from its first line, and the query's names %s bind to an input column of that name if there is one, else to the select alias (as in DuckDB): name the aliases apart from the input's columns", strings.Join(p.InputNames, ", "))}
	}
	if o := objs[i]; o.Parquet != nil || record.Of(o.URL, record.Auto) != record.JSONLines {
		if err := p.MissingColumn(query, cols); err != nil {
			return "", &InputError{Input: o.Source, Err: err}
		}
	}
	if len(p.InputNames) == 0 {
		return "", nil
	}
	present := []string{}
	for _, n := range p.InputNames {
		if colname.Index(cols, n) >= 0 { // as record matches a header's names
			present = append(present, n)
		}
	}
	b, err := json.Marshal(present)
	return string(b), err
}

// withPartitionNames is an object's columns and the Hive partition
// columns it lacks, after its own, as DuckDB's read_csv and read_parquet
// give them.
func withPartitionNames(cols []string, parts []hive.Column) []string {
	for _, p := range parts {
		if !slices.Contains(cols, p.Name) {
			cols = append(cols[:len(cols):len(cols)], p.Name)
		}
	}
	return cols
}

// checkInputColumns checks an input-columns parameter given with a job
// (want: what withInputColumns finds over objs, "" when the query's binding
// does not depend on the input's columns): a JSON array of names, the same
// names as want's (in any order, each matched as a query's names are), else
// an error saying what the input gives.
func checkInputColumns(given, want string, objs []Object) error {
	var names []string
	if err := json.Unmarshal([]byte(given), &names); err != nil || names == nil {
		return fmt.Errorf("parameter %s %s: want a JSON array of column names, as the planner sets it (leave it unset)", InputColumnsParam, given)
	}
	var wanted []string
	if want != "" {
		if err := json.Unmarshal([]byte(want), &wanted); err != nil {
			return err
		}
	}
	same := len(names) == len(wanted)
	for _, n := range names {
		same = same && colname.Index(wanted, n) >= 0
	}
	if same {
		return nil
	}
	input := "(none)"
	if len(objs) > 0 {
		input = objs[0].Source
	}
	if want == "" {
		return &InputError{Input: input, Err: fmt.Errorf("parameter %s %s: no name of the query binds by the input's columns, so it must be unset or []", InputColumnsParam, given)}
	}
	return &InputError{Input: input, Err: fmt.Errorf("parameter %s %s does not match the input: of the query's names that bind by the input's columns, the input has %s; leave it unset (the planner sets it)", InputColumnsParam, given, want)}
}

// firstColumns returns the columns of an object: a Parquet footer's, a CSV
// header's (record.HeaderColumns; at o.Header, past a preamble; column0,
// column1, ... without a header row: record.NumberedColumns), the
// members of a JSON Lines object's first line; nil when its first line
// does not tell them.
func firstColumns(ctx context.Context, store blob.Store, o Object, delim byte) ([]string, error) {
	if o.Parquet != nil {
		var cols []string
		for _, c := range o.Parquet.Columns {
			cols = append(cols, c.Name)
		}
		return cols, nil
	}
	// The first line is read in ranged reads (GET with a Range header,
	// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), not in
	// one unranged GET of the whole object: firstRange bytes, then the next range,
	// twice as long, only while no newline is found; a text object's ranges stop at
	// maxHeaderLine, a compressed one's at its end (the decompressed line is
	// bounded by maxHeaderLine below).
	limit := o.Size
	if o.Codec() == "" {
		limit = min(limit, o.Header+maxHeaderLine)
	}
	rc := &rangedReader{ctx: ctx, store: store, url: o.URL, limit: limit, n: firstRange}
	defer rc.Close()
	err := rc.open()
	if err != nil {
		return nil, storeError(o.Source, err)
	}
	// A read error of the store (transient or not, as storeError says) is
	// told apart from one of the decompressor over it (the object's bytes:
	// an input error, never retried).
	src := &storeReader{r: rc}
	var r io.Reader = src
	readError := func(err error) error {
		if src.err != nil {
			return storeError(o.Source, src.err)
		}
		return &InputError{Input: o.Source, Err: fmt.Errorf("its first line does not decompress: %w", err)}
	}
	if c := o.Codec(); c != "" {
		zr, err := codec.Reader(c, src)
		if err != nil {
			return nil, readError(err)
		}
		defer zr.Close()
		r = zr
	}
	jsonLines := record.Of(o.URL, record.Auto) == record.JSONLines
	br := bufio.NewReaderSize(r, maxHeaderLine)
	if _, err := br.Discard(int(o.Header)); err != nil && !errors.Is(err, io.EOF) {
		return nil, readError(err) // the preamble before a CSV header (Object.Header)
	}
	var line []byte
	for {
		line, err = br.ReadSlice('\n')
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, readError(err)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, nil
		}
		if len(line) == 0 {
			return []string{}, nil // no record: nothing to bind
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte{'\n'}), []byte{'\r'})
		if !jsonLines || !jsonline.Blank(line) {
			break
		}
		if err != nil { // blank lines to the end
			return []string{}, nil
		}
	}
	var cols []string
	switch {
	case jsonLines:
		cols, err = record.JSONKeys(line)
	case o.NoHeader:
		qt := QuotingOf(o.Quote, o.Escape)
		cols, err = record.NumberedColumnsQuoted(line, delim, qt.Quote, qt.Escape)
	default:
		qt := QuotingOf(o.Quote, o.Escape)
		cols, err = record.HeaderColumnsQuoted(line, delim, qt.Quote, qt.Escape)
	}
	if err != nil {
		return nil, nil // the mapper reports it
	}
	return cols, nil
}

// storeReader keeps the error of the store's reader under a decompressor.
type storeReader struct {
	r   io.Reader
	err error
}

func (s *storeReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
	}
	return n, err
}

// firstRange is the length of the first range read of an object for its first
// line; each further range is twice the one before.
const firstRange = 64 << 10

// rangedReader reads an object from its start to limit in ranges that double
// in length, each opened once the one before is read to its end.
type rangedReader struct {
	ctx    context.Context
	store  blob.Store
	url    string
	limit  int64
	off, n int64 // the next range's start and length
	rc     io.ReadCloser
}

// open opens the next range; at limit it leaves rc nil.
func (r *rangedReader) open() error {
	if r.off >= r.limit {
		return nil
	}
	n := min(r.n, r.limit-r.off)
	rc, err := r.store.Open(r.ctx, r.url, r.off, n)
	if err != nil {
		return err
	}
	r.rc, r.off, r.n = rc, r.off+n, r.n*2
	return nil
}

func (r *rangedReader) Read(p []byte) (int, error) {
	for r.rc != nil {
		k, err := r.rc.Read(p)
		if !errors.Is(err, io.EOF) {
			return k, err
		}
		r.rc.Close()
		r.rc = nil
		if err := r.open(); err != nil {
			return k, err
		}
		if k > 0 {
			return k, nil
		}
	}
	return 0, io.EOF
}

// Close closes the range being read.
func (r *rangedReader) Close() error {
	if r.rc == nil {
		return nil
	}
	return r.rc.Close()
}
