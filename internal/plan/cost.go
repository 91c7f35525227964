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
	// SortedRuns is true when the job's partials are sorted runs (wordcount,
	// groupby, job/kv jobs): unless it asks, its gather goes by key ranges
	// when the partials are large (RangePartitions).
	SortedRuns bool
}

// Profiles are the jobs' measured profiles. The throughputs are this
// machine's (x86-64, one core of a loaded 2-core VM) single-core figures of
// BenchmarkChunk; a Graviton core is within about 20% of them. The partial
// ratios are those of the bench's generated data.
var Profiles = map[string]JobProfile{
	"wordcount": {CoreMBps: 200, PartialRatio: 0.01, SortedRuns: true},
	"grep":      {CoreMBps: 1800, PartialRatio: 0.001},
	"search":    {CoreMBps: 330, PartialRatio: 0.0001},
	"select":    {CoreMBps: 300, PartialRatio: 0.02, HeaderRead: true},
	"groupby":   {CoreMBps: 300, PartialRatio: 0.001, HeaderRead: true, SortedRuns: true},
	// sql: measured by h-sql as 1.5-1.6x the CPU of the equivalent select or
	// groupby (docs/sql.md), so 300/1.6.
	"sql": {CoreMBps: 190, PartialRatio: 0.001, HeaderRead: true},
}

// SortPartialRatio is the partial ratio of a sql query that sorts every
// selected row (ORDER BY without LIMIT): its partials hold the rows it
// selects with their sort keys, taken as half the input (the orders data's
// three of nine columns come to 0.37 of it, with keys about half).
const SortPartialRatio = 0.5

// EstimateInput is a job to price before running it on AWS.
type EstimateInput struct {
	Job     string
	Profile JobProfile // zero: Profiles[Job]
	Bytes   int64      // input bytes
	// ReadBytes is what the mappers fetch of them (0: Bytes): less for a
	// Parquet input whose job reads some columns or whose filter prunes row
	// groups (EstimateScan). The map's time, the partials and the Athena
	// comparison scale with it.
	ReadBytes int64
	Objects   int // input objects (at least 1)
	Chunks    int // 0: ceil(Bytes / ChunkSize)
	ChunkSize int64
	// Concurrency is the Map state's MaxConcurrency (0: DefaultAWSMaxConc).
	Concurrency int
	// MemoryMB is each function's memory (0: DefaultLambdaMB).
	MemoryMB int
	// FanIn is the gather tree's fan-in (0: DefaultGatherFanIn).
	FanIn int
	// Children is the Distributed Map's child workflow type: ChildStandard
	// (the template's, and the default) or ChildExpress.
	Children string
	// Batch is how many chunks one child execution maps (an ItemBatcher's
	// MaxItemsPerBatch); 0 or 1: one chunk per child, as the template does.
	Batch int
	// Partitions, when 2 or more, gathers by key ranges instead of the tree:
	// P range reducers in parallel, each merging its range of every partial
	// (ranged reads), then the final Gather assembling the ranges with S3
	// UploadPartCopy (see RangeGather). 1: the gather tree. 0: as the
	// gather chooses, ranges by RangePartitions of the partials' bytes for a
	// job whose partials are sorted runs, the tree otherwise.
	Partitions int
	// ItemBytes is the JSON size of one chunk's manifest item (0:
	// DefaultItemBytes), which bounds a batch by the child input quota.
	ItemBytes int
	// SortRound is true for a job whose ranges are sorted runs merged again
	// by spans of another key (jobs.RangeRuns: a sql aggregate's ORDER BY
	// without LIMIT): when gathered by key ranges, PlanSort and a second
	// GatherRanges Map run follow the first (sortRound).
	SortRound bool
	// autoRanges is true when the planner chose Partitions (0 given):
	// fitRanges may then raise them so that each range reducer fits.
	autoRanges bool
}

