package job

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/scattergather/scattergather/internal/hive"
	"github.com/scattergather/scattergather/record"
)

// Params are a job's parameters by flag name without dashes, e.g.
// {"pattern": "err"} for grep or {"key": "sourceIP:8", "agg": "sum:adRevenue"}.
// The boolean "strict" applies to every job: "true" turns the first
// malformed record into a failure instead of a skipped, counted record;
// "delim" (DelimParam) too: the field delimiter of CSV input.
type Params map[string]string

// Param describes one job parameter, for flags, docs and validation.
type Param struct {
	// Name is the flag name, without dashes.
	Name string
	// Usage is one line of help.
	Usage string
	// Required parameters must be given (non-empty).
	Required bool
	// Default is the value when the parameter is not given.
	Default string
}

// Definition registers a job type.
type Definition struct {
	// Name is how users ask for the job (--job NAME): lower case letters,
	// digits and dashes.
	Name string
	// Version names the job's logic. It is part of every job ID, so
	// changing what a job computes and its Version gives new jobs instead of
	// old commits: bump it whenever the output for the same input changes.
	Version string
	// Summary is one line for `scatter jobs`.
	Summary string
	// Params are the job's parameters; "strict" and "delim" are every
	// job's and are not listed.
	Params []Param
	// New validates params and returns a configured job. It is called by
	// every function that handles the job (splitter, mappers, reducers), so
	// it must not depend on anything but params.
	New func(p Params) (Job, error)
}

// WithDefaults returns p with the job's default for every parameter p does
// not set, and without "strict" unless it is "true": the canonical form the
// job ID is derived from, so a job asked for by the CLI and by the API is one
// job.
func (d Definition) WithDefaults(p Params) Params {
	out := Params{}
	for k, v := range p {
		if k != StrictParam || v == "true" {
			out[k] = v
		}
	}
	for _, prm := range d.Params {
		if _, set := out[prm.Name]; !set && prm.Default != "" {
			out[prm.Name] = prm.Default
		}
	}
	return out
}

// Input says how the framework reads a job's records.
type Input struct {
	// Format is how records are found in the bytes of an object. Lines
	// (the zero value) hands each line to a LineMapper; CSV and JSONLines
	// hand a Row of Columns to a RowMapper. A Parquet object (.parquet, or
	// the PAR1 magic) is read as Parquet whatever Format says: a RowMapper
	// gets its rows, a LineMapper the values of Column.
	Format record.Format
	// Columns are the columns a RowMapper's rows carry, in this order. A
	// CSV column is found in each object's header by name, else by name
	// ignoring case.
	Columns []string
	// AllColumns asks instead for every column of each object, in its
	// order (SELECT *): a CSV header's, a Parquet schema's, or the members
	// of a JSON Lines object's first line. Part.Columns names them.
	AllColumns bool
	// Column is, for a LineMapper over a table input (Parquet), the column
	// whose values are its records; empty refuses table inputs.
	Column string
}

// Job is one configured job: it makes a mapper per chunk and merges partial
// results.
//
// Partial results are the job's own compact, versioned encoding. Merge and
// Output receive partials in input order (chunk order), so jobs whose output
// keeps input order can concatenate, and jobs that aggregate by key can
// merge sorted runs. Merge must be associative: the framework merges in
// trees of any shape (package jobtest checks it).
type Job interface {
	// Input says how the framework reads the job's records.
	Input() Input
	// NewMapper returns a mapper for one chunk: a LineMapper for Lines
	// input, a RowMapper for table formats.
	NewMapper() Mapper
	// Merge combines partials, given in input order, into one partial of the
	// same encoding.
	Merge(w io.Writer, partials []io.Reader) error
	// Output merges partials, given in input order, and writes the job's
	// final output format.
	Output(w io.Writer, partials []io.Reader) (Stats, error)
}

// Mapper processes the records of one chunk, fed by the framework through
// LineMapper.Record or RowMapper.Row. It is used by one goroutine, and only
// for one attempt at one chunk.
type Mapper interface {
	// StartPart is called before the records of each object part of the chunk.
	StartPart(p Part) error
	// Finish writes the chunk's encoded partial result and returns the
	// chunk's counts.
	Finish(w io.Writer) (Stats, error)
}

// LineMapper is the Mapper of a job whose Input is Lines.
type LineMapper interface {
	Mapper
	// Record is called for every record the chunk owns, in order. line is
	// the record without its trailing "\n" (a "\r" before it is kept);
	// offset is the byte offset of the line's first byte in its object.
	// line is only valid during the call. With strict on, a malformed record
	// returns a *RecordError (Skip makes one).
	Record(line []byte, offset int64) error
}

