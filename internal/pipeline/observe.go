package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/metrics"
	"github.com/scattergather/scattergather/internal/plan"
)

// The phases of a job, as attempt records and the summary name them.
const (
	PhasePlan   = "plan"
	PhaseMap    = "map"
	PhaseGather = "gather"
)

// The outcomes of an attempt.
const (
	// OutcomeCommitted: a mapper attempt whose commit won; its ID is the ledger commit's.
	OutcomeCommitted = "committed"
	// OutcomeDuplicate: a mapper attempt that found its chunk committed by another attempt
	// (before or after doing the work), or a gather of a job that had already succeeded.
	OutcomeDuplicate = "duplicate"
	// OutcomeFailed: the attempt returned an error; the state machine retries it.
	OutcomeFailed = "failed"
	// OutcomeOK: a plan or gather attempt that succeeded.
	OutcomeOK = "ok"
)

// The memory sizes in MB that template.yaml gives the functions by default; an attempt that
// does not know its own (a local run) is priced with these.
const (
	DefaultSplitterMemoryMB = 512
	DefaultMapperMemoryMB   = 1769
	DefaultReducerMemoryMB  = 2048
)

// Attempt is the record of one invocation of a handler on a job: every splitter, mapper and
// reducer attempt writes one to the job's work area (an S3 PUT, not a ledger write) when it
// ends, at a key that encodes everything the summary needs, so that one LIST reads them
// all. An attempt killed by a Lambda timeout writes none.
type Attempt struct {
	JobID string `json:"jobId"`
	Phase string `json:"phase"`
	// Chunk is the chunk's index for the map phase, -1 otherwise.
	Chunk int `json:"chunk"`
	// ID is the attempt's ID: for a committed mapper attempt, the ledger commit's Attempt.
	ID string `json:"attempt"`
	// Winner is, for a duplicate, the attempt whose commit the chunk has.
	Winner string `json:"winner,omitempty"`
	// Worker is the Lambda execution environment (its log stream); empty on a local run.
	Worker   string    `json:"worker,omitempty"`
	MemoryMB int       `json:"memoryMb"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Outcome  string    `json:"outcome"`
	Error    string    `json:"error,omitempty"`
	// BytesRead, RecordsIn and Skipped are the mapper's counts.
	BytesRead int64 `json:"bytesRead,omitempty"`
	RecordsIn int64 `json:"recordsIn,omitempty"`
	Skipped   int64 `json:"skipped,omitempty"`
}

// Duration is the attempt's wall time.
func (a Attempt) Duration() time.Duration { return a.End.Sub(a.Start) }

// AttemptsPrefix is the location prefix of the attempt records of the job whose work area is work.
func AttemptsPrefix(work string) string { return work + "attempts/" }

// attemptKey is where a's record goes: attempts/PHASE/[CHUNK/]STARTMS-DURMS-MEMMB-OUTCOME-ID.json.
func attemptKey(work string, a Attempt) string {
	dir := AttemptsPrefix(work) + a.Phase + "/"
	if a.Phase == PhaseMap {
		dir += fmt.Sprintf("%08d/", a.Chunk)
	}
	return fmt.Sprintf("%s%d-%d-%d-%s-%s.json", dir, a.Start.UnixMilli(), a.Duration().Milliseconds(), a.MemoryMB, a.Outcome, a.ID)
}

// parseAttemptKey reads what attemptKey encoded; ok is false for a key of another shape.
func parseAttemptKey(prefix, key string) (a Attempt, ok bool) {
	rest, found := strings.CutPrefix(key, prefix)
	if !found || !strings.HasSuffix(rest, ".json") {
		return a, false
	}
	dir, file := path.Split(strings.TrimSuffix(rest, ".json"))
	parts := strings.SplitN(file, "-", 5)
	if len(parts) != 5 {
		return a, false
	}
	start, err1 := strconv.ParseInt(parts[0], 10, 64)
	dur, err2 := strconv.ParseInt(parts[1], 10, 64)
	mem, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return a, false
	}
	a.Chunk = -1
	switch dir = strings.TrimSuffix(dir, "/"); {
	case dir == PhasePlan || dir == PhaseGather:
		a.Phase = dir
	case strings.HasPrefix(dir, PhaseMap+"/"):
		n, err := strconv.Atoi(strings.TrimPrefix(dir, PhaseMap+"/"))
		if err != nil || n < 0 {
			return a, false
		}
		a.Phase, a.Chunk = PhaseMap, n
	default:
		return a, false
	}
	a.Start = time.UnixMilli(start).UTC()
	a.End = a.Start.Add(time.Duration(dur) * time.Millisecond)
	a.MemoryMB, a.Outcome, a.ID = mem, parts[3], parts[4]
	return a, true
}

// ListAttempts returns the attempt records of the job whose work area is work, ordered by
// start. With detail it also reads every record's body (one GET each) for the workers,
// errors and counts; without, one LIST per thousand attempts suffices.
func ListAttempts(ctx context.Context, store blob.Store, work string, detail bool) ([]Attempt, error) {
	prefix := AttemptsPrefix(work)
	infos, err := store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list attempts %s: %w", prefix, err)
	}
	out := make([]Attempt, 0, len(infos))
	for _, inf := range infos {
		a, ok := parseAttemptKey(prefix, inf.Key)
		if !ok {
			continue
		}
		if detail {
			if full, err := readAttempt(ctx, store, inf.Key); err == nil {
				full.Start, full.End = full.Start.UTC(), full.End.UTC()
				a = full
			}
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Chunk < out[j].Chunk
	})
	return out, nil
}

func readAttempt(ctx context.Context, store blob.Store, key string) (Attempt, error) {
	rc, err := store.Open(ctx, key, 0, -1)
	if err != nil {
		return Attempt{}, err
	}
	defer rc.Close()
	var a Attempt
	return a, json.NewDecoder(rc).Decode(&a)
}

type attemptStartKey struct{}

// withAttemptStart marks the start of a handler invocation, so that an attempt's record
// includes what happened before its body ran (an injected straggler's delay).
func withAttemptStart(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, attemptStartKey{}, t)
}

// attemptRec is an attempt in progress.
type attemptRec struct {
	a    Attempt
	work string
	sum  *Summary // set by observe once the gather has built the summary
}

func (h *Handler) beginAttempt(ctx context.Context, phase, jobID, work string, chunk int) *attemptRec {
	start, ok := ctx.Value(attemptStartKey{}).(time.Time)
	if !ok {
		start = h.now()
	}
	mem, _ := strconv.Atoi(os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
	return &attemptRec{work: work, a: Attempt{
		JobID: jobID, Phase: phase, Chunk: chunk, ID: newAttemptID(), Start: start.UTC(),
		Worker: os.Getenv("AWS_LAMBDA_LOG_STREAM_NAME"), MemoryMB: mem,
	}}
}

// save writes the record; a failure to write it costs the report one bar, never the job.
func (r *attemptRec) save(ctx context.Context, h *Handler) {
	if !isWorkArea(r.work) || r.a.JobID == "" {
		return
	}
	r.a.End = h.now().UTC()
	if r.a.End.Before(r.a.Start) {
		r.a.End = r.a.Start
	}
	body, _ := json.Marshal(r.a)
	if err := h.Store.Put(ctx, attemptKey(r.work, r.a), bytes.NewReader(body)); err != nil {
		h.log().WarnContext(ctx, "write attempt record", "jobId", r.a.JobID, "chunk", r.a.Chunk, "phase", r.a.Phase, "err", err)
	}
}

func (r *attemptRec) failed(err error) bool {
	if err == nil {
		return false
	}
	r.a.Outcome, r.a.Error = OutcomeFailed, err.Error()
	return true
}

// endPlan records a splitter attempt that planned a job; an attempt that failed before it
// knew the job's ID has nowhere to go, and a submission that was already done adds nothing.
func (r *attemptRec) endPlan(ctx context.Context, h *Handler, res PlanOutput, err error) {
	if err != nil || res.Done || res.Work == "" {
		return
	}
	r.a.JobID, r.work, r.a.Outcome = res.JobID, res.Work, OutcomeOK
	r.save(ctx, h)
	h.Metrics.Emit("splitter", map[string]any{"jobId": res.JobID, "attempt": r.a.ID, "chunksPlanned": res.Chunks},
		metrics.Metric{Name: metrics.Duration, Unit: metrics.Milliseconds, Value: float64(r.a.Duration().Milliseconds())},
		metrics.Metric{Name: metrics.Bytes, Unit: metrics.BytesUnit, Value: float64(res.Bytes)})
}

// endMap records a mapper attempt and emits its metrics.
func (r *attemptRec) endMap(ctx context.Context, h *Handler, res MapResult, err error) {
	if !r.failed(err) {
		if res.Duplicate {
			r.a.Outcome, r.a.Winner = OutcomeDuplicate, res.Attempt
		} else {
			r.a.Outcome, r.a.ID = OutcomeCommitted, res.Attempt
			r.a.BytesRead, r.a.RecordsIn, r.a.Skipped = res.Stats.BytesRead, res.Stats.RecordsIn, res.Stats.Skipped
		}
	}
	r.save(ctx, h)
	props := map[string]any{"jobId": r.a.JobID, "chunk": r.a.Chunk, "attempt": r.a.ID, "outcome": r.a.Outcome}
	if r.a.Worker != "" {
		props["worker"] = r.a.Worker
	}
	if err := h.Metrics.Emit("mapper", props, h.jobAge(ctx, r.a.JobID),
		metrics.Metric{Name: metrics.Chunks, Unit: metrics.Count, Value: b2f(r.a.Outcome == OutcomeCommitted)},
		metrics.Metric{Name: metrics.Records, Unit: metrics.Count, Value: float64(r.a.RecordsIn)},
		metrics.Metric{Name: metrics.Bytes, Unit: metrics.BytesUnit, Value: float64(r.a.BytesRead)},
		metrics.Metric{Name: metrics.Skipped, Unit: metrics.Count, Value: float64(r.a.Skipped)},
		metrics.Metric{Name: metrics.Duration, Unit: metrics.Milliseconds, Value: float64(r.a.Duration().Milliseconds())},
		metrics.Metric{Name: metrics.Retries, Unit: metrics.Count, Value: b2f(r.a.Outcome == OutcomeFailed)},
		metrics.Metric{Name: metrics.Duplicates, Unit: metrics.Count, Value: b2f(r.a.Outcome == OutcomeDuplicate)},
	); err != nil {
		h.log().WarnContext(ctx, "emit metrics", "jobId", r.a.JobID, "chunk", r.a.Chunk, "err", err)
	}
}

// b2f is a count of 1 for true, 0 for false.
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// jobAge is the JobAgeSeconds metric: how long ago the job was opened in the ledger. Every
// mapper emits it, so its Maximum over a period is the age of the oldest job whose mappers
// are still running, which the template's OldestJobAlarm watches. It costs one ledger read,
// made only when metrics are on (on Lambda).
func (h *Handler) jobAge(ctx context.Context, jobID string) metrics.Metric {
	m := metrics.Metric{Name: metrics.JobAge, Unit: metrics.Seconds}
	if h.Metrics == nil {
		return m
	}
	if j, err := h.Ledger.Job(ctx, jobID); err == nil {
		m.Value = h.now().Sub(j.Created).Seconds()
	}
	return m
}

// endGather records a reducer attempt and, when it wrote a summary, emits the job's metrics.
func (r *attemptRec) endGather(ctx context.Context, h *Handler, res GatherOutput, err error) {
	if !r.failed(err) {
		r.a.Outcome = OutcomeOK
		if r.sum == nil && res.Status == string(ledger.Succeeded) {
			r.a.Outcome = OutcomeDuplicate
		}
	}
	r.save(ctx, h)
	props := map[string]any{"jobId": r.a.JobID, "attempt": r.a.ID, "outcome": r.a.Outcome}
	ms := []metrics.Metric{
		{Name: metrics.Duration, Unit: metrics.Milliseconds, Value: float64(r.a.Duration().Milliseconds())},
		{Name: metrics.Retries, Unit: metrics.Count, Value: b2f(r.a.Outcome == OutcomeFailed)},
	}
	if s := r.sum; s != nil && err == nil {
		props["job"] = s.Job
		ms = append(ms,
			metrics.Metric{Name: metrics.Chunks, Unit: metrics.Count, Value: float64(s.Chunks)},
			metrics.Metric{Name: metrics.Records, Unit: metrics.Count, Value: float64(s.RecordsIn)},
			metrics.Metric{Name: metrics.RecordsOut, Unit: metrics.Count, Value: float64(s.RecordsOut)},
			metrics.Metric{Name: metrics.Bytes, Unit: metrics.BytesUnit, Value: float64(s.BytesIn)},
			metrics.Metric{Name: metrics.Skipped, Unit: metrics.Count, Value: float64(s.Skipped)},
			metrics.Metric{Name: metrics.JobWall, Unit: metrics.Seconds, Value: s.WallSeconds},
			metrics.Metric{Name: metrics.JobCost, Unit: metrics.None, Value: s.EstimatedCost.Total},
			metrics.Metric{Name: metrics.JobAttemptCount, Unit: metrics.Count, Value: float64(s.Phases[PhaseMap].Attempts)},
		)
	}
	if err := h.Metrics.Emit("reducer", props, ms...); err != nil {
		h.log().WarnContext(ctx, "emit metrics", "jobId", r.a.JobID, "err", err)
	}
}

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

// Observed are the summary's fields that come from the attempt records: bytes out, the
// phases, and what the run used and cost on AWS's price list.
type Observed struct {
	BytesOut      int64                   `json:"bytesOut"`
	Phases        map[string]PhaseSummary `json:"phases"`
	Usage         metrics.Usage           `json:"usage"`
	EstimatedCost metrics.Cost            `json:"estimatedCost"`
}

// observe fills the summary's phases, usage and cost from the job's attempt records, the
// gather in progress included (the caller has set BytesOut from what it wrote). A listing
// that fails fails the gather, retryable unless the store refused it for good: a summary
// without its phases and cost would look complete and be wrong.
func (h *Handler) observe(ctx context.Context, in GatherInput, rec *attemptRec, sum *Summary) error {
	rec.sum = sum // beginAttempt set its job and work area
	atts, err := ListAttempts(ctx, h.Store, in.Work, false)
	if err != nil {
		return storeFailure(err, "gather %s: list attempt records for the summary", in.JobID)
	}
	cur := rec.a
	cur.End, cur.Outcome = h.now().UTC(), OutcomeOK
	atts = append(atts, cur)
	sum.Phases = SummarizePhases(atts)
	sum.Usage = EstimateUsage(atts, sum)
	sum.EstimatedCost = metrics.Estimate(sum.Usage)
	return nil
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
func EstimateUsage(atts []Attempt, sum *Summary) metrics.Usage {
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
	inputs := int64(len(sum.Inputs))
	u.S3Gets = 2*inputs + 1 + maps + chunks + merges
	u.S3Puts = plans*2 + inputs + maps*2 + merges + gathers + 2 + (int64(len(atts))+999)/1000
	return u
}
