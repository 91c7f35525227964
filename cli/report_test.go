package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/pipeline"
	jobreport "github.com/scattergather/scattergather/internal/report"
	"github.com/scattergather/scattergather/internal/report/attempts"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// jobIDOf reads the job ID from a `run --json` summary.
func jobIDOf(t *testing.T, stdout string) string {
	t.Helper()
	m := regexp.MustCompile(`"jobId": "([^"]+)"`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no jobId in %q", stdout)
	}
	return m[1]
}

// TestSummaryFitsSchemaForEveryJob: every job's summary, with and without injected faults,
// fits internal/report/summary.schema.json, and its map phase counts every attempt record.
func TestSummaryFitsSchemaForEveryJob(t *testing.T) {
	t.Setenv(envRetryScale, "0.001")
	f := newFixture(t)
	for _, c := range f.cases() {
		for _, faulty := range []bool{false, true} {
			name := c.name
			if faulty {
				name += "-faults"
			}
			t.Run(name, func(t *testing.T) {
				state, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
				args := append([]string{"run", "--output", out, "--chunk-size", "32KiB", "--concurrency", "4", "--state-dir", state, "--json"}, c.args...)
				for _, in := range c.inputs {
					args = append(args, "--input", in)
				}
				if faulty {
					args = append(args, "--faults", "mapper.crash.before-commit=0.2,mapper.crash.after-commit=0.1,mapper.duplicate=0.2,reducer.crash.before-write=0.3", "--fault-seed", "3")
				}
				stdout, stderr, err := runCLI(t, args...)
				if err != nil {
					t.Fatalf("%v\n%s", err, stderr)
				}
				raw := testutil.ReadFile(t, pipeline.SummaryLocation(out))
				if err := jobreport.ValidateSummary(raw); err != nil {
					t.Fatalf("%v\n%s", err, raw)
				}
				id := jobIDOf(t, stdout)
				atts, err := listLocalAttempts(t, state, id)
				if err != nil {
					t.Fatal(err)
				}
				sum := string(raw)
				maps := 0
				for _, a := range atts {
					if a.Phase == attempts.PhaseMap {
						maps++
					}
				}
				if !strings.Contains(sum, `"attempts": `+strconv.Itoa(maps)+",") {
					t.Fatalf("the summary does not count the %d mapper attempt records:\n%s", maps, sum)
				}
			})
		}
	}
}

// listLocalAttempts lists a local job's attempt records through the engine's store.
func listLocalAttempts(t *testing.T, state, id string) ([]attempts.Attempt, error) {
	t.Helper()
	local, err := engine.Open(context.Background(), state, engine.Options{})
	if err != nil {
		return nil, err
	}
	defer local.Close()
	return attempts.List(context.Background(), local.Store, pipeline.WorkArea(engine.WorkBucket, id), false)
}

// reportSeed finds a seed under which spec's faults land on fixed attempts of the job
// that `scatter run` with args (no faults, no backups) plans: a chunk whose first
// attempt crashes before it commits (a retry), one whose first attempt is delivered
// twice with neither delivery crashing (one commits, the other finds the commit or
// loses the race to it: a duplicate), and one whose first attempt is slowed (a
// straggler). A fault decision depends only on the seed, the job ID, the chunk and how
// often its key was asked before, and each of those is the first ask of its key, made
// by the chunk's first attempt whatever the scheduling: so every run has its retry,
// its duplicate and its straggler.
func reportSeed(t *testing.T, spec string, args []string) (seed uint64, jobID string) {
	t.Helper()
	stdout, stderr, err := runCLI(t, append(args, "--state-dir", t.TempDir())...)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var plan struct {
		JobID  string `json:"jobId"`
		Chunks int    `json:"chunks"`
	}
	if err := json.Unmarshal([]byte(stdout), &plan); err != nil || plan.JobID == "" {
		t.Fatalf("run --json: %v\n%s", err, stdout)
	}
	for seed = 1; seed < 10_000; seed++ {
		fs, err := faults.Parse(spec, seed)
		if err != nil {
			t.Fatal(err)
		}
		var retry, duplicate, straggler bool
		for c := range plan.Chunks {
			fk := fmt.Sprintf("%s/%d", plan.JobID, c)
			slow, twice := fs.Fire("mapper.slow", fk), fs.Fire("mapper.duplicate", fk)
			crash, twinCrash := fs.Fire("mapper.crash.before-commit", fk), fs.Fire("mapper.crash.before-commit", fk+"/dup")
			straggler = straggler || slow
			retry = retry || (!twice && crash)
			duplicate = duplicate || (twice && !crash && !twinCrash)
		}
		if retry && duplicate && straggler {
			return seed, plan.JobID
		}
	}
	t.Fatalf("no seed below 10,000 lands a retry, a duplicate and a straggler on first attempts of job %s (%d chunks)", plan.JobID, plan.Chunks)
	return 0, ""
}

