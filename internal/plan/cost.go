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
	"wordcount": {CoreMBps: 130, PartialRatio: 0.01},
	"grep":      {CoreMBps: 1800, PartialRatio: 0.001},
	"search":    {CoreMBps: 330, PartialRatio: 0.0001},
	"select":    {CoreMBps: 300, PartialRatio: 0.02, HeaderRead: true},
	"groupby":   {CoreMBps: 300, PartialRatio: 0.001, HeaderRead: true},
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

// commitItemBytes is about what one chunk's commit item holds in the ledger.
const commitItemBytes = 400

// reducerOpens is how many partials the reducer opens at once (the
// pipeline's openParallel).
const reducerOpens = 32

// EstimateCost predicts a job's AWS cost and wall time. The model, term by term:
//
//   - chunks: ceil(bytes / chunk size), unless the caller planned real inputs.
//   - Lambda invocations: the splitter, one mapper per chunk, the reducer.
//   - a mapper reads at min(core rate × min(1, memory/1769 MB), S3 bandwidth)
//     and pays a cold start and a first-byte latency; the reducer merges
//     bytes × PartialRatio at DefaultGatherMergeMBps after a first-byte
//     latency per 32 partials (it opens 32 at once); GB-seconds are the
//     durations times the memory.
//   - Step Functions: 5 transitions for the workflow, 2 per chunk (the child
//     execution and its Task).
//   - DynamoDB: writes: open, one commit per chunk, finish; reads: one commit
//     check per chunk, the job, and the commit query (4 KB per read unit).
//   - S3: GETs: a HEAD per object, the manifest, a ranged GET per chunk (two
//     for CSV jobs, with the header), one per partial in the reducer; PUTs: the
//     manifest, a partial per chunk, the output and its summary.
//   - wall: the splitter, the concurrency ramp (LambdaScalePer10s every
//     LambdaScaleInterval), waves of min(concurrency, chunks) mappers, the
//     reducer, and StepTransitionSec per transition on the critical path.
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
	e.ReduceSeconds = LambdaColdStartSec + float64((n+reducerOpens-1)/reducerOpens)*S3FirstByteSec + mb*prof.PartialRatio/DefaultGatherMergeMBps
	planSeconds := LambdaColdStartSec + float64(in.Objects)*S3FirstByteSec
	e.Invocations = n + 2
	e.GBSeconds = (planSeconds + mapSeconds + e.ReduceSeconds) * memGB
	e.Transitions = 5 + 2*n
	e.DynamoWrites = n + 2
	e.DynamoReads = n + 1 + (n*commitItemBytes+4095)/4096
	e.S3Gets = int64(in.Objects) + 1 + n + n
	if prof.HeaderRead {
		e.S3Gets += n
	}
	e.S3Puts = 1 + n + 2

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
		e.ReduceSeconds + 5*StepTransitionSec
	return e, nil
}
