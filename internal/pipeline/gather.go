package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/report/attempts"
)

// newJob is the job the event names with its parameters, or an InputError that
// names the job ID and keeps the cause: every attempt would meet it again.
func (in GatherInput) newJob() (jobs.Job, error) {
	job, err := jobs.New(in.Job, in.Params)
	if err != nil {
		return nil, inputErrorf("gather %s: %w", in.JobID, err)
	}
	return job, nil
}

// maxTreeLevels bounds a step's Level: a fan-in of 2 over 2^40 chunks needs 40.
const maxTreeLevels = 40

func (in GatherInput) validate() error {
	if err := validateEvent("gather", "jobId", in.JobID, in.Job, in.Work, false); err != nil {
		return err
	}
	if err := checkVersion("gather", in.JobID, in.Job, in.JobVersion); err != nil {
		return err
	}
	switch {
	case in.Chunks < 0:
		return inputErrorf("gather %s: chunks %d is negative", in.JobID, in.Chunks)
	case in.Step != StepGather && in.Step != StepPlan && in.Step != StepMerge && in.Step != StepRange:
		return inputErrorf("gather %s: step %q is not %q, %q or %q", in.JobID, in.Step, StepPlan, StepMerge, StepRange)
	case in.Partitions < 0 || in.Partitions > MaxPartitions:
		return inputErrorf("gather %s: partitions %d is outside [0, %d]", in.JobID, in.Partitions, MaxPartitions)
	case in.Range < 0 || (in.Step == StepRange && in.Range >= MaxPartitions):
		return inputErrorf("gather %s: range %d is outside [0, %d)", in.JobID, in.Range, MaxPartitions)
	case in.Round != RoundKeys && (in.Round != RoundSort || in.Step == StepMerge):
		return inputErrorf("gather %s: round %d of step %q: want %d, or %d in the steps %q, %q and the gather", in.JobID, in.Round, in.Step, RoundKeys, RoundSort, StepPlan, StepRange)
	case in.Round == RoundSort && in.Step != StepRange && in.Partitions < 1:
		return inputErrorf("gather %s: round %d with partitions %d: the sort round has at least one span", in.JobID, in.Round, in.Partitions)
	case in.FanIn == 1 || in.FanIn < 0 || in.FanIn > MaxFanIn:
		return inputErrorf("gather %s: fanIn %d: want 0 (the default) or 2 to %d (a merge holds every partial open, and a Lambda function has 1,024 file descriptors)", in.JobID, in.FanIn, MaxFanIn)
	case in.Level < 0 || in.Level > maxTreeLevels:
		return inputErrorf("gather %s: level %d is outside [0, %d]", in.JobID, in.Level, maxTreeLevels)
	case in.Group < 0:
		return inputErrorf("gather %s: group %d is negative", in.JobID, in.Group)
	}
	if in.Step == StepGather {
		if err := plan.ValidateLocation(in.Output); err != nil {
			return inputErrorf("gather %s: output %q: %w", in.JobID, in.Output, err)
		}
	}
	return nil
}

// fanIn is the fan-in of an event that names n (0: the handler's), at most MaxFanIn.
func (h *Handler) fanIn(n int) int {
	switch {
	case n >= 2:
		return min(n, MaxFanIn)
	case h.FanIn >= 2:
		return min(h.FanIn, MaxFanIn)
	}
	return DefaultFanIn
}

// tree is the gather tree of an event: its chunks with the event's fan-in
// (plan.Tree holds the arithmetic).
func (h *Handler) tree(in GatherInput) plan.Tree { return plan.NewTree(in.Chunks, h.fanIn(in.FanIn)) }

// TreeKey is the location of the intermediate partial of group of the level
// below level, under the job's work prefix: a deterministic key, so a retried
// or redriven merge overwrites it with the same bytes.
func TreeKey(work string, level, group int) string {
	return fmt.Sprintf("%stree/%d/%08d.part", work, level, group)
}

// levelKeys are the locations of partials [from, to) of level: the committed
// partials at level 0 (commits by chunk), the tree's above.
func levelKeys(work string, level, from, to int, committed []string) []string {
	if level == 0 {
		return committed[from:to]
	}
	keys := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		keys = append(keys, TreeKey(work, level, i))
	}
	return keys
}

// gatherJob reads the job from the ledger for a gather step: a job the ledger
// does not know is an input error, any other failure retryable.
func (h *Handler) gatherJob(ctx context.Context, jobID string) (ledger.Job, error) {
	j, err := h.Ledger.Job(ctx, jobID)
	if errors.Is(err, ledger.ErrNotFound) {
		return j, inputErrorf("gather %s: no such job in the ledger", jobID)
	} else if err != nil {
		return j, retryable("gather %s: read job: %w", jobID, err)
	}
	return j, nil
}

