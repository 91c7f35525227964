package plan

import (
	"math"
	"strings"
	"testing"
)

// TestEstimateCostByHand checks the model against a case computed by hand:
// 6.4 GB in 100 chunks of 64 MB, one full vCPU, a core rate above S3's.
func TestEstimateCostByHand(t *testing.T) {
	e, err := EstimateCost(byHand())
	if err != nil {
		t.Fatal(err)
	}
	checkInts(t, []intCase{
		{"chunks", int64(e.Chunks), 100},
		{"invocations", e.Invocations, 103},    // splitter + 100 mappers + PlanLevel + Gather (no tree under fan-in 256)
		{"transitions", e.Transitions, 208},    // 8 + 2 × 100
		{"dynamo writes", e.DynamoWrites, 102}, // open + 100 commits + finish
		{"dynamo reads", e.DynamoReads, 121},   // 100 checks + job + 2 × ceil(100 × 400 / 4096) (PlanLevel, Gather)
		{"s3 gets", e.S3Gets, 202},             // head + manifest + 100 ranged GETs + 100 partials
		{"s3 puts", e.S3Puts, 103},             // manifest + 100 partials + output + summary
		{"concurrency", int64(e.Concurrency), 100},
		{"waves", int64(e.Waves), 1},
	})
	checkFloats(t, []floatCase{
		{"mapper MB/s", e.MapperMBps, 90},                // min(100 × 1, 90)
		{"chunk seconds", e.ChunkSeconds, 0.891111111},   // 0.15 + 0.03 + 64/90
		{"reduce seconds", e.ReduceSeconds, 1.336666667}, // 0.15 + ceil(100/32) × 0.03 + 64/60
		{"GB-seconds", e.GBSeconds, 156.8221573},         // (0.18 + 89.1111 + 0.15 + 1.3367) × 1769/1024
		{"lambda USD", e.LambdaUSD, 0.00211157255},       // 103 × 0.2e-6 + GB-s × 0.0000133334
		{"step functions USD", e.StepUSD, 0.0052},        // 208 × 0.025e-3
		{"dynamo USD", e.DynamoUSD, 0.000078875},         // 102 × 0.625e-6 + 121 × 0.125e-6
		{"s3 USD", e.S3USD, 0.0005958},                   // 202 × 0.4e-6 + 103 × 5e-6
		{"total USD", e.TotalUSD, 0.00798624755},
		{"USD per TB", e.PerTBUSD, 1.24785118},       // total / 0.0064 TB
		{"athena USD", e.AthenaUSD, 0.032},           // 5 × 0.0064
		{"wall seconds", e.WallSeconds, 3.057777778}, // 0.18 + 0 + (0.8911 + 0.1) + 0.15 + 1.3367 + 0.4
	})
}

// TestEstimateCostRamp: past the scaling step, the ramp adds 10 s per 1,000
// functions, and more chunks than the concurrency run in waves.
func TestEstimateCostRamp(t *testing.T) {
	e, err := EstimateCost(EstimateInput{Job: "wordcount", Bytes: 5000 * 64 << 20, ChunkSize: 64 << 20, Concurrency: 2500})
	if err != nil {
		t.Fatal(err)
	}
	if e.Chunks != 5000 || e.Concurrency != 2500 || e.Waves != 2 || e.RampSeconds != 20 {
		t.Fatalf("chunks %d concurrency %d waves %d ramp %v, want 5000 2500 2 20", e.Chunks, e.Concurrency, e.Waves, e.RampSeconds)
	}
	if _, err := EstimateCost(EstimateInput{Job: "nope", Bytes: 1}); err == nil {
		t.Fatal("unknown job: no error")
	}
}

