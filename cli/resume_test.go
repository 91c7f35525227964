package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
)

// envAsCLI makes the test binary run main() instead of the tests, so a test can
// start `scatter` as a process and interrupt it as a user does.
const envAsCLI = "SCATTER_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(envAsCLI) == "1" {
		Main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startCLI starts the scatter command as a child process.
func startCLI(t *testing.T, stderr *bytes.Buffer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envAsCLI+"=1")
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd
}

// TestInterruptAndResume: Ctrl-C in the middle of `scatter run` leaves the
// committed chunks in the ledger; `scatter resume` runs only the others and the
// output equals the reference.
func TestInterruptAndResume(t *testing.T) {
	f := newFixture(t)
	state, out := t.TempDir(), filepath.Join(t.TempDir(), "wc.tsv")
	var stderr bytes.Buffer
	// Slow mappers (2 s each at p=0.5) give the interrupt time to land mid-job.
	cmd := startCLI(t, &stderr, "run", "--job", "wordcount", "--input", f.text, "--output", out,
		"--chunk-size", "8KiB", "--concurrency", "2", "--state-dir", state,
		"--faults", "mapper.slow=0.5", "--fault-seed", "3")
	partials := filepath.Join(state, "work", "jobs", "*", "partials", "*", "*.part")
	deadline := time.Now().Add(5 * time.Minute) // bounds a hang only (a loaded machine is slow)
	for {
		found, _ := filepath.Glob(partials)
		if len(found) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 3 partials after 5 minutes; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("interrupted run: %v, want a non-zero exit; stderr:\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`interrupted; job ([a-z]+-[0-9a-f]{24})`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("the interrupted run names no job to resume; stderr:\n%s", stderr.String())
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("an interrupted run wrote the output")
	}
	_, resumeErr, err := runCLI(t, "resume", m[1], "--state-dir", state)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, resumeErr)
	}
	done := regexp.MustCompile(`(\d+) of (\d+) chunks already committed`).FindStringSubmatch(resumeErr)
	if done == nil || done[1] == "0" || done[1] == done[2] {
		t.Fatalf("resume should start with some but not all chunks committed: %q", resumeErr)
	}
	checkReference(t, "the resumed job", out, "wordcount", nil, f.textFiles)
	t.Logf("interrupted after a few chunks; resume found %s of %s committed", done[1], done[2])
}

