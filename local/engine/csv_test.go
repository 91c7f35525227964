package engine_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/split"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// pythonCSV is a file as Python's csv module writes one: CRLF rows, quoted
// fields with commas and doubled quotes, a newline inside quotes in one row
// in eight, and amounts written "  7", "7 ", "5.", ".5", "+3".
func pythonCSV(rows int) []byte {
	r := rand.New(rand.NewPCG(16, 2026))
	cities := []string{`"Washington, D.C."`, "Boston", `"Springfield ""IL"""`, "Oslo", `"Zürich, CH"`}
	amounts := []string{"  7", "7 ", "5.", ".5", "+3", "12.25", "-1.5e1", "1_000", "100"}
	var b bytes.Buffer
	b.WriteString("id,city,amount,note\r\n")
	for i := 0; i < rows; i++ {
		note := fmt.Sprintf("n%d", r.IntN(100))
		if i%8 == 3 {
			note = fmt.Sprintf("\"line one\r\nline \"\"two\"\", %d\"", i)
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s\r\n", i, cities[r.IntN(len(cities))], amounts[r.IntN(len(amounts))], note)
	}
	return b.Bytes()
}

// runJob runs one job over data through the local engine (the state machine, the
// splitter, mappers, ledger and reducer) and returns its output and summary.
func runJob(t *testing.T, job string, params jobs.Params, data []byte, chunk int64, fanIn ...int) (string, pipeline.Summary) {
	t.Helper()
	local, dir := enginetest.Open(t, engine.Options{})
	if len(fanIn) > 0 {
		local.Handler.FanIn = fanIn[0]
	}
	in := testutil.WriteFile(t, dir, "in.csv", data)
	out, sum := enginetest.Run(t, local, pipeline.PlanInput{Job: job, Params: params, Inputs: []string{in}, Output: filepath.Join(dir, "out.csv"), ChunkSize: chunk})
	return string(out), sum
}

// TestGroupbyPythonCSVEveryChunkSize: groupby over a Python-written CSV
// through the local pipeline gives the single-chunk answer at every chunk
// size (small ones cut inside quoted newlines and make a gather tree), and
// that answer is what encoding/csv and exact arithmetic give.
func TestGroupbyPythonCSVEveryChunkSize(t *testing.T) {
	data := pythonCSV(800)
	params := jobs.Params{"key": "city", "agg": "sum:amount,count:amount"}
	want, wantSum := runJob(t, "groupby", params, data, 1<<20)
	if wantSum.Chunks != 1 || wantSum.Skipped != 0 || wantSum.RecordsIn != 800 {
		t.Fatalf("single chunk: %d chunks, %d records, %d skipped %v; want 1, 800, 0", wantSum.Chunks, wantSum.RecordsIn, wantSum.Skipped, wantSum.SkipReasons)
	}
	if ref := goGroupby(t, data); want != ref {
		t.Fatalf("single chunk output\n%s\nencoding/csv and big.Rat\n%s", want, ref)
	}
	for _, chunk := range []int64{61, 200, 1000, 4096} {
		got, sum := runJob(t, "groupby", params, data, chunk)
		if got != want || sum.RecordsIn != 800 || sum.Skipped != 0 {
			t.Fatalf("chunk size %d (%d chunks, %d re-read): %d records, %d skipped, output\n%s\nwant\n%s", chunk, sum.Chunks, sum.CSVRereads, sum.RecordsIn, sum.Skipped, got, want)
		}
		t.Logf("chunk size %d: %d chunks, %d read again, %d gather levels", chunk, sum.Chunks, sum.CSVRereads, sum.GatherLevels)
	}
}

// goGroupby is the groupby answer computed with encoding/csv and big.Rat
// (amounts trimmed and "5." and "1_000" spelled out), formatted as the job
// formats sums: the largest scale among the inputs, here 2.
func goGroupby(t *testing.T, data []byte) string {
	cr := csv.NewReader(bytes.NewReader(data))
	if _, err := cr.Read(); err != nil {
		t.Fatal(err)
	}
	sums, counts := map[string]*big.Rat{}, map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		a := strings.TrimSuffix(strings.ReplaceAll(strings.TrimSpace(rec[2]), "_", ""), ".")
		v, ok := new(big.Rat).SetString(a)
		if !ok {
			t.Fatalf("amount %q", rec[2])
		}
		if sums[rec[1]] == nil {
			sums[rec[1]] = new(big.Rat)
		}
		sums[rec[1]].Add(sums[rec[1]], v)
		counts[rec[1]]++
	}
	var b strings.Builder
	b.WriteString("key,sum_amount,count_amount\n")
	for _, k := range slices.Sorted(maps.Keys(sums)) {
		key := k
		if strings.ContainsAny(k, ",\"\r\n") {
			key = `"` + strings.ReplaceAll(k, `"`, `""`) + `"`
		}
		fmt.Fprintf(&b, "%s,%s,%d\n", key, sums[k].FloatString(2), counts[k])
	}
	return b.String()
}

