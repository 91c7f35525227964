package pipeline

// The range-partitioned gather (the TeraSort way) for jobs whose partials are
// sorted runs (runs.Keyed: the typed kv jobs, wordcount, groupby and the
// sql job's sorts and aggregates over groups without LIMIT): the gather's plan step samples
// the committed partials' key indexes and cuts the keys into P ranges; the
// state machine's GatherRanges Map runs one range reducer per range, in
// parallel, each merging its range of every partial (ranged reads, never a
// whole partial) into the output of its keys, committed once through the
// ledger; the final gather assembles the ranges in order, on S3 with
// UploadPartCopy, or copies them to ordered part files (OutputParts).
//
// A jobs.RangeRuns job (a sql aggregate's ORDER BY) has ranges that are not
// in output order: each is a run sorted by the rows' ORDER BY key, known
// only once its groups are merged. It takes a second round (RoundSort): the
// PlanSort step cuts the range runs' sort keys into spans from their
// indexes, the GatherRanges Map runs again, one writer per span merging its
// span of every range run (ranged reads) into its part of the output,
// committed once under a second ledger ID, and the final gather assembles
// the spans as above.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/runs"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/statemachine"
)

// MaxPartitions bounds a job's key ranges: each is a child execution of the
// GatherRanges Distributed Map and a commit in the ledger, and the final
// object is assembled from them with a multipart upload of at most 10,000
// parts (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
const MaxPartitions = plan.RangeMaxPartitions

// DefaultRangeBytes is how many bytes of partials one range reducer merges
// when the plan chooses the partitions itself (Partitions 0,
// plan.RangePartitions): a job whose partials add up to less gathers through
// the tree.
const DefaultRangeBytes = plan.DefaultRangeBytes

// scanLimit bounds the partials' bytes the plan reads whole to sample every
// key, when their own indexes (a key per runs.IndexEvery bytes) hold too few
// keys to cut the ranges asked for.
const scanLimit = 64 << 20

// RangesDir is where, under a job's work prefix, the partitioned gather keeps
// its plan (RangePlanFile), the GatherRanges items (RangeItemsFile), the
// range reducers' outputs and the Map's results (RangeResultsDir).
const (
	RangesDir       = "ranges/"
	RangePlanFile   = RangesDir + "plan.json"
	RangeItemsFile  = RangesDir + "items.json"
	RangeResultsDir = RangesDir + "results"
)

// SortDir is where, under a job's work prefix, the RoundSort keeps its plan,
// items, writers' outputs and the Map's results, as RangesDir does for the
// first round.
const SortDir = RangesDir + "sort/"

// roundDir is the directory of a round's plan, items, outputs and results.
func roundDir(round int) string {
	if round == RoundSort {
		return SortDir
	}
	return RangesDir
}

// rangePlan is the partitioned gather's plan: the boundaries of its ranges.
// Range 0 holds the keys below Bounds[0], range i the keys in
// [Bounds[i-1], Bounds[i]), the last range the keys from the last bound on.
type rangePlan struct {
	Partitions int      `json:"partitions"`
	Bounds     [][]byte `json:"bounds"` // base64 in JSON: keys are bytes
}

// RangeItem is one item of the GatherRanges Map: the range it reduces.
type RangeItem struct {
	Range int `json:"range"`
}

// rangeLedgerID is the ledger's job ID under which a job's ranges of a
// round are committed, range r as chunk r: the first commit of a range wins.
// The RoundSort's spans have their own.
func rangeLedgerID(jobID string, round int) string {
	if round == RoundSort {
		return jobID + "#sort"
	}
	return jobID + "#ranges"
}

// PartLocation is where part r of an output written as part files
// (OutputParts) goes: part-00000, part-00001, ... under the output.
func PartLocation(output string, r int) string {
	return fmt.Sprintf("%s/part-%05d", strings.TrimSuffix(output, "/"), r)
}