// TestResumeErrors: resume names what is wrong with the job it is asked for.
func TestResumeErrors(t *testing.T) {
	state := t.TempDir()
	if _, _, err := runCLI(t, "resume", "wordcount-000000000000000000000000", "--state-dir", state); err == nil || !strings.Contains(err.Error(), "not in the ledger") {
		t.Fatalf("resume of an unknown job: %v", err)
	}
	// A job whose input changed since it was planned is another job.
	in := testutil.WriteFile(t, t.TempDir(), "in.txt", []byte("a b\n"))
	id := failedRunID(t, "run", "--job", "wordcount", "--input", in, "--output", filepath.Join(t.TempDir(), "o"),
		"--state-dir", state, "--faults", "reducer.crash.before-write=1")
	if err := os.WriteFile(in, []byte("a b c d\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, "resume", id, "--state-dir", state); err == nil || !strings.Contains(err.Error(), "inputs changed") {
		t.Fatalf("resume after the input changed: %v", err)
	}
}

// damagePartials changes (decrements) the byte at of every committed partial of job id in
// state, as another build's encoding would differ, and returns the partials' sizes by path;
// it fails t if there is none.
func damagePartials(t *testing.T, state, id string, at int) map[string]int {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(state, "work", "jobs", id, "partials", "*", "*.part"))
	if err != nil || len(found) == 0 {
		t.Fatalf("no committed partial of %s: %v", id, err)
	}
	sizes := make(map[string]int, len(found))
	for _, p := range found {
		b := testutil.ReadFile(t, p)
		sizes[p] = len(b)
		b[at]--
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return sizes
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

var backupsPattern = regexp.MustCompile(`backup attempts for stragglers: (\d+) sent, (\d+) answered first`)

// TestStragglersGetBackups: with slow mappers, --backups (the default) maps a
// straggling chunk again alongside and the first answer wins; the output is
// the reference either way, and --backups=false sends none.
func TestStragglersGetBackups(t *testing.T) {
	f := newFixture(t)
	want := referenceAnswer(t, "wordcount", nil, f.textFiles)
	for _, backups := range []bool{true, false} {
		out := filepath.Join(t.TempDir(), "wc.tsv")
		_, stderr, err := runCLI(t, "run", "--job", "wordcount", "--input", f.text, "--output", out, "--chunk-size", "8KiB",
			"--concurrency", "4", "--state-dir", t.TempDir(), "--faults", "mapper.slow=0.2", "--fault-seed", "5",
			"--backups="+strconv.FormatBool(backups))
		if err != nil {
			t.Fatalf("--backups=%v: %v\n%s", backups, err, stderr)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
			t.Fatalf("--backups=%v: output differs from the reference", backups)
		}
		if !strings.Contains(stderr, "mapper.slow=") {
			t.Fatalf("no straggler was injected: the test proves nothing\n%s", stderr)
		}
		m := backupsPattern.FindStringSubmatch(stderr)
		switch {
		case backups && (m == nil || m[2] == "0"):
			t.Fatalf("stragglers got no backup that answered first:\n%s", stderr)
		case !backups && m != nil:
			t.Fatalf("--backups=false sent backups: %s", m[0])
		}
	}
}

// failedJob runs wordcount on a small input without --chunk-size (the default chunk size),
// its output at outName in a temporary directory and with the extra flags, and fails it at
// its reducer, leaving its chunk committed in state; it returns the input's path and data,
// the output, the state directory and the job ID.
func failedJob(t *testing.T, outName string, extra ...string) (in string, data []byte, out, state, id string) {
	t.Helper()
	state, data = t.TempDir(), []byte("a b\nb c\n")
	in = testutil.WriteFile(t, t.TempDir(), "in.txt", data)
	out = filepath.Join(t.TempDir(), outName)
	id = failedRunID(t, append([]string{"run", "--job", "wordcount", "--input", in, "--output", out,
		"--state-dir", state, "--retry-scale", "0.001", "--faults", "reducer.crash.before-write=1"}, extra...)...)
	return in, data, out, state, id
}

// failedRunID runs the CLI with args, a run that fails, and returns the ID of the job its
// error names.
func failedRunID(t *testing.T, args ...string) string {
	t.Helper()
	_, stderr, err := runCLI(t, args...)
	m := jobIDPattern.FindStringSubmatch(errString(err))
	if m == nil {
		t.Fatalf("a failing run names no job: %v\n%s", err, stderr)
	}
	return m[1]
}

// TestResumeWithTheDefaultChunkSize: a job run with the default chunk size resumes from
// its committed chunk. Its stored submission once kept the chunk size 0, so resume
// computed another job ID and refused the job as one whose inputs had changed.
func TestResumeWithTheDefaultChunkSize(t *testing.T) {
	_, data, out, state, id := failedJob(t, "wc.tsv")
	_, stderr, err := runCLI(t, "resume", id, "--state-dir", state)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "1 of 1 chunks already committed") {
		t.Fatalf("resume did not start from the committed chunk: %q", stderr)
	}
	checkReference(t, "the resumed job", out, "wordcount", nil, []reference.Input{{Source: "in.txt", Data: data}})
}

// TestResumeRefusesAnotherBuildsPartials: a job resumed by a build of scatter whose partial
// encoding differs from the one that committed its chunks (here: the committed partial's
// version byte changed, as an older build would have written it) fails naming the cause and
// what to do, and doing it (a new state directory) runs the job.
func TestResumeRefusesAnotherBuildsPartials(t *testing.T) {
	in, data, out, state, id := failedJob(t, "wc.tsv")
	damagePartials(t, state, id, 4) // the byte after the magic: the encoding's version
	_, stderr, err := runCLI(t, "resume", id, "--state-dir", state)
	if err == nil {
		t.Fatalf("resume over another build's partials succeeded\n%s", stderr)
	}
	for _, want := range []string{"written by another build of scatter", "resuming the job cannot reuse them", "run it again as a new job", "new --state-dir"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("resume: %v\nwant it to say %q", err, want)
		}
	}
	// The same job (input, output, chunk size), in a new state directory.
	if _, stderr, err := runCLI(t, "run", "--job", "wordcount", "--input", in, "--output", out, "--state-dir", t.TempDir()); err != nil {
		t.Fatalf("the job run again in a new state directory: %v\n%s", err, stderr)
	}
	checkReference(t, "the job run again", out, "wordcount", nil, []reference.Input{{Source: "in.txt", Data: data}})
}

