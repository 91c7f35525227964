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
		{"invocations", e.Invocations, 102},    // splitter + 100 mappers + reducer
		{"transitions", e.Transitions, 205},    // 5 + 2 × 100
		{"dynamo writes", e.DynamoWrites, 102}, // open + 100 commits + finish
		{"dynamo reads", e.DynamoReads, 111},   // 100 checks + job + ceil(100 × 400 / 4096)
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
		{"GB-seconds", e.GBSeconds, 156.5630263},         // (0.18 + 89.1111 + 1.3367) × 1769/1024
		{"lambda USD", e.LambdaUSD, 0.002107917},         // 102 × 0.2e-6 + GB-s × 0.0000133334
		{"step functions USD", e.StepUSD, 0.005125},      // 205 × 0.025e-3
		{"dynamo USD", e.DynamoUSD, 0.000077625},         // 102 × 0.625e-6 + 111 × 0.125e-6
		{"s3 USD", e.S3USD, 0.0005958},                   // 202 × 0.4e-6 + 103 × 5e-6
		{"total USD", e.TotalUSD, 0.007906342},
		{"USD per TB", e.PerTBUSD, 1.235366},         // total / 0.0064 TB
		{"athena USD", e.AthenaUSD, 0.032},           // 5 × 0.0064
		{"wall seconds", e.WallSeconds, 2.757777778}, // 0.18 + 0 + (0.8911 + 0.1) + 1.3367 + 0.25
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
