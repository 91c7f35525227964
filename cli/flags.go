package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/sqlspec"
	"github.com/scattergather/scattergather/record"
)

// localJob is what `scatter run` and `scatter sql` share: the flags of a job through the
// local engine (its submission, output, chunk size, the gather by key ranges and the run
// options) and the running of it.
type localJob struct {
	opts      runOptions
	sub       submission
	output    *string
	chunkSize *string
	gf        gatherFlags
}

// gatherFlags are the flags of the gather by key ranges, of run, sql and submit.
type gatherFlags struct {
	parts    *int
	outParts *bool
}

func (g *gatherFlags) define(fs *flag.FlagSet) {
	g.parts = fs.Int("partitions", 0, "key ranges a keyed job (job/kv, wordcount, groupby, sql's ORDER BY or GROUP BY without LIMIT) is gathered in, by reducers in parallel: 0 lets the plan choose from the partials' sizes, 1 is one reducer")
	g.outParts = fs.Bool("output-parts", false, "leave a keyed job's output as ordered part files OUTPUT/part-00000, ... (one per key range)")
}

func (g *gatherFlags) check() error {
	if *g.parts < 0 || *g.parts > pipeline.MaxPartitions {
		return usageError{fmt.Sprintf("--partitions %d: want 0 (the plan chooses) to %d", *g.parts, pipeline.MaxPartitions)}
	}
	return nil
}

// balancedChunkHelp is the help of --chunk-size where no value means the
// balanced default (plan.BalancedChunkSize), as scatter run and scatter sql
// have it: a query of 128 MiB is two chunks of 64 MiB, not two and a sliver.
const balancedChunkHelp = "target chunk size: bytes or a number with KiB MiB GiB KB MB GB (default 64MiB, evened out so that a job of a few chunks fills the mappers in whole waves)"

// newLocalJob is the preamble of the commands that run a job through the local engine: the
// flag set of the subcommand name ("scatter run") with the localJob's flags, given the
// command's help for --input and --output; --chunk-size has the balanced default.
func newLocalJob(name string, stderr io.Writer, inputHelp, outputHelp string) (*flag.FlagSet, *localJob) {
	fs := newFlagSet(name, stderr)
	j := &localJob{}
	j.output = fs.String("output", "", outputHelp)
	j.chunkSize = fs.String("chunk-size", "", balancedChunkHelp)
	j.gf.define(fs)
	j.sub.define(fs, inputHelp)
	j.opts.define(fs)
	return fs, j
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// submission holds the flags that name a job and its inputs, which run, query
// and submit share.
type submission struct {
	job    string
	sql    string
	inputs multiFlag
	jf     *jobFlags
}

func (s *submission) define(fs *flag.FlagSet, inputUsage string) {
	fs.StringVar(&s.job, "job", "", "the job to run ('scatter jobs' lists them)")
	fs.StringVar(&s.sql, "sql", "", "a SQL query instead of --job: the sql job, its input the query's FROM (docs/sql.md)")
	fs.Var(&s.inputs, "input", inputUsage)
	s.jf = defineJobFlags(fs)
}

// parse parses args into fs and checks that no argument is left over and that
// a job and an input were given.
func (s *submission) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return s.check(fs)
}

// check checks that a job and an input were given: --sql names both (sqlspec makes the
// sql job's spec, as POST /jobs does for {"sql": ...}).
func (s *submission) check(fs *flag.FlagSet) error {
	query, given := s.sql, *s.jf.values["query"]
	if query == "" && s.job == sqlspec.Job {
		query, given = given, "" // --job sql --query QUERY
	}
	if query != "" {
		if s.sql != "" && given != "" {
			return usageError{"give the query once: --sql QUERY, or --job sql --query QUERY"}
		}
		spec, err := sqlspec.FromQuery(query, s.job, "", s.inputs)
		if err != nil {
			return usageError{"--sql: " + err.Error()}
		}
		s.job, s.inputs = spec.Job, spec.Inputs
		return fs.Set("query", spec.Query)
	}
	switch {
	case s.job == "":
		return usageError{"--job (or --sql) is required"}
	case len(s.inputs) == 0:
		return usageError{"at least one --input is required"}
	}
	return nil
}

