package attempts

import (
	"time"

	"github.com/scattergather/scattergather/internal/metrics"
	"github.com/scattergather/scattergather/internal/plan"
)

// PhaseSummary is one phase of a job in its summary.
type PhaseSummary struct {
	// Attempts counts the recorded invocations; Failed those that returned an error (and were
	// retried); Duplicates those that found the work committed by another attempt.
	Attempts   int `json:"attempts"`
	Failed     int `json:"failed"`
	Duplicates int `json:"duplicates"`
	// Started and Finished bound the phase's attempts; WallSeconds is the span between them,
	// BusySeconds the sum of the attempts' durations.
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	WallSeconds float64   `json:"wallSeconds"`
	BusySeconds float64   `json:"busySeconds"`
}

// Job is what EstimateUsage needs to know of a job besides its attempts: the figures of
// its summary.
type Job struct {
	// Chunks is the number of chunks; Inputs the number of inputs the submission named.
	Chunks, Inputs int
	// Runs counts how often the job was opened (resumes and redrives add one).
	Runs int
	// FanIn is how many partials one merge took; GatherLevels how many levels of merges
	// the gather tree had.
	FanIn, GatherLevels int
}

// SummarizePhases folds attempts into one PhaseSummary per phase (plan, map, gather).
func SummarizePhases(atts []Attempt) map[string]PhaseSummary {
	out := map[string]PhaseSummary{PhasePlan: {}, PhaseMap: {}, PhaseGather: {}}
	for _, a := range atts {
		p := out[a.Phase]
		p.Attempts++
		switch a.Outcome {
		case OutcomeFailed:
			p.Failed++
		case OutcomeDuplicate:
			p.Duplicates++
		}
		if p.Started.IsZero() || a.Start.Before(p.Started) {
			p.Started = a.Start
		}
		if a.End.After(p.Finished) {
			p.Finished = a.End
		}
		p.BusySeconds += a.Duration().Seconds()
		out[a.Phase] = p
	}
	for k, p := range out {
		if p.Attempts > 0 {
			p.WallSeconds = p.Finished.Sub(p.Started).Seconds()
		}
		p.BusySeconds = float64(int64(p.BusySeconds*1000)) / 1000
		out[k] = p
	}
	return out
}

// EstimateUsage counts what the attempts did in AWS's billing units. The model, kept small on
// purpose (docs/operations.md explains it):
//   - Lambda: one request per attempt; GB-seconds are each attempt's duration times its
//     memory (the template's defaults when the attempt ran locally).
//   - Step Functions: the parent's eight states on the happy path (Plan, AlreadyDone, Scatter,
//     StartGather, PlanLevel, MoreLevels, Gather, Succeeded), three more per level of the
//     gather tree (MergeLevel, PlanLevel, MoreLevels) and one per group merged, one
//     transition per further plan or gather attempt, one child execution per chunk and one
//     transition per mapper attempt in it.
//   - DynamoDB: per run, Open and Finish (2 writes); per mapper attempt one read of the
//     chunk's commit and, unless it found the commit, one conditional write; per gather
//     attempt one job read and the chunk query (4 KB per read unit, plan.CommitItemBytes an item);
//     the job read and the count of the commits by the first PlanLevel (a count consumes
//     what the query would), and per group merged at level 0 the query of its own commits.
//   - S3: per mapper attempt one GET per part (one per chunk assumed) and two PUTs (partial
//     and attempt record); the plan's manifest, input stats and listings; the ItemReader's
//     GET; the gather's LIST of attempts, GET of every partial, PUT of output, summary and
//     merge levels.
func EstimateUsage(atts []Attempt, sum Job) metrics.Usage {
	var u metrics.Usage
	var plans, maps, gathers, mapWrites int64
	for _, a := range atts {
		mem := a.MemoryMB
		switch a.Phase {
		case PhasePlan:
			plans++
			if mem == 0 {
				mem = DefaultSplitterMemoryMB
			}
		case PhaseMap:
			maps++
			if a.Outcome == OutcomeCommitted || (a.Outcome == OutcomeDuplicate && a.Duration() > 0) {
				mapWrites++
			}
			if mem == 0 {
				mem = DefaultMapperMemoryMB
			}
		case PhaseGather:
			gathers++
			if mem == 0 {
				mem = DefaultReducerMemoryMB
			}
		}
		u.LambdaGBSeconds += metrics.GBSeconds(a.Duration().Milliseconds(), mem)
	}
	chunks := int64(sum.Chunks)
	runs := int64(max(sum.Runs, 1))
	levels := int64(sum.GatherLevels)
	merges, level0Groups := int64(0), int64(0)
	tree := plan.NewTree(sum.Chunks, sum.FanIn)
	for level := 1; level <= sum.GatherLevels; level++ {
		n := int64(tree.Partials(level)) // the groups merged at level-1
		if level == 1 {
			level0Groups = n
		}
		merges += n
	}
	queryUnits := max((chunks*plan.CommitItemBytes+4095)/4096, 1)
	u.LambdaGBSeconds = float64(int64(u.LambdaGBSeconds*1e6)) / 1e6
	// The tree: a PlanLevel per level and the last, a MergeGroup per merge.
	u.LambdaRequests = plans + maps + gathers + levels + 1 + merges
	u.MapChildExecutions = chunks
	u.StateTransitions = 8*runs + max(plans-runs, 0) + max(gathers-1, 0) + maps + 3*levels + merges
	u.DynamoWrites = 2*runs + mapWrites
	groupUnits := max((int64(max(sum.FanIn, 2))*plan.CommitItemBytes+4095)/4096, 1)
	u.DynamoReads = maps + gathers*(1+queryUnits) + (1 + queryUnits) + level0Groups*groupUnits
	inputs := int64(sum.Inputs)
	u.S3Gets = 2*inputs + 1 + maps + chunks + merges
	u.S3Puts = plans*2 + inputs + maps*2 + merges + gathers + 2 + (int64(len(atts))+999)/1000
	return u
}