// BlockMapper is a LineMapper that also takes a run of whole records at
// once, which spares finding every record's end when the job does not need
// it.
type BlockMapper interface {
	LineMapper
	// Records is Record for each of the n records of data, in order: each
	// ends in "\n", which data keeps; offset is data[0]'s byte offset in its
	// object. data is only valid during the call.
	Records(data []byte, offset int64, n int) error
}

// RowMapper is the Mapper of a job whose Input is a table format. The
// framework reads the records, counts them in RecordsIn, and skips (or, with
// strict, fails on) the ones it cannot read; the mapper counts what it
// outputs and its own skips.
type RowMapper interface {
	Mapper
	// Row is called for every row the chunk owns, in order. The row and its
	// values are only valid during the call.
	Row(r *record.Row) error
}

// Part tells a mapper which object the following records come from.
type Part struct {
	// Source is the object's name as the user gave it (a path, a path under
	// a given directory, or s3://bucket/key).
	Source string
	// Ordinal is the object's position in input order (SRC order, then path).
	Ordinal int
	// Format is how the part's records are read: the job's Input.Format,
	// resolved by the object's name for record.Auto, or Parquet for a
	// Parquet object.
	Format record.Format
	// Columns name the columns of the part's rows (a RowMapper's): Input.Columns,
	// or the object's own with Input.AllColumns.
	Columns []string
	// Types are the Columns' types as DuckDB names them (BIGINT, VARCHAR,
	// DECIMAL(18,2), ...) when the format declares them (Parquet); nil
	// otherwise.
	Types []string
	// Rows is the part's row count when the format declares it (Parquet:
	// the footer's, of the row groups the part reads, pruned ones
	// included, so at least the rows fed); 0 when unknown. Combiners size
	// their tables from it.
	Rows int64
}

// Stats are a mapper's or an output's counts.
type Stats struct {
	RecordsIn  int64            `json:"recordsIn"`
	RecordsOut int64            `json:"recordsOut"`
	Skipped    int64            `json:"skipped"`
	SkipReason map[string]int64 `json:"skipReasons,omitempty"`
	// SkipExamples holds, for each reason of SkipReason, the first record
	// skipped under it (in input order; SkipAt): where it is and, when the
	// reason is a kind of error, what the value was, as in
	// `t.csv at byte 28: sql: column amount: "x7" is not a DECIMAL(10,2)`.
	// The reasons count records by kind; the examples name them.
	SkipExamples map[string]string `json:"skipExamples,omitempty"`
}

// Skip counts one malformed record under reason.
func (s *Stats) Skip(reason string) {
	s.Skipped++
	if s.SkipReason == nil {
		s.SkipReason = make(map[string]int64)
	}
	s.SkipReason[reason]++
}

// maxSkipExample bounds an example's length: a value can be long.
const maxSkipExample = 300

// SkipAt counts one malformed record under reason, as Skip does, and when
// it is the first under reason keeps where it is (source, byte offset) and
// detail (what was wrong with it; empty when the reason says all) as the
// reason's example, clipped to a few hundred bytes. Only the first record
// of a reason costs a string. For a row of a Parquet object offset is the
// row's index (record.Row.Offset), and the framework makes the example's
// "at byte N" say "at row N (row group G)".
func (s *Stats) SkipAt(reason, source string, offset int64, detail string) {
	s.Skip(reason)
	if _, ok := s.SkipExamples[reason]; ok {
		return
	}
	if s.SkipExamples == nil {
		s.SkipExamples = make(map[string]string)
	}
	ex := fmt.Sprintf("%s at byte %d", source, offset)
	if detail != "" {
		ex += ": " + detail
	}
	if len(ex) > maxSkipExample {
		ex = strings.ToValidUTF8(ex[:maxSkipExample], "") + "..."
	}
	s.SkipExamples[reason] = ex
}

// Add accumulates o into s.
func (s *Stats) Add(o Stats) {
	s.RecordsIn += o.RecordsIn
	s.RecordsOut += o.RecordsOut
	s.Skipped += o.Skipped
	for k, v := range o.SkipReason {
		if s.SkipReason == nil {
			s.SkipReason = make(map[string]int64)
		}
		s.SkipReason[k] += v
	}
	s.SkipExamples = AddSkipExamples(s.SkipExamples, o.SkipExamples)
}