// TestEstimateCostTree: past the fan-in, the gather tree adds its levels'
// PlanLevel and MergeGroup invocations, transitions and S3 requests: 1,000
// chunks at fan-in 10 merge 1,000 partials into 100, 100 into 10, then gather 10.
func TestEstimateCostTree(t *testing.T) {
	e, err := EstimateCost(with(byHand(), func(in *EstimateInput) { in.Bytes, in.ChunkSize, in.FanIn = 1_000_000_000, 1_000_000, 10 }))
	if err != nil {
		t.Fatal(err)
	}
	checkInts(t, []intCase{
		{"levels", int64(e.GatherLevels), 2},
		{"merges", e.GatherMerges, 110},                    // 100 + 10
		{"invocations", e.Invocations, 1115},               // 1 + 1,000 + 3 PlanLevels + 110 merges + 1
		{"transitions", e.Transitions, 2124},               // 8 + 2 × 1,000 + 3 × 2 + 110
		{"s3 gets", e.S3Gets, 2112},                        // 1 + 1 + 1,000 + (1,000 + 100) + 10
		{"s3 puts", e.S3Puts, 1113},                        // 1 + 1,000 + 110 + 2
		{"dynamo reads", e.DynamoReads, 1001 + 2*98 + 100}, // 1,000 + 1 + 2 × ceil(1,000 × 400 / 4096) + 100 groups × ceil(10 × 400 / 4096)
	})
}

// TestEstimateCostExpressBatch: the hand-computed case of TestEstimateCostByHand
// with Express children of 4 chunks each. The children bill a request each and
// their duration at 64 MB, and the Map's start of each a transition, instead
// of 2 transitions each; a mapper invocation maps 4 chunks, paying one cold
// start for them.
func TestEstimateCostExpressBatch(t *testing.T) {
	e, err := EstimateCost(with(byHand(), func(in *EstimateInput) { in.Children, in.Batch = ChildExpress, 4 }))
	if err != nil {
		t.Fatal(err)
	}
	checkInts(t, []intCase{
		{"children", int64(e.Children), 25},
		{"invocations", e.Invocations, 28}, // splitter + 25 mappers + PlanLevel + Gather
		{"transitions", e.Transitions, 33}, // the parent's 8 + the Map's start of each of 25 children
		{"express requests", e.ExpressRequests, 25},
		{"dynamo writes", e.DynamoWrites, 102}, // per chunk, as before
		{"s3 gets", e.S3Gets, 202},
	})
	checkFloats(t, []floatCase{
		{"child seconds", e.ChildSeconds, 3.114444444}, // 0.15 + 4 × (0.03 + 64/90)
		{"express GB-seconds", e.ExpressGBSeconds, 5},  // 25 × 3.2 s (rounded up to 100 ms) × 64/1024 GB
		{"step functions USD", e.StepUSD, 0.00093335},  // 33 × 0.025e-3 + 25 × 1e-6 + 5 × 0.00001667
		{"GB-seconds", e.GBSeconds, 137.3873427},       // (0.18 + 25 × 0.15 + 100 × 0.03 + 6400/90 + 0.15 + 1.3367) × 1769/1024
		{"lambda USD", e.LambdaUSD, 0.00183744039},     // 28 × 0.2e-6 + GB-s × 0.0000133334
		{"wall seconds", e.WallSeconds, 5.281111111},   // 0.18 + (3.1144 + 0.1) + 0.15 + 1.3367 + 0.4
	})
	std, err := EstimateCost(with(byHand(), func(in *EstimateInput) { in.Batch = 4 }))
	if err != nil {
		t.Fatal(err)
	}
	if std.Transitions != 8+2*25 || std.ExpressRequests != 0 || std.Children != 25 {
		t.Errorf("standard children of 4: %d transitions, %d express requests, %d children; want 58, 0, 25", std.Transitions, std.ExpressRequests, std.Children)
	}
}

