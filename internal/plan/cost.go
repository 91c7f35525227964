package plan

import (
	"fmt"
	"math"
)

// JobProfile is what the cost model knows about a job.
type JobProfile struct {
	// CoreMBps is one mapper's throughput on one core with the input in
	// memory, in 10^6 bytes per second, measured by `make bench` (docs/performance.md).
	CoreMBps float64
	// PartialRatio is the size of the partials relative to the input (the
	// reducer reads and merges that much).
	PartialRatio float64
	// HeaderRead is true when every chunk also reads its object's first line (CSV jobs).
	HeaderRead bool
}

// Profiles are the jobs' measured profiles. The throughputs are this
// machine's (x86-64, one core of a loaded 2-core VM) single-core figures of
// BenchmarkChunk; a Graviton core is within about 20% of them. The partial
// ratios are those of the bench's generated data.
var Profiles = map[string]JobProfile{
	"wordcount": {CoreMBps: 200, PartialRatio: 0.01},
	"grep":      {CoreMBps: 1800, PartialRatio: 0.001},
	"search":    {CoreMBps: 330, PartialRatio: 0.0001},
	"select":    {CoreMBps: 300, PartialRatio: 0.02, HeaderRead: true},
	"groupby":   {CoreMBps: 300, PartialRatio: 0.001, HeaderRead: true},
	// sql: measured by h-sql as 1.5-1.6x the CPU of the equivalent select or
	// groupby (docs/sql.md), so 300/1.6.
	"sql": {CoreMBps: 190, PartialRatio: 0.001, HeaderRead: true},
}

// EstimateInput is a job to price before running it on AWS.
type EstimateInput struct {
	Job       string
	Profile   JobProfile // zero: Profiles[Job]
	Bytes     int64      // input bytes
	Objects   int        // input objects (at least 1)
	Chunks    int        // 0: ceil(Bytes / ChunkSize)
	ChunkSize int64
	// Concurrency is the Map state's MaxConcurrency (0: DefaultAWSMaxConc).
	Concurrency int
	// MemoryMB is each function's memory (0: DefaultLambdaMB).
	MemoryMB int
	// FanIn is the gather tree's fan-in (0: DefaultGatherFanIn).
	FanIn int
}

// DefaultGatherFanIn is how many partials one gather step merges at once, the
// template's GatherFanIn default (pipeline.DefaultFanIn).
const DefaultGatherFanIn = 256

// GatherTree is the shape of the state machine's gather tree over n partials
// with fan-in f: the merge levels, the merges (groups) in all, the partials
// they read, the merges of the first level, and the partials the final
// Gather reads.
func GatherTree(n, f int64) (levels, merges, reads, firstLevel, last int64) {
	return NewTree(int(n), int(f)).Shape()
}

// Estimate is the predicted cost and time of a job on AWS.
type Estimate struct {
	Job         string  `json:"job"`
	Bytes       int64   `json:"bytes"`
	ChunkSize   int64   `json:"chunkSize"`
	Chunks      int     `json:"chunks"`
	Concurrency int     `json:"concurrency"`
	MemoryMB    int     `json:"memoryMB"`
	CoreMBps    float64 `json:"coreMBps"`   // the job's measured single-core rate
	MapperMBps  float64 `json:"mapperMBps"` // one mapper: min(CPU share × core rate, S3 bandwidth)
	// ChunkSeconds is one full chunk's mapper duration, overheads included.
	ChunkSeconds  float64 `json:"chunkSeconds"`
	ReduceSeconds float64 `json:"reduceSeconds"`
	GatherLevels  int     `json:"gatherLevels"` // merge levels of the gather tree before the final Gather
	GatherMerges  int64   `json:"gatherMerges"` // MergeGroup invocations in all
	Invocations   int64   `json:"lambdaInvocations"`
	GBSeconds     float64 `json:"lambdaGBSeconds"`
	Transitions   int64   `json:"stateTransitions"`
	DynamoWrites  int64   `json:"dynamoWrites"`
	DynamoReads   int64   `json:"dynamoReads"`
	S3Gets        int64   `json:"s3Gets"`
	S3Puts        int64   `json:"s3Puts"`
	LambdaUSD     float64 `json:"lambdaUSD"`
	StepUSD       float64 `json:"stepFunctionsUSD"`
	DynamoUSD     float64 `json:"dynamoUSD"`
	S3USD         float64 `json:"s3USD"`
	TotalUSD      float64 `json:"totalUSD"`
	PerTBUSD      float64 `json:"usdPerTB"`
	AthenaUSD     float64 `json:"athenaUSD"` // the same bytes scanned by Athena
	RampSeconds   float64 `json:"rampSeconds"`
	Waves         int     `json:"waves"`
	WallSeconds   float64 `json:"wallSeconds"`
	PricesRead    string  `json:"pricesRead"`
}

