package plan

import (
	"math"
	"testing"
)

// TestEstimateCostByHand checks the model against a case computed by hand:
// 6.4 GB in 100 chunks of 64 MB, one full vCPU, a core rate above S3's.
func TestEstimateCostByHand(t *testing.T) {
	e, err := EstimateCost(EstimateInput{
		Job: "x", Profile: JobProfile{CoreMBps: 100, PartialRatio: 0.01},
		Bytes: 6_400_000_000, ChunkSize: 64_000_000, MemoryMB: 1769, Concurrency: 1000, Objects: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	ints := []struct {
		name      string
		got, want int64
	}{
		{"chunks", int64(e.Chunks), 100},
		{"invocations", e.Invocations, 103},    // splitter + 100 mappers + PlanLevel + Gather (no tree under fan-in 256)
		{"transitions", e.Transitions, 208},    // 8 + 2 × 100
		{"dynamo writes", e.DynamoWrites, 102}, // open + 100 commits + finish
		{"dynamo reads", e.DynamoReads, 121},   // 100 checks + job + 2 × ceil(100 × 400 / 4096) (PlanLevel, Gather)
		{"s3 gets", e.S3Gets, 202},             // head + manifest + 100 ranged GETs + 100 partials
		{"s3 puts", e.S3Puts, 103},             // manifest + 100 partials + output + summary
		{"concurrency", int64(e.Concurrency), 100},
		{"waves", int64(e.Waves), 1},
	}
	for _, c := range ints {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	floats := []struct {
		name      string
		got, want float64
	}{
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
	}
	for _, c := range floats {
		if math.Abs(c.got-c.want) > 1e-6*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s = %.9g, want %.9g", c.name, c.got, c.want)
		}
	}
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
	e, err := EstimateCost(EstimateInput{
		Job: "x", Profile: JobProfile{CoreMBps: 100, PartialRatio: 0.01},
		Bytes: 1_000_000_000, ChunkSize: 1_000_000, MemoryMB: 1769, Concurrency: 1000, Objects: 1, FanIn: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"levels", int64(e.GatherLevels), 2},
		{"merges", e.GatherMerges, 110},                    // 100 + 10
		{"invocations", e.Invocations, 1115},               // 1 + 1,000 + 3 PlanLevels + 110 merges + 1
		{"transitions", e.Transitions, 2124},               // 8 + 2 × 1,000 + 3 × 2 + 110
		{"s3 gets", e.S3Gets, 2112},                        // 1 + 1 + 1,000 + (1,000 + 100) + 10
		{"s3 puts", e.S3Puts, 1113},                        // 1 + 1,000 + 110 + 2
		{"dynamo reads", e.DynamoReads, 1001 + 2*98 + 100}, // 1,000 + 1 + 2 × ceil(1,000 × 400 / 4096) + 100 groups × ceil(10 × 400 / 4096)
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}
