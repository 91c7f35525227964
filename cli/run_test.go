package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil"
)

// fixture writes generated and hand-made inputs once for the package's tests.
type fixture struct {
	dir                     string
	text, csv, jsonl, crlf  string
	textDir                 string
	firstWords              string
	textFiles, textDirFiles []reference.Input
	csvInput, jsonlInput    reference.Input
	crlfInput               reference.Input
}

// genFile writes size bytes of generated data of kind (datagen) to dir/name and returns its
// path and bytes.
func genFile(t *testing.T, dir, name, kind string, size int64, seed uint64) (string, []byte) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := datagen.WriteFile(p, kind, size, seed)
	if err != nil {
		t.Fatal(err)
	}
	return p, b
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{dir: dir}
	gen := func(name, kind string, size int64, seed uint64) (string, []byte) {
		return genFile(t, dir, name, kind, size, seed)
	}
	var data []byte
	f.text, data = gen("text.txt", "text", 300_000, 7)
	f.textFiles = []reference.Input{{Source: f.text, Data: data}}
	f.firstWords = strings.Join(strings.Fields(string(data[:bytes.IndexByte(data, '\n')]))[:3], " ")
	f.csv, data = gen("visits.csv", "uservisits", 250_000, 3)
	// A few malformed rows: they must be skipped and counted the same way everywhere.
	data = append(data, []byte("1.2.3.4,\"unterminated,1999-01-01,5.5,x,USA,en-US,w,3\n1.2.3.4,too,few\n9.9.9.9,http://x,2000-01-01,notanumber,a,USA,en-US,w,4\n")...)
	if err := os.WriteFile(f.csv, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f.csvInput = reference.Input{Source: f.csv, Data: data}
	f.jsonl, data = gen("visits.jsonl", "jsonl", 150_000, 5)
	data = append(data, []byte("{not json}\n\n{\"sourceIP\":\"1.1.1.1\",\"adRevenue\":7.25,\"countryCode\":\"USA\"}")...)
	if err := os.WriteFile(f.jsonl, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f.jsonlInput = reference.Input{Source: f.jsonl, Data: data}
	crlf := []byte("alpha beta\r\ngamma alpha\r\n\r\nbeta\tbeta\vdelta\fx\r\nno final newline alpha")
	f.crlf = testutil.WriteFile(t, dir, "crlf.txt", crlf)
	f.crlfInput = reference.Input{Source: f.crlf, Data: crlf}
	// A directory of many small files (packed into shared chunks) and one empty file.
	f.textDir = filepath.Join(dir, "corpus")
	for i := 0; i < 25; i++ {
		var b bytes.Buffer
		if err := datagen.Text(&b, int64(100+i*997), uint64(i)); err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			b.Reset()
		}
		p := filepath.Join(f.textDir, fmt.Sprintf("part-%02d.txt", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		f.textDirFiles = append(f.textDirFiles, reference.Input{Source: p, Data: b.Bytes()})
	}
	return f
}

type jobCase struct {
	name   string
	args   []string // job and job flags
	inputs []string
	ref    []reference.Input
}

func (f *fixture) cases() []jobCase {
	return []jobCase{
		{"wordcount", []string{"--job", "wordcount"}, []string{f.text}, f.textFiles},
		{"wordcount-dir-and-crlf", []string{"--job", "wordcount"}, []string{f.textDir, f.crlf}, append(append([]reference.Input{}, f.textDirFiles...), f.crlfInput)},
		{"grep", []string{"--job", "grep", "--pattern", "ab[cd]e|^q"}, []string{f.text, f.crlf}, append(append([]reference.Input{}, f.textFiles...), f.crlfInput)},
		{"select-csv", []string{"--job", "select", "--where", "adRevenue > 500", "--columns", "sourceIP,adRevenue,userAgent"}, []string{f.csv}, []reference.Input{f.csvInput}},
		{"select-jsonl", []string{"--job", "select", "--format", "jsonl", "--where", "countryCode == 'USA'", "--columns", "sourceIP,adRevenue,userAgent"}, []string{f.jsonl}, []reference.Input{f.jsonlInput}},
		{"groupby", []string{"--job", "groupby", "--key", "sourceIP:8", "--agg", "sum:adRevenue,count:duration,avg:adRevenue,min:duration,max:adRevenue"}, []string{f.csv}, []reference.Input{f.csvInput}},
		{"groupby-jsonl", []string{"--job", "groupby", "--format", "jsonl", "--key", "countryCode", "--agg", "sum:adRevenue,count:sourceIP"}, []string{f.jsonl}, []reference.Input{f.jsonlInput}},
		{"search", []string{"--job", "search", "--query", f.firstWords, "--k", "25"}, []string{f.text, f.textDir}, append(append([]reference.Input{}, f.textFiles...), f.textDirFiles...)},
	}
}

// params extracts the job parameters from the command line the way the CLI does.
func params(t *testing.T, args []string) (string, jobs.Params) {
	t.Helper()
	job, p := "", jobs.Params{}
	for i := 0; i+1 < len(args); i += 2 {
		name := strings.TrimPrefix(args[i], "--")
		if name == "job" {
			job = args[i+1]
			continue
		}
		p[name] = args[i+1]
	}
	d, _ := jobs.Lookup(job)
	for _, prm := range d.Params {
		if _, ok := p[prm.Name]; !ok && prm.Default != "" {
			p[prm.Name] = prm.Default
		}
	}
	return job, p
}

func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runCLIContext(context.Background(), t, args...)
}

// runCLIContext is runCLI under ctx.
func runCLIContext(ctx context.Context, t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = dispatch(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// referenceAnswer is what the single-pass reference implementation answers for job with
// p over inputs.
func referenceAnswer(t *testing.T, job string, p jobs.Params, inputs []reference.Input) []byte {
	t.Helper()
	want, err := reference.Run(job, p, inputs)
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	return want
}

// checkReference fails t unless the file out holds the reference's answer for job with p
// over inputs; what names the run in the failure.
func checkReference(t *testing.T, what, out, job string, p jobs.Params, inputs []reference.Input) {
	t.Helper()
	want := referenceAnswer(t, job, p, inputs)
	if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
		t.Fatalf("%s: the output differs from the reference: %s", what, testutil.FirstLineDiff(got, want))
	}
}

// runJSON runs the CLI with args (a command with --json), failing t if it fails, and
// decodes its stdout into v.
func runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	stdout, stderr, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), v); err != nil {
		t.Fatalf("%v: --json: %v: %q", args, err, stdout)
	}
}