// keyedJob is the job as a runs.Keyed when its partials are sorted runs.
func keyedJob(j jobs.Job) (runs.Keyed, bool) {
	k, ok := j.(runs.Keyed)
	return k, ok
}

// CheckPartitions refuses, before a job is submitted, the partitions or
// part files its job or output cannot have, as the plan step would. j is
// what jobs.NewBeforeInputs built of in's job and parameters, compiled once
// by the caller; nil (a query typed only by a schema.json or a Parquet DATE)
// leaves the check to the plan step, which makes it once the inputs are read.
func CheckPartitions(in PlanInput, j jobs.Job) error {
	if j == nil {
		return nil
	}
	return checkPartitions(in, j)
}

// checkPartitions refuses, at plan time, partitions or part files the job
// or the output cannot have.
func checkPartitions(in PlanInput, j jobs.Job) error {
	switch {
	case in.Partitions < 0 || in.Partitions > MaxPartitions:
		return inputErrorf("plan: partitions %d: want 0 (chosen by the plan), 1 (one reducer) or up to %d", in.Partitions, MaxPartitions)
	case in.Partitions <= 1 && !in.OutputParts:
		return nil
	}
	if _, ok := keyedJob(j); !ok {
		return inputErrorf("plan: job %s cannot be gathered by key ranges (partitions %d, output parts %v): its partials are not sorted runs (those of job/kv jobs, wordcount, groupby, and the sql job's GROUP BY or DISTINCT without LIMIT and ORDER BY without LIMIT are); it gathers through the tree", in.Job, in.Partitions, in.OutputParts)
	}
	if encodedOutput(in.Output) {
		return inputErrorf("plan: output %s is compressed or Parquet: key ranges (partitions %d, output parts %v) are written as the job's text", in.Output, in.Partitions, in.OutputParts)
	}
	return nil
}

// planRanges decides, at the gather's level 0, whether the job is gathered by
// key ranges, and if so writes the range plan and the GatherRanges items.
// A range plan written before (a retried or redriven step) is kept, so every
// range reducer of the job cuts the same ranges. It leaves tl without
// partitions for the tree.
func (h *Handler) planRanges(ctx context.Context, in GatherInput, tl *TreeLevel) error {
	job, err := in.newJob()
	if err != nil {
		return err
	}
	if _, ok := keyedJob(job); !ok || in.Partitions == 1 || encodedOutput(in.Output) {
		return nil
	}
	keys, _, err := h.committed(ctx, in)
	if err != nil {
		return err
	}
	in.Round = RoundKeys
	if err := h.writeRanges(ctx, in, keys, 2, tl); err != nil || tl.Partitions < 2 {
		return err
	}
	_, tl.SortRound = job.(jobs.RangeRuns)
	return nil
}

// planSortRound is the PlanSort step (StepPlan with RoundSort) of a
// jobs.RangeRuns job: once every range of the first round is committed, it
// cuts the range runs' sort keys into as many spans as the first round had
// ranges (in.Partitions; fewer when the rows are fewer) from their indexes,
// and plans the GatherRanges Map's second round, one writer per span.
func (h *Handler) planSortRound(ctx context.Context, in GatherInput) (GatherOutput, error) {
	job, err := in.newJob()
	if err != nil {
		return GatherOutput{}, err
	}
	if _, ok := job.(jobs.RangeRuns); !ok {
		return GatherOutput{}, inputErrorf("gather %s: job %s has no sort round (its key ranges are in output order)", in.JobID, in.Job)
	}
	keys, err := h.rangeRuns(ctx, in)
	if err != nil {
		return GatherOutput{}, err
	}
	tl := &TreeLevel{Level: 0, Partials: len(keys), FanIn: h.fanIn(in.FanIn), Groups: []int{}, Round: RoundSort}
	if err := h.writeRanges(ctx, in, keys, 1, tl); err != nil {
		return GatherOutput{}, err
	}
	return GatherOutput{JobID: in.JobID, Status: string(ledger.Running), Tree: tl}, nil
}

