package pipeline

import (
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/plan"
)

// PlanInput is a job submission: the state machine's execution input and the
// splitter's event.
type PlanInput struct {
	// Job is the job's name: wordcount, grep, select, groupby, search.
	Job string `json:"job"`
	// Params are the job's parameters by flag name (pattern, where, key, ...).
	Params jobs.Params `json:"params,omitempty"`
	// Inputs are local paths, directories, s3://bucket/key or s3://bucket/prefix/.
	Inputs []string `json:"inputs"`
	// Output is where the final object goes: a local path or s3://bucket/key.
	Output string `json:"output"`
	// ChunkSize is the target chunk size in bytes; 0 means the default.
	ChunkSize int64 `json:"chunkSize,omitempty"`
	// MaxConcurrency bounds concurrent mappers; 0 means the default.
	MaxConcurrency int `json:"maxConcurrency,omitempty"`
	// Partitions is how many key ranges a keyed job (job/kv) is gathered in,
	// by reducers in parallel: 0 lets the gather choose from the partials'
	// sizes (one range per DefaultRangeBytes; the tree below two), 1 is one
	// reducer (the tree). A job that is not keyed cannot ask for more than 1.
	Partitions int `json:"partitions,omitempty"`
	// OutputParts leaves a keyed job's output as ordered part files
	// (PartLocation: Output/part-00000, ...), one per key range.
	OutputParts bool `json:"outputParts,omitempty"`
	// Submission is the ID the API answered a submission with (the execution's name),
	// when it is not the job ID: the API does not read the inputs, so it cannot derive
	// the job ID, and the splitter records which job the submission planned at
	// SubmissionLocation for the API's status.
	Submission string `json:"submission,omitempty"`
	// Owner is the IAM principal that submitted the job through the API (its ARN, or
	// userid:ID); only it and the stack's admin principals may read or cancel the job there.
	Owner string `json:"owner,omitempty"`
	// JobVersion is, in the spec the ledger keeps of a job, the Version of the job's
	// code that planned it (job.Definition.Version): the job's committed chunks hold
	// that version's partials, so a resume by a build whose job has another version is
	// refused. The splitter sets it; a submission's is ignored.
	JobVersion string `json:"jobVersion,omitempty"`
}

// SubmissionRecord is what the splitter writes at SubmissionLocation: the job a
// submission planned.
type SubmissionRecord struct {
	Submission string `json:"submission"`
	JobID      string `json:"jobId"`
}

// SubmissionLocation is where, in workBucket, the splitter records the job that the
// submission id planned: jobs/ID/submission.json (it expires with the work area).
func SubmissionLocation(workBucket, id string) string {
	return WorkArea(workBucket, id) + "submission.json"
}

// Location names an S3 object by bucket and key, as ItemReader wants it.
type Location struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// PlanOutput is the splitter's result, kept at $.plan by the state machine.
type PlanOutput struct {
	JobID  string      `json:"jobId"`
	Job    string      `json:"job"`
	Params jobs.Params `json:"params"`
	// JobVersion is the Version of the job's code that planned it (the splitter's):
	// the mappers and reducers, which the state machine hands it, refuse a job of
	// another version than theirs (a deploy between the plan and a redrive), so that
	// no job mixes the partials of two versions.
	JobVersion string `json:"jobVersion"`
	// Manifest is the JSON array of chunks the Distributed Map reads.
	Manifest Location `json:"manifest"`
	// Work is the location prefix of the job's manifest and partials.
	Work   string `json:"work"`
	Output string `json:"output"`
	// Chunks is the number of chunks in the manifest; Bytes their total size.
	Chunks         int   `json:"chunks"`
	Bytes          int64 `json:"bytes"`
	MaxConcurrency int   `json:"maxConcurrency"`
	// MapTimeoutSeconds bounds one mapper attempt (the Map's TimeoutSecondsPath):
	// derived from the largest chunk, so a stuck attempt is retried, not waited on.
	MapTimeoutSeconds int `json:"mapTimeoutSeconds"`
	// FanIn is how many partials one reducer merges: the state machine gathers
	// in a tree of groups of FanIn when there are more.
	FanIn int `json:"fanIn"`
	// MapResults is where the Scatter Distributed Map writes its children's results
	// (its ResultWriter): Key is the prefix jobs/<jobId>/mapresults in the work bucket.
	MapResults Location `json:"mapResults"`
	// Done is true when the same submission already succeeded: nothing to run.
	Done bool `json:"done"`
	// Partitions and OutputParts are the submission's (PlanInput).
	Partitions  int  `json:"partitions"`
	OutputParts bool `json:"outputParts"`
}