// committed reads the job's commits: the partials in chunk order and the
// summary's counts; a chunk without a commit is an IncompleteJobError.
func (h *Handler) committed(ctx context.Context, in GatherInput) ([]string, Summary, error) {
	var sum Summary
	commits, err := h.Ledger.Chunks(ctx, in.JobID)
	if err != nil {
		return nil, sum, retryable("gather %s: list commits: %w", in.JobID, err)
	}
	byIndex := make(map[int]ledger.Commit, len(commits))
	for _, c := range commits {
		byIndex[c.Chunk] = c
	}
	partials := make([]string, 0, in.Chunks)
	var missing []int
	for i := 0; i < in.Chunks; i++ {
		c, ok := byIndex[i]
		if !ok {
			missing = append(missing, i)
			continue
		}
		partials = append(partials, c.Partial)
		var st MapStats
		if json.Unmarshal([]byte(c.Stats), &st) == nil {
			sum.BytesIn += st.BytesIn
			sum.BytesRead += st.BytesRead
			sum.BytesSkipped += st.BytesSkipped
			sum.RowGroups += st.RowGroups
			sum.RowGroupsPruned += st.RowGroupsPruned
			sum.ParquetBytesRead += st.ParquetBytesRead
			sum.addRecords(st.Stats)
			sum.MapMillis += st.DurationMS
			sum.MaxChunkMillis = max(sum.MaxChunkMillis, st.DurationMS)
		}
	}
	if len(missing) > 0 {
		return nil, sum, &IncompleteJobError{JobID: in.JobID, Missing: missing, Chunks: in.Chunks}
	}
	partials, err = h.confirmCSV(ctx, in, byIndex, partials, &sum)
	return partials, sum, err
}

// allCommitted checks that every chunk of the job is committed with one count of its
// commits; only when some are missing does it read them all, to name the missing ones.
func (h *Handler) allCommitted(ctx context.Context, in GatherInput) error {
	n, err := h.Ledger.Count(ctx, in.JobID)
	if err != nil {
		return retryable("gather %s: count commits: %w", in.JobID, err)
	}
	if n >= in.Chunks {
		return nil
	}
	_, _, err = h.committed(ctx, in)
	if err == nil { // committed between the count and the read
		return nil
	}
	return err
}

// committedRange returns the partials of chunks [from, to) in chunk order, reading only
// their commits; a chunk without a commit is an IncompleteJobError.
func (h *Handler) committedRange(ctx context.Context, in GatherInput, from, to int) ([]string, error) {
	commits, err := h.Ledger.ChunkRange(ctx, in.JobID, from, to)
	if err != nil {
		return nil, retryable("gather %s: read commits [%d,%d): %w", in.JobID, from, to, err)
	}
	keys := make([]string, 0, to-from)
	var missing []int
	next := 0
	for i := from; i < to; i++ {
		if next < len(commits) && commits[next].Chunk == i {
			keys = append(keys, commits[next].Partial)
			next++
			continue
		}
		missing = append(missing, i)
	}
	if len(missing) > 0 {
		return nil, &IncompleteJobError{JobID: in.JobID, Missing: missing, Chunks: in.Chunks}
	}
	return h.applyRereads(ctx, in, from, keys)
}

