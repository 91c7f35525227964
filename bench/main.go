// Command bench times `scatter run` for each job side by side with peers on the
// same generated file (LC_ALL=C wc -w and mawk for wordcount, grep -E for grep,
// DuckDB with 2 threads for groupby and select), checks that the outputs agree
// where they are comparable, prints MB/s, peak RSS and ratios, and writes the
// figures as JSON under results/ for the history.
//
// It lives in a module of its own so that DuckDB's cgo bindings never enter the
// product's module. `make bench SIZE=1GiB` runs it.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "duckdb" {
		if err := runDuckDB(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench duckdb:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type config struct {
	size      string // this pass's size, one of sizes
	sizes     string
	cards     string
	scatter   string
	data      string
	results   string
	reps      int
	jobs      string
	chunkSize string
	mapperRSS bool
}

// Measure is one timed command: a scatter job or a peer.
type Measure struct {
	Job     string    `json:"job"`
	Tool    string    `json:"tool"` // "scatter" or the peer's name
	Command string    `json:"command"`
	Bytes   int64     `json:"bytes"`
	Seconds []float64 `json:"seconds"` // every repetition
	Median  float64   `json:"medianSeconds"`
	MBps    float64   `json:"mbPerSecond"` // bytes / median, in 10^6 bytes per second
	// CPUSeconds is the median user+system CPU time of the repetitions;
	// CPUMBps is bytes over it: throughput per CPU-second, which other load
	// on the machine disturbs far less than wall time.
	CPUSeconds float64   `json:"medianCpuSeconds"`
	CPU        []float64 `json:"cpuSeconds"` // every repetition
	CPUMBps    float64   `json:"mbPerCpuSecond"`
	// PeakRSSMiB is the largest peak resident set of the repetitions.
	PeakRSSMiB float64 `json:"peakRssMiB"`
	// Ratio is scatter's MB/s over this peer's, CPURatio scatter's MB per
	// CPU-second over this peer's (only on peers).
	Ratio    float64 `json:"ratioScatterOverPeer,omitempty"`
	CPURatio float64 `json:"cpuRatioScatterOverPeer,omitempty"`
	Agrees   *bool   `json:"outputAgrees,omitempty"`
	// PredictedSeconds is what `scatter plan`'s core-rate model predicts for
	// this run on this machine's cores (scatter rows only).
	PredictedSeconds float64 `json:"predictedSeconds,omitempty"`
	Note             string  `json:"note,omitempty"`
}

// Report is one run of the benchmark, written to results/.
type Report struct {
	When      time.Time `json:"when"`
	Commit    string    `json:"commit"`
	Size      string    `json:"size"`
	Cores     int       `json:"cores"`
	Reps      int       `json:"reps"`
	ChunkSize string    `json:"chunkSize"`
	Load      string    `json:"loadAverageBefore"`
	LoadAfter string    `json:"loadAverageAfter"`
	Measures  []Measure `json:"measures"`
	// MapperRSS is the peak RSS of `scatter run` with the whole file as one
	// chunk and one mapper: the bound of one mapper invocation whatever the chunk size.
	MapperRSS []Measure `json:"mapperRss,omitempty"`
}

func run(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var c config
	fs.StringVar(&c.sizes, "size", "128MiB", "sizes of the generated inputs, comma-separated (bytes or KiB MiB GiB ...); every job runs at each")
	fs.StringVar(&c.cards, "cardinality", "low,high", "the uservisits cardinalities groupby runs on (scatter gen --cardinality)")
	fs.StringVar(&c.scatter, "scatter", "../bin/scatter", "the scatter binary")
	fs.StringVar(&c.data, "data", "../testdata/generated/bench", "where the generated inputs are kept")
	fs.StringVar(&c.results, "results", "results", "where the JSON history goes (empty: none)")
	fs.IntVar(&c.reps, "reps", 3, "repetitions of every command; the median is reported")
	fs.StringVar(&c.jobs, "jobs", "wordcount,grep,groupby,select,parquet,sql", "suites to run (parquet: groupby and select on the high-cardinality data as Parquet; sql: the sql job against groupby and select; gather: groupby by the full sourceIP, ~10M groups per GiB, single-reducer and range-partitioned gathers; not in the default set)")
	fs.StringVar(&c.chunkSize, "chunk-size", "", "scatter's --chunk-size (empty: scatter's default, 64 MiB evened out over the cores)")
	fs.BoolVar(&c.mapperRSS, "mapper-rss", true, "also measure one mapper over the whole file as one chunk")
	if err := fs.Parse(args); err != nil {
		return err
	}
	scatter, err := filepath.Abs(c.scatter)
	if err != nil {
		return err
	}
	c.scatter = scatter
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.data, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "scatter-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	for _, size := range strings.Split(c.sizes, ",") {
		c.size = size
		if err := runSize(c, self, work); err != nil {
			return err
		}
	}
	return nil
}