// MapInput is a mapper's event: one chunk of one job.
type MapInput struct {
	JobID  string      `json:"jobId"`
	Job    string      `json:"job"`
	Params jobs.Params `json:"params"`
	// JobVersion is the plan's (PlanOutput): the version of the job's code that planned it.
	JobVersion string     `json:"jobVersion,omitempty"`
	Work       string     `json:"work"`
	Chunk      plan.Chunk `json:"chunk"`
	// TimeoutSeconds is the attempt's budget, which the Map's Task enforces
	// (TimeoutSecondsPath); the handler does not read it.
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
}

// MapResult is a mapper's result: the committed partial of its chunk.
type MapResult struct {
	JobID string `json:"jobId"`
	Chunk int    `json:"chunk"`
	// Attempt is the attempt whose partial is committed (maybe another's).
	Attempt string `json:"attempt"`
	Partial string `json:"partial"`
	// Duplicate is true when the chunk had been committed by another attempt.
	Duplicate bool     `json:"duplicate"`
	Stats     MapStats `json:"stats"`
}

// MapStats are one chunk's counts, stored with its commit.
type MapStats struct {
	jobs.Stats
	// BytesIn is the input the chunk owns (its ranges; a .gz object's whole size);
	// BytesRead is what it fetched from the store, a little more.
	BytesIn    int64 `json:"bytesIn"`
	BytesRead  int64 `json:"bytesRead"`
	DurationMS int64 `json:"durationMs"`
	// Parquet: BytesSkipped of the chunk's row groups were not read (other
	// columns, pruned row groups and pages); RowGroupsPruned of its
	// RowGroups were ruled out by their statistics.
	BytesSkipped    int64 `json:"bytesSkipped,omitempty"`
	RowGroups       int64 `json:"rowGroups,omitempty"`
	RowGroupsPruned int64 `json:"rowGroupsPruned,omitempty"`
	// ParquetBytesRead is the part of BytesRead its Parquet parts fetched
	// (their footers included).
	ParquetBytesRead int64 `json:"parquetBytesRead,omitempty"`
	// CSV holds, for each CSV part that starts or ends inside its object,
	// the quote state the mapper assumed at its start and the record starts
	// it found there and past its end; the gather confirms them (confirmCSV).
	CSV []CSVBound `json:"csv,omitempty"`
}