// rangeRuns are the first round's committed ranges, in range order: the
// inputs of a RoundSort (the partitions of the first round's plan).
func (h *Handler) rangeRuns(ctx context.Context, in GatherInput) ([]string, error) {
	first := in
	first.Round = RoundKeys
	rp, found, err := h.readRangePlan(ctx, first)
	if err != nil {
		return nil, err
	} else if !found {
		return nil, inputErrorf("gather %s: a sort round without the first round's range plan %s", in.JobID, in.Work+RangePlanFile)
	}
	first.Partitions = rp.Partitions
	commits, err := h.rangeCommits(ctx, first)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(commits))
	for i, c := range commits {
		keys[i] = c.Partial
	}
	return keys, nil
}

// writeRanges plans round in.Round of the GatherRanges Map over the runs
// keys: it keeps the round's range plan if one was written before (a
// retried or redriven step), so that every reducer of the round cuts the
// same ranges; else it samples the runs (sampleRanges) and, when that cuts
// at least least ranges, writes the plan once. It then writes the Map's
// items and fills tl's partitions and locations; with fewer than least
// ranges it leaves tl as it was.
func (h *Handler) writeRanges(ctx context.Context, in GatherInput, keys []string, least int, tl *TreeLevel) error {
	planFile := in.Work + roundDir(in.Round) + "plan.json"
	rp, found, err := h.readRangePlan(ctx, in)
	if err != nil {
		return err
	}
	if !found {
		if rp, err = h.sampleRanges(ctx, keys, in.Partitions); err != nil {
			return err
		}
		if rp.Partitions < least {
			return nil
		}
		b, _ := json.Marshal(rp)
		err := h.Store.PutIfAbsent(ctx, planFile, bytes.NewReader(b))
		if errors.Is(err, blob.ErrExists) {
			if rp, _, err = h.readRangePlan(ctx, in); err != nil {
				return err
			}
		} else if err != nil {
			return storeFailure(err, "gather %s: write range plan", in.JobID)
		}
	}
	items := make([]RangeItem, rp.Partitions)
	for i := range items {
		items[i].Range = i
	}
	b, _ := json.Marshal(items)
	if err := h.Store.Put(ctx, in.Work+roundDir(in.Round)+"items.json", bytes.NewReader(b)); err != nil {
		return storeFailure(err, "gather %s: write range items", in.JobID)
	}
	bucket, prefix, _ := blob.ParseS3(in.Work)
	tl.Partitions, tl.Round = rp.Partitions, in.Round
	tl.Ranges = Location{Bucket: bucket, Key: prefix + roundDir(in.Round) + "items.json"}
	tl.RangeResults = Location{Bucket: bucket, Key: prefix + roundDir(in.Round) + "results"}
	h.log().InfoContext(ctx, "planned key ranges", "jobId", in.JobID, "round", in.Round, "partitions", rp.Partitions)
	return nil
}

// readRangePlan reads the job's range plan of round in.Round, if one was
// written.
func (h *Handler) readRangePlan(ctx context.Context, in GatherInput) (rangePlan, bool, error) {
	var rp rangePlan
	planFile := in.Work + roundDir(in.Round) + "plan.json"
	rc, err := h.Store.Open(ctx, planFile, 0, -1)
	if errors.Is(err, blob.ErrNotFound) {
		return rp, false, nil
	} else if err != nil {
		return rp, false, storeFailure(err, "gather %s: read range plan", in.JobID)
	}
	defer rc.Close()
	if err := json.NewDecoder(rc).Decode(&rp); err != nil {
		return rp, false, retryable("gather %s: read range plan: %w", in.JobID, err)
	}
	if rp.Partitions != len(rp.Bounds)+1 || rp.Partitions > MaxPartitions {
		return rp, false, inputErrorf("gather %s: range plan %s: %d partitions with %d bounds", in.JobID, planFile, rp.Partitions, len(rp.Bounds))
	}
	return rp, true, nil
}