// runLogged runs the CLI and returns its stdout; a failed run's stderr goes to the test's
// log.
func runLogged(t *testing.T, args ...string) (string, error) {
	t.Helper()
	stdout, stderr, err := runCLI(t, args...)
	if err != nil {
		t.Logf("%v: %s", args, stderr)
	}
	return stdout, err
}

// TestRunMatchesReference: for every job, `scatter run` equals the single-pass
// reference byte for byte, whatever the chunk size and concurrency.
func TestRunMatchesReference(t *testing.T) {
	f := newFixture(t)
	// The fan-in 3 layouts gather through the state machine's tree (several levels on the
	// small chunks); one layout runs the Distributed Maps' children as Express workflows.
	layouts := []struct {
		chunk, conc string
		fanIn       int
		children    string
	}{{"777", "3", 0, ""}, {"16KiB", "1", 0, ""}, {"64KiB", "8", 0, ""}, {"64MiB", "2", 0, ""}, {"777", "3", 3, ""}, {"4KiB", "2", 3, "express"}}
	for _, c := range f.cases() {
		t.Run(c.name, func(t *testing.T) {
			job, p := params(t, c.args)
			want := referenceAnswer(t, job, p, c.ref)
			if len(want) == 0 {
				t.Fatalf("reference output is empty: the case tests nothing")
			}
			for _, l := range layouts {
				if l.fanIn > 0 {
					t.Setenv(envFanIn, strconv.Itoa(l.fanIn))
				} else {
					t.Setenv(envFanIn, "")
				}
				out := filepath.Join(t.TempDir(), "out")
				args := append([]string{"run", "--output", out, "--chunk-size", l.chunk, "--concurrency", l.conc, "--state-dir", t.TempDir(), "--json"}, c.args...)
				if l.children != "" {
					args = append(args, "--children", l.children)
				}
				for _, in := range c.inputs {
					args = append(args, "--input", in)
				}
				stdout, stderr, err := runCLI(t, args...)
				if err != nil {
					t.Fatalf("chunk %s conc %s: %v\n%s", l.chunk, l.conc, err, stderr)
				}
				got := testutil.ReadFile(t, out)
				if !bytes.Equal(got, want) {
					t.Fatalf("chunk %s conc %s: output differs from reference (%d vs %d bytes)\n got: %.300q\nwant: %.300q", l.chunk, l.conc, len(got), len(want), got, want)
				}
				var sum struct {
					JobID        string `json:"jobId"`
					Chunks       int    `json:"chunks"`
					FanIn        int    `json:"fanIn"`
					GatherLevels int    `json:"gatherLevels"`
				}
				if err := json.Unmarshal([]byte(stdout), &sum); err != nil || !strings.HasPrefix(sum.JobID, job+"-") || sum.Chunks < 1 {
					t.Fatalf("--json summary %q: %v", stdout, err)
				}
				if want := plan.NewTree(sum.Chunks, l.fanIn).Levels(); l.fanIn > 0 && (sum.FanIn != l.fanIn || sum.GatherLevels != want || want < 2) {
					t.Fatalf("chunk %s fan-in %d: summary says fan-in %d, %d gather levels over %d chunks; want %d levels", l.chunk, l.fanIn, sum.FanIn, sum.GatherLevels, sum.Chunks, want)
				}
				if l.fanIn > 0 {
					t.Logf("chunk %s fan-in %d: %d chunks gathered in %d levels", l.chunk, l.fanIn, sum.Chunks, sum.GatherLevels)
				}
				if !strings.Contains(stderr, sum.JobID) {
					t.Fatalf("summary line on stderr does not name the job: %q", stderr)
				}
			}
		})
	}
}