// TestResumeWithOutputParts: a job that leaves its output as part files resumes. Its job
// ID is made with the first part's location (another output than one object), and resume
// recomputed it with the output itself, refusing the job as one whose inputs had changed.
func TestResumeWithOutputParts(t *testing.T) {
	_, data, out, state, id := failedJob(t, "wc", "--output-parts", "--partitions", "2")
	if _, stderr, err := runCLI(t, "resume", id, "--state-dir", state); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr)
	}
	want := referenceAnswer(t, "wordcount", nil, []reference.Input{{Source: "in.txt", Data: data}})
	parts, _ := filepath.Glob(filepath.Join(out, "part-*"))
	var got []byte
	for _, p := range parts {
		b, _ := os.ReadFile(p)
		got = append(got, b...)
	}
	if len(parts) == 0 || !bytes.Equal(got, want) {
		t.Fatalf("the resumed job wrote %d parts, joined %q, want %q", len(parts), got, want)
	}
}

// TestResumeByRangesRefusesAnotherBuildsPartials: as TestResumeRefusesAnotherBuildsPartials,
// for a job gathered by key ranges over partials large enough that their own indexes cut
// the ranges, so that no reader of a whole partial (which checks its version and tag)
// runs: the range reducers read spans of entries, and the first range's reads the
// partial's header. Another build may have changed the runs' encoding (their version) or
// the job's (their tag: wordcount's name, a sql job's fingerprint).
func TestResumeByRangesRefusesAnotherBuildsPartials(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.txt")
	var text bytes.Buffer
	for i := range 150_000 {
		fmt.Fprintf(&text, "word%08d\n", i)
	}
	if err := os.WriteFile(in, text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		at   int // the byte changed: the version after the magic, or the tag's first after its length
	}{{"version", 4}, {"tag", 6}} {
		t.Run(c.name, func(t *testing.T) {
			state, out := t.TempDir(), filepath.Join(t.TempDir(), "wc.tsv")
			id := failedRunID(t, "run", "--job", "wordcount", "--input", in, "--output", out, "--chunk-size", "512KiB", "--partitions", "2",
				"--state-dir", state, "--retry-scale", "0.001", "--faults", "reducer.range.crash.mid-range=1")
			sizes := damagePartials(t, state, id, c.at)
			if len(sizes) < 2 {
				t.Fatalf("%d committed partials of %s", len(sizes), id)
			}
			for p, n := range sizes {
				if n < 4*(64<<10) {
					t.Fatalf("partial %s is %d bytes: too small for its index to cut ranges, the test proves nothing", p, n)
				}
			}
			_, stderr, err := runCLI(t, "resume", id, "--state-dir", state)
			if err == nil || !strings.Contains(err.Error(), "written by another version") || !strings.Contains(err.Error(), "run it again as a new job") {
				t.Fatalf("resume by ranges over another build's partials: %v, want a refusal naming the cause\n%s", err, stderr)
			}
		})
	}
}