// sampleRanges chooses the ranges of the runs keys (committed partials, or
// the first round's ranges) from their indexes (two small reads each): p of
// them, or, with p 0, one per DefaultRangeBytes of runs. When the indexes
// hold too few keys to cut them (too few samples, or fewer boundaries than
// asked) and the runs are small, it reads them whole and samples every key.
func (h *Handler) sampleRanges(ctx context.Context, keys []string, p int) (rangePlan, error) {
	sizes, err := h.partialSizes(ctx, keys)
	if err != nil {
		return rangePlan{}, err
	}
	var total int64
	for _, n := range sizes {
		total += n
	}
	if p == 0 {
		p = plan.RangePartitions(total)
	}
	if p < 2 {
		return rangePlan{Partitions: 1}, nil
	}
	indexes, err := h.partialIndexes(ctx, keys, sizes)
	if err != nil {
		return rangePlan{}, err
	}
	samples := 0
	for _, ix := range indexes {
		samples += len(ix.Samples)
	}
	bounds := runs.Boundaries(indexes, p)
	// Many small partials sample little more than their first keys, which
	// may all be one (every chunk holding the same groups): their indexes
	// can cut fewer ranges than the keys could.
	if (samples < 8*p || len(bounds) < p-1) && total <= scanLimit {
		if indexes, err = h.scanIndexes(ctx, keys); err != nil {
			return rangePlan{}, err
		}
		bounds = runs.Boundaries(indexes, p)
	}
	if bounds == nil {
		bounds = [][]byte{}
	}
	return rangePlan{Partitions: len(bounds) + 1, Bounds: bounds}, nil
}

// partialIndexes reads every partial's index (its footer, then the index).
func (h *Handler) partialIndexes(ctx context.Context, keys []string, sizes []int64) ([]runs.Index, error) {
	indexes := make([]runs.Index, len(keys))
	err := eachPartial(keys, func(i int, k string) error {
		var err error
		indexes[i], err = runs.ReadIndex(&storeReaderAt{ctx: ctx, store: h.Store, key: k}, sizes[i], "partial "+k)
		if errors.Is(err, runs.ErrCorrupt) {
			return inputErrorf("gather: %w", err)
		} else if err != nil {
			return storeFailure(err, "gather: read index of partial %s", k)
		}
		return nil
	})
	return indexes, err
}

// scanIndexes reads every partial whole and indexes every key.
func (h *Handler) scanIndexes(ctx context.Context, keys []string) ([]runs.Index, error) {
	indexes := make([]runs.Index, len(keys))
	err := h.withPartials(ctx, keys, func(rs []io.Reader) error {
		for i, r := range rs {
			var err error
			if indexes[i], err = runs.ScanIndex(r, "partial "+keys[i]); err != nil {
				return produceError(keys[i], err)
			}
		}
		return nil
	})
	return indexes, err
}

// rangeStats are a committed range's counts, stored with its commit.
type rangeStats struct {
	RecordsOut int64 `json:"recordsOut"`
	Bytes      int64 `json:"bytes"`
}

// mergeRange is a range reducer (StepRange): it merges range in.Range of
// every committed partial into the output lines of its keys (the job's
// header first in range 0), or, in the RoundSort, span in.Range of every
// range run into its part of the output, written to an attempt's own key and
// committed in the round's ledger ID; the first commit wins, and a retried
// or duplicate reducer answers with it.
func (h *Handler) mergeRange(ctx context.Context, in GatherInput) (GatherOutput, error) {
	fk, pts := fmt.Sprintf("%s/range/%d", in.JobID, in.Range), rangeFaults
	if in.Round == RoundSort {
		fk, pts = fmt.Sprintf("%s/sort/%d", in.JobID, in.Range), sortFaults
	}
	return deliveredTwice(ctx, h, pts.duplicate, "range", fk, func(fk string) (GatherOutput, error) {
		return h.mergeRangeOnce(ctx, in, fk, pts)
	})
}