// Gather is the reducer. Its StepGather checks that every chunk is committed,
// merges the partials of the event's Level (in a tree inside this invocation
// when there are more than the fan-in), writes the final output and its
// summary, then marks the job succeeded. StepPlan and StepMerge are the
// state machine's gather tree (planTree, mergeGroup). With Failure set it
// records the failure instead.
func (h *Handler) Gather(ctx context.Context, in GatherInput) (res GatherOutput, err error) {
	if in.Failure != nil {
		return h.recordFailure(ctx, in)
	}
	switch in.Step {
	case StepPlan:
		if err := in.validate(); err != nil {
			return GatherOutput{}, err
		}
		if in.Round == RoundSort {
			return h.planSortRound(ctx, in)
		}
		return h.planTree(ctx, in)
	case StepMerge:
		if err := in.validate(); err != nil {
			return GatherOutput{}, err
		}
		return h.mergeGroup(ctx, in)
	case StepRange:
		if err := in.validate(); err != nil {
			return GatherOutput{}, err
		}
		return h.mergeRange(ctx, in)
	}
	rec := h.beginAttempt(ctx, attempts.PhaseGather, in.JobID, in.Work, -1)
	defer func() { rec.endGather(ctx, h, res, err) }()
	if err := in.validate(); err != nil {
		return GatherOutput{}, err
	}
	j, err := h.gatherJob(ctx, in.JobID)
	if err != nil {
		return GatherOutput{}, err
	}
	if j.Status == ledger.Succeeded {
		return GatherOutput{JobID: j.ID, Status: string(j.Status), Output: j.Output, Summary: SummaryLocation(j.Output)}, nil
	}
	job, err := in.newJob()
	if err != nil {
		return GatherOutput{}, err
	}
	committed, sum, err := h.committed(ctx, in)
	if err != nil {
		return GatherOutput{}, err
	}
	var outStats jobs.Stats
	if err := h.Faults.Err("reducer.crash.before-write", in.JobID); err != nil {
		return GatherOutput{}, &RetryableError{Err: err}
	}
	if in.Partitions > 1 || in.Round == RoundSort {
		err = h.gatherRanges(ctx, in, &sum)
		outStats.RecordsOut = sum.RecordsOut
	} else {
		outStats, err = h.gatherTree(ctx, in, job, committed, &sum)
	}
	if err != nil {
		return GatherOutput{}, err
	}
	if err := h.Faults.Err("reducer.crash.after-write", in.JobID); err != nil {
		return GatherOutput{}, &RetryableError{Err: err}
	}
	finished := h.now()
	sum.JobID, sum.Job, sum.Params, sum.Status = in.JobID, in.Job, in.Params, string(ledger.Succeeded)
	sum.FilesPruned, sum.BytesPruned = jobs.Pruned(in.Params)
	sum.Output, sum.Chunks, sum.RecordsOut, sum.Runs = in.Output, in.Chunks, outStats.RecordsOut, j.Runs
	sum.Started, sum.Finished, sum.WallSeconds = j.Created, finished, finished.Sub(j.Created).Seconds()
	var spec PlanInput
	if json.Unmarshal([]byte(j.Spec), &spec) == nil {
		sum.Inputs = spec.Inputs
	}
	if sum.Assembly != nil {
		sum.BytesOut = sum.Assembly.CopiedBytes + sum.Assembly.SentBytes
	}
	if err := h.observe(ctx, in, rec, &sum); err != nil {
		return GatherOutput{}, err
	}
	summaryJSON, _ := json.MarshalIndent(sum, "", "  ")
	if err := h.Store.Put(ctx, SummaryLocation(in.Output), strings.NewReader(string(summaryJSON)+"\n")); err != nil {
		return GatherOutput{}, storeFailure(err, "gather %s: write summary", in.JobID)
	}
	if _, err := h.Ledger.Finish(ctx, in.JobID, ledger.Succeeded, in.Output, ""); err != nil {
		if errors.Is(err, ledger.ErrConflict) {
			return GatherOutput{}, inputErrorf("gather %s: job was finished as failed by another writer: %w", in.JobID, err)
		}
		return GatherOutput{}, retryable("gather %s: finish job: %w", in.JobID, err)
	}
	h.log().InfoContext(ctx, "gathered", "jobId", in.JobID, "chunks", in.Chunks, "fanIn", sum.FanIn, "levels", sum.GatherLevels, "partitions", sum.Partitions, "output", in.Output)
	return GatherOutput{JobID: in.JobID, Status: string(ledger.Succeeded), Output: in.Output, Summary: SummaryLocation(in.Output)}, nil
}

// gatherTree merges the committed partials in a tree of merges (from the
// event's Level) and writes the output from the last level's partials: composed
// on S3 (assemble) or streamed.
func (h *Handler) gatherTree(ctx context.Context, in GatherInput, job jobs.Job, committed []string, sum *Summary) (outStats jobs.Stats, err error) {
	tree := h.tree(in)
	fanIn := tree.FanIn
	sum.FanIn = fanIn
	sum.GatherLevels = in.Level
	partials := levelKeys(in.Work, in.Level, 0, tree.Partials(in.Level), committed)
	for ; tree.Merges(sum.GatherLevels); sum.GatherLevels++ {
		var next []string
		for g := range tree.Groups(sum.GatherLevels) {
			from, to := tree.Group(sum.GatherLevels, g)
			key := TreeKey(in.Work, sum.GatherLevels+1, g)
			if err := h.merge(ctx, job, partials[from:to], key); err != nil {
				return outStats, err
			}
			next = append(next, key)
		}
		partials = next
	}
	if !encodedOutput(in.Output) {
		if sum.Assembly, outStats.RecordsOut, err = h.assemble(ctx, job, partials, in.Output); err != nil {
			return outStats, err
		}
	}
	if sum.Assembly == nil {
		err = h.withPartials(ctx, partials, func(rs []io.Reader) error {
			var err error
			sum.BytesOut, err = h.putFrom(ctx, in.Output, func(w io.Writer) error {
				return WriteOutput(w, in.Output, job, func(w io.Writer) (err error) {
					outStats, err = job.Output(w, rs)
					return err
				})
			})
			return err
		})
		if err != nil {
			return outStats, err
		}
	}
	return outStats, nil
}

