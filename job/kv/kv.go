package kv

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/scattergather/scattergather/internal/runs"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/record"
)

// Job is a configured typed job. Exactly one of MapLine (for Lines input) and
// MapRow (for a table format) is set, as Input.Format says.
type Job[K, V any] struct {
	// Input says what the map function reads: lines, or rows of
	// Input.Columns of CSV, JSON Lines or Parquet.
	Input job.Input
	// Key and Value encode keys and values. Key must preserve order: the
	// output is sorted by the encoded keys' bytes.
	Key   Codec[K]
	Value Codec[V]
	// MapLine maps one line (without its "\n"), emitting any number of
	// pairs. line is only valid during the call. An emitted key is
	// encoded (Key.Append) at once, and a value that is a slice of bytes
	// (kv.Bytes's []byte, or a type of yours such as type Raw []byte) is
	// copied, so either may be a slice of line; a value of another type
	// is kept as it is emitted, until the mapper writes it (a spill or the
	// chunk's output), so it must not refer to line's memory (copy what it
	// keeps).
	MapLine func(line []byte, emit func(K, V)) error
	// MapRow maps one row of Input.Columns; r and its values are only
	// valid during the call, as MapLine's line.
	MapRow func(r *record.Row, emit func(K, V)) error
	// Combine merges two values of one key. It must be associative and
	// commutative: the framework combines in any grouping, in the mapper, in
	// spills and in the gather. It may modify and return a.
	Combine func(a, b V) V
	// Header is the output's first line (without "\n"); empty for none.
	Header string
	// Format appends the output line of one key and its combined value,
	// without "\n", to dst.
	Format func(dst []byte, k K, v V) []byte
}

// Def defines a typed job with parameters: New builds the Job for each set of
// parameters (called by every function that handles the job).
type Def[K, V any] struct {
	// Name, Version, Summary and Params are job.Definition's.
	Name, Version, Summary string
	Params                 []job.Param
	New                    func(p job.Params) (Job[K, V], error)
}

// Definition is d as the framework registers it (job.Register, cli.Main,
// the lambdafn entry points).
func (d Def[K, V]) Definition() job.Definition {
	return job.Definition{
		Name: d.Name, Version: d.Version, Summary: d.Summary, Params: d.Params,
		New: func(p job.Params) (job.Job, error) {
			strict, err := job.ParseStrict(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", d.Name, err)
			}
			j, err := d.New(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", d.Name, err)
			}
			if err := j.check(); err != nil {
				return nil, fmt.Errorf("%s: %w", d.Name, err)
			}
			return &typed[K, V]{Job: j, name: d.Name, strict: strict}, nil
		},
	}
}

func (j *Job[K, V]) check() error {
	switch {
	case j.Key == nil || j.Value == nil:
		return errors.New("kv.Job needs Key and Value codecs")
	case j.Combine == nil || j.Format == nil:
		return errors.New("kv.Job needs Combine and Format")
	case j.Input.Format.Table() && j.MapRow == nil:
		return fmt.Errorf("kv.Job reads %s: it needs MapRow", j.Input.Format)
	case !j.Input.Format.Table() && j.MapLine == nil:
		return errors.New("kv.Job reads lines: it needs MapLine")
	}
	return nil
}

// SkipError is a record the map function cannot use: Skip makes one.
type SkipError struct{ Reason string }

// Error is the reason, after "skip record: ".
func (e *SkipError) Error() string { return "skip record: " + e.Reason }

// Skip is what a map function returns for a malformed record: the record is
// counted under reason in the job summary, or, with --strict, fails the job
// naming the record's source and offset.
func Skip(reason string) error { return &SkipError{Reason: reason} }

// Budget is how many bytes of keys and values a mapper holds before it
// spills a sorted run to a temporary file.
var Budget int64 = 48 << 20

// typed is a Job[K, V] as the framework runs it.
type typed[K, V any] struct {
	Job[K, V]
	name   string
	strict bool
}

func (t *typed[K, V]) Input() job.Input { return t.Job.Input }

