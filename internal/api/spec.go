package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/sqlspec"
)

// MaxBody caps a job spec (a POST /jobs body or a .job.json sidecar): 64 KiB.
const MaxBody = 64 << 10

// MaxInputs caps the inputs one spec names (each may be a prefix of many objects).
const MaxInputs = 1000

// MaxConcurrency is the largest concurrency a spec may ask for: the Distributed Map's limit.
const MaxConcurrency = 10000

// Spec is a job submission as users write it: the fields of `scatter run`'s flags.
//
// In JSON it is one flat object:
//
//	{"job": "grep", "input": ["s3://in/logs/"], "output": "s3://out/results/errors.txt",
//	 "chunkSize": "16MiB", "concurrency": 50, "pattern": "ERROR|FATAL", "strict": true}
//
// input is a string or an array of strings; chunkSize a number of bytes or a size with a
// unit ("64MiB"); every other field is a job flag (pattern, where, columns, format, key, agg,
// query, k, strict), a string, number or boolean. {"sql": "SELECT ... FROM 's3://...'"}
// stands for the sql job with that query, its input the query's FROM unless input is given
// (internal/sqlspec, as `scatter sql`).
type Spec struct {
	Job    string
	Inputs []string
	// Output is an s3:// location in the output bucket; empty means a default under results/.
	Output string
	// ChunkSize in bytes; 0 means the stack's default.
	ChunkSize int64
	// Concurrency bounds the mappers running at once; 0 means the stack's default.
	Concurrency int
	// Params are the job flags by name, without dashes.
	Params jobs.Params
	// Partitions and OutputParts are `scatter run`'s --partitions and
	// --output-parts: a keyed job gathered by that many key ranges (0: the
	// plan chooses, 1: one reducer), its ranges left as part files.
	Partitions  int
	OutputParts bool

	// from is what a SQL query's FROM names (checked like an input even when inputs are given).
	from []string
	// revision tells apart submissions of the same spec on different data when the
	// caller knows it without reading the inputs (an upload's ETag); part of the ID.
	revision string
}

// The spec fields that are not job flags.
const (
	fieldJob         = "job"
	fieldInput       = "input"
	fieldOutput      = "output"
	fieldChunkSize   = "chunkSize"
	fieldConcurrency = "concurrency"
	fieldSQL         = "sql"
	fieldPartitions  = "partitions"
	fieldOutputParts = "outputParts"
	paramStrict      = "strict"
)

// ParseSpec decodes and checks the shape of a JSON job spec. It does not check that the job
// exists or that its flags are valid; Service.Submit does.
func ParseSpec(body []byte) (Spec, error) {
	return parseSpec(body, nil)
}

// parseSpec decodes a spec; fields in forbidden are refused with the reason given.
func parseSpec(body []byte, forbidden map[string]string) (Spec, error) {
	var s Spec
	if len(body) > MaxBody {
		return s, fmt.Errorf("job spec is %d bytes, over the limit of %d", len(body), MaxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return s, fmt.Errorf("job spec is not a JSON object: %w", err)
	}
	if fields == nil {
		return s, fmt.Errorf("job spec is not a JSON object: null")
	}
	if dec.More() {
		return s, fmt.Errorf("job spec: unexpected data after the JSON object")
	}
	names := slices.Sorted(maps.Keys(fields)) // report the first bad field deterministically
	flags := jobFlagNames()
	var sqlText string
	for _, name := range names {
		raw := fields[name]
		if why, ok := forbidden[name]; ok {
			return s, fmt.Errorf("field %q: %s", name, why)
		}
		var err error
		switch name {
		case fieldJob:
			s.Job, err = decodeString(raw)
		case fieldInput:
			s.Inputs, err = decodeInputs(raw)
		case fieldOutput:
			s.Output, err = decodeString(raw)
		case fieldChunkSize:
			s.ChunkSize, err = decodeSize(raw)
		case fieldConcurrency:
			s.Concurrency, err = decodeWhole(raw, 1, MaxConcurrency)
		case fieldPartitions:
			s.Partitions, err = decodeWhole(raw, 0, pipeline.MaxPartitions)
		case fieldOutputParts:
			err = json.Unmarshal(raw, &s.OutputParts)
			if err != nil {
				err = fmt.Errorf("want true or false, got %s", clip(raw))
			}
		case fieldSQL:
			sqlText, err = decodeString(raw)
		default:
			if !flags[name] {
				return s, fmt.Errorf("unknown field %q (fields: job, sql, input, output, chunkSize, concurrency, partitions, outputParts and the job flags %s)", name, flagList(flags))
			}
			v, set, perr := decodeParam(name, raw)
			if perr != nil {
				err = perr
				break
			}
			if set {
				if s.Params == nil {
					s.Params = jobs.Params{}
				}
				s.Params[name] = v
			}
		}
		if err != nil {
			return s, fmt.Errorf("field %q: %w", name, err)
		}
	}
	if _, ok := fields[fieldSQL]; ok {
		q, err := sqlspec.FromQuery(sqlText, s.Job, s.Params[sqlspec.QueryParam], s.Inputs)
		if err != nil {
			return s, fmt.Errorf("field %q: %w", fieldSQL, err)
		}
		if s.Params == nil {
			s.Params = jobs.Params{}
		}
		s.Job, s.Inputs, s.from = q.Job, q.Inputs, q.From
		s.Params[sqlspec.QueryParam] = q.Query
	}
	return s, nil
}

// MarshalJSON writes the spec in its flat JSON form, the form ParseSpec reads.
func (s Spec) MarshalJSON() ([]byte, error) {
	m := map[string]any{fieldJob: s.Job, fieldInput: s.Inputs}
	if s.Output != "" {
		m[fieldOutput] = s.Output
	}
	if s.ChunkSize != 0 {
		m[fieldChunkSize] = s.ChunkSize
	}
	if s.Concurrency != 0 {
		m[fieldConcurrency] = s.Concurrency
	}
	if s.Partitions != 0 {
		m[fieldPartitions] = s.Partitions
	}
	if s.OutputParts {
		m[fieldOutputParts] = true
	}
	for k, v := range s.Params {
		if k == paramStrict {
			m[k] = v == "true"
			continue
		}
		m[k] = v
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads the flat JSON form.
func (s *Spec) UnmarshalJSON(b []byte) error {
	v, err := ParseSpec(b)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

func decodeString(raw json.RawMessage) (string, error) {
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("want a string, got %s", clip(raw))
	}
	return v, nil
}

func decodeInputs(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("want a string or an array of strings, got %s", clip(raw))
	}
	if len(many) > MaxInputs {
		return nil, fmt.Errorf("%d inputs, over the limit of %d (name a prefix instead)", len(many), MaxInputs)
	}
	return many, nil
}

func decodeSize(raw json.RawMessage) (int64, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return plan.ParseSize(s)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("want a number of bytes or a size such as \"64MiB\", got %s", clip(raw))
	}
	return plan.ParseSize(n.String())
}

// decodeWhole decodes a whole number from lo to hi.
func decodeWhole(raw json.RawMessage, lo, hi int) (int, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("want a whole number, got %s", clip(raw))
	}
	v, err := strconv.Atoi(n.String())
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("want a whole number from %d to %d, got %s", lo, hi, n)
	}
	return v, nil
}