// TestCSVWrongGuessRereadInPipeline: a quoted field longer than the
// speculation window whose lines look like records, cut inside by the
// chunks: some mapper guesses wrong, the gather finds its First differs
// from the previous chunk's Next, reads it again, and the answer is the
// single-chunk one; with a fan-in of 2 the re-read reaches the tree's merges.
func TestCSVWrongGuessRereadInPipeline(t *testing.T) {
	data := datagen.MisleadingCSV(3 * split.SpecWindow)
	want, _ := runJob(t, "select", jobs.Params{"columns": "k"}, data, 1<<20)
	if want != "k\na\nb\nc\na\n" {
		t.Fatalf("single chunk select: %q", want)
	}
	wantG, _ := runJob(t, "groupby", jobs.Params{"key": "k", "agg": "count:*"}, data, 1<<20)
	for _, chunk := range []int64{16 << 10, 40 << 10} {
		got, sum := runJob(t, "select", jobs.Params{"columns": "k"}, data, chunk)
		if got != want || sum.CSVRereads == 0 {
			t.Fatalf("chunk size %d: %d chunks, %d read again, output %q; want %q and a re-read", chunk, sum.Chunks, sum.CSVRereads, got, want)
		}
		gotG, sumG := runJob(t, "groupby", jobs.Params{"key": "k", "agg": "count:*"}, data, chunk, 2)
		if gotG != wantG || sumG.CSVRereads == 0 || sumG.GatherLevels == 0 {
			t.Fatalf("groupby chunk size %d, fan-in 2: %q (%d re-read, %d levels), want %q through a tree", chunk, gotG, sumG.CSVRereads, sumG.GatherLevels, wantG)
		}
	}
}

// TestCSVSkipOffsetsEveryChunkSize: in a Python-written CSV (quoted
// newlines in one row in eight), a refused amount and a record of too few
// fields are skipped with examples naming their records' byte offsets, and
// --strict fails naming the refused amount's offset, at every chunk size,
// chunks cutting inside quoted newlines included.
func TestCSVSkipOffsetsEveryChunkSize(t *testing.T) {
	head := pythonCSV(150)
	badAmount := len(head)
	data := append(head, "150,Oslo,- 5,\"say\r\n\"\"hi\"\"\"\r\n"...)
	fewFields := len(data)
	data = append(data, "151,\"Bergen,\r\nNO\"\r\n"...)
	tail := pythonCSV(60)
	data = append(data, tail[bytes.IndexByte(tail, '\n')+1:]...) // without its header
	params := jobs.Params{"key": "city", "agg": "sum:amount,count:amount"}
	for _, chunk := range []int64{1 << 20, 61, 200, 1000, 4096} {
		_, sum := runJob(t, "groupby", params, data, chunk)
		for reason, want := range map[string]string{
			"groupby: non-numeric sum:amount": fmt.Sprintf(" at byte %d: column amount: \"- 5\" is not a number", badAmount),
			"csv: field count":                fmt.Sprintf(" at byte %d", fewFields),
		} {
			if ex := sum.SkipExamples[reason]; !strings.HasSuffix(ex, want) || sum.SkipReasons[reason] != 1 {
				t.Errorf("chunk size %d: %d skipped as %q, first %q; want 1, ending %q", chunk, sum.SkipReasons[reason], reason, ex, want)
			}
		}
	}
	// --strict: the file without the short record fails at the refused amount.
	data = append(data[:fewFields:fewFields], tail[bytes.IndexByte(tail, '\n')+1:]...)
	strict := jobs.Params{"strict": "true", "key": "city", "agg": "sum:amount"}
	for _, chunk := range []int64{1 << 20, 61, 200, 1000} {
		local, dir := enginetest.Open(t, engine.Options{})
		in := testutil.WriteFile(t, dir, "in.csv", data)
		eng := &engine.Engine{Handler: local.Handler, MaxParallel: 4, NoBackups: true}
		_, err := eng.Run(context.Background(), pipeline.PlanInput{Job: "groupby", Params: strict, Inputs: []string{in}, Output: filepath.Join(dir, "out.csv"), ChunkSize: chunk})
		if want := fmt.Sprintf("%s at byte %d", in, badAmount); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("chunk size %d, --strict: %v; want an error naming %q", chunk, err, want)
		}
	}
}