func (t *typed[K, V]) NewMapper() job.Mapper {
	m := &mapper[K, V]{t: t, index: map[string]int32{}, bytesV: bytesValue[V]()}
	m.emitFn = m.emit
	return m
}

// mapper combines the pairs of one chunk in memory, spilling sorted runs past
// Budget.
type mapper[K, V any] struct {
	t      *typed[K, V]
	index  map[string]int32 // encoded key -> position in keys and vals
	keys   []string
	vals   []V
	memory int64
	spills []*os.File
	kbuf   []byte
	vbuf   []byte
	emitFn func(K, V)
	st     job.Stats
	bytesV bool // V is a slice of bytes: values are copied to be kept (keep)
}

// entryMemory is what one entry costs besides its key's bytes.
var entryMemory = int64(unsafe.Sizeof("")*2+unsafe.Sizeof(int32(0))) + 48

func (m *mapper[K, V]) emit(k K, v V) {
	m.kbuf = m.t.Key.Append(m.kbuf[:0], k)
	if i, ok := m.index[string(m.kbuf)]; ok {
		m.vals[i] = m.keep(m.vals[i], m.t.Combine(m.vals[i], v))
		return
	}
	key := string(m.kbuf)
	m.index[key] = int32(len(m.keys))
	m.keys = append(m.keys, key)
	var none V
	m.vals = append(m.vals, m.keep(none, v))
	m.memory += int64(len(key)) + entryMemory + int64(unsafe.Sizeof(v))
}

// bytesValue reports whether V is a slice of bytes: []byte (kv.Bytes's
// values) or a type of the user's whose underlying type is one
// (type Raw []byte), whose values are as likely to be slices of a record.
// Asked once a mapper, not a record.
func bytesValue[V any]() bool {
	t := reflect.TypeFor[V]()
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
}

// keep is v as the table keeps it for its key, whose kept value was old
// (none for a new key). A slice of bytes (bytesValue) is copied into old's array unless
// it lies in that array already (a Combine that changed a in place): a
// map function may emit a slice of its line or row, valid only during
// its call (the reader's next record, batch or chunk reuses the bytes),
// and MapLine's doc lets it. A value of another type is kept as it is
// (MapLine's doc: it must own its memory).
func (m *mapper[K, V]) keep(old, v V) V {
	if !m.bytesV {
		return v
	}
	// V's underlying type is []byte (or a slice of another byte type):
	// the same layout.
	o, b := (*[]byte)(unsafe.Pointer(&old)), (*[]byte)(unsafe.Pointer(&v))
	if len(*b) > 0 && inArray(*b, *o) {
		return v
	}
	before := cap(*o)
	*o = append((*o)[:0], *b...)
	m.memory += int64(cap(*o) - before)
	return old
}

// inArray reports whether b's bytes lie in the array of o (its capacity).
func inArray(b, o []byte) bool {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(o)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= start && p+uintptr(len(b)) <= start+uintptr(cap(o))
}

func (m *mapper[K, V]) StartPart(job.Part) error { return nil }

// Record maps one line.
func (m *mapper[K, V]) Record(line []byte, offset int64) error {
	m.st.RecordsIn++
	return m.after(m.t.MapLine(line, m.emitFn), offset)
}

// Row maps one row (the framework counts rows in).
func (m *mapper[K, V]) Row(r *record.Row) error {
	return m.after(m.t.MapRow(r, m.emitFn), r.Offset)
}

// after handles the map function's error and spills past the budget.
func (m *mapper[K, V]) after(err error, offset int64) error {
	if err != nil {
		var skip *SkipError
		if errors.As(err, &skip) {
			return job.Skip(&m.st, m.t.strict, offset, skip.Reason)
		}
		return err
	}
	if m.memory > Budget {
		return m.spill()
	}
	return nil
}