// planTree plans level in.Level of the gather tree. At level 0 it first
// checks that every chunk is committed, so a job with a missing chunk fails
// before any merge; a job that already succeeded plans no merges.
func (h *Handler) planTree(ctx context.Context, in GatherInput) (GatherOutput, error) {
	tree := h.tree(in)
	fanIn := tree.FanIn
	status := string(ledger.Running)
	if in.Level == 0 {
		j, err := h.gatherJob(ctx, in.JobID)
		if err != nil {
			return GatherOutput{}, err
		}
		status = string(j.Status)
		if j.Status == ledger.Succeeded {
			tl := &TreeLevel{Level: 0, Partials: in.Chunks, FanIn: fanIn, Groups: []int{}}
			return GatherOutput{JobID: in.JobID, Status: status, Tree: tl}, nil
		}
		if err := h.allCommitted(ctx, in); err != nil {
			return GatherOutput{}, err
		}
		if err := h.confirmCSVTree(ctx, in); err != nil {
			return GatherOutput{}, err
		}
	}
	if in.Level == 0 {
		// A keyed job with large partials (or that asks) is gathered by key ranges instead.
		tl := &TreeLevel{Level: 0, Partials: in.Chunks, FanIn: fanIn, Groups: []int{}}
		if err := h.planRanges(ctx, in, tl); err != nil {
			return GatherOutput{}, err
		}
		if tl.Partitions > 1 {
			return GatherOutput{JobID: in.JobID, Status: status, Tree: tl}, nil
		}
	}
	n := tree.Partials(in.Level)
	tl := &TreeLevel{Level: in.Level, Partials: n, FanIn: fanIn, Groups: []int{}, Next: in.Level}
	if tree.Merges(in.Level) {
		tl.Merge, tl.Next = true, in.Level+1
		for g := range tree.Groups(in.Level) {
			tl.Groups = append(tl.Groups, g)
		}
	}
	h.log().InfoContext(ctx, "planned gather level", "jobId", in.JobID, "level", in.Level, "partials", n, "fanIn", fanIn, "groups", len(tl.Groups))
	return GatherOutput{JobID: in.JobID, Status: status, Tree: tl}, nil
}

// mergeGroup merges group in.Group of level in.Level (its partials
// [Group*FanIn, (Group+1)*FanIn) in order) into TreeKey(Level+1, Group).
func (h *Handler) mergeGroup(ctx context.Context, in GatherInput) (GatherOutput, error) {
	job, err := in.newJob()
	if err != nil {
		return GatherOutput{}, err
	}
	tree := h.tree(in)
	from, to := tree.Group(in.Level, in.Group)
	if from >= to {
		return GatherOutput{}, inputErrorf("gather %s: level %d has %d partials: no group %d of %d", in.JobID, in.Level, tree.Partials(in.Level), in.Group, tree.FanIn)
	}
	var keys []string
	if in.Level == 0 {
		if keys, err = h.committedRange(ctx, in, from, to); err != nil {
			return GatherOutput{}, err
		}
	} else {
		keys = levelKeys(in.Work, in.Level, from, to, nil)
	}
	key := TreeKey(in.Work, in.Level+1, in.Group)
	if err := h.merge(ctx, job, keys, key); err != nil {
		return GatherOutput{}, err
	}
	h.log().InfoContext(ctx, "merged gather group", "jobId", in.JobID, "level", in.Level, "group", in.Group, "partials", to-from, "partial", key)
	return GatherOutput{JobID: in.JobID, Status: string(ledger.Running), Partial: key}, nil
}

// merge merges the partials at keys, in order, into the partial at key.
func (h *Handler) merge(ctx context.Context, job jobs.Job, keys []string, key string) error {
	return h.withPartials(ctx, keys, func(rs []io.Reader) error {
		_, err := h.putFrom(ctx, key, func(w io.Writer) error { return job.Merge(w, rs) })
		return err
	})
}
