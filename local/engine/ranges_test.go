package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/job/kv"
	"github.com/scattergather/scattergather/local/engine"
)

// rangeSum sums the number after the space of each "key number" line, per
// key: a typed (keyed) job, so it may be gathered by key ranges.
var rangeSum = kv.Def[[]byte, int64]{
	Name: "rangetest-sum", Version: "1", Summary: "sum per key (a test job)",
	New: func(job.Params) (kv.Job[[]byte, int64], error) {
		return kv.Job[[]byte, int64]{
			Key: kv.Bytes, Value: kv.Varint,
			MapLine: func(line []byte, emit func([]byte, int64)) error {
				k, v, ok := bytes.Cut(line, []byte{' '})
				n, err := strconv.ParseInt(string(v), 10, 64)
				if !ok || err != nil {
					return kv.Skip("not a key and a number")
				}
				emit(k, n)
				return nil
			},
			Combine: func(a, b int64) int64 { return a + b },
			Header:  "key\tsum",
			Format: func(dst, k []byte, v int64) []byte {
				return strconv.AppendInt(append(append(dst, k...), '\t'), v, 10)
			},
		}, nil
	},
}.Definition()

func init() { job.Register(rangeSum) }

// skewedInput writes n lines of keys drawn as skew says and returns the
// reference output: the header and one line per key in byte order.
func skewedInput(t *testing.T, rng *rand.Rand, path, skew string, n int) []byte {
	t.Helper()
	sums := map[string]int64{}
	var b strings.Builder
	pool := make([]string, 1+rng.IntN(3000))
	for i := range pool {
		// Shared prefixes, varied lengths, bytes above 0x7f: byte order is not string length order.
		pool[i] = fmt.Sprintf("%s%x\xc3\xa9%d", []string{"a", "ab", "b", "zz"}[i%4], rng.Uint32()%uint32(1+i*7), i)
	}
	for i := range n {
		var k string
		switch skew {
		case "half-one-key":
			if i%2 == 0 {
				k = "the-heavy-key"
			} else {
				k = pool[rng.IntN(len(pool))]
			}
		case "all-distinct":
			k = fmt.Sprintf("k%09d-%d", rng.Uint32(), i)
		default:
			k = pool[rng.IntN(len(pool))]
		}
		v := rng.Int64N(2000) - 1000
		sums[k] += v
		fmt.Fprintf(&b, "%s %d\n", k, v)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ref := []byte("key\tsum\n")
	for _, k := range keys {
		ref = fmt.Appendf(ref, "%s\t%d\n", k, sums[k])
	}
	return ref
}

// runSum runs rangetest-sum through the shipped definition on the local
// engine and returns its summary.
func runSum(t *testing.T, local *engine.Local, in pipeline.PlanInput) pipeline.Summary {
	t.Helper()
	in.Job = rangeSum.Name
	return runRanged(t, local, in)
}

// rangeJob is a job gathered by key ranges in the property test, and the
// input it reads: the built-ins wordcount and groupby, whose partials are
// sorted runs too, and the kv test job.
type rangeJob struct {
	name   string
	params job.Params
	csv    bool // reads the input as CSV "k,v" with a header
}

var rangeJobs = []rangeJob{
	{rangeSum.Name, nil, false},
	{"wordcount", nil, false},
	{"groupby", job.Params{"key": "k", "agg": "sum:v,min:v,max:v,count:*,avg:v"}, true},
}

// asCSV rewrites "key number" lines as the CSV rows of a "k,v" table.
func asCSV(t *testing.T, path string) string {
	t.Helper()
	b := readFile(t, path)
	out := append([]byte("k,v\n"), bytes.ReplaceAll(b, []byte{' '}, []byte{','})...)
	csvPath := path + ".csv"
	if err := os.WriteFile(csvPath, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return csvPath
}

// reference is the output of j over the input at path, by the jobs'
// reference implementation (rangetest-sum's is ref).
func (j rangeJob) reference(t *testing.T, path string, ref []byte) []byte {
	t.Helper()
	if j.name == rangeSum.Name {
		return ref
	}
	out, err := reference.Run(j.name, j.params, []reference.Input{{Source: path, Data: readFile(t, path)}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runRanged runs in.Job through the shipped definition on the local engine and
// returns its summary.
func runRanged(t *testing.T, local *engine.Local, in pipeline.PlanInput) pipeline.Summary {
	t.Helper()
	ctx := context.Background()
	eng := &engine.Engine{Handler: local.Handler, MaxParallel: 4, NoBackups: true, Sleep: func(context.Context, time.Duration) error { return nil }}
	res, err := eng.Run(ctx, in)
	if err != nil {
		t.Fatalf("run %+v: %v", in, err)
	}
	var sum pipeline.Summary
	if err := json.Unmarshal(readFile(t, res.Gather.Summary), &sum); err != nil {
		t.Fatal(err)
	}
	return sum
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRangeGatherProperty: for random inputs, chunk sizes, partition counts
// and key skews (one key holding half the records; all keys distinct; a pool
// of keys), and for the kv test job, wordcount and groupby, the output
// gathered by key ranges is byte-identical to the one reducer's and to the
// reference; left as part files, every part holds keys
// of its own, in order, every key of a part below every key of the next, and
// the parts in order are the output.
func TestRangeGatherProperty(t *testing.T) {
	ctx := context.Background()
	skews := []string{"half-one-key", "all-distinct", "pool"}
	for seed := range 9 {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		skew := skews[seed%len(skews)]
		chunk := int64(512 + rng.IntN(16<<10))
		p := 2 + rng.IntN(9)
		t.Run(fmt.Sprintf("seed%d-%s-chunk%d-p%d", seed, skew, chunk, p), func(t *testing.T) {
			dir := t.TempDir()
			local, err := engine.Open(ctx, filepath.Join(dir, "state"), engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer local.Close()
			lines := filepath.Join(dir, "in.txt")
			sumRef := skewedInput(t, rng, lines, skew, 2000+rng.IntN(20000))
			csvInput := asCSV(t, lines)
			for _, j := range rangeJobs {
				input := lines
				if j.csv {
					input = csvInput
				}
				ref := j.reference(t, input, sumRef)
				run := func(out string, p int, parts bool) pipeline.Summary {
					return runRanged(t, local, pipeline.PlanInput{Job: j.name, Params: j.params, Inputs: []string{input}, Output: filepath.Join(dir, j.name+out), ChunkSize: chunk, Partitions: p, OutputParts: parts})
				}
				one, ranged := run("one", 1, false), run("ranged", p, false)
				if one.Partitions != 0 || ranged.Partitions < 2 || ranged.Partitions > p || ranged.Chunks < 2 {
					t.Fatalf("%s: one reducer gathered in %d ranges, the partitioned run in %d of %d asked over %d chunks", j.name, one.Partitions, ranged.Partitions, p, ranged.Chunks)
				}
				got1, gotP := readFile(t, one.Output), readFile(t, ranged.Output)
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
		b := readFile(t, pipeline.PartLocation(sum.Output, r))
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
// the kv test job, wordcount and groupby.
func TestRangeGatherFaults(t *testing.T) {
	ctx := context.Background()
	for _, spec := range []string{"reducer.range.crash.mid-range=0.3", "reducer.range.crash.before-commit=0.3", "reducer.range.duplicate=1", "reducer.range.crash.mid-range=0.3,reducer.range.crash.before-commit=0.3,reducer.range.duplicate=0.5,ledger.timeout=0.1,blob.timeout=0.05"} {
		t.Run(spec, func(t *testing.T) {
			fired := map[string]int64{}
			for seed := range uint64(3) {
				dir := t.TempDir()
				fs, err := faults.Parse(spec, seed)
				if err != nil {
					t.Fatal(err)
				}
				local, err := engine.Open(ctx, filepath.Join(dir, "state"), engine.Options{Faults: fs})
				if err != nil {
					t.Fatal(err)
				}
				input := filepath.Join(dir, "in.txt")
				ref := skewedInput(t, rand.New(rand.NewPCG(seed, 3)), input, "pool", 8000)
				j := rangeJobs[seed%uint64(len(rangeJobs))] // each job under every fault spec
				if j.csv {
					input = asCSV(t, input)
				}
				ref = j.reference(t, input, ref)
				sum := runRanged(t, local, pipeline.PlanInput{Job: j.name, Params: j.params, Inputs: []string{input}, Output: filepath.Join(dir, "out.tsv"), ChunkSize: 4 << 10, Partitions: 5})
				local.Close()
				if got := readFile(t, sum.Output); sum.Partitions < 2 || !bytes.Equal(got, ref) {
					t.Fatalf("%s, seed %d, %d ranges, faults %s: output differs from the reference (%d vs %d bytes)", j.name, seed, sum.Partitions, fs, len(got), len(ref))
				}
				for k, v := range fs.Fired() {
					fired[k] += v
				}
			}
			for _, item := range strings.Split(spec, ",") {
				name, _, _ := strings.Cut(item, "=")
				if strings.HasPrefix(name, "reducer.range.") && fired[name] == 0 {
					t.Errorf("fault %s never fired in 3 seeded runs: the test tested nothing", name)
				}
			}
			t.Logf("faults fired: %v", fired)
		})
	}
}