// Requests counts what a job or a part of it bills by the request or by
// duration: Lambda invocations and GB-seconds, Standard state transitions,
// DynamoDB writes and reads, S3 GETs and PUTs. Embedded in Estimate and
// SortRoundEstimate, its fields stand in their JSON as their own.
type Requests struct {
	Invocations  int64   `json:"lambdaInvocations"`
	GBSeconds    float64 `json:"lambdaGBSeconds"`
	Transitions  int64   `json:"stateTransitions"`
	DynamoWrites int64   `json:"dynamoWrites"`
	DynamoReads  int64   `json:"dynamoReads"`
	S3Gets       int64   `json:"s3Gets"`
	S3Puts       int64   `json:"s3Puts"`
}

// add adds r's counts to q's.
func (q *Requests) add(r Requests) {
	q.Invocations += r.Invocations
	q.GBSeconds += r.GBSeconds
	q.Transitions += r.Transitions
	q.DynamoWrites += r.DynamoWrites
	q.DynamoReads += r.DynamoReads
	q.S3Gets += r.S3Gets
	q.S3Puts += r.S3Puts
}

// SortRoundEstimate is the sort round's part of an Estimate (already in
// its totals): PlanSort, which reads the P range runs' indexes and writes
// the spans' plan and items, then a second GatherRanges Map run of Spans
// writers, each merging its span of every range run (ranged GETs) and
// committing it; the final Gather then assembles the spans instead of
// the ranges (the same count of copies).
type SortRoundEstimate struct {
	Spans int `json:"spans"`
	// Requests are the round's Lambda, Step Functions, DynamoDB and S3 requests.
	Requests
	// ExpressRequests and ExpressGBSeconds are what Express span writers bill.
	ExpressRequests  int64   `json:"expressRequests,omitempty"`
	ExpressGBSeconds float64 `json:"expressGBSeconds,omitempty"`
	// PlanSeconds is PlanSort's duration, SpanSeconds one writer's.
	PlanSeconds float64 `json:"planSeconds"`
	SpanSeconds float64 `json:"spanSeconds"`
	// WallSeconds is the round's wall time: PlanSort, then the writers in
	// waves of the concurrency, with their transitions.
	WallSeconds float64 `json:"wallSeconds"`
	USD         float64 `json:"usd"`
}

// The Distributed Map's child workflow types.
const (
	ChildStandard = "standard"
	ChildExpress  = "express"
)

// DefaultItemBytes is about what one byte-range chunk's manifest item holds
// (its index, source, URL, range and size) when no real plan is at hand.
const DefaultItemBytes = 300

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
	ReadBytes   int64   `json:"readBytes"` // what the mappers fetch of Bytes
	ChunkSize   int64   `json:"chunkSize"`
	Chunks      int     `json:"chunks"`
	ChildType   string  `json:"childType"`   // the Map's child workflows: standard or express
	Batch       int     `json:"batch"`       // chunks per child execution
	Children    int     `json:"children"`    // child workflow executions: ceil(chunks / batch)
	Concurrency int     `json:"concurrency"` // children at once
	MemoryMB    int     `json:"memoryMB"`
	CoreMBps    float64 `json:"coreMBps"`   // the job's measured single-core rate
	MapperMBps  float64 `json:"mapperMBps"` // one mapper: min(CPU share × core rate, S3 bandwidth)
	// ChunkSeconds is one full chunk's mapper duration, overheads included.
	ChunkSeconds float64 `json:"chunkSeconds"`
	// ChildSeconds is one full child execution's duration: a mapper
	// invocation over its batch of chunks.
	ChildSeconds float64 `json:"childSeconds"`
	// ExpressRequests and ExpressGBSeconds are what Express children bill.
	ExpressRequests  int64   `json:"expressRequests,omitempty"`
	ExpressGBSeconds float64 `json:"expressGBSeconds,omitempty"`
	// rangeSeconds is one range reducer's duration (rangeGather).
	rangeSeconds float64
	// GatherSeconds is the wall time of the whole gather: the tree's
	// levels and the final Gather (ReduceSeconds).
	GatherSeconds float64 `json:"gatherSeconds"`
	ReduceSeconds float64 `json:"reduceSeconds"`
	GatherLevels  int     `json:"gatherLevels"`         // merge levels of the gather tree before the final Gather
	GatherMerges  int64   `json:"gatherMerges"`         // MergeGroup invocations in all
	Partitions    int     `json:"partitions,omitempty"` // range reducers of a gather by key ranges
	// Requests are the job's Lambda, Step Functions, DynamoDB and S3
	// requests in all (a sort round's included).
	Requests
	LambdaUSD   float64 `json:"lambdaUSD"`
	StepUSD     float64 `json:"stepFunctionsUSD"`
	DynamoUSD   float64 `json:"dynamoUSD"`
	S3USD       float64 `json:"s3USD"`
	TotalUSD    float64 `json:"totalUSD"`
	PerTBUSD    float64 `json:"usdPerTB"`
	AthenaUSD   float64 `json:"athenaUSD"` // the same bytes scanned by Athena
	RampSeconds float64 `json:"rampSeconds"`
	Waves       int     `json:"waves"`
	WallSeconds float64 `json:"wallSeconds"`
	PricesRead  string  `json:"pricesRead"`
	// SortRound is the sort round's part of the totals, nil without one
	// (EstimateInput.SortRound, gathered by key ranges).
	SortRound *SortRoundEstimate `json:"sortRound,omitempty"`
}