// roundFaults are the fault points of a round's reducers (docs/faults.md).
type roundFaults struct{ duplicate, midRange, beforeCommit string }

var (
	rangeFaults = roundFaults{"reducer.range.duplicate", "reducer.range.crash.mid-range", "reducer.range.crash.before-commit"}
	sortFaults  = roundFaults{"reducer.sort.duplicate", "reducer.sort.crash.mid-span", "reducer.sort.crash.before-commit"}
)

// rangeInputs are what a range reducer of in's round merges: the runs it
// reads (their keys), the tag they must have (nil: any), and how it writes
// its range of them.
func (h *Handler) rangeInputs(ctx context.Context, in GatherInput) (keys []string, tag []byte, output func(io.Writer, []*runs.Reader) (int64, error), err error) {
	job, err := in.newJob()
	if err != nil {
		return nil, nil, nil, err
	}
	keyed, ok := keyedJob(job)
	if !ok {
		return nil, nil, nil, inputErrorf("gather %s: job %s has no key ranges (not a keyed job)", in.JobID, in.Job)
	}
	rr, isRangeRuns := job.(jobs.RangeRuns)
	switch {
	case in.Round == RoundSort && !isRangeRuns:
		return nil, nil, nil, inputErrorf("gather %s: job %s has no sort round (its key ranges are in output order)", in.JobID, in.Job)
	case in.Round == RoundSort:
		keys, err = h.rangeRuns(ctx, in)
		return keys, rr.RangeRunTag(), func(w io.Writer, rs []*runs.Reader) (int64, error) {
			return rr.OutputSpan(w, rs, in.Range == 0)
		}, err
	}
	keys, _, err = h.committed(ctx, in)
	tag, _ = jobs.RunTag(job)
	return keys, tag, func(w io.Writer, rs []*runs.Reader) (int64, error) {
		if isRangeRuns {
			return rr.OutputRangeRun(w, rs)
		}
		return runs.OutputTo(w, keyed, rs, in.Range == 0)
	}, err
}

func (h *Handler) mergeRangeOnce(ctx context.Context, in GatherInput, fk string, pts roundFaults) (GatherOutput, error) {
	id := rangeLedgerID(in.JobID, in.Round)
	if c, err := h.Ledger.Chunk(ctx, id, in.Range); err == nil {
		return GatherOutput{JobID: in.JobID, Status: string(ledger.Running), Partial: c.Partial}, nil
	} else if !errors.Is(err, ledger.ErrNotFound) {
		return GatherOutput{}, retryable("gather %s range %d: read commit: %w", in.JobID, in.Range, err)
	}
	rp, found, err := h.readRangePlan(ctx, in)
	if err != nil {
		return GatherOutput{}, err
	} else if !found || in.Range >= rp.Partitions {
		return GatherOutput{}, inputErrorf("gather %s: no range %d in the job's range plan of round %d (%d ranges)", in.JobID, in.Range, in.Round, rp.Partitions)
	}
	lo, hi := runs.Range(rp.Bounds, in.Range)
	keys, tag, output, err := h.rangeInputs(ctx, in)
	if err != nil {
		return GatherOutput{}, err
	}
	attempt := newAttemptID()
	key := fmt.Sprintf("%s%s%05d/%s.part", in.Work, roundDir(in.Round), in.Range, attempt)
	var st rangeStats
	err = h.withRanges(ctx, keys, lo, hi, tag, func(rs []*runs.Reader) error {
		var err error
		st.Bytes, err = h.putFrom(ctx, key, func(w io.Writer) error {
			if h.Faults.Fire(pts.midRange, fk) {
				w = &crashingWriter{w: w, point: pts.midRange}
			}
			st.RecordsOut, err = output(w, rs)
			return err
		})
		return err
	})
	if err != nil {
		return GatherOutput{}, err
	}
	if err := h.Faults.Err(pts.beforeCommit, fk); err != nil {
		return GatherOutput{}, &RetryableError{Err: err}
	}
	statsJSON, _ := json.Marshal(st)
	winner, won, err := h.Ledger.Commit(ctx, ledger.Commit{JobID: id, Chunk: in.Range, Attempt: attempt, Partial: key, Stats: string(statsJSON), Committed: h.now()})
	if err != nil {
		return GatherOutput{}, retryable("gather %s range %d: commit: %w", in.JobID, in.Range, err)
	}
	if !won && winner.Attempt != attempt {
		if err := h.Store.Delete(ctx, key); err != nil {
			h.log().WarnContext(ctx, "delete orphaned range", "key", key, "err", err)
		}
		h.log().InfoContext(ctx, "lost range commit race", "jobId", in.JobID, "range", in.Range, "winner", winner.Attempt)
	}
	h.log().InfoContext(ctx, "reduced key range", "jobId", in.JobID, "round", in.Round, "range", in.Range, "runs", len(keys), "lines", st.RecordsOut)
	return GatherOutput{JobID: in.JobID, Status: string(ledger.Running), Partial: winner.Partial}, nil
}