// params returns the chosen job's parameters (see jobFlags.params).
func (s *submission) params(fs *flag.FlagSet) (jobs.Params, error) {
	return s.jf.params(fs, s.job)
}

// sizeAndParams reads a submission's --chunk-size value (empty: 0, the default) and its
// job's parameters (see params).
func (s *submission) sizeAndParams(fs *flag.FlagSet, chunkSize string) (int64, jobs.Params, error) {
	var size int64
	if chunkSize != "" {
		var err error
		if size, err = parseChunkSize(chunkSize); err != nil {
			return 0, nil, err
		}
	}
	params, err := s.params(fs)
	return size, params, err
}

// parseChunkSize parses the --chunk-size flag's value.
func parseChunkSize(s string) (int64, error) {
	n, err := plan.ParseSize(s)
	if err != nil {
		return 0, usageError{"--chunk-size: " + err.Error()}
	}
	return n, nil
}

// parseFaults parses the --faults flag's value: nil without one.
func parseFaults(spec string, seed uint64) (*faults.Set, error) {
	if spec == "" {
		return nil, nil
	}
	fs, err := faults.Parse(spec, seed)
	if err != nil {
		return nil, usageError{"--faults: " + err.Error()}
	}
	return fs, nil
}

// splitJobID parses fs with the job ID before or after the flags. It returns
// the ID ("" without one) and the arguments left after it.
func splitJobID(fs *flag.FlagSet, args []string) (jobID string, rest []string, err error) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		jobID, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	rest = fs.Args()
	if jobID == "" && len(rest) > 0 {
		jobID, rest = rest[0], rest[1:]
	}
	return jobID, rest, nil
}

// parseJobArgs parses fs with the job ID before or after the flags; anything
// but exactly one job ID is a usage error.
func parseJobArgs(fs *flag.FlagSet, args []string, usage string) (string, error) {
	jobID, rest, err := splitJobID(fs, args)
	if err != nil {
		return "", err
	}
	if jobID == "" || len(rest) > 0 {
		return "", usageError{"usage: " + usage}
	}
	return jobID, nil
}

// writeJSON writes v indented, as every --json output is.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jobFlags are the flags of every registered job, defined once each.
type jobFlags struct {
	values map[string]*string
	strict *bool
	delim  *string
	quote  *string
	escape *string
	hive   *string
}

func defineJobFlags(fs *flag.FlagSet) *jobFlags {
	jf := &jobFlags{values: map[string]*string{}}
	for _, d := range jobs.Definitions() {
		for _, p := range d.Params {
			if _, done := jf.values[p.Name]; done {
				continue
			}
			jf.values[p.Name] = fs.String(p.Name, "", fmt.Sprintf("%s (job %s)", p.Usage, d.Name))
		}
	}
	jf.strict = fs.Bool("strict", false, "fail the job on the first malformed record instead of skipping and counting it")
	jf.delim = fs.String("delim", "", "the field delimiter of CSV input: ',' ';' '|' '\\t' (or tab); unset, a .tsv is tab-separated and others are sniffed as DuckDB does")
	jf.quote = fs.String(jobs.QuoteParam, "", `the quote character of CSV input, as DuckDB's read_csv quote: one byte such as " or '; unset, sniffed as DuckDB does`)
	jf.escape = fs.String(jobs.EscapeParam, "", `the escape character inside quoted CSV fields, as DuckDB's read_csv escape: one byte such as \ or the quote itself (doubled); unset, sniffed as DuckDB does`)
	jf.hive = fs.String(jobs.HivePartitioningParam, "", "Hive partition columns from the inputs' key=value directories, as DuckDB's hive_partitioning: false reads none, true refuses inputs whose keys differ; unset, detected")
	return jf
}

