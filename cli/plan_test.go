package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	jobreport "github.com/scattergather/scattergather/internal/report"
	"github.com/scattergather/scattergather/internal/testutil"
)

func TestPlanCommand(t *testing.T) {
	in := testutil.WriteFile(t, t.TempDir(), "in.txt", bytes.Repeat([]byte("a b c\n"), 1000))
	cases := []struct {
		name   string
		args   []string
		chunks int
		bytes  int64
	}{
		// No --chunk-size: 64 MiB evened out over the 1,000 mappers as a run's splitter does
		// (plan.BalancedChunkSize): 2,000 chunks of 63.4 MB, not 1,890 and a last wave of 890.
		{"size", []string{"--job", "groupby", "--size", "126.8GB"}, 2000, 126_800_000_000},
		{"size in bytes", []string{"--job", "grep", "--size", "1GiB", "--chunk-size", "256MiB"}, 4, 1 << 30},
		{"input", []string{"--job", "wordcount", "--input", in, "--chunk-size", "1KiB"}, 6, 6000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e plan.Estimate
			runJSON(t, &e, append([]string{"plan", "--json"}, c.args...)...)
			if e.Chunks != c.chunks || e.Bytes != c.bytes || e.TotalUSD <= 0 || e.WallSeconds <= 0 {
				t.Fatalf("estimate %+v: want %d chunks of %d bytes in all, a cost and a time", e, c.chunks, c.bytes)
			}
			out, _, err := runCLI(t, append([]string{"plan"}, c.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Lambda", "Step Functions", "DynamoDB", "S3", "Athena", "per TB"} {
				if !strings.Contains(out, want) {
					t.Fatalf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	for _, bad := range [][]string{{"--job", "wordcount", "--size", "1TB", "--children", "express", "--batch", "1000"},
		{"--job", "wordcount", "--size", "1TB", "--partitions", "1001"},
		{"--job", "wordcount", "--size", "1TB", "--children", "inline"}, {"--job", "wordcount", "--size", "1TB", "--batch", "0"},
		{"--job", "wordcount"}, {"--size", "1GB"}, {"--job", "nope", "--size", "1GB"}, {"--job", "grep", "--size", "1GB", "--memory", "64"}} {
		if err := dispatch(context.Background(), append([]string{"plan"}, bad...), &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("plan %v: no error", bad)
		}
	}
}

// TestPlanChildren: Express children and batches cut the Step Functions bill
// of `scatter plan` (1 TB wordcount: two transitions per chunk become one
// transition and one Express request per child), --compare prices each option and refuses those
// past a limit, and --prices lists every price with its AWS page.
func TestPlanChildren(t *testing.T) {
	estimate := func(args ...string) plan.Estimate {
		t.Helper()
		var e plan.Estimate
		runJSON(t, &e, append([]string{"plan", "--json", "--job", "wordcount", "--size", "1TB"}, args...)...)
		return e
	}
	std, exp := estimate(), estimate("--children", "express", "--batch", "16", "--partitions", "1")
	// Without --partitions the plan chooses the key ranges as the gather does: wordcount's
	// partials are sorted runs, 10 GB of them (1%) is 38 ranges of at most 256 MiB.
	if std.Partitions != 38 || std.GatherLevels != 0 {
		t.Fatalf("1 TB wordcount without --partitions: %d key ranges, %d tree levels; want 38 ranges and no tree", std.Partitions, std.GatherLevels)
	}
	if std.ChildType != "standard" || std.Children != std.Chunks || std.Transitions < 2*int64(std.Chunks) {
		t.Fatalf("standard: %+v: want a child per chunk and two transitions each", std)
	}
	if exp.ChildType != "express" || exp.Children != (exp.Chunks+15)/16 || exp.ExpressRequests != int64(exp.Children) || exp.StepUSD*10 > std.StepUSD {
		t.Fatalf("express of 16: %+v: want a child per 16 chunks, an Express request each, a tenth of standard's $%.4f", exp, std.StepUSD)
	}
	// Key ranges replace the one final Gather's serial merge.
	ranges := estimate("--children", "express", "--chunk-size", "256MiB", "--partitions", "38")
	if ranges.Partitions != 38 || ranges.GatherLevels != 0 || ranges.GatherSeconds*5 > exp.GatherSeconds || ranges.ReduceSeconds > 1 {
		t.Fatalf("38 key ranges: %+v: want no tree, a gather a fifth of the tree's %.1f s at most", ranges, exp.GatherSeconds)
	}
	var out bytes.Buffer
	if err := dispatch(context.Background(), []string{"plan", "--job", "wordcount", "--size", "1TB", "--chunk-size", "512MiB", "--compare"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"standard     1", "express     16", "refused: batch of 64 chunks: an Express child would run"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--compare output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := dispatch(context.Background(), []string{"plan", "--prices"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range plan.PriceTable {
		if !strings.Contains(out.String(), p.URL) || !strings.Contains(out.String(), p.Name) {
			t.Errorf("--prices lacks %s (%s)", p.Name, p.URL)
		}
	}
}

// TestPlanParquet: `scatter plan` on a Parquet input prices what the run's
// mappers then read: for a --where no row group can satisfy, the footers and
// nothing else, byte for byte what the run counts; for one column of nine,
// that column's chunks (within the run's small holes between coalesced
// ranges), at most half the file.
func TestPlanParquet(t *testing.T) {
	dir := t.TempDir()
	pqPath, _, _ := visitsParquet(t, dir, 400_000, 21, 700)
	for _, c := range []struct {
		name   string
		args   []string
		pruned bool
	}{
		{"no row group matches", []string{"--job", "select", "--columns", "sourceIP", "--where", "duration > 1000000"}, true},
		{"one column", []string{"--job", "select", "--columns", "sourceIP"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--input", pqPath, "--chunk-size", "64KiB"}, c.args...)
			p := planScan(t, args)
			var out, errOut bytes.Buffer
			run := append([]string{"run", "--json", "--output", filepath.Join(dir, c.name+".csv"), "--state-dir", filepath.Join(dir, "state")}, args...)
			if err := dispatch(context.Background(), run, &out, &errOut); err != nil {
				t.Fatalf("%v: %s", err, errOut.String())
			}
			var sum pipeline.Summary
			if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
				t.Fatal(err)
			}
			// The run's summary line and the report say what pruning saved.
			var rep bytes.Buffer
			if err := dispatch(context.Background(), []string{"report", "--state-dir", filepath.Join(dir, "state"), sum.JobID}, &rep, &errOut); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%d of %d row groups pruned", sum.RowGroupsPruned, sum.RowGroups)
			if !strings.Contains(errOut.String(), "parquet: read") || !strings.Contains(errOut.String(), want) || !strings.Contains(rep.String(), want) {
				t.Errorf("run's line and report lack %q:\n%s\n%s", want, errOut.String(), rep.String())
			}
			if int64(p.Scan.RowGroups) != sum.RowGroups || int64(p.Scan.RowGroupsPruned) != sum.RowGroupsPruned || p.Chunks != sum.Chunks {
				t.Errorf("plan: %d chunks, %d of %d row groups pruned; run: %d chunks, %d of %d", p.Chunks, p.Scan.RowGroupsPruned, p.Scan.RowGroups, sum.Chunks, sum.RowGroupsPruned, sum.RowGroups)
			}
			if p.ReadBytes != p.Scan.Read {
				t.Errorf("the estimate prices %d bytes, the scan reads %d", p.ReadBytes, p.Scan.Read)
			}
			switch {
			case c.pruned && (p.Scan.RowGroupsPruned != p.Scan.RowGroups || p.Scan.Read != sum.BytesRead):
				t.Errorf("plan reads %d bytes, pruning %d of %d row groups; the run read %d: want all pruned and the footers' bytes alike", p.Scan.Read, p.Scan.RowGroupsPruned, p.Scan.RowGroups, sum.BytesRead)
			case !c.pruned && (p.Scan.Read*2 > p.Bytes || math.Abs(float64(p.Scan.Read-sum.BytesRead)) > 0.1*float64(sum.BytesRead)):
				t.Errorf("plan reads %d of %d bytes, the run read %d: want half at most, within 10%% of the run", p.Scan.Read, p.Bytes, sum.BytesRead)
			}
		})
	}
}

// TestPlanParquetWithCSV: `scatter plan` over a CSV and a Parquet input
// says on its "parquet:" line what the mappers read of the Parquet input
// alone (the CSV is read whole, and counted only in the price).
func TestPlanParquetWithCSV(t *testing.T) {
	dir := t.TempDir()
	pqPath, csv, _ := visitsParquet(t, dir, 200_000, 22, 700)
	csvPath := testutil.WriteFile(t, dir, "visits.csv", csv)
	args := []string{"--input", csvPath, "--input", pqPath, "--chunk-size", "64KiB", "--job", "select", "--columns", "sourceIP"}
	p := planScan(t, args)
	fi, err := os.Stat(pqPath)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Scan
	if s.Read != s.ParquetRead+int64(len(csv)) || s.ParquetBytes <= 0 || s.ParquetBytes > fi.Size() || s.ParquetRead >= s.ParquetBytes {
		t.Fatalf("scan %+v: want the CSV's %d bytes read whole beside a part of the Parquet file's %d", s, len(csv), fi.Size())
	}
	out, errOut, err := runCLI(t, append([]string{"plan"}, args...)...)
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	want := fmt.Sprintf("parquet: the mappers read %s of %s (%.1f%%)", jobreport.FormatBytes(s.ParquetRead), jobreport.FormatBytes(s.ParquetBytes),
		100*float64(s.ParquetRead)/float64(s.ParquetBytes))
	if !strings.Contains(out, want) {
		t.Fatalf("plan says\n%s\nwant a line with %q", out, want)
	}
}

// plannedScan is `scatter plan --json`'s estimate with its Parquet scan.
type plannedScan struct {
	plan.Estimate
	Scan *plan.Scan `json:"parquet"`
}

// planScan runs `scatter plan --json` with args and returns its estimate,
// failing the test unless it has a Parquet scan.
func planScan(t *testing.T, args []string) plannedScan {
	t.Helper()
	var p plannedScan
	runJSON(t, &p, append([]string{"plan", "--json"}, args...)...)
	if p.Scan == nil {
		t.Fatalf("plan %v: no Parquet scan in the estimate", args)
	}
	return p
}