// AddSkipExamples adds to dst the examples of src whose reasons it has no
// example of (dst's came first), and returns it.
func AddSkipExamples(dst, src map[string]string) map[string]string {
	for k, v := range src {
		if _, ok := dst[k]; !ok {
			if dst == nil {
				dst = make(map[string]string)
			}
			dst[k] = v
		}
	}
	return dst
}

// RecordError is a malformed record under strict. The framework fills in
// Source, and for a row of a Parquet object, Parquet and RowGroup.
type RecordError struct {
	Source string
	// Offset is the record's byte offset in its object; for a row of a
	// Parquet object, the row's index in the object (from 0).
	Offset int64
	Reason string
	// Parquet reports that the record is a row of a Parquet object: Offset
	// is its row index and RowGroup the index (from 0) of the row group that
	// holds it.
	Parquet  bool
	RowGroup int
}

// Error names the malformed record (its source and Where) and its reason.
func (e *RecordError) Error() string {
	return fmt.Sprintf("malformed record in %s %s: %s", e.Source, e.Where(), e.Reason)
}

// Where says where the record is in its object: "at byte N", or for a
// Parquet row "at row N (row group G)".
func (e *RecordError) Where() string {
	if e.Parquet {
		return fmt.Sprintf("at row %d (row group %d)", e.Offset, e.RowGroup)
	}
	return fmt.Sprintf("at byte %d", e.Offset)
}

// Skip handles one malformed record at offset: with strict it returns the
// *RecordError that fails the job; otherwise it counts the record in st
// under reason and returns nil.
func Skip(st *Stats, strict bool, offset int64, reason string) error {
	if strict {
		return &RecordError{Offset: offset, Reason: reason}
	}
	st.Skip(reason)
	return nil
}

// StrictParam is the parameter every job honours.
const StrictParam = "strict"

// DelimParam is the other parameter every job honours: the byte that
// separates the fields of its CSV input (record.ParseDelim), ',' when not
// set. The planner sets it when it finds another delimiter at the start of
// the first CSV input (a .tsv name, or DuckDB's sniffing), so every mapper
// of the job reads the same.
const DelimParam = "delim"

// QuoteParam and EscapeParam are parameters every job honours: the
// quote and escape characters of its CSV input (record.ParseQuoteChar),
// as DuckDB's read_csv options quote and escape give them; not set, the
// planner sniffs them from each CSV input (an escape not set with a quote
// set is the quote, doubled, or a backslash, as the input reads).
const (
	QuoteParam  = "quote"
	EscapeParam = "escape"
)

// PartitionsParam is a parameter every job takes that the planner sets,
// never a user: the Hive partition columns of its inputs, which every
// record the mappers read carries (internal/hive), as a JSON array of
// {"name", "type"}; unset when the inputs have none.
const PartitionsParam = "hive-partitions"

// HivePartitioningParam is a parameter every job takes, as DuckDB's
// read_csv and read_parquet take hive_partitioning: "false" reads no Hive
// partition columns from the inputs' paths (their key=value directories
// are names only), "true" reads them and refuses inputs whose paths have
// different keys; unset, they are detected (PartitionsParam: none when
// the inputs' keys differ).
const HivePartitioningParam = "hive-partitioning"

// ParseHivePartitioning reads HivePartitioningParam: "" (detect), "true"
// or "false".
func ParseHivePartitioning(p Params) (string, error) {
	switch v := p[HivePartitioningParam]; v {
	case "", "true", "false":
		return v, nil
	default:
		return "", fmt.Errorf("--%s must be true or false, not %q", HivePartitioningParam, v)
	}
}

// PrunedParam is the other parameter the planner sets: how many of the
// inputs, and how many of their bytes, it left out because their Hive
// partitions' values cannot pass the job's filter, as "FILES BYTES";
// unset when it left none out. The job reads nothing of them.
const PrunedParam = "hive-pruned"

// Pruned reads PrunedParam: the inputs the planner left out and their
// bytes; 0, 0 when it left none.
func Pruned(p Params) (files, bytes int64) {
	fmt.Sscanf(p[PrunedParam], "%d %d", &files, &bytes)
	return files, bytes
}

// ParseDelim reads the "delim" parameter: ',' when not set.
func ParseDelim(p Params) (byte, error) {
	v := p[DelimParam]
	if v == "" {
		return ',', nil
	}
	d, err := record.ParseDelim(v)
	if err != nil {
		return 0, fmt.Errorf("--%s: %w", DelimParam, err)
	}
	return d, nil
}