// CommitItemBytes is about what one chunk's commit item holds in the ledger.
const CommitItemBytes = 400

// ReducerOpens is how many partials a reducer opens at once: on S3 each open
// waits for a first byte, and a reducer of hundreds of partials would
// otherwise spend seconds in that latency alone.
const ReducerOpens = 32

// EstimateCost predicts a job's AWS cost and wall time. The model, term by term:
//
//   - chunks: ceil(bytes / chunk size), unless the caller planned real inputs;
//     children: ceil(chunks / batch), each child execution one mapper
//     invocation over its batch of chunks (an ItemBatcher batch; batch 1 is
//     the template's one chunk per child).
//   - the gather tree (GatherTree): while a level has more partials than the
//     fan-in, a MergeLevel merges its groups of fan-in partials in parallel;
//     or, with Partitions, the gather by key ranges (rangeGather).
//   - Lambda invocations: the splitter, one mapper per child, a PlanLevel per
//     level and one more, a MergeGroup per group, the final Gather.
//   - the map reads ReadBytes (all of Bytes for text; of Parquet, the job's
//     columns of the row groups its filter leaves, EstimateScan);
//   - a mapper reads at min(core rate × min(1, memory/1769 MB), S3 bandwidth)
//     and pays a cold start per invocation and a first-byte latency per
//     chunk (two for CSV jobs, with the header); a merge (a group, or the
//     final Gather over the last level) merges its share of bytes ×
//     PartialRatio at DefaultGatherMergeMBps after a cold start and a
//     first-byte latency per 32 partials (it opens 32 at once); a PlanLevel
//     costs a cold start; GB-seconds are the durations times the memory.
//   - Step Functions: 8 transitions for the workflow (Plan, AlreadyDone,
//     Scatter, StartGather, PlanLevel, MoreLevels, Gather, Succeeded), 3 per
//     tree level (MergeLevel, PlanLevel, MoreLevels) and 1 per merge, or
//     with key ranges GatherRanges and MoreRounds; each child of a
//     Distributed Map (a mapper's, a range reducer's, a span writer's) as
//     addChildren bills it.
//   - DynamoDB: writes: open, one commit per chunk, finish; reads (4 KB per
//     read unit): one commit check per chunk, the job, the count of the commits
//     by the first PlanLevel and the commit query of the final Gather (a count
//     consumes what a query of the same items does), and each first-level merge's
//     query of its own group's commits.
//   - S3: GETs: a HEAD per object, the manifest, a ranged GET per chunk (two
//     for CSV jobs, with the header), one per partial a merge or the Gather
//     reads; PUTs: the manifest, a partial per chunk, one per merge, the
//     output and its summary.
//   - the sort round (SortRound, with key ranges): PlanSort and a second
//     GatherRanges Map run of as many span writers as ranges (sortRound),
//     in the totals and in Estimate.SortRound;
//   - wall: the splitter, the concurrency ramp (LambdaScalePer10s every
//     LambdaScaleInterval), waves of min(concurrency, children) children, each
//     tree level (a PlanLevel, then its merges in parallel), the final Gather,
//     and StepTransitionSec per transition on the critical path.
//
// A batch that makes a child run past Lambda's timeout, an Express child past
// five minutes, or a batch's items past the child input quota is an error;
// so is a range reducer over RangeChildShare of its child's limit when more
// key ranges do not bring it under (fitRanges).
func EstimateCost(in EstimateInput) (Estimate, error) {
	prof, err := in.defaults()
	if err != nil {
		return Estimate{}, err
	}
	chunks := in.Chunks
	if chunks <= 0 {
		chunks = int((in.Bytes + in.ChunkSize - 1) / in.ChunkSize)
	}
	e := Estimate{Job: in.Job, Bytes: in.Bytes, ReadBytes: in.ReadBytes, ChunkSize: in.ChunkSize, Chunks: chunks, ChildType: in.Children, Batch: in.Batch,
		MemoryMB: in.MemoryMB, CoreMBps: prof.CoreMBps, PricesRead: PricesRead}
	n := int64(chunks)
	e.Children = (chunks + in.Batch - 1) / in.Batch
	children := int64(e.Children)
	memGB := float64(in.MemoryMB) / 1024
	mb := float64(in.ReadBytes) / 1e6 // what the map reads

	e.MapperMBps = math.Min(prof.CoreMBps*math.Min(1, float64(in.MemoryMB)/LambdaMBPerVCPU), S3ReadMBps)
	firstBytes := S3FirstByteSec
	if prof.HeaderRead {
		firstBytes += S3FirstByteSec
	}
	chunkBytes := math.Min(float64(in.ChunkSize), float64(in.Bytes)) / 1e6 * float64(in.ReadBytes) / float64(in.Bytes)
	e.ChunkSeconds = LambdaColdStartSec + firstBytes + chunkBytes/e.MapperMBps
	e.ChildSeconds = LambdaColdStartSec + float64(min(in.Batch, chunks))*(firstBytes+chunkBytes/e.MapperMBps)
	if err := in.checkChild(e.ChildSeconds); err != nil {
		return Estimate{}, err
	}
	mapSeconds := float64(children)*LambdaColdStartSec + float64(n)*firstBytes + mb/e.MapperMBps
	var treeBusy, treeWall float64
	if in.Partitions > 1 {
		if in.Partitions, err = in.fitRanges(prof, n, mb); err != nil {
			return Estimate{}, err
		}
		treeBusy, treeWall = e.rangeGather(in, prof, n, mb)
	} else {
		treeBusy, treeWall = e.gatherTree(in, prof, n, mb)
	}
	planSeconds := LambdaColdStartSec + float64(in.Objects)*S3FirstByteSec
	levels, merges := int64(e.GatherLevels), e.GatherMerges
	e.Invocations = children + 2 + (levels + 1) + merges + int64(e.Partitions)
	e.GBSeconds = (planSeconds + mapSeconds + treeBusy + e.ReduceSeconds) * memGB
	e.Transitions = 8 + 3*levels + merges
	e.addChildren(in.Children, children, e.ChildSeconds)
	if e.Partitions > 0 {
		e.Transitions += 2 // GatherRanges, MoreRounds
		e.addChildren(in.Children, int64(e.Partitions), e.rangeSeconds)
	}
	e.countRequests(in, prof, n)
	var sortWall float64
	if in.SortRound && e.Partitions > 1 {
		r := sortRound(in, prof, int64(e.Partitions), mb)
		e.SortRound = &r
		e.Requests.add(r.Requests)
		e.ExpressRequests += r.ExpressRequests
		e.ExpressGBSeconds += r.ExpressGBSeconds
		sortWall = r.WallSeconds
	}

	if r := e.SortRound; r != nil {
		r.USD = float64(r.Invocations)*LambdaPerRequestUSD + r.GBSeconds*LambdaPerGBSecUSD + float64(r.Transitions)*StepFunctionsPerTxn +
			float64(r.ExpressRequests)*ExpressPerRequestUSD + r.ExpressGBSeconds*ExpressPerGBSecUSD +
			float64(r.DynamoWrites)*DynamoWriteUSD + float64(r.DynamoReads)*DynamoReadUSD + float64(r.S3Gets)*S3GetUSD + float64(r.S3Puts)*S3PutUSD
	}
	e.LambdaUSD = float64(e.Invocations)*LambdaPerRequestUSD + e.GBSeconds*LambdaPerGBSecUSD
	e.StepUSD = float64(e.Transitions)*StepFunctionsPerTxn + float64(e.ExpressRequests)*ExpressPerRequestUSD + e.ExpressGBSeconds*ExpressPerGBSecUSD
	e.DynamoUSD = float64(e.DynamoWrites)*DynamoWriteUSD + float64(e.DynamoReads)*DynamoReadUSD
	e.S3USD = float64(e.S3Gets)*S3GetUSD + float64(e.S3Puts)*S3PutUSD
	e.TotalUSD = e.LambdaUSD + e.StepUSD + e.DynamoUSD + e.S3USD
	e.PerTBUSD = e.TotalUSD / (float64(in.Bytes) / BytesPerTB)
	e.AthenaUSD = AthenaPerTBUSD * float64(in.ReadBytes) / BytesPerTB // Athena too scans only what it reads

	conc := min(in.Concurrency, e.Children)
	e.Concurrency = conc
	e.Waves = (e.Children + conc - 1) / conc
	e.RampSeconds = LambdaScaleInterval * float64((conc-1)/LambdaScalePer10s)
	e.GatherSeconds = treeWall + sortWall + e.ReduceSeconds
	e.WallSeconds = planSeconds + e.RampSeconds + float64(e.Waves)*(e.ChildSeconds+2*StepTransitionSec) +
		e.GatherSeconds + 8*StepTransitionSec
	return e, nil
}

