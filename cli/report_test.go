package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/pipeline"
	jobreport "github.com/scattergather/scattergather/internal/report"
	"github.com/scattergather/scattergather/internal/report/attempts"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
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
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
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
	state, out := t.TempDir(), filepath.Join(t.TempDir(), "wc.tsv")
	stdout, stderr, err := runCLI(t, "run", "--job", "wordcount", "--input", f.text, "--output", out, "--chunk-size", "16KiB",
		"--concurrency", "4", "--state-dir", state, "--json",
		"--faults", "mapper.crash.before-commit=0.25,mapper.duplicate=0.25,mapper.slow=0.05", "--fault-seed", "11")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	id := jobIDOf(t, stdout)
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