// TestResumeRefusesAJobOfEarlierParquetWeights: a job over a Parquet input planned
// when row groups weighed otherwise (its ID of identity form 2 or 3) or records
// were read by an earlier framework version (plan.FrameworkVersion) is refused by
// resume as one of those, whose chunks or records this version makes otherwise,
// not as a job whose inputs changed (they did not).
func TestResumeRefusesAJobOfEarlierParquetWeights(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	in, _, _ := visitsParquet(t, dir, 2_000, 5, 300)
	id := failedRunID(t, "run", "--job", "select", "--columns", "sourceIP,adRevenue", "--input", in,
		"--output", filepath.Join(dir, "out.csv"), "--state-dir", state, "--retry-scale", "0.001",
		"--faults", "reducer.crash.before-write=1")
	// The same job as the earlier version stored it: its spec under its form-2 ID.
	ctx := context.Background()
	local, err := engine.Open(ctx, state, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := local.Ledger.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var spec pipeline.PlanInput
	if err := json.Unmarshal([]byte(j.Spec), &spec); err != nil {
		t.Fatal(err)
	}
	objs, _, err := plan.ResolveJob(ctx, local.Store, spec.Job, spec.Params, spec.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	// Its IDs of forms 2, 3 and 4 without a framework version and with
	// each earlier one, and of forms 2 and 3 with this one
	// (TestJobIDFormOfParquet in internal/plan).
	ids := spec.EarlierJobIDs(objs)
	if len(ids) != 3*(plan.FrameworkVersion+1)-1 || slices.Contains(ids, id) {
		t.Fatalf("the Parquet job %s has the earlier IDs %q", id, ids)
	}
	for _, earlier := range ids {
		if _, err := local.Ledger.Open(ctx, ledger.Job{ID: earlier, Name: j.Name, Spec: j.Spec, Chunks: j.Chunks}); err != nil {
			t.Fatal(err)
		}
	}
	if err := local.Close(); err != nil {
		t.Fatal(err)
	}
	for i, earlier := range ids {
		_, _, err = runCLI(t, "resume", earlier, "--state-dir", state)
		if msg := errString(err); !strings.Contains(msg, "planned by an earlier scatter") || strings.Contains(msg, "inputs changed") || !strings.Contains(msg, id) {
			t.Fatalf("resume of the job of earlier ID %d: %v; want it named as planned by an earlier scatter, now job %s", i, err, id)
		}
	}
}

// TestGlobInputRunAndResume: an --input pattern is the files it matches
// when the job is planned, in path order: the run reads those and no other
// file, a resume with the same matches goes on from the committed chunks,
// and one after a new file matches is refused as a job whose inputs
// changed (the job is its expanded input list, as a directory's is).
func TestGlobInputRunAndResume(t *testing.T) {
	dir := t.TempDir()
	a := testutil.WriteFile(t, dir, "2024-01.txt", []byte("a b\nb\n"))
	b := testutil.WriteFile(t, dir, "2024-02.txt", []byte("c b\n"))
	testutil.WriteFile(t, dir, "2023-12.txt", []byte("old old\n"))
	testutil.WriteFile(t, dir, "2024-03.log", []byte("log\n"))
	pattern := filepath.Join(dir, "2024-*.txt")
	state, out := t.TempDir(), filepath.Join(t.TempDir(), "wc.tsv")
	id := failedRunID(t, "run", "--job", "wordcount", "--input", pattern, "--output", out,
		"--state-dir", state, "--faults", "reducer.crash.before-write=1")
	if _, stderr, err := runCLI(t, "resume", id, "--state-dir", state); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr)
	}
	checkReference(t, "the pattern's job", out, "wordcount", nil, []reference.Input{
		{Source: a, Data: []byte("a b\nb\n")}, {Source: b, Data: []byte("c b\n")}})

	state2 := t.TempDir()
	id = failedRunID(t, "run", "--job", "wordcount", "--input", pattern, "--output", filepath.Join(t.TempDir(), "o"),
		"--state-dir", state2, "--faults", "reducer.crash.before-write=1")
	testutil.WriteFile(t, dir, "2024-04.txt", []byte("new\n"))
	if _, _, err := runCLI(t, "resume", id, "--state-dir", state2); err == nil || !strings.Contains(err.Error(), "inputs changed") {
		t.Fatalf("resume after a new file matched the pattern: %v", err)
	}
	_, _, err := runCLI(t, "run", "--job", "wordcount", "--input", filepath.Join(dir, "2025-*.txt"), "--output", out, "--state-dir", state)
	if msg := errString(err); !strings.Contains(msg, filepath.Join(dir, "2025-*.txt")) || !strings.Contains(msg, "no file matches this pattern") {
		t.Fatalf("a pattern that matches nothing: %v", err)
	}
}