// CommitItemBytes is about what one chunk's commit item holds in the ledger.
const CommitItemBytes = 400

// ReducerOpens is how many partials a reducer opens at once: on S3 each open
// waits for a first byte, and a reducer of hundreds of partials would
// otherwise spend seconds in that latency alone.
const ReducerOpens = 32

// EstimateCost predicts a job's AWS cost and wall time. The model, term by term:
//
//   - chunks: ceil(bytes / chunk size), unless the caller planned real inputs.
//   - the gather tree (GatherTree): while a level has more partials than the
//     fan-in, a MergeLevel merges its groups of fan-in partials in parallel.
//   - Lambda invocations: the splitter, one mapper per chunk, a PlanLevel per
//     level and one more, a MergeGroup per group, the final Gather.
//   - a mapper reads at min(core rate × min(1, memory/1769 MB), S3 bandwidth)
//     and pays a cold start and a first-byte latency; a merge (a group, or the
//     final Gather over the last level) merges its share of bytes ×
//     PartialRatio at DefaultGatherMergeMBps after a cold start and a
//     first-byte latency per 32 partials (it opens 32 at once); a PlanLevel
//     costs a cold start; GB-seconds are the durations times the memory.
//   - Step Functions: 8 transitions for the workflow (Plan, AlreadyDone,
//     Scatter, StartGather, PlanLevel, MoreLevels, Gather, Succeeded), 2 per
//     chunk (the child execution and its Task), 3 per tree level (MergeLevel,
//     PlanLevel, MoreLevels) and 1 per merge.
//   - DynamoDB: writes: open, one commit per chunk, finish; reads (4 KB per
//     read unit): one commit check per chunk, the job, the count of the commits
//     by the first PlanLevel and the commit query of the final Gather (a count
//     consumes what a query of the same items does), and each first-level merge's
//     query of its own group's commits.
//   - S3: GETs: a HEAD per object, the manifest, a ranged GET per chunk (two
//     for CSV jobs, with the header), one per partial a merge or the Gather
//     reads; PUTs: the manifest, a partial per chunk, one per merge, the
//     output and its summary.
//   - wall: the splitter, the concurrency ramp (LambdaScalePer10s every
//     LambdaScaleInterval), waves of min(concurrency, chunks) mappers, each
//     tree level (a PlanLevel, then its merges in parallel), the final Gather,
//     and StepTransitionSec per transition on the critical path.
func EstimateCost(in EstimateInput) (Estimate, error) {
	prof := in.Profile
	if prof == (JobProfile{}) {
		p, ok := Profiles[in.Job]
		if !ok {
			return Estimate{}, fmt.Errorf("no cost profile for job %q", in.Job)
		}
		prof = p
	}
	if in.Bytes <= 0 {
		return Estimate{}, fmt.Errorf("input size %d: want a positive number of bytes", in.Bytes)
	}
	if in.ChunkSize <= 0 {
		in.ChunkSize = DefaultChunkSize
	}
	if in.MemoryMB <= 0 {
		in.MemoryMB = DefaultLambdaMB
	}
	if in.Concurrency <= 0 {
		in.Concurrency = DefaultAWSMaxConc
	}
	if in.Objects <= 0 {
		in.Objects = 1
	}
	if in.FanIn < 2 {
		in.FanIn = DefaultGatherFanIn
	}
	chunks := in.Chunks
	if chunks <= 0 {
		chunks = int((in.Bytes + in.ChunkSize - 1) / in.ChunkSize)
	}
	e := Estimate{Job: in.Job, Bytes: in.Bytes, ChunkSize: in.ChunkSize, Chunks: chunks, MemoryMB: in.MemoryMB, CoreMBps: prof.CoreMBps, PricesRead: PricesRead}
	n := int64(chunks)
	memGB := float64(in.MemoryMB) / 1024
	mb := float64(in.Bytes) / 1e6

	e.MapperMBps = math.Min(prof.CoreMBps*math.Min(1, float64(in.MemoryMB)/LambdaMBPerVCPU), S3ReadMBps)
	perChunk := LambdaColdStartSec + S3FirstByteSec
	if prof.HeaderRead {
		perChunk += S3FirstByteSec
	}
	e.ChunkSeconds = perChunk + math.Min(float64(in.ChunkSize), float64(in.Bytes))/1e6/e.MapperMBps
	mapSeconds := float64(n)*perChunk + mb/e.MapperMBps
	fanIn := int64(in.FanIn)
	levels, merges, mergeReads, firstLevel, last := GatherTree(n, fanIn)
	e.GatherLevels, e.GatherMerges = int(levels), merges
	mergeSeconds := func(partials int64, share float64) float64 {
		return LambdaColdStartSec + float64((partials+ReducerOpens-1)/ReducerOpens)*S3FirstByteSec + mb*prof.PartialRatio*share/DefaultGatherMergeMBps
	}
	e.ReduceSeconds = mergeSeconds(last, 1)
	treeBusy, treeWall := LambdaColdStartSec, LambdaColdStartSec // the first PlanLevel
	tree := NewTree(chunks, in.FanIn)
	for l := 0; tree.Merges(l); l++ {
		g := int64(tree.Groups(l))
		one := mergeSeconds(fanIn, 1/float64(g))        // a group merges its share of the level
		treeBusy += float64(g)*one + LambdaColdStartSec // the merges, and the next PlanLevel
		treeWall += one + LambdaColdStartSec + 3*StepTransitionSec
	}
	planSeconds := LambdaColdStartSec + float64(in.Objects)*S3FirstByteSec
	e.Invocations = n + 2 + (levels + 1) + merges
	e.GBSeconds = (planSeconds + mapSeconds + treeBusy + e.ReduceSeconds) * memGB
	e.Transitions = 8 + 2*n + 3*levels + merges
	e.DynamoWrites = n + 2
	readUnits := func(items int64) int64 { return (items*CommitItemBytes + 4095) / 4096 }
	e.DynamoReads = n + 1 + 2*readUnits(n) + firstLevel*readUnits(min(fanIn, n))
	e.S3Gets = int64(in.Objects) + 1 + n + mergeReads + last
	if prof.HeaderRead {
		e.S3Gets += n
	}
	e.S3Puts = 1 + n + merges + 2

	e.LambdaUSD = float64(e.Invocations)*LambdaPerRequestUSD + e.GBSeconds*LambdaPerGBSecUSD
	e.StepUSD = float64(e.Transitions) * StepFunctionsPerTxn
	e.DynamoUSD = float64(e.DynamoWrites)*DynamoWriteUSD + float64(e.DynamoReads)*DynamoReadUSD
	e.S3USD = float64(e.S3Gets)*S3GetUSD + float64(e.S3Puts)*S3PutUSD
	e.TotalUSD = e.LambdaUSD + e.StepUSD + e.DynamoUSD + e.S3USD
	tb := float64(in.Bytes) / BytesPerTB
	e.PerTBUSD = e.TotalUSD / tb
	e.AthenaUSD = AthenaPerTBUSD * tb

	conc := min(in.Concurrency, chunks)
	e.Concurrency = conc
	e.Waves = (chunks + conc - 1) / conc
	e.RampSeconds = LambdaScaleInterval * float64((conc-1)/LambdaScalePer10s)
	e.WallSeconds = planSeconds + e.RampSeconds + float64(e.Waves)*(e.ChunkSeconds+2*StepTransitionSec) +
		treeWall + e.ReduceSeconds + 8*StepTransitionSec
	return e, nil
}
