package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/job/kv"
)

// clitestCount counts the lines of each first word: a user's typed job, so
// `scatter run` may gather it by key ranges.
var clitestCount = kv.Def[string, int64]{
	Name: "clitest-count", Version: "1", Summary: "lines per first word (a test job)",
	New: func(job.Params) (kv.Job[string, int64], error) {
		return kv.Job[string, int64]{
			Key: kv.String, Value: kv.Varint,
			MapLine: func(line []byte, emit func(string, int64)) error {
				w, _, _ := strings.Cut(string(line), " ")
				emit(w, 1)
				return nil
			},
			Combine: func(a, b int64) int64 { return a + b },
			Header:  "word,lines",
			Format: func(dst []byte, k string, v int64) []byte {
				return strconv.AppendInt(append(append(dst, k...), ','), v, 10)
			},
		}, nil
	},
}.Definition()

func init() { job.Register(clitestCount) }

// TestRunPartitions: `scatter run --partitions 4` gathers a keyed job by key
// ranges (the summary says how many) into the output one reducer writes and
// the reference; --output-parts leaves the ranges as ordered part files;
// wordcount and groupby (sorted-run partials) gather by ranges into the
// one reducer's output and the reference; --partitions on a job that is not
// keyed (grep) fails naming why.
func TestRunPartitions(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in.txt")
	var b strings.Builder
	counts := map[string]int{}
	for i := range 30000 {
		w := fmt.Sprintf("w%05d", (i*7919)%4999)
		if i%3 == 0 {
			w = "hot" // a third of the lines under one key
		}
		counts[w]++
		fmt.Fprintf(&b, "%s tail %d\n", w, i)
	}
	if err := os.WriteFile(input, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	slices.Sort(words)
	want := "word,lines\n"
	for _, w := range words {
		want += fmt.Sprintf("%s,%d\n", w, counts[w])
	}
	state := filepath.Join(dir, "state")
	run := func(out string, extra ...string) (sum struct {
		Partitions int `json:"partitions"`
		Parts      int `json:"parts"`
		Chunks     int `json:"chunks"`
	}) {
		t.Helper()
		args := append([]string{"run", "--job", "clitest-count", "--input", input, "--output", out, "--state-dir", state, "--chunk-size", "32KiB", "--json"}, extra...)
		stdout, stderr, err := runCLI(t, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatalf("--json: %v: %q", err, stdout)
		}
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
	var joined []byte
	for r := range s.Parts {
		p, err := os.ReadFile(filepath.Join(parts, fmt.Sprintf("part-%05d", r)))
		if err != nil || len(p) == 0 {
			t.Fatalf("part %d of %d: %v", r, s.Parts, err)
		}
		joined = append(joined, p...)
	}
	if s.Parts < 2 || string(joined) != want {
		t.Fatalf("%d part files; joined they differ from the reference (%d vs %d bytes)", s.Parts, len(joined), len(want))
	}
	// The built-ins whose partials are sorted runs: wordcount over the
	// lines, groupby over them as CSV.
	csvInput := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(csvInput, []byte("k,tail,n\n"+strings.ReplaceAll(b.String(), " ", ",")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		job, input string
		params     jobs.Params
		flags      []string
	}{
		{"wordcount", input, nil, nil},
		{"groupby", csvInput, jobs.Params{"key": "k", "agg": "count:*,sum:n,min:n,max:n,avg:n"}, []string{"--key", "k", "--agg", "count:*,sum:n,min:n,max:n,avg:n"}},
	} {
		ref, err := reference.Run(c.job, c.params, []reference.Input{{Source: c.input, Data: []byte(mustRead(t, c.input))}})
		if err != nil {
			t.Fatal(err)
		}
		runJob := func(out string, extra ...string) (sum struct {
			Partitions int `json:"partitions"`
			Chunks     int `json:"chunks"`
		}) {
			t.Helper()
			args := append([]string{"run", "--job", c.job, "--input", c.input, "--output", out, "--state-dir", state, "--chunk-size", "32KiB", "--json"}, c.flags...)
			stdout, stderr, err := runCLI(t, append(args, extra...)...)
			if err != nil {
				t.Fatalf("%v: %v\n%s", args, err, stderr)
			}
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
				t.Fatalf("--json: %v: %q", err, stdout)
			}
			return sum
		}
		one, ranged := filepath.Join(dir, c.job+"-one"), filepath.Join(dir, c.job+"-ranged")
		if s := runJob(one, "--partitions", "1"); s.Partitions != 0 || s.Chunks < 4 {
			t.Fatalf("%s --partitions 1: %+v, want one reducer over several chunks", c.job, s)
		}
		if s := runJob(ranged, "--partitions", "4"); s.Partitions < 2 || s.Partitions > 4 {
			t.Fatalf("%s --partitions 4: summary says %d ranges", c.job, s.Partitions)
		}
		if got1, gotP := mustRead(t, one), mustRead(t, ranged); got1 != string(ref) || gotP != got1 {
			t.Fatalf("%s: outputs differ: one reducer %d bytes, by ranges %d, reference %d", c.job, len(got1), len(gotP), len(ref))
		}
	}
	_, stderr, err := runCLI(t, "run", "--job", "grep", "--pattern", "hot", "--input", input, "--output", filepath.Join(dir, "grep.txt"), "--state-dir", state, "--partitions", "4")
	if err == nil || !strings.Contains(err.Error()+stderr, "not sorted runs") {
		t.Fatalf("--partitions 4 on grep: %v %s; want a failure saying its partials are not sorted runs", err, stderr)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
