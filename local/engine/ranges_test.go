package engine_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/internal/testutil/sumjob"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// runSum runs the sum job through the shipped definition on the local engine and
// returns its summary.
func runSum(t *testing.T, local *engine.Local, in pipeline.PlanInput) pipeline.Summary {
	t.Helper()
	in.Job = sumjob.Def.Name
	_, sum := enginetest.Run(t, local, in)
	return sum
}

// rangeJob is a job gathered by key ranges in the property test, and the
// input it reads: the built-ins wordcount and groupby, whose partials are
// sorted runs too, and the kv sum job.
type rangeJob struct {
	name   string
	params job.Params
	csv    bool // reads the input as CSV "k,v" with a header
}

var rangeJobs = []rangeJob{
	{sumjob.Def.Name, nil, false},
	{"wordcount", nil, false},
	{"groupby", job.Params{"key": "k", "agg": "sum:v,min:v,max:v,count:*,avg:v"}, true},
}

// asCSV rewrites the "key number" lines at path as the CSV rows of a "k,v"
// table, beside it.
func asCSV(t *testing.T, path string) string {
	t.Helper()
	b := testutil.ReadFile(t, path)
	out := append([]byte("k,v\n"), bytes.ReplaceAll(b, []byte{' '}, []byte{','})...)
	return testutil.WriteFile(t, filepath.Dir(path), filepath.Base(path)+".csv", out)
}