// decodeParam turns a job flag's JSON value into its flag text: a string as is, a number
// as written, a boolean as "true" or "false". strict false is the same as no strict.
func decodeParam(name string, raw json.RawMessage) (string, bool, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", false, err
	}
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case json.Number:
		text = x.String()
	case bool:
		text = strconv.FormatBool(x)
	default:
		return "", false, fmt.Errorf("want a string, number or boolean, got %s", clip(raw))
	}
	if name == paramStrict {
		b, err := strconv.ParseBool(text)
		if err != nil {
			return "", false, fmt.Errorf("want true or false, got %s", clip(raw))
		}
		return "true", b, nil
	}
	return text, true, nil
}

// jobFlagNames is every registered job's flag names, plus strict.
func jobFlagNames() map[string]bool {
	names := map[string]bool{paramStrict: true, jobs.DelimParam: true, jobs.QuoteParam: true, jobs.EscapeParam: true, jobs.HivePartitioningParam: true}
	for _, d := range jobs.Definitions() {
		for _, p := range d.Params {
			names[p.Name] = true
		}
	}
	delete(names, fieldJob)
	return names
}

func flagList(flags map[string]bool) string {
	names := slices.Sorted(maps.Keys(flags))
	return strings.Join(names, ", ")
}

// clip shortens a raw JSON value for an error message.
func clip(raw json.RawMessage) string {
	const n = 60
	if len(raw) > n {
		return string(raw[:n]) + "..."
	}
	return string(raw)
}

// normalize checks the job's name and flags and fills in the job's default flag values, as
// `scatter run` does, so that the same job asked for either way has the same job ID. It
// does not compile the job: a submission or a query compiles it once (compile), before
// it checks the inputs.
func (s *Spec) normalize() error {
	if s.Job == "" {
		return fmt.Errorf("no job given (field \"job\"; 'scatter jobs' lists them)")
	}
	d, ok := jobs.Lookup(s.Job)
	if !ok {
		_, err := jobs.New(s.Job, nil) // its message lists the known jobs
		return err
	}
	// strict, delim, quote, escape and hive-partitioning are every job's.
	own := map[string]bool{paramStrict: true, jobs.DelimParam: true, jobs.QuoteParam: true, jobs.EscapeParam: true, jobs.HivePartitioningParam: true}
	for _, p := range d.Params {
		own[p.Name] = true
	}
	for k := range s.Params {
		if !own[k] {
			return fmt.Errorf("flag %q does not apply to job %s", k, s.Job)
		}
	}
	s.Params = d.WithDefaults(s.Params)
	return nil
}

// compile builds the normalized job before its inputs are read (jobs.NewBeforeInputs:
// nil for a query that only its inputs' types can type), refusing bad parameters.
func (s *Spec) compile() (jobs.Job, error) {
	return jobs.NewBeforeInputs(s.Job, s.Params)
}