// runSize runs every suite at c.size and writes the report.
func runSize(c config, self, work string) error {
	rep := Report{When: time.Now().UTC(), Commit: gitCommit(), Size: c.size, Cores: runtime.NumCPU(), Reps: c.reps, ChunkSize: c.chunkSize, Load: loadAvg()}
	fmt.Printf("== %s inputs, %d repetitions, load average %s\n", c.size, c.reps, rep.Load)
	for _, job := range strings.Split(c.jobs, ",") {
		b, ok := suites[job]
		if !ok {
			return fmt.Errorf("unknown job %q", job)
		}
		cards := []string{""}
		switch {
		case b.cardinality:
			cards = strings.Split(c.cards, ",")
		case b.kind == "uservisits":
			cards = []string{"high"} // the same file as groupby's high-cardinality run
		}
		for _, card := range cards {
			if err := runSuite(c, &rep, self, work, job, card, b); err != nil {
				return err
			}
		}
	}
	rep.LoadAfter = loadAvg()
	fmt.Printf("load average after: %s\n", rep.LoadAfter)
	if c.results == "" {
		return nil
	}
	if err := os.MkdirAll(c.results, 0o755); err != nil {
		return err
	}
	name := filepath.Join(c.results, fmt.Sprintf("%s-%s.json", rep.When.Format("20060102T150405Z"), c.size))
	out, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(name, append(out, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("results: %s\n", name)
	return nil
}

// runSuite runs one suite on its input of cardinality card ("" for the
// kind's only one) and adds its measures to rep.
func runSuite(c config, rep *Report, self, work, job, card string, b suite) error {
	input, err := generate(c, b.kind, card)
	if err != nil {
		return err
	}
	fi, err := os.Stat(input)
	if err != nil {
		return err
	}
	warm(input)
	name := job
	if b.cardinality {
		name = job + "-" + card
	}
	env := &suiteEnv{c: c, self: self, input: input, size: fi.Size(), work: filepath.Join(work, name), name: name}
	if err := os.MkdirAll(env.work, 0o755); err != nil {
		return err
	}
	fmt.Printf("-- %s (%s, load average %s)\n", name, filepath.Base(input), loadAvg())
	ms, mapper, err := b.run(env)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	sc := -1 // the scatter row the peers below it are compared with
	for i := range ms {
		if ms[i].Tool == "scatter" {
			sc = i
		} else if sc >= 0 && ms[sc].Job == ms[i].Job {
			ms[i].Ratio = ms[sc].MBps / ms[i].MBps
			ms[i].CPURatio = ms[sc].CPUMBps / ms[i].CPUMBps
		}
	}
	for i := range ms {
		if ms[i].Tool != "scatter" || b.planJob == "" {
			continue
		}
		if err := env.predict(b.planJob, &ms[i]); err != nil {
			return fmt.Errorf("%s: scatter plan: %w", name, err)
		}
	}
	printMeasures(ms)
	if b.planJob != "" {
		fmt.Printf("  scatter plan's core-rate model predicts %.2fs for this run; measured/predicted %.2f\n",
			ms[0].PredictedSeconds, ms[0].Median/ms[0].PredictedSeconds)
	}
	if mapper != nil {
		fmt.Printf("  one mapper over the whole %s file as one chunk: peak RSS %.0f MiB\n", c.size, mapper.PeakRSSMiB)
		rep.MapperRSS = append(rep.MapperRSS, *mapper)
	}
	rep.Measures = append(rep.Measures, ms...)
	return nil
}

func printMeasures(ms []Measure) {
	for _, m := range ms {
		ratio := ""
		if m.Ratio != 0 {
			ratio = fmt.Sprintf("scatter/peer %.2fx (CPU %.2fx)", m.Ratio, m.CPURatio)
		}
		agree := ""
		if m.Agrees != nil {
			agree = map[bool]string{true: "output agrees", false: "OUTPUT DIFFERS"}[*m.Agrees]
		}
		spread := ""
		if len(m.Seconds) > 1 {
			spread = fmt.Sprintf("(%.2f-%.2fs)", slices.Min(m.Seconds), slices.Max(m.Seconds))
		}
		fmt.Printf("%-10s %-16s %7.1f MB/s %6.2fs %-15s %7.1f MB/CPU-s  RSS %5.0f MiB  %-31s %s %s\n",
			m.Job, m.Tool, m.MBps, m.Median, spread, m.CPUMBps, m.PeakRSSMiB, ratio, agree, m.Note)
	}
}

// generate writes the input of kind (and cardinality card, when not "") at
// the configured size once; later runs reuse it.
func generate(c config, kind, card string) (string, error) {
	ext := map[string]string{"text": "txt", "uservisits": "csv"}[kind]
	name := kind
	args := []string{"gen", "--kind", kind, "--size", c.size, "--seed", "1"}
	if card != "" {
		name += "-" + card
		args = append(args, "--cardinality", card)
	}
	path := filepath.Join(c.data, fmt.Sprintf("%s-%s.%s", name, c.size, ext))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	fmt.Printf("generating %s (%s)\n", path, c.size)
	cmd := exec.Command(c.scatter, append(args, "--out", path)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("scatter gen: %w", err)
	}
	return path, nil
}

// warm reads the file once so every tool finds it in the page cache.
func warm(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.CopyBuffer(io.Discard, f, make([]byte, 1<<20))
}

type suiteEnv struct {
	c     config
	name  string // the suite's name in the output: the job, and the cardinality
	self  string
	input string
	size  int64
	work  string
}

type suite struct {
	kind string
	// cardinality: the suite runs once per --cardinality, on that data.
	cardinality bool
	// planJob is the job whose `scatter plan` prediction is printed ("": none).
	planJob string
	run     func(e *suiteEnv) (ms []Measure, mapper *Measure, err error)
}

// timed runs argv reps times (stdout to outFile, or discarded) and returns the
// measure; prepare, when set, runs before each repetition, off the clock.
func (e *suiteEnv) timed(job, tool string, argv []string, env []string, outFile string, prepare func() error) (Measure, error) {
	m := Measure{Job: e.label(job), Tool: tool, Command: strings.Join(argv, " "), Bytes: e.size}
	for r := 0; r < e.c.reps; r++ {
		if prepare != nil {
			if err := prepare(); err != nil {
				return m, err
			}
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		var f *os.File
		if outFile != "" {
			var err error
			if f, err = os.Create(outFile); err != nil {
				return m, err
			}
			cmd.Stdout = f
		}
		start := time.Now()
		err := cmd.Run()
		secs := time.Since(start).Seconds()
		if f != nil {
			f.Close()
		}
		if err != nil && !(tool == "grep -E" && cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == 1) {
			return m, fmt.Errorf("%s: %v: %s", m.Command, err, strings.TrimSpace(stderr.String()))
		}
		m.Seconds = append(m.Seconds, secs)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.PeakRSSMiB = math.Max(m.PeakRSSMiB, float64(ru.Maxrss)/1024)
		}
		m.CPU = append(m.CPU, (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds())
	}
	e.finish(&m)
	return m, nil
}

// finish derives the medians and rates of m from its repetitions.
func (e *suiteEnv) finish(m *Measure) {
	m.CPUSeconds = median(m.CPU)
	m.CPUMBps = float64(e.size) / 1e6 / m.CPUSeconds
	m.Median = median(m.Seconds)
	m.MBps = float64(e.size) / 1e6 / m.Median
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// alternate runs each of runs once per repetition, in turn (scatter, then
// its peer, then scatter again ...), so that a burst of load from other
// processes falls on both rather than on one tool's repetitions.
func (e *suiteEnv) alternate(runs ...func() (Measure, error)) ([]Measure, error) {
	reps := e.c.reps
	e.c.reps = 1
	defer func() { e.c.reps = reps }()
	ms := make([]Measure, len(runs))
	for r := 0; r < reps; r++ {
		for i, run := range runs {
			m, err := run()
			if err != nil {
				return nil, err
			}
			if r == 0 {
				ms[i] = m
				continue
			}
			ms[i].Seconds = append(ms[i].Seconds, m.Seconds...)
			ms[i].CPU = append(ms[i].CPU, m.CPU...)
			ms[i].PeakRSSMiB = math.Max(ms[i].PeakRSSMiB, m.PeakRSSMiB)
		}
	}
	for i := range ms {
		e.finish(&ms[i])
	}
	return ms, nil
}

// label names a measure of job in this suite: the suite's name, which
// starts with the job's (groupby-high), or the suite's and the job's
// (parquet/groupby).
func (e *suiteEnv) label(job string) string {
	if strings.HasPrefix(e.name, job) {
		return e.name
	}
	return e.name + "/" + job
}

// scatter times `scatter run` for job with a fresh state directory every time,
// and returns the measure, the output path and the last summary.
func (e *suiteEnv) scatter(job string, jobArgs []string, extra ...string) (Measure, string, summary, error) {
	out := filepath.Join(e.work, "scatter.out")
	script := filepath.Join(e.work, "run.sh")
	// A fresh state directory per repetition, so no run reuses another's job.
	argv := []string{e.c.scatter, "run", "--job", job, "--input", e.input, "--output", out, "--json"}
	if e.c.chunkSize != "" {
		argv = append(argv, "--chunk-size", e.c.chunkSize)
	}
	argv = append(argv, jobArgs...)
	argv = append(argv, extra...)
	state := e.work + "/state"
	body := fmt.Sprintf("#!/bin/sh\nexec %s --state-dir %q\n", shellJoin(argv), state)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		return Measure{}, "", summary{}, err
	}
	jsonOut := filepath.Join(e.work, "summary.json")
	m, err := e.timed(job, "scatter", []string{script}, nil, jsonOut, func() error { return os.RemoveAll(state) })
	m.Command = shellJoin(argv)
	if err != nil {
		return m, "", summary{}, err
	}
	var s summary
	b, err := os.ReadFile(jsonOut)
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	return m, out, s, err
}

// predict asks `scatter plan` for the job's chunks and measured core rate and
// derives the local run's time: the bytes over the rate of min(cores, chunks) mappers.
func (e *suiteEnv) predict(job string, m *Measure) error {
	args := []string{"plan", "--json", "--job", job, "--input", e.input}
	if e.c.chunkSize != "" {
		args = append(args, "--chunk-size", e.c.chunkSize)
	}
	out, err := exec.Command(e.c.scatter, args...).Output()
	if err != nil {
		return err
	}
	var est struct {
		Chunks   int     `json:"chunks"`
		CoreMBps float64 `json:"coreMBps"`
	}
	if err := json.Unmarshal(out, &est); err != nil {
		return err
	}
	m.PredictedSeconds = float64(e.size) / 1e6 / (est.CoreMBps * float64(min(runtime.NumCPU(), est.Chunks)))
	return nil
}

// mapperRSS runs scatter with the whole file as one chunk and one mapper.
func (e *suiteEnv) mapperRSS(job string, jobArgs []string) (*Measure, error) {
	if !e.c.mapperRSS {
		return nil, nil
	}
	saved := e.c
	e.c.reps, e.c.chunkSize = 1, strconv.FormatInt(e.size, 10)
	defer func() { e.c = saved }()
	m, _, _, err := e.scatter(job, jobArgs, "--concurrency", "1")
	if err != nil {
		return nil, err
	}
	m.Tool, m.Note = "scatter 1 chunk", "whole file as one chunk, --concurrency 1"
	return &m, nil
}

type summary struct {
	RecordsIn       int64 `json:"recordsIn"`
	RecordsOut      int64 `json:"recordsOut"`
	Chunks          int   `json:"chunks"`
	BytesRead       int64 `json:"bytesRead"`
	BytesSkipped    int64 `json:"bytesSkipped"`
	RowGroups       int64 `json:"rowGroups"`
	RowGroupsPruned int64 `json:"rowGroupsPruned"`
	Partitions      int   `json:"partitions"`
}

func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

func agrees(ok bool) *bool { return &ok }

func lookPath(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

var suites = map[string]suite{
	"wordcount": {kind: "text", planJob: "wordcount", run: benchWordcount},
	"grep":      {kind: "text", planJob: "grep", run: benchGrep},
	"groupby":   {kind: "uservisits", cardinality: true, planJob: "groupby", run: benchGroupby},
	"select":    {kind: "uservisits", cardinality: false, planJob: "select", run: benchSelect},
	"sql":       {kind: "uservisits", cardinality: true, run: benchSQL},
	"parquet":   {kind: "uservisits", run: benchParquet},
	"gather":    {kind: "uservisits", run: benchGather},
}

func benchWordcount(e *suiteEnv) ([]Measure, *Measure, error) {
	sm, out, _, err := e.scatter("wordcount", nil)
	if err != nil {
		return nil, nil, err
	}
	words, distinct, err := sumCounts(out)
	if err != nil {
		return nil, nil, err
	}
	ms := []Measure{sm}
	wcOut := filepath.Join(e.work, "wc.out")
	wm, err := e.timed("wordcount", "wc -w", []string{"wc", "-w", e.input}, []string{"LC_ALL=C"}, wcOut, nil)
	if err != nil {
		return nil, nil, err
	}
	if b, err := os.ReadFile(wcOut); err == nil {
		f := strings.Fields(string(b))
		n, _ := strconv.ParseInt(f[0], 10, 64)
		wm.Agrees = agrees(n == words)
		wm.Note = fmt.Sprintf("wc -w %d words, scatter sum of counts %d", n, words)
	}
	ms = append(ms, wm)
	if lookPath("mawk") {
		awkOut := filepath.Join(e.work, "mawk.out")
		prog := `{for(i=1;i<=NF;i++)c[$i]++} END{for(w in c)print w "\t" c[w]}`
		am, err := e.timed("wordcount", "mawk", []string{"mawk", prog, e.input}, []string{"LC_ALL=C"}, awkOut, nil)
		if err != nil {
			return nil, nil, err
		}
		n, d, err := sumCounts(awkOut)
		if err == nil {
			// mawk splits on space, tab and newline only; the generated text has no \r\v\f.
			am.Agrees = agrees(n == words && d == distinct)
			am.Note = fmt.Sprintf("per-word counts: %d distinct", d)
		}
		ms = append(ms, am)
	} else {
		fmt.Println("  mawk not installed: skipped (apt-get install mawk)")
	}
	mapper, err := e.mapperRSS("wordcount", nil)
	return ms, mapper, err
}

// eachLine calls fn with each line of the file at path (without its newline; valid until
// fn returns): the outputs the suites compare.
func eachLine(path string, fn func(line []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<30)
	for s.Scan() {
		if err := fn(s.Bytes()); err != nil {
			return err
		}
	}
	return s.Err()
}

// sumCounts reads word<TAB>count lines and returns the total and the number of lines.
func sumCounts(path string) (total, lines int64, err error) {
	lines, total, err = sumLast(path, '\t', false, func(f string) (int64, error) { return strconv.ParseInt(f, 10, 64) })
	return total, lines, err
}

// sumLast returns how many lines the file at path has (after its header, with header) and
// the sum of their last fields after sep, each read with parse.
func sumLast[T int64 | float64](path string, sep byte, header bool, parse func(string) (T, error)) (lines int64, total T, err error) {
	err = eachLine(path, func(l []byte) error {
		if header {
			header = false
			return nil
		}
		v, err := parse(string(l[bytes.LastIndexByte(l, sep)+1:]))
		if err != nil {
			return fmt.Errorf("%s: bad line %q", path, l)
		}
		total += v
		lines++
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return lines, total, nil
}

// grepPattern has a literal prefix, as the goal names.
const grepPattern = "zq[a-z]*e"

func benchGrep(e *suiteEnv) ([]Measure, *Measure, error) {
	sm, out, _, err := e.scatter("grep", []string{"--pattern", grepPattern})
	if err != nil {
		return nil, nil, err
	}
	grepOut := filepath.Join(e.work, "grep.out")
	gm, err := e.timed("grep", "grep -E", []string{"grep", "-E", grepPattern, e.input}, []string{"LC_ALL=C"}, grepOut, nil)
	if err != nil {
		return nil, nil, err
	}
	same, err := sameFile(out, grepOut)
	if err != nil {
		return nil, nil, err
	}
	gm.Agrees = agrees(same)
	gm.Note = "byte-identical output compared"
	mapper, err := e.mapperRSS("grep", []string{"--pattern", grepPattern})
	return []Measure{sm, gm}, mapper, err
}

func sameFile(a, b string) (bool, error) {
	x, err := os.ReadFile(a)
	if err != nil {
		return false, err
	}
	y, err := os.ReadFile(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

// The queries, after the AMPLab Big Data Benchmark: Q2 groups by an IP prefix,
// Q1 filters on a value.
const (
	q2Key       = "sourceIP:8"
	selectValue = "990"
)

// scatterRun returns a run of `scatter run` for alternate, which leaves the
// output path and the summary of its latest repetition in out and sum.
func (e *suiteEnv) scatterRun(job string, args []string, out *string, sum *summary) func() (Measure, error) {
	return func() (Measure, error) {
		m, o, s, err := e.scatter(job, args)
		*out, *sum = o, s
		return m, err
	}
}

// duckRun returns a run of a DuckDB statement for alternate, which leaves
// the bytes DuckDB read (its rchar) in read.
func (e *suiteEnv) duckRun(job, sql string, read *int64) func() (Measure, error) {
	return func() (Measure, error) {
		m, n, err := e.duck(job, sql)
		*read = n
		return m, err
	}
}

// groupbyQuery is Q2 for scatter and for DuckDB over from (read_csv(...) or read_parquet(...)).
func (e *suiteEnv) groupbyQuery(from, duckOut string) (args []string, sql string) {
	return []string{"--key", q2Key, "--agg", "sum:adRevenue"},
		fmt.Sprintf(`COPY (SELECT SUBSTR(sourceIP,1,8) AS key, SUM(adRevenue) AS sum_adRevenue FROM %s GROUP BY key ORDER BY key) TO '%s' (HEADER)`, from, duckOut)
}

// selectQuery is the Q1-like filter for scatter and for DuckDB over from.
func (e *suiteEnv) selectQuery(from, duckOut string) (args []string, sql string) {
	return []string{"--where", "adRevenue > " + selectValue, "--columns", "sourceIP,adRevenue"},
		fmt.Sprintf(`COPY (SELECT sourceIP, adRevenue FROM %s WHERE adRevenue > %s) TO '%s' (HEADER)`, from, selectValue, duckOut)
}

// compareGroups checks scatter's groupby output against DuckDB's: the same
// number of groups (also the summary's), the same total of the sums.
func compareGroups(dm *Measure, out, duckOut string, sum summary) {
	rows, total, err := csvSum(out)
	if err != nil {
		return
	}
	drows, dtotal, err := csvSum(duckOut)
	if err != nil {
		return
	}
	dm.Agrees = agrees(rows == drows && rows == sum.RecordsOut && math.Abs(total-dtotal) <= 1e-9*math.Abs(total)+1e-6)
	dm.Note = fmt.Sprintf("%d groups; total of sums %.2f (scatter exact) vs %.2f (DuckDB double)", rows, total, dtotal)
}

// compareRows checks that DuckDB selected as many rows as scatter. DuckDB
// reads adRevenue as a double and writes it back in its own format; scatter
// writes each value as it stood, so the rows are compared by count.
func compareRows(dm *Measure, duckOut string, sum summary) {
	if drows, _, err := csvSum(duckOut); err == nil {
		dm.Agrees = agrees(drows == sum.RecordsOut)
		dm.Note = fmt.Sprintf("%d rows selected", drows)
	}
}

func benchGroupby(e *suiteEnv) ([]Measure, *Measure, error) {
	return benchCSVJob(e, "groupby", e.groupbyQuery, func(dm *Measure, out, duckOut string, sum summary) {
		compareGroups(dm, out, duckOut, sum)
	})
}

func benchSelect(e *suiteEnv) ([]Measure, *Measure, error) {
	return benchCSVJob(e, "select", e.selectQuery, func(dm *Measure, _, duckOut string, sum summary) {
		compareRows(dm, duckOut, sum)
	})
}

// benchCSVJob runs job (its arguments from query) and DuckDB's statement of the same query
// alternately over the suite's CSV input, compares the outputs into DuckDB's measure, and
// measures the mapper's memory.
func benchCSVJob(e *suiteEnv, job string, query func(from, duckOut string) ([]string, string), compare func(dm *Measure, out, duckOut string, sum summary)) ([]Measure, *Measure, error) {
	duckOut := filepath.Join(e.work, "duck.csv")
	args, sql := query(fmt.Sprintf("read_csv('%s', header=true)", e.input), duckOut)
	var out string
	var sum summary
	var read int64
	ms, err := e.alternate(e.scatterRun(job, args, &out, &sum), e.duckRun(job, sql, &read))
	if err != nil {
		return nil, nil, err
	}
	compare(&ms[1], out, duckOut, sum)
	mapper, err := e.mapperRSS(job, args)
	return ms, mapper, err
}

// benchSQL times the sql job against the built-in job that answers the same
// question on the same file, alternating: Q2 as `scatter run --job sql` and as
// groupby, the Q1-like filter as sql's WHERE and as select's --where (issue
// 17: the sql job is at least as fast as the equivalent built-in job). The
// built-in is the peer of each pair, so the ratios are sql over built-in.
func benchSQL(e *suiteEnv) ([]Measure, *Measure, error) {
	gArgs, _ := e.groupbyQuery("", "")
	sArgs, _ := e.selectQuery("", "")
	qGroup := fmt.Sprintf("SELECT substr(sourceIP, 1, 8) AS key, sum(adRevenue) AS sum_adRevenue FROM '%s' GROUP BY key", e.input)
	qSelect := fmt.Sprintf("SELECT sourceIP, adRevenue FROM '%s' WHERE adRevenue > %s", e.input, selectValue)
	runs := []struct {
		name, job, tool string
		args            []string
	}{
		{"groupby", "sql", "scatter", []string{"--query", qGroup}},
		{"groupby", "groupby", "scatter groupby", gArgs},
		{"select", "sql", "scatter", []string{"--query", qSelect}},
		{"select", "select", "scatter select", sArgs},
	}
	outs := make([]string, len(runs))
	sums := make([]summary, len(runs))
	fns := make([]func() (Measure, error), len(runs))
	for i, r := range runs {
		sub := *e // its own output and state directory, one repetition a call
		sub.work = filepath.Join(e.work, fmt.Sprintf("%d-%s", i, r.job))
		sub.c.reps = 1
		if err := os.MkdirAll(sub.work, 0o755); err != nil {
			return nil, nil, err
		}
		fns[i] = sub.scatterRun(r.job, r.args, &outs[i], &sums[i])
	}
	ms, err := e.alternate(fns...)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range runs {
		ms[i].Job, ms[i].Tool = e.name+"/"+r.name, r.tool
	}
	// Q2: the same groups and total; the filter: byte-identical rows.
	rows, total, err := csvSum(outs[0])
	if err == nil {
		grows, gtotal, gerr := csvSum(outs[1])
		err = gerr
		ms[1].Agrees = agrees(rows == grows && rows == sums[0].RecordsOut && math.Abs(total-gtotal) <= 1e-9*math.Abs(total))
		ms[1].Note = fmt.Sprintf("%d groups (sql) vs %d (groupby)", rows, grows)
	}
	if err != nil {
		return nil, nil, err
	}
	same, err := sameFile(outs[2], outs[3])
	if err != nil {
		return nil, nil, err
	}
	ms[3].Agrees = agrees(same)
	ms[3].Note = fmt.Sprintf("%d rows (sql) vs %d (select)", sums[2].RecordsOut, sums[3].RecordsOut)
	return ms, nil, nil
}

// benchParquet converts the high-cardinality uservisits CSV to Parquet with
// DuckDB (snappy, row groups of 65,536 rows), then times Q2 and the Q1-like
// select on that file, scatter against DuckDB (2 threads), and reports the
// bytes each read against the file's size.
func benchParquet(e *suiteEnv) ([]Measure, *Measure, error) {
	pq := strings.TrimSuffix(e.input, filepath.Ext(e.input)) + ".parquet"
	if _, err := os.Stat(pq); err != nil {
		fmt.Printf("converting %s to Parquet\n", e.input)
		tmp := pq + ".tmp"
		conv := fmt.Sprintf(`COPY (SELECT * FROM read_csv('%s', header=true)) TO '%s' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 65536)`, e.input, tmp)
		if out, err := exec.Command(e.self, "duckdb", "--threads", "2", "--sql", conv).CombinedOutput(); err != nil {
			return nil, nil, fmt.Errorf("convert to Parquet: %v: %s", err, out)
		}
		if err := os.Rename(tmp, pq); err != nil {
			return nil, nil, err
		}
	}
	fi, err := os.Stat(pq)
	if err != nil {
		return nil, nil, err
	}
	e.input, e.size = pq, fi.Size()
	warm(pq)
	from := fmt.Sprintf("read_parquet('%s')", pq)
	duckOut := filepath.Join(e.work, "duck.csv")
	var out string
	var sum summary
	var read int64
	note := func(m *Measure, read int64, what string) {
		m.Note = strings.TrimPrefix(fmt.Sprintf("%s; read %.0f of %.0f MB (%.0f%%)%s", m.Note, float64(read)/1e6, float64(e.size)/1e6, 100*float64(read)/float64(e.size), what), "; ")
	}

	gargs, gsql := e.groupbyQuery(from, duckOut)
	gm, err := e.alternate(e.scatterRun("groupby", gargs, &out, &sum), e.duckRun("groupby", gsql, &read))
	if err != nil {
		return nil, nil, err
	}
	compareGroups(&gm[1], out, duckOut, sum)
	note(&gm[0], sum.BytesRead, fmt.Sprintf(", skipped %.0f MB, %d of %d row groups pruned", float64(sum.BytesSkipped)/1e6, sum.RowGroupsPruned, sum.RowGroups))
	note(&gm[1], read, " (rchar)")

	sargs, ssql := e.selectQuery(from, duckOut)
	sm, err := e.alternate(e.scatterRun("select", sargs, &out, &sum), e.duckRun("select", ssql, &read))
	if err != nil {
		return nil, nil, err
	}
	compareRows(&sm[1], duckOut, sum)
	note(&sm[0], sum.BytesRead, fmt.Sprintf(", skipped %.0f MB, %d of %d row groups pruned", float64(sum.BytesSkipped)/1e6, sum.RowGroupsPruned, sum.RowGroups))
	note(&sm[1], read, " (rchar)")
	mapper, err := e.mapperRSS("groupby", gargs)
	if mapper != nil {
		mapper.Job = e.label("groupby")
	}
	return append(gm, sm...), mapper, err
}

// csvSum returns the data rows of a key,value CSV and the sum of the values.
func csvSum(path string) (rows int64, total float64, err error) {
	return sumLast(path, ',', true, func(f string) (float64, error) { return strconv.ParseFloat(f, 64) })
}

// duck times a DuckDB query in a child process of this binary (so its peak
// RSS is its own) and returns the bytes it read (its rchar, reads from the
// page cache included) in the last repetition.
func (e *suiteEnv) duck(job, sql string) (Measure, int64, error) {
	ioOut := filepath.Join(e.work, "duck.io")
	m, err := e.timed(job, "duckdb 2 threads", []string{e.self, "duckdb", "--threads", "2", "--io-out", ioOut, "--sql", sql}, nil, "", nil)
	if err != nil && errors.Is(err, exec.ErrNotFound) {
		return m, 0, fmt.Errorf("duckdb runner: %w", err)
	}
	if err != nil {
		return m, 0, err
	}
	b, err := os.ReadFile(ioOut)
	if err != nil {
		return m, 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return m, n, err
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