// withRanges opens, on every partial, a ranged read of the span of its
// entries that holds the keys in [lo, hi) (its index says where), and calls
// fn with run readers of those keys, in partial order. A partial whose span
// is empty is left out. The first range (lo nil) reads every partial from
// its first byte, so that its header is checked (a resumed job's partials
// may be another build's, whose encoding differs): the other ranges' reads
// start at an entry and cannot tell. There a partial must be tagged tag
// (jobs.RunTag; nil: any tag).
func (h *Handler) withRanges(ctx context.Context, keys []string, lo, hi, tag []byte, fn func([]*runs.Reader) error) error {
	sizes, err := h.partialSizes(ctx, keys)
	if err != nil {
		return err
	}
	indexes, err := h.partialIndexes(ctx, keys, sizes)
	if err != nil {
		return err
	}
	rcs, closeAll, err := openEach(keys, func(i int, k string) (io.ReadCloser, error) {
		off, end := indexes[i].Span(lo, hi)
		if lo == nil {
			off, end = 0, max(end, off)
		}
		if end <= off {
			return nil, nil
		}
		rc, err := h.Store.Open(ctx, k, off, end-off)
		if err != nil {
			return nil, storeFailure(err, "gather: open partial %s [%d,%d)", k, off, end)
		}
		return rc, nil
	})
	defer closeAll()
	if err != nil {
		return err
	}
	var rs []*runs.Reader
	for i, rc := range rcs {
		switch {
		case rc == nil:
		case lo == nil:
			r, err := runs.NewFirstRangeReader(rc, "partial "+keys[i], hi)
			if err == nil && tag != nil && !bytes.Equal(r.Tag(), tag) {
				err = fmt.Errorf("partial %s: %w: a run tagged %q, not %q", keys[i], jobs.ErrCorruptPartial, r.Tag(), tag)
			}
			if err != nil {
				return produceError(keys[i], err)
			}
			rs = append(rs, r)
		default:
			rs = append(rs, runs.NewRangeReader(rc, "partial "+keys[i], lo, hi))
		}
	}
	return fn(rs)
}

// crashingWriter is a range reducer that dies mid-range (the fault point,
// reducer.range.crash.mid-range or reducer.sort.crash.mid-span): half of its
// first write reaches the upload, then it fails, so the attempt's object must
// never appear.
type crashingWriter struct {
	w     io.Writer
	point string
}

func (c *crashingWriter) Write(p []byte) (int, error) {
	n, _ := c.w.Write(p[:len(p)/2])
	return n, &RetryableError{Err: errors.New("fault injected: " + c.point)}
}

