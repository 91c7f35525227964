package jobs

import (
	"fmt"
	"io"
	"sort"
	"sync"
)

// Params are a job's parameters by flag name without dashes, e.g.
// {"pattern": "err"} for grep or {"key": "sourceIP:8", "agg": "sum:adRevenue"}.
// The boolean "strict" applies to every job: "true" turns the first malformed
// record into a failure instead of a skipped, counted record.
type Params map[string]string

// Param describes one job parameter, for flags, docs and validation.
type Param struct {
	Name     string // flag name, without dashes
	Usage    string // one line of help
	Required bool
	Default  string
}

// Definition registers a job type.
type Definition struct {
	Name    string
	Summary string
	Params  []Param
	// New validates params and returns a configured job.
	New func(p Params) (Job, error)
}

// Part tells a mapper which object the following records come from.
type Part struct {
	// Source is the object's name as the user gave it (a path, a path under a
	// given directory, or s3://bucket/key).
	Source string
	// Ordinal is the object's position in input order (SRC order, then path).
	Ordinal int
	// Header is the object's first line (without its line terminator) when the
	// job's NeedsHeader is true; nil otherwise.
	Header []byte
}

// Stats are a mapper's or reducer's counts.
type Stats struct {
	RecordsIn  int64            `json:"recordsIn"`
	RecordsOut int64            `json:"recordsOut"`
	Skipped    int64            `json:"skipped"`
	SkipReason map[string]int64 `json:"skipReasons,omitempty"`
}

// Skip counts one malformed record under reason.
func (s *Stats) Skip(reason string) {
	s.Skipped++
	if s.SkipReason == nil {
		s.SkipReason = make(map[string]int64)
	}
	s.SkipReason[reason]++
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
}

// RecordError is a malformed record under --strict. The mapper runtime adds
// the source name; Offset is the record's byte offset in its object.
type RecordError struct {
	Source string
	Offset int64
	Reason string
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("malformed record in %s at byte %d: %s", e.Source, e.Offset, e.Reason)
}

// Job is one configured job: it makes a mapper per chunk and merges partial results.
//
// Partial results are a job's own compact, versioned encoding. Merge and Output
// receive partials in input order (chunk order), so jobs whose output keeps
// input order (grep, select) can concatenate, and jobs that aggregate by key can
// merge sorted runs.
type Job interface {
	// NeedsHeader reports whether every Part must carry its object's first line
	// (CSV jobs). When true, the record at offset 0 of each object is the header
	// and is passed to Record like any other; the job must not count it as data.
	NeedsHeader() bool
	// NewMapper returns a mapper for one chunk.
	NewMapper() Mapper
	// Merge combines partials, given in input order, into one partial of the same encoding.
	Merge(w io.Writer, partials []io.Reader) error
	// Output merges partials, given in input order, and writes the job's final output format.
	Output(w io.Writer, partials []io.Reader) (Stats, error)
}

// Mapper processes the records of one chunk. It is used by one goroutine.
type Mapper interface {
	// StartPart is called before the records of each object part of the chunk.
	StartPart(p Part) error
	// Record is called for every record the chunk owns, in order. line is the
	// record without its trailing "\n" (a "\r" before it is kept); offset is the
	// byte offset of the line's first byte in its object. line is only valid
	// during the call. With strict on, a malformed record returns a *RecordError.
	Record(line []byte, offset int64) error
	// Finish writes the chunk's encoded partial result and returns the chunk's counts.
	Finish(w io.Writer) (Stats, error)
}

// BlockMapper is a Mapper that also takes a run of whole records at once,
// which spares finding every record's end when the job does not need it.
type BlockMapper interface {
	Mapper
	// Records is Record for each of the n records of data, in order: each
	// ends in "\n", which data keeps; offset is data[0]'s byte offset in its
	// object. data is only valid during the call.
	Records(data []byte, offset int64, n int) error
}

var (
	mu       sync.RWMutex
	registry = map[string]Definition{}
)

// Register adds a job definition; it panics on a duplicate name (call it from init).
func Register(d Definition) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[d.Name]; dup {
		panic("jobs: duplicate job " + d.Name)
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

// WithDefaults returns p with the job's default for every parameter p does not
// set, and without "strict" unless it is "true": the canonical form the job
// ID is derived from, so a job asked for by the CLI and by the API is one job.
func (d Definition) WithDefaults(p Params) Params {
	out := Params{}
	for k, v := range p {
		if k != "strict" || v == "true" {
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

// New looks up the named job and configures it with params.
func New(name string, p Params) (Job, error) {
	d, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown job %q (known: %s)", name, knownNames())
	}
	known := map[string]bool{"strict": true}
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