// writeRun writes the table's entries as one sorted run.
func (m *mapper[K, V]) writeRun(w io.Writer) (int64, error) {
	order := make([]int32, len(m.keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(m.keys[a], m.keys[b]) })
	rw := runs.NewWriter(w)
	for _, i := range order {
		m.vbuf = m.t.Value.Append(m.vbuf[:0], m.vals[i])
		if err := rw.Add(unsafe.Slice(unsafe.StringData(m.keys[i]), len(m.keys[i])), m.vbuf); err != nil {
			return 0, err
		}
	}
	return rw.Count(), rw.Close()
}

func (m *mapper[K, V]) reset() {
	clear(m.index)
	m.keys, m.vals, m.memory = m.keys[:0], m.vals[:0], 0
}

// spill writes the table as a sorted run to a temporary file and empties it.
func (m *mapper[K, V]) spill() error {
	f, err := runs.TempFile()
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	m.spills = append(m.spills, f)
	if _, err := m.writeRun(f); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	m.reset()
	return nil
}

// Finish writes the chunk's partial: the table as one sorted run, or the
// merge of its spilled runs.
func (m *mapper[K, V]) Finish(w io.Writer) (job.Stats, error) {
	defer func() {
		for _, f := range m.spills {
			f.Close()
		}
	}()
	if len(m.spills) == 0 {
		n, err := m.writeRun(w)
		m.st.RecordsOut = n
		return m.st, err
	}
	if err := m.spill(); err != nil {
		return m.st, err
	}
	readers := make([]io.Reader, len(m.spills))
	for i, s := range m.spills {
		if _, err := s.Seek(0, io.SeekStart); err != nil {
			return m.st, fmt.Errorf("spill: %w", err)
		}
		readers[i] = s
	}
	n, err := m.t.merge(w, readers, "spill")
	m.st.RecordsOut = n
	return m.st, err
}

// CombineValues decodes the values of one key, combines them in order and
// appends the encoding of the result to dst (runs.Keyed).
func (t *typed[K, V]) CombineValues(dst, key []byte, values [][]byte) ([]byte, error) {
	acc, err := t.Value.Decode(values[0])
	if err != nil {
		return dst, fmt.Errorf("%s: key %q: %w", t.name, key, err)
	}
	for _, raw := range values[1:] {
		v, err := t.Value.Decode(raw)
		if err != nil {
			return dst, fmt.Errorf("%s: key %q: %w", t.name, key, err)
		}
		acc = t.Combine(acc, v)
	}
	return t.Value.Append(dst, acc), nil
}

// OutputHeader is the header line, if the job has one (runs.Keyed).
func (t *typed[K, V]) OutputHeader() []byte {
	if t.Header == "" {
		return nil
	}
	return []byte(t.Header + "\n")
}

// AppendOutput appends the output line of one key and its value (runs.Keyed).
func (t *typed[K, V]) AppendOutput(dst, key, value []byte) ([]byte, error) {
	k, err := t.Key.Decode(key)
	if err != nil {
		return dst, fmt.Errorf("%s: key %q: %w", t.name, key, err)
	}
	v, err := t.Value.Decode(value)
	if err != nil {
		return dst, fmt.Errorf("%s: key %q: %w", t.name, key, err)
	}
	return append(t.Format(dst, k, v), '\n'), nil
}

// merge merges sorted runs into one, combining the values of equal keys.
func (t *typed[K, V]) merge(w io.Writer, partials []io.Reader, what string) (int64, error) {
	rs, err := runs.Readers(partials, t.name+" "+what)
	if err != nil {
		return 0, err
	}
	return runs.MergeTo(w, t, rs)
}

// Merge combines partials into one sorted run.
func (t *typed[K, V]) Merge(w io.Writer, partials []io.Reader) error {
	_, err := t.merge(w, partials, "partial")
	return err
}

// Output writes the header and one line per key, in key order.
func (t *typed[K, V]) Output(w io.Writer, partials []io.Reader) (job.Stats, error) {
	rs, err := runs.Readers(partials, t.name)
	if err != nil {
		return job.Stats{}, err
	}
	n, err := runs.OutputTo(w, t, rs, true)
	return job.Stats{RecordsOut: n}, err
}
