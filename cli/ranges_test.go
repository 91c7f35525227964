package cli

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/internal/testutil/sumjob"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// TestRunPartitions: `scatter run --partitions 4` gathers a keyed job by key
// ranges (the summary says how many) into the output one reducer writes and
// the reference; --output-parts leaves the ranges as ordered part files;
// wordcount and groupby (sorted-run partials) gather by ranges into the one
// reducer's output and the reference; --partitions on a job that is not
// keyed (grep) fails naming why.
func TestRunPartitions(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in.txt")
	want := string(sumjob.SkewedInput(t, rand.New(rand.NewPCG(1, 2)), input, sumjob.HalfOneKey, 30000))
	state := filepath.Join(dir, "state")
	run := func(out string, extra ...string) (sum struct {
		Partitions int `json:"partitions"`
		Parts      int `json:"parts"`
		Chunks     int `json:"chunks"`
	}) {
		t.Helper()
		runJSON(t, &sum, append([]string{"run", "--job", sumjob.Def.Name, "--input", input, "--output", out, "--state-dir", state, "--chunk-size", "32KiB", "--json"}, extra...)...)
		return sum
	}
	one := filepath.Join(dir, "one.csv")
	if s := run(one, "--partitions", "1"); s.Partitions != 0 || s.Chunks < 4 {
		t.Fatalf("--partitions 1: %+v, want one reducer over several chunks", s)
	}
	ranged := filepath.Join(dir, "ranged.csv")
	if s := run(ranged, "--partitions", "4"); s.Partitions < 2 || s.Partitions > 4 {
		t.Fatalf("--partitions 4: summary says %d ranges", s.Partitions)
	}
	got1, _ := os.ReadFile(one)
	gotP, _ := os.ReadFile(ranged)
	if string(got1) != want || !bytes.Equal(gotP, got1) {
		t.Fatalf("outputs differ: one reducer %d bytes, by ranges %d, reference %d", len(got1), len(gotP), len(want))
	}
	parts := filepath.Join(dir, "parts")
	s := run(parts, "--partitions", "3", "--output-parts")
	joined := enginetest.ReadParts(t, parts, s.Parts)
	if s.Parts < 2 || string(joined) != want {
		t.Fatalf("%d part files; joined they differ from the reference (%d vs %d bytes)", s.Parts, len(joined), len(want))
	}
	// The built-ins whose partials are sorted runs: wordcount over the
	// lines, groupby over them as CSV.
	csvInput := testutil.WriteFile(t, dir, "in.csv", []byte("k,n\n"+strings.ReplaceAll(string(testutil.ReadFile(t, input)), " ", ",")))
	for _, c := range []struct {
		job, input string
		params     jobs.Params
		flags      []string
	}{
		{"wordcount", input, nil, nil},
		{"groupby", csvInput, jobs.Params{"key": "k", "agg": "count:*,sum:n,min:n,max:n,avg:n"}, []string{"--key", "k", "--agg", "count:*,sum:n,min:n,max:n,avg:n"}},
	} {
		ref := referenceAnswer(t, c.job, c.params, []reference.Input{{Source: c.input, Data: testutil.ReadFile(t, c.input)}})
		runJob := func(out string, extra ...string) (sum struct {
			Partitions int `json:"partitions"`
			Chunks     int `json:"chunks"`
		}) {
			t.Helper()
			args := append([]string{"run", "--job", c.job, "--input", c.input, "--output", out, "--state-dir", state, "--chunk-size", "32KiB", "--json"}, c.flags...)
			runJSON(t, &sum, append(args, extra...)...)
			return sum
		}
		one, ranged := filepath.Join(dir, c.job+"-one"), filepath.Join(dir, c.job+"-ranged")
		if s := runJob(one, "--partitions", "1"); s.Partitions != 0 || s.Chunks < 4 {
			t.Fatalf("%s --partitions 1: %+v, want one reducer over several chunks", c.job, s)
		}
		if s := runJob(ranged, "--partitions", "4"); s.Partitions < 2 || s.Partitions > 4 {
			t.Fatalf("%s --partitions 4: summary says %d ranges", c.job, s.Partitions)
		}
		if got1, gotP := string(testutil.ReadFile(t, one)), string(testutil.ReadFile(t, ranged)); got1 != string(ref) || gotP != got1 {
			t.Fatalf("%s: outputs differ: one reducer %d bytes, by ranges %d, reference %d", c.job, len(got1), len(gotP), len(ref))
		}
	}
	_, stderr, err := runCLI(t, "run", "--job", "grep", "--pattern", "a", "--input", input, "--output", filepath.Join(dir, "grep.txt"), "--state-dir", state, "--partitions", "4")
	if err == nil || !strings.Contains(err.Error()+stderr, "not sorted runs") {
		t.Fatalf("--partitions 4 on grep: %v %s; want a failure saying its partials are not sorted runs", err, stderr)
	}
	// A query that is not keyed is told which queries are.
	_, stderr, err = runCLI(t, "sql", "SELECT k FROM '"+csvInput+"' ORDER BY k LIMIT 3", "--output", filepath.Join(dir, "top.csv"), "--state-dir", state, "--partitions", "4")
	if err == nil || !strings.Contains(err.Error()+stderr, "ORDER BY without LIMIT") {
		t.Fatalf("--partitions 4 on a query with LIMIT: %v %s; want a failure naming the queries whose partials are sorted runs", err, stderr)
	}
}