// rangeCommits reads the commits of the job's in.Partitions ranges of
// round in.Round in order; a range without one fails the gather (a redrive
// reduces it again).
func (h *Handler) rangeCommits(ctx context.Context, in GatherInput) ([]ledger.Commit, error) {
	commits, err := h.Ledger.ChunkRange(ctx, rangeLedgerID(in.JobID, in.Round), 0, in.Partitions)
	if err != nil {
		return nil, retryable("gather %s: read range commits: %w", in.JobID, err)
	}
	if len(commits) != in.Partitions {
		var missing []int
		have := map[int]bool{}
		for _, c := range commits {
			have[c.Chunk] = true
		}
		for r := range in.Partitions {
			if !have[r] {
				missing = append(missing, r)
			}
		}
		return nil, inputErrorf("gather %s: %d of %d key ranges of round %d not committed (first: %v)", in.JobID, len(missing), in.Partitions, in.Round, missing[:min(len(missing), 10)])
	}
	return commits, nil
}

// gatherRanges writes the output of a job gathered by key ranges: for a
// jobs.RangeRuns job without the RoundSort (a definition that has none),
// the committed ranges' runs merged; else the committed ranges (or the
// RoundSort's spans) in order, composed on S3 (UploadPartCopy of every range of
// 5 MiB or more, smaller ones read and coalesced into parts) or streamed
// where the store cannot compose; or, with OutputParts, each range copied to
// its part file. It fills the summary's output counts.
func (h *Handler) gatherRanges(ctx context.Context, in GatherInput, sum *Summary) error {
	job, err := in.newJob()
	if err != nil {
		return err
	}
	commits, err := h.rangeCommits(ctx, in)
	if err != nil {
		return err
	}
	keys := make([]string, len(commits))
	pieces := make([]blob.Piece, len(commits))
	for i, c := range commits {
		var st rangeStats
		if err := json.Unmarshal([]byte(c.Stats), &st); err != nil {
			return inputErrorf("gather %s: range %d's commit has unreadable stats: %w", in.JobID, c.Chunk, err)
		}
		sum.RecordsOut += st.RecordsOut
		keys[i] = c.Partial
		pieces[i] = blob.Piece{Source: c.Partial, N: st.Bytes}
	}
	sum.Partitions = in.Partitions
	if in.Round == RoundSort {
		first := in
		first.Round = RoundKeys
		rp, _, err := h.readRangePlan(ctx, first)
		if err != nil {
			return err
		}
		sum.Partitions, sum.Spans = rp.Partitions, in.Partitions
	}
	if rr, ok := job.(jobs.RangeRuns); ok && in.Round == RoundKeys {
		// The ranges are sorted runs of the output's lines: merged, not
		// concatenated, here in one process.
		sum.BytesOut, err = h.putFrom(ctx, in.Output, func(w io.Writer) error {
			return h.withPartials(ctx, keys, func(rs []io.Reader) error {
				_, err := rr.OutputMergedRanges(w, rs)
				return err
			})
		})
		return err
	}
	if in.OutputParts {
		sum.Parts = len(keys)
		for i := range keys {
			n, _, err := h.copyObject(ctx, pieces[i:i+1], PartLocation(in.Output, i))
			if err != nil {
				return err
			}
			sum.BytesOut += n
		}
		return nil
	}
	var st *blob.ComposeStats
	if sum.BytesOut, st, err = h.copyObject(ctx, pieces, in.Output); err == nil && st != nil {
		sum.Assembly = &Assembly{ComposeStats: *st, Ranges: len(pieces)}
	}
	return err
}