// chromium finds Debian's chromium; on CI, as root, it installs it when it is missing. It
// never skips: a machine that cannot run the browser test fails it.
func chromium(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" && os.Geteuid() == 0 {
		for _, args := range [][]string{{"apt-get", "update"}, {"apt-get", "install", "-y", "--no-install-recommends", "chromium"}} {
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("chromium is missing and %s failed: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		if p, err := exec.LookPath("chromium"); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: the report's browser test needs Debian's chromium package (apt-get install chromium); on CI as root it installs itself")
	return ""
}

// dumpDOM loads file in headless chromium, lets its scripts run, and returns the DOM.
func dumpDOM(t *testing.T, file string) string {
	t.Helper()
	// It bounds a hang only: chromium starts in seconds, but over a minute on a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium(t), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+file)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, stderr.String())
	}
	return string(out)
}

var barRE = regexp.MustCompile(`<rect class="bar [^"]*" data-attempt="([^"]+)" data-phase="([^"]+)" data-chunk="(-?\d+)" data-outcome="([^"]+)"`)

// TestReportInBrowser: a job with retries, duplicates and a straggler; its report, opened in
// headless chromium, drew one timeline bar per attempt record, and every chunk's committed
// attempt in the ledger is among them.
func TestReportInBrowser(t *testing.T) {
	t.Setenv(envRetryScale, "0.001")
	f := newFixture(t)
	enginetest.Replayable(t, f.dir, filepath.Base(f.text)) // the same job ID, so the same faults, every run
	const spec = "mapper.crash.before-commit=0.25,mapper.duplicate=0.25,mapper.slow=0.05"
	// No backup attempts: a backup starts when a loaded machine's clock says so, asks
	// the chunk's fault keys out of turn and may cancel the attempts it races.
	args := []string{"run", "--job", "wordcount", "--input", filepath.Base(f.text), "--output", "wc.tsv", "--chunk-size", "16KiB",
		"--concurrency", "4", "--backups=false", "--json"}
	seed, planned := reportSeed(t, spec, args)
	state := t.TempDir()
	stdout, stderr, err := runCLI(t, append(args, "--state-dir", state, "--faults", spec, "--fault-seed", fmt.Sprint(seed))...)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	id := jobIDOf(t, stdout)
	if id != planned {
		t.Fatalf("job %s, planned as %s: the seed was chosen for another job's faults", id, planned)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	if _, stderr, err := runCLI(t, "report", id, "--html", page, "--state-dir", state); err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	html := testutil.ReadFile(t, page)
	for _, banned := range []string{"http://", "https://", "<link", "src="} {
		if strings.Contains(string(html), banned) {
			t.Errorf("the report is not self-contained: it has %q", banned)
		}
	}

	atts, err := listLocalAttempts(t, state, id)
	if err != nil {
		t.Fatal(err)
	}
	local, err := engine.Open(context.Background(), state, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	commits, err := local.Ledger.Chunks(context.Background(), id)
	local.Close()
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, a := range atts {
		outcomes[a.Outcome]++
	}
	if outcomes[attempts.OutcomeFailed] == 0 || outcomes[attempts.OutcomeDuplicate] == 0 {
		t.Fatalf("the faults made no retries or no duplicates (%v): the test shows nothing", outcomes)
	}

	dom := dumpDOM(t, page)
	bars := barRE.FindAllStringSubmatch(dom, -1)
	if len(bars) != len(atts) {
		t.Fatalf("the timeline has %d bars for %d attempt records", len(bars), len(atts))
	}
	m := regexp.MustCompile(`data-bars-drawn="(\d+)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatal("the report's script did not run in chromium (no data-bars-drawn)")
	}
	if drawn, _ := strconv.Atoi(m[1]); drawn != len(atts) {
		t.Fatalf("chromium laid out %d visible bars for %d attempts", drawn, len(atts))
	}
	committed := map[string]int{} // attempt ID -> chunk, of the committed bars
	perOutcome := map[string]int{}
	for _, b := range bars {
		perOutcome[b[4]]++
		if b[4] == attempts.OutcomeCommitted {
			n, _ := strconv.Atoi(b[3])
			committed[b[1]] = n
		}
	}
	for o, n := range outcomes {
		if perOutcome[o] != n {
			t.Errorf("%d %s bars for %d %s attempts", perOutcome[o], o, n, o)
		}
	}
	if len(commits) == 0 {
		t.Fatal("the ledger has no commits")
	}
	for _, c := range commits {
		if n, ok := committed[c.Attempt]; !ok || n != c.Chunk {
			t.Errorf("the ledger's commit of chunk %d (attempt %s) has no committed bar", c.Chunk, c.Attempt)
		}
	}
	if len(committed) != len(commits) {
		t.Errorf("%d committed bars for %d ledger commits", len(committed), len(commits))
	}
}

func TestReportErrors(t *testing.T) {
	state := t.TempDir()
	out := filepath.Join(t.TempDir(), "o")
	in := testutil.WriteFile(t, t.TempDir(), "in.txt", []byte("a b c\n"))
	if _, stderr, err := runCLI(t, "run", "--job", "wordcount", "--input", in, "--output", out, "--state-dir", state); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no job id", []string{"report", "--state-dir", state}, "JOBID is required"},
		{"unknown job", []string{"report", "wordcount-nope", "--state-dir", state}, "wordcount-nope"},
		{"no state", []string{"report", "x", "--state-dir", filepath.Join(state, "missing")}, "has no ledger"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
