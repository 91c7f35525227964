package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil/sumjob"
)

// TestRunPartitions: `scatter run --partitions 4` gathers a keyed job by key
// ranges (the summary says how many) into the output one reducer writes and
// the reference; --output-parts leaves the ranges as ordered part files;
// --partitions on a job that is not keyed fails naming why.
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
		args := append([]string{"run", "--job", sumjob.Def.Name, "--input", input, "--output", out, "--state-dir", state, "--chunk-size", "32KiB", "--json"}, extra...)
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
	_, stderr, err := runCLI(t, "run", "--job", "wordcount", "--input", input, "--output", filepath.Join(dir, "wc.tsv"), "--state-dir", state, "--partitions", "4")
	if err == nil || !strings.Contains(err.Error()+stderr, "not sorted runs of a keyed job") {
		t.Fatalf("--partitions 4 on wordcount: %v %s; want a failure saying it is not a keyed job", err, stderr)
	}
}