// copyObject writes the concatenation of pieces (whole objects) to dst: on
// S3 by composing it (its stats returned), elsewhere by streaming the pieces
// one after the other.
func (h *Handler) copyObject(ctx context.Context, pieces []blob.Piece, dst string) (int64, *blob.ComposeStats, error) {
	if comp, ok := h.Store.(blob.Composer); ok && blob.IsS3(dst) && !slices.ContainsFunc(pieces, func(p blob.Piece) bool { return !blob.IsS3(p.Source) }) {
		st, err := comp.Compose(ctx, dst, pieces)
		if err == nil {
			return st.CopiedBytes + st.SentBytes, &st, nil
		} else if !errors.Is(err, blob.ErrCannotCompose) {
			return 0, nil, storeFailure(err, "write %s", dst)
		}
	}
	n, err := h.putFrom(ctx, dst, func(w io.Writer) error {
		for _, p := range pieces {
			rc, err := h.Store.Open(ctx, p.Source, 0, -1)
			if errors.Is(err, blob.ErrNotFound) {
				return inputErrorf("gather: committed range %s is missing from the store", p.Source)
			} else if err != nil {
				return storeFailure(err, "gather: open range %s", p.Source)
			}
			_, err = io.Copy(w, rc)
			rc.Close()
			if err != nil {
				return storeFailure(err, "gather: read range %s", p.Source)
			}
		}
		return nil
	})
	return n, nil, err
}

// partialSizes stats every partial (in parallel): a missing one is an input
// error naming it, any other failure a store error.
func (h *Handler) partialSizes(ctx context.Context, keys []string) ([]int64, error) {
	sizes := make([]int64, len(keys))
	err := eachPartial(keys, func(i int, k string) error {
		info, err := h.Store.Stat(ctx, k)
		if errors.Is(err, blob.ErrNotFound) {
			return inputErrorf("gather: partial %s is missing from the store", k)
		} else if err != nil {
			return storeFailure(err, "gather: stat partial %s", k)
		}
		sizes[i] = info.Size
		return nil
	})
	return sizes, err
}

// checkRanges refuses, before the job's ledger entry is opened and any
// mapper runs, partitions asked for (2 or more) whose range reducers would
// run past their child's limit by plan.CheckRanges, the estimate `scatter
// plan` refuses them by: Lambda's timeout, or with Express children
// (h.ChildType) five minutes. A sql query's partials are priced as `scatter
// plan --sql` prices them (a full sort's as plan.SortPartialRatio of the
// input, a sort round after the ranges).
func (h *Handler) checkRanges(in PlanInput, j job.Job, objs []plan.Object, columns []string, chunks []plan.Chunk, bytes int64) error {
	if in.Partitions < 2 {
		return nil
	}
	est := plan.EstimateInput{Job: in.Job, Bytes: bytes, ReadBytes: parquetRead(j, objs, columns, chunks), Objects: len(objs),
		Chunks: len(chunks), ChunkSize: max(in.ChunkSize, 1), Partitions: in.Partitions, Children: plan.ChildStandard}
	if h.ChildType == statemachine.Express {
		est.Children = plan.ChildExpress
	}
	prof, ok := plan.Profiles[in.Job]
	if !ok {
		return nil // a job of the user's own, which has no cost profile
	}
	if in.Job == "sql" {
		d, err := jobs.SQLPlan(in.Params["query"], in.Params["schema"])
		if err != nil {
			return nil // the job reports it
		}
		if d.Kind == "sort" {
			prof.PartialRatio = plan.SortPartialRatio
		}
		prof.SortedRuns, est.SortRound = true, d.SortRound
	}
	est.Profile = prof
	if err := plan.CheckRanges(est); err != nil {
		return inputErrorf("plan: %w", err)
	}
	return nil
}

// parquetRead is what the mappers fetch of the chunks when an input is
// Parquet (plan.EstimateScan: the footers and the kept row groups' chunks
// of the job's columns), as `scatter plan` prices it; 0 (all the chunks'
// bytes, compressed objects included) when none is.
func parquetRead(j job.Job, objs []plan.Object, columns []string, chunks []plan.Chunk) int64 {
	if !slices.ContainsFunc(objs, func(o plan.Object) bool { return o.Parquet != nil }) {
		return 0
	}
	var pred pq.Predicate
	if p, ok := j.(feed.Pruner); ok {
		pred = p.ParquetPredicate()
	}
	scan, err := plan.EstimateScan(objs, chunks, columns, pred)
	if err != nil {
		return 0 // the mappers report it
	}
	return scan.Read
}