// reference is the output of j over the input at path, by the jobs'
// reference implementation (the sum job's is sumRef).
func (j rangeJob) reference(t *testing.T, path string, sumRef []byte) []byte {
	t.Helper()
	if j.name == sumjob.Def.Name {
		return sumRef
	}
	out, err := reference.Run(j.name, j.params, []reference.Input{{Source: path, Data: testutil.ReadFile(t, path)}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRangeGatherProperty: for random inputs, chunk sizes, partition counts
// and key skews (one key holding half the records; all keys distinct; a pool
// of keys), and for the kv sum job, wordcount and groupby, the output
// gathered by key ranges is byte-identical to the one reducer's and to the
// reference; left as part files, every part holds keys
// of its own, in order, every key of a part below every key of the next, and
// the parts in order are the output.
func TestRangeGatherProperty(t *testing.T) {
	skews := []sumjob.Skew{sumjob.HalfOneKey, sumjob.AllDistinct, sumjob.Pool}
	for seed := range 9 {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		skew := skews[seed%len(skews)]
		chunk := int64(512 + rng.IntN(16<<10))
		p := 2 + rng.IntN(9)
		t.Run(fmt.Sprintf("seed%d-%s-chunk%d-p%d", seed, skew, chunk, p), func(t *testing.T) {
			local, dir := enginetest.Open(t, engine.Options{})
			lines := filepath.Join(dir, "in.txt")
			sumRef := sumjob.SkewedInput(t, rng, lines, skew, 2000+rng.IntN(20000))
			csvInput := asCSV(t, lines)
			for _, j := range rangeJobs {
				input := lines
				if j.csv {
					input = csvInput
				}
				ref := j.reference(t, input, sumRef)
				run := func(out string, p int, parts bool) pipeline.Summary {
					_, sum := enginetest.Run(t, local, pipeline.PlanInput{Job: j.name, Params: j.params, Inputs: []string{input}, Output: filepath.Join(dir, j.name+out), ChunkSize: chunk, Partitions: p, OutputParts: parts})
					return sum
				}
				one, ranged := run("one", 1, false), run("ranged", p, false)
				if one.Partitions != 0 || ranged.Partitions < 2 || ranged.Partitions > p || ranged.Chunks < 2 {
					t.Fatalf("%s: one reducer gathered in %d ranges, the partitioned run in %d of %d asked over %d chunks", j.name, one.Partitions, ranged.Partitions, p, ranged.Chunks)
				}
				got1, gotP := testutil.ReadFile(t, one.Output), testutil.ReadFile(t, ranged.Output)
				if !bytes.Equal(got1, ref) {
					t.Fatalf("%s: one reducer's output differs from the reference (%d vs %d bytes)", j.name, len(got1), len(ref))
				}
				if !bytes.Equal(gotP, got1) {
					t.Fatalf("%s: %d key ranges: output differs from the one reducer's (%d vs %d bytes)", j.name, ranged.Partitions, len(gotP), len(got1))
				}
				if ranged.RecordsOut != one.RecordsOut {
					t.Fatalf("%s: records out: %d by ranges, %d by one reducer", j.name, ranged.RecordsOut, one.RecordsOut)
				}
				checkParts(t, run("parts", p, true), ref, j.csv, j.name != "wordcount")
				t.Logf("%s: %d chunks, %d keys, %d ranges", j.name, ranged.Chunks, ranged.RecordsOut, ranged.Partitions)
			}
		})
	}
}

// checkParts checks an output left as part files: each part's keys are in
// order and its own (above the previous part's), no part is empty, and the
// parts in order are the reference.
func checkParts(t *testing.T, sum pipeline.Summary, ref []byte, csv, header bool) {
	t.Helper()
	if sum.Parts < 2 || sum.Parts != sum.Partitions {
		t.Fatalf("%d part files of %d ranges", sum.Parts, sum.Partitions)
	}
	var all []byte
	var prev string
	for r := range sum.Parts {
		b := testutil.ReadFile(t, pipeline.PartLocation(sum.Output, r))
		all = append(all, b...)
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if r == 0 && header {
			lines = lines[1:] // the header
		}
		if len(lines) == 0 || lines[0] == "" {
			t.Fatalf("part %d of %d holds no keys", r, sum.Parts)
		}
		for _, l := range lines {
			sep := "\t"
			if csv {
				sep = ","
			}
			k, _, _ := strings.Cut(l, sep)
			if k <= prev && !(r == 0 && prev == "") {
				t.Fatalf("part %d: key %q does not sort after %q", r, k, prev)
			}
			prev = k
		}
	}
	if !bytes.Equal(all, ref) {
		t.Fatalf("the %d parts in order differ from the reference (%d vs %d bytes)", sum.Parts, len(all), len(ref))
	}
}

// TestRangeGatherFaults: range reducers that die halfway through a range,
// die before committing it, or run twice at once leave the output unchanged:
// the retries commit each range once. The three seeds of each fault spec run
// the kv sum job, wordcount and groupby.
func TestRangeGatherFaults(t *testing.T) {
	for _, spec := range []string{"reducer.range.crash.mid-range=0.3", "reducer.range.crash.before-commit=0.3", "reducer.range.duplicate=1", "reducer.range.crash.mid-range=0.3,reducer.range.crash.before-commit=0.3,reducer.range.duplicate=0.5,ledger.timeout=0.1,blob.timeout=0.05"} {
		t.Run(spec, func(t *testing.T) {
			seededRangeFaults(t, spec, 3, func(seed uint64, fs *faults.Set) {
				local, dir := enginetest.Open(t, engine.Options{Faults: fs})
				input := filepath.Join(dir, "in.txt")
				ref := sumjob.SkewedInput(t, rand.New(rand.NewPCG(seed, 3)), input, sumjob.Pool, 8000)
				j := rangeJobs[seed%uint64(len(rangeJobs))] // each job under every fault spec
				if j.csv {
					input = asCSV(t, input)
				}
				ref = j.reference(t, input, ref)
				input = filepath.Base(input)
				enginetest.Replayable(t, dir, input) // the seed's faults replay: the same job ID every run
				_, sum := enginetest.Run(t, local, pipeline.PlanInput{Job: j.name, Params: j.params, Inputs: []string{input}, Output: "out.tsv", ChunkSize: 4 << 10, Partitions: 5})
				if got := testutil.ReadFile(t, sum.Output); sum.Partitions < 2 || !bytes.Equal(got, ref) {
					t.Fatalf("%s, seed %d, %d ranges, faults %s: output differs from the reference (%d vs %d bytes)", j.name, seed, sum.Partitions, fs, len(got), len(ref))
				}
			})
		})
	}
}

// seededRangeFaults runs run with the faults of spec under the seeds 0 to seeds-1, then
// fails t when a reducer.range fault of spec never fired in those runs: the test tested
// nothing.
func seededRangeFaults(t *testing.T, spec string, seeds uint64, run func(seed uint64, fs *faults.Set)) {
	t.Helper()
	fired := map[string]int64{}
	for seed := range seeds {
		fs, err := faults.Parse(spec, seed)
		if err != nil {
			t.Fatal(err)
		}
		run(seed, fs)
		for k, v := range fs.Fired() {
			fired[k] += v
		}
	}
	for _, item := range strings.Split(spec, ",") {
		name, _, _ := strings.Cut(item, "=")
		if (strings.HasPrefix(name, "reducer.range.") || strings.HasPrefix(name, "reducer.sort.")) && fired[name] == 0 {
			t.Errorf("fault %s never fired in the seeded runs: the test tested nothing", name)
		}
	}
	t.Logf("faults fired: %v", fired)
}