// CSVBound is what a mapper read of a CSV part cut out of an object: see
// split.CSVBounds.
type CSVBound struct {
	URL   string `json:"url"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	// Assumed is the quote state the mapper guessed before Start ("" when
	// it read from a known First: a re-read).
	Assumed string `json:"assumed,omitempty"`
	// First is where the part's first record starts; Next where the record
	// after its last one starts. Part i+1 of an object is right when its
	// First is part i's Next.
	First int64 `json:"first"`
	Next  int64 `json:"next"`
}

// Failure is a Step Functions error as a Catch hands it over.
type Failure struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// FailedAt is where the state machine caught a job's failure: the state a redrive
// resumes at (ResumeScatter or ResumeGather) and the execution's redrive count then
// ($$.Execution.RedriveCount).
type FailedAt struct {
	Resume       string `json:"resume"`
	RedriveCount int    `json:"redriveCount"`
}

// The states a redriven execution resumes at after a recorded failure.
const (
	ResumeScatter = "Scatter"
	ResumeGather  = "StartGather"
)

// The reducer's steps (GatherInput.Step). The state machine plans each level
// of the gather tree, merges its groups in a Map, and gathers the last level.
const (
	// StepGather merges the partials of Level (at most FanIn), writes the
	// output and its summary, and finishes the job.
	StepGather = ""
	// StepPlan checks the job's commits (at level 0) and plans Level: its
	// partials, and the groups to merge into Level+1 when they are more than FanIn.
	StepPlan = "plan"
	// StepMerge merges group Group of Level into the intermediate partial
	// Group of Level+1 (TreeKey), overwriting it, so a retry is safe.
	StepMerge = "merge"
	// StepRange reduces key range Range of every committed partial into the
	// output lines of its keys, committed once (the partitioned gather).
	StepRange = "range"
)

// GatherInput is the reducer's event. With Failure set it records the job's
// failure in the ledger instead of gathering.
type GatherInput struct {
	JobID  string      `json:"jobId"`
	Job    string      `json:"job,omitempty"`
	Params jobs.Params `json:"params,omitempty"`
	// JobVersion is the plan's (PlanOutput): the version of the job's code that planned it.
	JobVersion string `json:"jobVersion,omitempty"`
	Work       string `json:"work,omitempty"`
	Output     string `json:"output,omitempty"`
	Chunks     int    `json:"chunks"`
	// Step is StepGather (empty), StepPlan or StepMerge.
	Step string `json:"step,omitempty"`
	// FanIn is the plan's fan-in; 0 means the handler's.
	FanIn int `json:"fanIn,omitempty"`
	// Level is the tree level the step works on: 0 is the committed partials,
	// level L+1 holds one merged partial per group of FanIn partials of level L.
	Level int `json:"level,omitempty"`
	// Group is the group of Level a StepMerge merges.
	Group int `json:"group,omitempty"`
	// Partitions is, for StepPlan, the submission's request (PlanInput), and
	// for StepGather the key ranges the plan chose (0 or 1: the tree).
	Partitions int `json:"partitions,omitempty"`
	// Range is the key range a StepRange reduces.
	Range int `json:"range,omitempty"`
	// Round is the partitioned gather's round (RoundKeys or RoundSort) of a
	// StepPlan (RoundSort: cut the range runs into spans), a StepRange and
	// the StepGather.
	Round int `json:"round,omitempty"`
	// OutputParts is the submission's (PlanInput): StepGather writes part files.
	OutputParts bool     `json:"outputParts,omitempty"`
	Failure     *Failure `json:"failure,omitempty"`
	// FailedAt and RedriveCount come with Failure: when the execution's redrive count
	// now ($$.Execution.RedriveCount) is above the one at the failure, the execution was
	// redriven, and the step reopens the job instead of recording the failure again.
	FailedAt     *FailedAt `json:"failedAt,omitempty"`
	RedriveCount int       `json:"redriveCount,omitempty"`
}

// GatherOutput is the reducer's result.
type GatherOutput struct {
	JobID   string `json:"jobId"`
	Status  string `json:"status"`
	Output  string `json:"output,omitempty"`
	Summary string `json:"summary,omitempty"`
	// Tree is a StepPlan's answer.
	Tree *TreeLevel `json:"tree,omitempty"`
	// Partial is the intermediate partial a StepMerge wrote.
	Partial string `json:"partial,omitempty"`
	// Resume is, for a failure step run again by a redrive, the state the redriven
	// execution goes on at (FailedAt.Resume).
	Resume string `json:"resume,omitempty"`
}

// TreeLevel is the plan of one level of the gather tree.
type TreeLevel struct {
	// Level is the level planned; Partials how many partials it has.
	Level    int `json:"level"`
	Partials int `json:"partials"`
	FanIn    int `json:"fanIn"`
	// Merge is true when Partials is more than FanIn: Groups (0, 1, ...) are
	// merged into level Next = Level+1 before the gather. Otherwise Groups is
	// empty and Next is Level, the level the gather merges.
	Merge  bool  `json:"merge"`
	Groups []int `json:"groups"`
	Next   int   `json:"next"`
	// Partitions is, at level 0 of a keyed job gathered by key ranges, how
	// many ranges the GatherRanges Map reduces (Merge is then false); 0
	// otherwise. Ranges is the Map's items (RangeItem), RangeResults where
	// its ResultWriter writes; both are empty without ranges.
	Partitions   int      `json:"partitions"`
	Ranges       Location `json:"ranges"`
	RangeResults Location `json:"rangeResults"`
	// Round is the round of the GatherRanges Map that Ranges are for
	// (RoundKeys or RoundSort). SortRound is true when, after it, the
	// state machine plans the RoundSort (PlanSort): the ranges of a
	// jobs.RangeRuns job are sorted runs, cut again by their sort key.
	Round     int  `json:"round"`
	SortRound bool `json:"sortRound"`
}

// The rounds of the partitioned gather (GatherInput.Round, TreeLevel.Round).
const (
	// RoundKeys reduces ranges of the partials' keys, each committed once
	// under the job's "#ranges" ledger ID.
	RoundKeys = 0
	// RoundSort is a jobs.RangeRuns job's second round: the RoundKeys
	// ranges are sorted runs of the output's rows, cut into spans of their
	// sort key from their indexes; each writer merges its span of every
	// range run into its part of the output, committed once under the
	// job's "#sort" ledger ID, and the Gather assembles the parts in order.
	RoundSort = 1
)