// params returns the chosen job's parameters: the flags the user set, then the
// job's defaults. A flag set for another job is an error.
func (jf *jobFlags) params(fs *flag.FlagSet, job string) (jobs.Params, error) {
	d, ok := jobs.Lookup(job)
	if !ok {
		return nil, usageError{fmt.Sprintf("unknown job %q; 'scatter jobs' lists them", job)}
	}
	own := map[string]jobs.Param{}
	for _, p := range d.Params {
		own[p.Name] = p
	}
	p := jobs.Params{}
	var err error
	fs.Visit(func(f *flag.Flag) {
		if _, isJobFlag := jf.values[f.Name]; !isJobFlag {
			return
		}
		if _, mine := own[f.Name]; !mine && err == nil {
			err = usageError{fmt.Sprintf("--%s does not apply to job %s", f.Name, job)}
		}
		p[f.Name] = f.Value.String()
	})
	if err != nil {
		return nil, err
	}
	if *jf.strict {
		p["strict"] = "true"
	}
	if *jf.delim != "" {
		c, err := record.ParseDelim(*jf.delim)
		if err != nil {
			return nil, usageError{"--delim: " + err.Error()}
		}
		p[jobs.DelimParam] = string(c)
	}
	for _, o := range []struct {
		name string
		v    *string
	}{{jobs.QuoteParam, jf.quote}, {jobs.EscapeParam, jf.escape}} {
		if *o.v != "" {
			p[o.name] = *o.v
		}
	}
	if _, _, err := jobs.ParseQuoting(p); err != nil {
		return nil, usageError{err.Error()}
	}
	if *jf.hive != "" {
		p[jobs.HivePartitioningParam] = *jf.hive
		if _, err := jobs.ParseHivePartitioning(p); err != nil {
			return nil, usageError{err.Error()}
		}
	}
	return d.WithDefaults(p), nil
}

func cmdJobs(_ context.Context, _ []string, w, _ io.Writer) error {
	for _, d := range jobs.Definitions() {
		fmt.Fprintf(w, "%s\t%s\n", d.Name, d.Summary)
		for _, p := range d.Params {
			req := ""
			if p.Required {
				req = " (required)"
			}
			if p.Default != "" {
				req += " (default " + p.Default + ")"
			}
			fmt.Fprintf(w, "  --%s\t%s%s\n", p.Name, p.Usage, req)
		}
	}
	fmt.Fprintf(w, "every job:\n  --strict\tfail on the first malformed record\n  --delim\tthe field delimiter of CSV input (default: sniffed, tab for .tsv)\n  --quote\tthe quote character of CSV input (default: sniffed)\n  --escape\tthe escape character in quoted CSV fields (default: sniffed)\n  --hive-partitioning\tfalse: no Hive partition columns; true: inputs' keys must agree (default: detected)\n")
	return nil
}

// newFlagSet is the flag set of the subcommand name ("scatter run"): a bad flag is an
// error, not an exit, and usage goes to stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// envDefaults are the flags whose default an environment variable gives (docs/operations.md
// lists them): a flag on the command line wins over its variable.
var envDefaults = []struct{ flag, env string }{
	{"fan-in", envFanIn},
	{"retry-scale", envRetryScale},
	{"memory", envMemory},
}

// applyEnvDefaults sets each flag of envDefaults that fs defines and the command line left
// unset from its variable in getenv, when that is set; a malformed value is a usage error
// that names the variable.
func applyEnvDefaults(fs *flag.FlagSet, getenv func(string) string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, d := range envDefaults {
		if fs.Lookup(d.flag) == nil || set[d.flag] {
			continue
		}
		if v := getenv(d.env); v != "" {
			if err := fs.Set(d.flag, v); err != nil {
				return usageError{fmt.Sprintf("$%s=%q (the default of --%s): %v", d.env, v, d.flag, err)}
			}
		}
	}
	return nil
}
