package cli

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scattergather/scattergather/internal/faults"
)

var chaosRuns = flag.Int("chaos.runs", 2, "seeded chaos runs per job (make chaos RUNS=N sets it)")

// chaosFaults enables every fault: crashes, throttles and timeouts at a high
// rate, duplicates often, stragglers rarely (each costs 2 s of wall time).
func chaosFaults() string {
	var parts []string
	for _, f := range faults.Catalog {
		p := "0.15"
		switch f.Name {
		case "mapper.slow":
			p = "0.02"
		case "mapper.duplicate":
			p = "0.3"
		}
		parts = append(parts, f.Name+"="+p)
	}
	return strings.Join(parts, ",")
}

var (
	jobIDPattern    = regexp.MustCompile(`job ([a-z]+-[0-9a-f]{24})`)
	injectedPattern = regexp.MustCompile(`faults injected: (.*)`)
)

// TestChaos: for every job, seeded runs with every fault enabled end, after
// as many resumes as they need, with output byte-identical to the reference.
func TestChaos(t *testing.T) {
	t.Setenv(envRetryScale, "0.002")
	t.Setenv(envFanIn, "3") // the state machine's gather tree runs under the faults too
	f := newFixture(t)
	spec := chaosFaults()
	var passed, failed, resumes atomic.Int64
	var seeds []string
	injected := map[string]int64{}
	count := func(stderr string) {
		for _, m := range injectedPattern.FindAllStringSubmatch(stderr, -1) {
			for _, kv := range strings.Fields(m[1]) {
				name, n, _ := strings.Cut(kv, "=")
				v, _ := strconv.ParseInt(n, 10, 64)
				injected[name] += v
			}
		}
	}
	for _, c := range f.cases() {
		job, p := params(t, c.args)
		want := referenceAnswer(t, job, p, c.ref)
		for run := 0; run < *chaosRuns; run++ {
			seed := uint64(1000*len(seeds) + run + 1)
			seeds = append(seeds, fmt.Sprintf("%s:%d", c.name, seed))
			t.Run(fmt.Sprintf("%s/seed=%d", c.name, seed), func(t *testing.T) {
				state, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
				runArgs := func(seed uint64) []string {
					args := append([]string{"run", "--output", out, "--chunk-size", "24KiB", "--concurrency", "8",
						"--state-dir", state, "--faults", spec, "--fault-seed", fmt.Sprint(seed)}, c.args...)
					for _, in := range c.inputs {
						args = append(args, "--input", in)
					}
					return args
				}
				_, stderr, err := runCLI(t, runArgs(seed)...)
				count(stderr)
				for attempt := 1; err != nil && attempt <= 12; attempt++ {
					retrySeed := seed + uint64(attempt)*7919
					resumes.Add(1)
					m := jobIDPattern.FindStringSubmatch(err.Error())
					if m == nil {
						// The job was never planned: the user runs the same command again.
						_, stderr, err = runCLI(t, runArgs(retrySeed)...)
						count(stderr)
						continue
					}
					_, stderr, err = runCLI(t, "resume", m[1], "--state-dir", state, "--concurrency", "8",
						"--faults", spec, "--fault-seed", fmt.Sprint(retrySeed))
					count(stderr)
				}
				if err != nil {
					failed.Add(1)
					t.Fatalf("still failing after 12 resumes: %v\n%s", err, stderr)
				}
				got, rerr := os.ReadFile(out)
				if rerr != nil || !bytes.Equal(got, want) {
					failed.Add(1)
					t.Fatalf("output differs from the fault-free reference (%d vs %d bytes): %v", len(got), len(want), rerr)
				}
				passed.Add(1)
			})
		}
	}
	var total int64
	var kinds []string
	for _, f := range faults.Catalog {
		total += injected[f.Name]
		kinds = append(kinds, fmt.Sprintf("%s=%d", f.Name, injected[f.Name]))
	}
	fmt.Printf("chaos: %d passed, %d failed; %d faults injected: %s\n", passed.Load(), failed.Load(), total, strings.Join(kinds, " "))
	if total < int64(10*len(seeds)) {
		t.Errorf("only %d faults injected in %d runs: the suite is not exercising the fault paths", total, len(seeds))
	}
	t.Logf("chaos seeds: %s; resumes needed: %d", strings.Join(seeds, " "), resumes.Load())
}