// TestRunTwiceIsOneJob: the same submission twice is one job; the second run
// reuses the first one's output.
func TestRunTwiceIsOneJob(t *testing.T) {
	f := newFixture(t)
	state, out := t.TempDir(), filepath.Join(t.TempDir(), "wc.tsv")
	args := []string{"run", "--job", "wordcount", "--input", f.text, "--output", out, "--state-dir", state, "--chunk-size", "32KiB", "--json"}
	first, _, err := runCLI(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(out)
	second, stderr, err := runCLI(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	var a, b struct {
		JobID  string `json:"jobId"`
		Reused bool   `json:"reused"`
	}
	_ = json.Unmarshal([]byte(first), &a)
	_ = json.Unmarshal([]byte(second), &b)
	if a.JobID == "" || a.JobID != b.JobID || a.Reused || !b.Reused {
		t.Fatalf("first %+v, second %+v: want one job, reused the second time (%s)", a, b, stderr)
	}
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, want) {
		t.Fatal("output changed on the second run")
	}
}

// TestRunCPUProfile: --cpuprofile writes a profile that pprof reads (a
// gzipped protocol buffer of cpu nanoseconds).
func TestRunCPUProfile(t *testing.T) {
	f := newFixture(t)
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	if _, stderr, err := runCLI(t, "run", "--job", "wordcount", "--input", f.text, "--output", filepath.Join(t.TempDir(), "wc.tsv"),
		"--state-dir", t.TempDir(), "--cpuprofile", prof); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	raw := testutil.ReadFile(t, prof)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("profile is not gzip: %v", err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte("nanoseconds")) {
		t.Fatalf("profile of %d bytes lacks the cpu sample type", len(body))
	}
	if _, stderr, err := runCLI(t, "run", "--job", "wordcount", "--input", f.text, "--output", filepath.Join(t.TempDir(), "wc.tsv"),
		"--state-dir", t.TempDir(), "--cpuprofile", filepath.Join(t.TempDir(), "no", "such", "dir", "p")); err == nil || !strings.Contains(err.Error()+stderr, "--cpuprofile") {
		t.Fatalf("unwritable profile path: err %v, stderr %q; want an error naming --cpuprofile", err, stderr)
	}
}

// TestRunErrors: bad command lines and bad inputs fail with a message naming what was wrong.
func TestRunErrors(t *testing.T) {
	f := newFixture(t)
	state := t.TempDir()
	out := filepath.Join(t.TempDir(), "o")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no job", []string{"run", "--input", f.text, "--output", out}, "--job"},
		{"unknown job", []string{"run", "--job", "nope", "--input", f.text, "--output", out}, `unknown job "nope"`},
		{"missing input", []string{"run", "--job", "wordcount", "--input", filepath.Join(f.dir, "missing.txt"), "--output", out}, "missing.txt"},
		{"no output", []string{"run", "--job", "wordcount", "--input", f.text}, "--output"},
		{"bad child workflow type", []string{"run", "--job", "wordcount", "--input", f.text, "--output", out, "--children", "fast"}, `--children "fast"`},
		{"bad chunk size", []string{"run", "--job", "wordcount", "--input", f.text, "--output", out, "--chunk-size", "12XB"}, "--chunk-size"},
		{"flag of another job", []string{"run", "--job", "wordcount", "--pattern", "x", "--input", f.text, "--output", out}, "--pattern does not apply"},
		{"bad regexp", []string{"run", "--job", "grep", "--pattern", "a(", "--input", f.text, "--output", out}, "pattern"},
		{"output overwrites input", []string{"run", "--job", "wordcount", "--input", f.text, "--output", f.text}, "overwrite"},
		{"strict malformed csv", []string{"run", "--job", "select", "--strict", "--where", "adRevenue > 1", "--columns", "sourceIP", "--input", f.csv, "--output", out}, f.csv},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := runCLI(t, append(c.args, "--state-dir", state)...)
			if err == nil {
				t.Fatalf("want an error mentioning %q, got success", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a failed job left an output behind")
	}
}