// ParseQuoting reads the "quote" and "escape" parameters: 0 for one not
// set; a set one must be one byte other than the delimiter.
func ParseQuoting(p Params) (quote, escape byte, err error) {
	d, err := ParseDelim(p)
	if err != nil {
		return 0, 0, err
	}
	for _, o := range []struct {
		name string
		dst  *byte
	}{{QuoteParam, &quote}, {EscapeParam, &escape}} {
		v, ok := p[o.name]
		if !ok {
			continue
		}
		c, err := record.ParseQuoteChar(o.name, v)
		if err == nil {
			err = record.CheckQuoteDelim(o.name, c, d, p[DelimParam] != "")
		}
		if err != nil {
			return 0, 0, fmt.Errorf("--%s: %w", o.name, err)
		}
		*o.dst = c
	}
	return quote, escape, nil
}

// ParseStrict reads the "strict" parameter: "", "false" or "true".
func ParseStrict(p Params) (bool, error) {
	switch v := p[StrictParam]; v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, fmt.Errorf("--strict must be true or false, not %q", v)
	}
}

var (
	mu       sync.RWMutex
	registry = map[string]Definition{}
	nameRE   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
)

// Register adds a job definition, usually from an init function or before
// cli.Main. It panics on a duplicate name, a malformed name, a missing
// Version or New: these are programming errors.
func Register(d Definition) {
	switch {
	case !nameRE.MatchString(d.Name):
		panic(fmt.Sprintf("job: name %q: want lower case letters, digits and dashes, starting with a letter", d.Name))
	case d.Version == "":
		panic("job: " + d.Name + " declares no Version")
	case d.New == nil:
		panic("job: " + d.Name + " has no New")
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[d.Name]; dup {
		panic("job: duplicate job " + d.Name)
	}
	registry[d.Name] = d
}

// Lookup returns the definition of the named job.
func Lookup(name string) (Definition, bool) {
	mu.RLock()
	defer mu.RUnlock()
	d, ok := registry[name]
	return d, ok
}

// Definitions returns every registered job, sorted by name.
func Definitions() []Definition {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Definition, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// New looks up the named job, checks params against its definition (unknown
// or missing required parameters are errors) and configures it.
func New(name string, p Params) (Job, error) {
	d, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown job %q (known: %s)", name, knownNames())
	}
	known := map[string]bool{StrictParam: true, DelimParam: true, QuoteParam: true, EscapeParam: true, PartitionsParam: true, PrunedParam: true, HivePartitioningParam: true}
	for _, prm := range d.Params {
		known[prm.Name] = true
	}
	for k := range p {
		if !known[k] {
			return nil, fmt.Errorf("job %s: unknown parameter --%s", name, k)
		}
	}
	for _, prm := range d.Params {
		if prm.Required && p[prm.Name] == "" {
			return nil, fmt.Errorf("job %s: missing --%s (%s)", name, prm.Name, prm.Usage)
		}
	}
	if _, err := hive.Decode(p[PartitionsParam]); err != nil {
		return nil, fmt.Errorf("job %s: --%s: %w", name, PartitionsParam, err)
	}
	_, hasQuote := p[QuoteParam]
	_, hasEscape := p[EscapeParam]
	if hasQuote || hasEscape {
		if _, _, err := ParseQuoting(p); err != nil {
			return nil, fmt.Errorf("job %s: %w", name, err)
		}
	}
	if _, err := ParseDelim(p); err != nil {
		return nil, fmt.Errorf("job %s: %w", name, err)
	}
	if _, err := ParseHivePartitioning(p); err != nil {
		return nil, fmt.Errorf("job %s: %w", name, err)
	}
	return d.New(p)
}

func knownNames() string {
	var s string
	for i, d := range Definitions() {
		if i > 0 {
			s += ", "
		}
		s += d.Name
	}
	return s
}

// Concatenator is a Job whose output is a fixed prefix followed by the
// bytes of its partials' records in order (grep, select). The framework may
// then compose a large output on S3 from ranges of the partials
// (UploadPartCopy) instead of streaming it through one process.
type Concatenator interface {
	Job
	// OutputPrefix is what the output holds before the partials' bytes.
	OutputPrefix() []byte
	// OutputRanges returns where partial i's output bytes lie in it, in
	// order, and how many records they hold. size is the partial's length.
	OutputRanges(r io.ReaderAt, size int64, i int) ([]Range, int64, error)
}

// Range is a byte range [Off, Off+N) of a partial.
type Range struct{ Off, N int64 }