// TestEstimateCostChildLimits: a batch that outlives an Express child's five
// minutes, Lambda's 900 s timeout, or the child input quota is refused.
func TestEstimateCostChildLimits(t *testing.T) {
	base := EstimateInput{Job: "x", Profile: JobProfile{CoreMBps: 100, PartialRatio: 0.01}, Bytes: 1e12, ChunkSize: 64_000_000, ItemBytes: 200}
	for _, c := range []struct {
		name     string
		children string
		batch    int
		want     string // "" for no error
	}{
		{"express under five minutes", ChildExpress, 300, ""},
		{"express over five minutes", ChildExpress, 1000, "past its 300 s limit"},
		{"standard under the timeout", ChildStandard, 1000, ""},
		{"standard over the timeout", ChildStandard, 1300, "past Lambda's 900 s timeout"},
		{"over the input quota", ChildStandard, 1400, "input quota"},
		{"unknown child type", "inline", 1, "want standard or express"},
	} {
		in := base
		in.Children, in.Batch = c.children, c.batch
		_, err := EstimateCost(in)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	if _, err := EstimateCost(EstimateInput{Job: "wordcount", Bytes: 1e9, Concurrency: MapMaxConcurrency + 1}); err == nil {
		t.Error("concurrency over the Map's limit: no error")
	}
}

// TestPriceTable: every AWS price the model multiplies by is in the table,
// each entry names an AWS page and says what that page showed.
func TestPriceTable(t *testing.T) {
	have := map[float64]bool{}
	for _, p := range PriceTable {
		have[p.Value] = true
		if !strings.HasPrefix(p.URL, "https://aws.amazon.com/") && !strings.HasPrefix(p.URL, "https://docs.aws.amazon.com/") {
			t.Errorf("%s: source %q is not an AWS page", p.Name, p.URL)
		}
		if p.Checked == "" || p.Unit == "" || p.Value <= 0 {
			t.Errorf("%s: want a value, a unit and what the page showed: %+v", p.Name, p)
		}
	}
	for name, v := range map[string]float64{
		"Lambda request": LambdaPerRequestUSD, "Lambda GB-second": LambdaPerGBSecUSD, "state transition": StepFunctionsPerTxn,
		"Express request": ExpressPerRequestUSD, "Express GB-second": ExpressPerGBSecUSD, "Express limit": ExpressMaxSec,
		"DynamoDB write": DynamoWriteUSD, "DynamoDB read": DynamoReadUSD, "S3 GET": S3GetUSD, "S3 PUT": S3PutUSD,
		"Map concurrency": MapMaxConcurrency, "child input": ChildInputMaxBytes, "Lambda timeout": LambdaMaxTimeoutSec,
		"Lambda concurrency": DefaultAWSMaxConc, "Lambda scaling": LambdaScalePer10s,
	} {
		if !have[v] {
			t.Errorf("%s (%v) is not in PriceTable", name, v)
		}
	}
}

// TestEstimateCostRanges: the hand-computed case of TestEstimateCostByHand
// gathered by 4 key ranges instead of the tree: each range reducer reads its
// range of all 100 partials (400 ranged GETs) and merges a quarter of the 64
// MB of partials; the Gather copies 4 parts into one multipart upload.
func TestEstimateCostRanges(t *testing.T) {
	e, err := EstimateCost(with(byHand(), func(in *EstimateInput) { in.Partitions = 4 }))
	if err != nil {
		t.Fatal(err)
	}
	checkInts(t, []intCase{
		{"partitions", int64(e.Partitions), 4},
		{"tree levels", int64(e.GatherLevels), 0},
		{"invocations", e.Invocations, 107},    // splitter + 100 mappers + PlanLevel + Gather + 4 range reducers
		{"transitions", e.Transitions, 218},    // 8 + 2 × 100 + GatherRanges + MoreRounds + 2 × 4
		{"s3 gets", e.S3Gets, 602},             // head + manifest + 100 chunks + 100 indexes + 4 × 100 ranges
		{"s3 puts", e.S3Puts, 113},             // manifest + 100 partials + output + summary + 4 ranges + create, 4 copies, complete
		{"dynamo writes", e.DynamoWrites, 106}, // 102 + a commit per range
		{"dynamo reads", e.DynamoReads, 126},   // 100 + 1 + 2 × 10 + a check per range + the ranges' commits
	})
	checkFloats(t, []floatCase{
		{"assembly seconds", e.ReduceSeconds, 0.18},      // 0.15 + ceil(4/32) × 0.03
		{"gather seconds", e.GatherSeconds, 1.236666667}, // plan 0.27 + 0.15 + a reducer (0.27 + 16/60) + 0.1 + 0.18
		{"GB-seconds", e.GBSeconds, 158.7397255},         // (0.18 + 89.1111 + 0.27 + 4 × 0.5367 + 0.18) × 1769/1024
		{"wall seconds", e.WallSeconds, 2.807777778},     // 0.18 + (0.8911 + 0.1) + 1.2367 + 0.4
	})
}

// TestEstimateCostSortRound: TestEstimateCostRanges's job, its ranges
// sorted runs merged again by 4 spans (an aggregate's ORDER BY without
// LIMIT): PlanSort reads the 4 range runs' indexes, 4 span writers each
// read their span of the 4 runs and merge a quarter of the 64 MB; the
// round is in the totals and priced apart. Without key ranges there is
// no sort round.
func TestEstimateCostSortRound(t *testing.T) {
	base, err := EstimateCost(with(byHand(), func(in *EstimateInput) { in.Partitions = 4 }))
	if err != nil {
		t.Fatal(err)
	}
	e, r := withSortRound(t, func(in *EstimateInput) { in.Partitions, in.SortRound = 4, true })
	checkInts(t, []intCase{
		{"spans", int64(r.Spans), 4},
		{"round invocations", r.Invocations, 5},    // PlanSort + 4 writers
		{"round transitions", r.Transitions, 11},   // PlanSort, GatherRanges, MoreRounds + 2 × 4
		{"round s3 gets", r.S3Gets, 20},            // 4 indexes + 4 × 4 spans
		{"round s3 puts", r.S3Puts, 6},             // plan.json, items.json, 4 spans
		{"round dynamo writes", r.DynamoWrites, 4}, // a commit per span
		{"round dynamo reads", r.DynamoReads, 5},   // the ranges' commits (1 unit) + a check per span
		{"invocations", e.Invocations, base.Invocations + 5},
		{"transitions", e.Transitions, 229},
		{"s3 gets", e.S3Gets, 622},
		{"s3 puts", e.S3Puts, 119},
		{"dynamo writes", e.DynamoWrites, 110},
		{"dynamo reads", e.DynamoReads, 131},
	})
	checkFloats(t, []floatCase{
		{"plan seconds", r.PlanSeconds, 0.18},          // 0.15 + ceil(4/32) × 0.03
		{"span seconds", r.SpanSeconds, 0.446666667},   // 0.18 + 16/60
		{"round GB-seconds", r.GBSeconds, 3.397493489}, // (0.18 + 4 × 0.4467) × 1769/1024
		{"round wall", r.WallSeconds, 0.876666667},     // 0.18 + 0.15 + 0.4467 + 0.1
		{"GB-seconds", e.GBSeconds, base.GBSeconds + 3.397493489},
		{"gather seconds", e.GatherSeconds, base.GatherSeconds + 0.876666667},
		{"wall seconds", e.WallSeconds, base.WallSeconds + 0.876666667},
		{"round USD", r.USD, 5*LambdaPerRequestUSD + 3.397493489*LambdaPerGBSecUSD + 11*StepFunctionsPerTxn + 4*DynamoWriteUSD + 5*DynamoReadUSD + 20*S3GetUSD + 6*S3PutUSD},
		{"total USD", e.TotalUSD, base.TotalUSD + r.USD},
	})
	tree, err := EstimateCost(with(byHand(), func(in *EstimateInput) { in.Partitions, in.SortRound = 1, true }))
	if err != nil || tree.SortRound != nil || tree.Transitions != base.Transitions-2-2*4 {
		t.Fatalf("the tree: sort round %+v, %d transitions, %v; want none", tree.SortRound, tree.Transitions, err)
	}
}

// TestEstimateCostExpressRanges: TestEstimateCostExpressBatch's job
// gathered by 4 key ranges with the sort round, its children Express (the
// template's GatherRanges runs children of the same type as the Scatter):
// each range reducer and span writer is, as each mapper's child, a
// transition (the Map's start of it), a request and its duration at 64 MB,
// not the 2 transitions of a Standard child.
func TestEstimateCostExpressRanges(t *testing.T) {
	e, r := withSortRound(t, func(in *EstimateInput) {
		in.Children, in.Batch, in.Partitions, in.SortRound = ChildExpress, 4, 4, true
	})
	checkInts(t, []intCase{
		{"transitions", e.Transitions, 46},          // 8 + 25 starts + GatherRanges, MoreRounds + 4 starts + PlanSort, GatherRanges, MoreRounds + 4 starts
		{"express requests", e.ExpressRequests, 33}, // 25 + 4 + 4
		{"round transitions", r.Transitions, 7},     // PlanSort, GatherRanges, MoreRounds + 4 starts
		{"round express requests", r.ExpressRequests, 4},
	})
	checkFloats(t, []floatCase{
		{"express GB-seconds", e.ExpressGBSeconds, 5.275},       // (25 × 3.2 + 4 × 0.6 + 4 × 0.5) × 64/1024
		{"round express GB-seconds", r.ExpressGBSeconds, 0.125}, // 4 × 0.5 s (0.4467 rounded up) × 64/1024
		{"round USD", r.USD, 5*LambdaPerRequestUSD + r.GBSeconds*LambdaPerGBSecUSD + 7*StepFunctionsPerTxn + 4*ExpressPerRequestUSD + 0.125*ExpressPerGBSecUSD +
			4*DynamoWriteUSD + 5*DynamoReadUSD + 20*S3GetUSD + 6*S3PutUSD},
		{"step functions USD", e.StepUSD, 46*StepFunctionsPerTxn + 33*ExpressPerRequestUSD + 5.275*ExpressPerGBSecUSD},
	})
}

// withSortRound is the estimate of byHand changed by f, and its sort
// round, which it must have.
func withSortRound(t *testing.T, f func(*EstimateInput)) (Estimate, *SortRoundEstimate) {
	t.Helper()
	e, err := EstimateCost(with(byHand(), f))
	if err != nil {
		t.Fatal(err)
	}
	if e.SortRound == nil {
		t.Fatal("no sort round priced")
	}
	return e, e.SortRound
}

// intCase and floatCase are a figure of an estimate and its hand-computed value.
type intCase struct {
	name      string
	got, want int64
}

type floatCase struct {
	name      string
	got, want float64
}

func checkInts(t *testing.T, cases []intCase) {
	t.Helper()
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// checkFloats compares to within a millionth.
func checkFloats(t *testing.T, cases []floatCase) {
	t.Helper()
	for _, c := range cases {
		if math.Abs(c.got-c.want) > 1e-6*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s = %.9g, want %.9g", c.name, c.got, c.want)
		}
	}
}

// byHand is the input of TestEstimateCostByHand: 6.4 GB in 100 chunks of 64
// MB, one full vCPU, a core rate above S3's.
func byHand() EstimateInput {
	return EstimateInput{Job: "x", Profile: JobProfile{CoreMBps: 100, PartialRatio: 0.01},
		Bytes: 6_400_000_000, ChunkSize: 64_000_000, MemoryMB: 1769, Concurrency: 1000, Objects: 1}
}

// with is in changed by change.
func with(in EstimateInput, change func(*EstimateInput)) EstimateInput {
	change(&in)
	return in
}

// TestRangePartitions: the key ranges a gather chooses by itself are one per
// 256 MiB of partials, two from 64 MiB, none (the tree) below, at most 1,000; the estimate
// of a job with sorted-run partials uses them unless it asks.
func TestRangePartitions(t *testing.T) {
	for _, c := range []struct {
		bytes int64
		want  int
	}{{0, 0}, {MinRangeBytes - 1, 0}, {MinRangeBytes, 2}, {DefaultRangeBytes, 2}, {DefaultRangeBytes + 1, 2}, {2*DefaultRangeBytes + 1, 3}, {10_000_000_000, 38}, {1 << 50, RangeMaxPartitions}} {
		if got := RangePartitions(c.bytes); got != c.want {
			t.Errorf("RangePartitions(%d) = %d, want %d", c.bytes, got, c.want)
		}
	}
	wc, err := EstimateCost(EstimateInput{Job: "wordcount", Bytes: 1_000_000_000_000})
	if err != nil || wc.Partitions != 38 || wc.GatherLevels != 0 {
		t.Fatalf("1 TB wordcount: %d ranges, %d levels, %v; want 38 ranges, no tree", wc.Partitions, wc.GatherLevels, err)
	}
	tree, err := EstimateCost(EstimateInput{Job: "wordcount", Bytes: 1_000_000_000_000, Partitions: 1})
	if err != nil || tree.Partitions != 0 || tree.GatherLevels == 0 {
		t.Fatalf("1 TB wordcount, partitions 1: %d ranges, %d levels, %v; want the tree", tree.Partitions, tree.GatherLevels, err)
	}
	grep, err := EstimateCost(EstimateInput{Job: "grep", Bytes: 1_000_000_000_000})
	if err != nil || grep.Partitions != 0 {
		t.Fatalf("1 TB grep: %d ranges, %v; want the tree (its partials are not sorted runs)", grep.Partitions, err)
	}
}

// TestEstimateCostRangeChildLimit: a range reducer, a child of the
// GatherRanges Distributed Map, must fit 80% of an Express child's five
// minutes (less its two transitions: 239.9 s), or of Lambda's 900 s with
// Standard children. By hand: 100 GB at a partial ratio of 0.5 is 50,000 MB
// of partials, 833.33 s to merge at 60 MB/s; 1,563 chunks cost a reducer a
// cold start and 49 rounds of first bytes, 1.62 s. Two ranges (418.3 s) or
// three (279.4 s) are over the Express limit, four (209.95 s) fit, and the
// error names four; Standard children fit at two. With 252,000 chunks the
// first bytes alone take 236.25 s, so the planner's own choice (187 ranges
// of 256 MiB, 240.9 s) rises to 239 (ceil(833.33 / 3.5)); at 260,000
// chunks (243.9 s before any merge) no number of ranges fits.
func TestEstimateCostRangeChildLimit(t *testing.T) {
	big := func(children string, partitions, chunks int) EstimateInput {
		return with(byHand(), func(in *EstimateInput) {
			in.Profile = JobProfile{CoreMBps: 100, PartialRatio: 0.5, SortedRuns: true}
			in.Bytes, in.Children, in.Partitions, in.Chunks = 100_000_000_000, children, partitions, chunks
		})
	}
	for _, c := range []struct {
		name               string
		children           string
		partitions, chunks int
		wantPartitions     int
		wantErr            string
	}{
		{"express, 2 ranges", ChildExpress, 2, 0, 0, "gather by 2 key ranges: a range reducer (a child of GatherRanges) would run 418 s (1 s to open the 1563 partials, 25000 MB of their 50000 MB to merge at 60 MB/s), over 240 s, 80% of an Express child's 300 s limit; ask for 4 key ranges or more (--partitions)"},
		{"express, 3 ranges", ChildExpress, 3, 0, 0, "would run 279 s"},
		{"express, 4 ranges", ChildExpress, 4, 0, 4, ""},
		{"standard, 2 ranges", ChildStandard, 2, 0, 2, ""},
		{"express, chosen", ChildExpress, 0, 0, 187, ""},
		{"express, chosen, many partials", ChildExpress, 0, 252_000, 239, ""},
		{"express, 2 ranges, many partials", ChildExpress, 2, 252_000, 0, "ask for 239 key ranges or more"},
		{"express, too many partials", ChildExpress, 0, 260_000, 0, "even at 1000 key ranges; use a larger chunk size (fewer partials) or Standard children"},
		// The edge: 238 ranges run 236.40 + 3.501 s, over 239.9; 239 run 236.40 + 3.487 s.
		{"express, 238 ranges, many partials", ChildExpress, 238, 252_000, 0, "ask for 239 key ranges or more"},
		{"express, 239 ranges, many partials", ChildExpress, 239, 252_000, 239, ""},
		{"standard, too many partials", ChildStandard, 2, 800_000, 0, "of Lambda's 900 s timeout, even at 1000 key ranges; use a larger chunk size (fewer partials)"},
	} {
		e, err := EstimateCost(big(c.children, c.partitions, c.chunks))
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.wantErr)
		case err == nil && e.Partitions != c.wantPartitions:
			t.Errorf("%s: %d key ranges, want %d", c.name, e.Partitions, c.wantPartitions)
		}
	}
}