// defaults fills in the input's defaults and returns the job's profile, or
// an error naming what the input got wrong.
func (in *EstimateInput) defaults() (JobProfile, error) {
	prof := in.Profile
	if prof == (JobProfile{}) {
		p, ok := Profiles[in.Job]
		if !ok {
			return prof, fmt.Errorf("no cost profile for job %q", in.Job)
		}
		prof = p
	}
	if in.Bytes <= 0 {
		return prof, fmt.Errorf("input size %d: want a positive number of bytes", in.Bytes)
	}
	if in.ReadBytes <= 0 || in.ReadBytes > in.Bytes {
		in.ReadBytes = in.Bytes
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
	if in.Concurrency > MapMaxConcurrency {
		return prof, fmt.Errorf("concurrency %d: a Distributed Map runs at most %d child executions at once", in.Concurrency, MapMaxConcurrency)
	}
	if in.Objects <= 0 {
		in.Objects = 1
	}
	if in.FanIn < 2 {
		in.FanIn = DefaultGatherFanIn
	}
	if in.Batch <= 0 {
		in.Batch = 1
	}
	if in.Partitions < 0 || in.Partitions > RangeMaxPartitions {
		return prof, fmt.Errorf("partitions %d: want 0 (chosen from the partials' size), 1 (the gather tree) or up to %d key ranges", in.Partitions, RangeMaxPartitions)
	}
	if in.Partitions == 0 && prof.SortedRuns {
		in.Partitions = RangePartitions(int64(float64(in.ReadBytes) * prof.PartialRatio))
		in.autoRanges = in.Partitions > 1
	}
	if in.ItemBytes <= 0 {
		in.ItemBytes = DefaultItemBytes
	}
	switch in.Children {
	case "":
		in.Children = ChildStandard
	case ChildStandard, ChildExpress:
	default:
		return prof, fmt.Errorf("child workflow type %q: want %s or %s", in.Children, ChildStandard, ChildExpress)
	}
	if b := in.Batch * in.ItemBytes; b > ChildInputMaxBytes {
		return prof, fmt.Errorf("batch of %d chunks: %d bytes of items, over a child execution's input quota of %d bytes", in.Batch, b, ChildInputMaxBytes)
	}
	return prof, nil
}

// checkChild refuses a child that would outlive its limits: Lambda's timeout
// for the mapper invocation, five minutes for an Express child.
func (in *EstimateInput) checkChild(sec float64) error {
	if sec > LambdaMaxTimeoutSec {
		return fmt.Errorf("batch of %d chunks: a child's mapper would run %.0f s, past Lambda's %d s timeout; lower the batch or the chunk size", in.Batch, sec, LambdaMaxTimeoutSec)
	}
	if in.Children == ChildExpress && sec+2*StepTransitionSec > ExpressMaxSec {
		return fmt.Errorf("batch of %d chunks: an Express child would run %.0f s, past its %d s limit; lower the batch or the chunk size", in.Batch, sec, ExpressMaxSec)
	}
	return nil
}

// reducerOpens is how long a reducer waits for the first bytes of k
// partials, ReducerOpens at once.
func reducerOpens(k int64) float64 {
	return float64((k+ReducerOpens-1)/ReducerOpens) * S3FirstByteSec
}

// RangeChildShare is the share of its limit a range reducer's or span
// writer's estimate may take: the Express five minutes or Lambda's timeout.
// Its range is cut from samples of the keys and may hold more than its
// 1/P of the bytes (a chunk, which a mapper's check takes whole, is cut
// exactly), and the merge rate is the model's, not the run's.
const RangeChildShare = 0.8

// CheckRanges refuses a gather by in.Partitions key ranges, asked for (2
// or more; 0 and 1 pass: a gather whose ranges the plan step chooses takes
// one per DefaultRangeBytes of partials, far below the limits), whose
// range reducers or span writers would each run past RangeChildShare of
// their child's limit (the Express five minutes, or Lambda's timeout), by
// the estimate EstimateCost makes for `scatter plan` (fitRanges): the
// splitter makes it when a job is started, before any mapper runs, so that
// a job `scatter plan` refuses is not run to fail in its gather. The error
// names the stage, the estimate and the key ranges that would fit.
func CheckRanges(in EstimateInput) error {
	if in.Partitions < 2 {
		return nil
	}
	prof, err := in.defaults()
	if err != nil {
		return err
	}
	chunks := int64(in.Chunks)
	if chunks <= 0 {
		chunks = (in.Bytes + in.ChunkSize - 1) / in.ChunkSize
	}
	_, err = in.fitRanges(prof, chunks, float64(in.ReadBytes)/1e6)
	return err
}

// rangeChildLimit is how long a range reducer or span writer may run by
// the plan: RangeChildShare of the Express limit (less a child's two
// transitions) with Express children, else of Lambda's timeout, each
// child being one MergeRange invocation.
func (in *EstimateInput) rangeChildLimit() (sec float64, what string) {
	if in.Children == ChildExpress {
		return RangeChildShare*ExpressMaxSec - 2*StepTransitionSec, fmt.Sprintf("an Express child's %d s limit", ExpressMaxSec)
	}
	return RangeChildShare * LambdaMaxTimeoutSec, fmt.Sprintf("Lambda's %d s timeout", LambdaMaxTimeoutSec)
}

// fitRanges returns the partitions of a gather by key ranges whose range
// reducers (rangeGather) and span writers (sortRound), children of the
// GatherRanges Distributed Map, each fit rangeChildLimit: in.Partitions,
// or, when the planner chose them, more ranges if that makes each fit. A
// reducer reads a first byte of each of the n partials (ReducerOpens at
// once) and merges 1/P of their bytes; when that does not fit at
// RangeMaxPartitions, or at the partitions asked for, the plan is refused,
// naming the stage, the estimate and what would fit.
func (in *EstimateInput) fitRanges(prof JobProfile, n int64, mb float64) (int, error) {
	p := in.Partitions
	limit, what := in.rangeChildLimit()
	mergeSec := mb * prof.PartialRatio / DefaultGatherMergeMBps  // all the partials' bytes, merged by one
	fixed := LambdaColdStartSec + reducerOpens(max(n, int64(p))) // a reducer's, or a span writer's, cold start and first bytes
	reducer := func(p int) float64 { return fixed + mergeSec/float64(p) }
	if reducer(p) <= limit {
		return p, nil
	}
	need := RangeMaxPartitions + 1
	if room := limit - fixed; room > 0 {
		need = int(math.Ceil(mergeSec / room))
	}
	if in.autoRanges && need <= RangeMaxPartitions {
		return max(need, p), nil
	}
	msg := fmt.Sprintf("gather by %d key ranges: a range reducer (a child of GatherRanges) would run %.0f s (%.0f s to open the %d partials, %.0f MB of their %.0f MB to merge at %.0f MB/s), over %.0f s, %.0f%% of %s",
		p, reducer(p), reducerOpens(n), n, mb*prof.PartialRatio/float64(p), mb*prof.PartialRatio, DefaultGatherMergeMBps, limit, 100*RangeChildShare, what)
	if need <= RangeMaxPartitions {
		return 0, fmt.Errorf("%s; ask for %d key ranges or more (--partitions)", msg, need)
	}
	fix := "use a larger chunk size (fewer partials)"
	if in.Children == ChildExpress {
		fix += " or Standard children"
	}
	return 0, fmt.Errorf("%s, even at %d key ranges; %s", msg, RangeMaxPartitions, fix)
}

// gatherTree sets the gather tree's shape and the final Gather's duration,
// and returns the tree's busy seconds (billed) and wall seconds.
func (e *Estimate) gatherTree(in EstimateInput, prof JobProfile, n int64, mb float64) (busy, wall float64) {
	fanIn := int64(in.FanIn)
	levels, merges, _, _, last := GatherTree(n, fanIn)
	e.GatherLevels, e.GatherMerges = int(levels), merges
	mergeSeconds := func(partials int64, share float64) float64 {
		return LambdaColdStartSec + float64((partials+ReducerOpens-1)/ReducerOpens)*S3FirstByteSec + mb*prof.PartialRatio*share/DefaultGatherMergeMBps
	}
	e.ReduceSeconds = mergeSeconds(last, 1)
	busy, wall = LambdaColdStartSec, LambdaColdStartSec // the first PlanLevel
	tree := NewTree(int(n), in.FanIn)
	for l := 0; tree.Merges(l); l++ {
		g := int64(tree.Groups(l))
		one := mergeSeconds(fanIn, 1/float64(g))    // a group merges its share of the level
		busy += float64(g)*one + LambdaColdStartSec // the merges, and the next PlanLevel
		wall += one + LambdaColdStartSec + 3*StepTransitionSec
	}
	return busy, wall
}

// countRequests counts the DynamoDB and S3 requests of n chunks.
func (e *Estimate) countRequests(in EstimateInput, prof JobProfile, n int64) {
	fanIn := int64(in.FanIn)
	_, merges, mergeReads, firstLevel, last := GatherTree(n, fanIn)
	readUnits := func(items int64) int64 { return (items*CommitItemBytes + 4095) / 4096 }
	e.DynamoWrites = n + 2
	e.DynamoReads = n + 1 + 2*readUnits(n)
	e.S3Gets = int64(in.Objects) + 1 + n
	e.S3Puts = 1 + n + 2
	if p := int64(e.Partitions); p > 0 {
		// The plan reads every partial's key index; each range reducer reads
		// its range of every partial, checks and commits its range; the
		// Gather reads the ranges' commits and copies each range as a part
		// of one multipart upload (create, P copies, complete).
		e.DynamoWrites += p
		e.DynamoReads += p + readUnits(p)
		e.S3Gets += n + p*n
		e.S3Puts += p + p + 2
	} else {
		e.DynamoReads += firstLevel * readUnits(min(fanIn, n))
		e.S3Gets += mergeReads + last
		e.S3Puts += merges
	}
	if prof.HeaderRead {
		e.S3Gets += n
	}
}

// rangeGather is the gather by key ranges: the first PlanLevel samples the
// partials' key indexes (a GET each, 32 at once) and cuts P ranges; P range
// reducers, min(P, concurrency) at once, each merge 1/P of the partials'
// bytes after a first byte from every partial (32 at once); the final Gather
// assembles the P ranges server-side with UploadPartCopy (32 at once). It
// returns the busy seconds (billed) and the wall seconds before the final
// Gather, whose own seconds are ReduceSeconds.
func (e *Estimate) rangeGather(in EstimateInput, prof JobProfile, n int64, mb float64) (busy, wall float64) {
	p := in.Partitions
	e.Partitions = p
	plan := LambdaColdStartSec + reducerOpens(n)
	reducer := LambdaColdStartSec + reducerOpens(n) + mb*prof.PartialRatio/float64(p)/DefaultGatherMergeMBps
	conc := min(p, in.Concurrency)
	waves := (p + conc - 1) / conc
	e.ReduceSeconds = LambdaColdStartSec + reducerOpens(int64(p))
	e.rangeSeconds = reducer
	busy = plan + float64(p)*reducer
	wall = plan + 3*StepTransitionSec + float64(waves)*(reducer+2*StepTransitionSec)
	return busy, wall
}

// sortRound prices the sort round of a gather by p key ranges (spans: as
// many as ranges, what PlanSort cuts when the rows are many): PlanSort, one
// invocation reading the p range runs' indexes (a GET each, 32 at once)
// and the ranges' commits (a query), and writing the spans' plan and
// items (2 PUTs); a second GatherRanges Map run (Step Functions makes a
// new Map Run each time an execution enters the state) of p writers, each
// reading its span of every range run (p ranged GETs), merging 1/p of the
// runs' bytes, taken as the partials' (a range run holds its groups' rows,
// at most one per group), writing its span (a PUT) and checking and
// committing it (a read and a write). Transitions: PlanSort, GatherRanges
// and MoreRounds again, and each writer's child (a Distributed Map bills
// a transition per child workflow execution it starts:
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html;
// a new Map Run each time the state is entered:
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-examine-map-run.html)
// and its Task (addChildren: with Express children, the child's start
// and an Express request and duration).
func sortRound(in EstimateInput, prof JobProfile, p int64, mb float64) SortRoundEstimate {
	readUnits := (p*CommitItemBytes + 4095) / 4096
	r := SortRoundEstimate{Spans: int(p)}
	r.PlanSeconds = LambdaColdStartSec + reducerOpens(p)
	r.SpanSeconds = LambdaColdStartSec + reducerOpens(p) + mb*prof.PartialRatio/float64(p)/DefaultGatherMergeMBps
	r.Invocations = 1 + p
	r.GBSeconds = (r.PlanSeconds + float64(p)*r.SpanSeconds) * float64(in.MemoryMB) / 1024
	var w Estimate
	w.addChildren(in.Children, p, r.SpanSeconds)
	r.Transitions = 3 + w.Transitions
	r.ExpressRequests, r.ExpressGBSeconds = w.ExpressRequests, w.ExpressGBSeconds
	r.DynamoWrites = p
	r.DynamoReads = readUnits + p
	r.S3Gets = p + p*p
	r.S3Puts = 2 + p
	conc := min(p, int64(in.Concurrency))
	waves := (p + conc - 1) / conc
	r.WallSeconds = r.PlanSeconds + 3*StepTransitionSec + float64(waves)*(r.SpanSeconds+2*StepTransitionSec)
	return r
}

// addChildren adds what k child executions of a Distributed Map, of sec
// seconds each, bill Step Functions: a state transition for each child
// workflow execution the Map starts, Express children too (Transitions in
// Distributed Map state:
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html);
// then a Standard child's Task is a transition of its own, while an Express
// child bills a request and its duration (rounded up to 100 ms) at 64 MB,
// the smallest billed memory, which a child's small definition and payload
// do not exceed (https://aws.amazon.com/step-functions/pricing/).
func (e *Estimate) addChildren(kind string, k int64, sec float64) {
	e.Transitions += k
	if kind != ChildExpress {
		e.Transitions += k
		return
	}
	billed := math.Ceil(sec/ExpressDurationStepSec-1e-9) * ExpressDurationStepSec
	e.ExpressRequests += k
	e.ExpressGBSeconds += float64(k) * billed * ExpressMemoryStepMB / 1024
}
