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
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/runs"
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

// rangeLedgerID is the ledger's job ID under which a job's ranges are
// committed, range r as chunk r: the first commit of a range wins.
func rangeLedgerID(jobID string) string { return jobID + "#ranges" }

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
	if _, ok := j.(jobs.RangeRuns); ok && in.OutputParts {
		return inputErrorf("plan: job %s cannot leave its key ranges as part files (output parts): its output is not in key order, the ranges are merged", in.Job)
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
	job, err := jobs.New(in.Job, in.Params)
	if err != nil {
		return inputErrorf("gather %s: %v", in.JobID, err)
	}
	if _, ok := keyedJob(job); !ok || in.Partitions == 1 || encodedOutput(in.Output) {
		return nil
	}
	rp, found, err := h.readRangePlan(ctx, in)
	if err != nil {
		return err
	}
	if !found {
		if rp, err = h.sampleRanges(ctx, in); err != nil {
			return err
		}
		if rp.Partitions < 2 {
			return nil
		}
		b, _ := json.Marshal(rp)
		err := h.Store.PutIfAbsent(ctx, in.Work+RangePlanFile, bytes.NewReader(b))
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
	if err := h.Store.Put(ctx, in.Work+RangeItemsFile, bytes.NewReader(b)); err != nil {
		return storeFailure(err, "gather %s: write range items", in.JobID)
	}
	bucket, prefix, _ := blob.ParseS3(in.Work)
	tl.Partitions = rp.Partitions
	tl.Ranges = Location{Bucket: bucket, Key: prefix + RangeItemsFile}
	tl.RangeResults = Location{Bucket: bucket, Key: prefix + RangeResultsDir}
	h.log().InfoContext(ctx, "planned key ranges", "jobId", in.JobID, "partitions", rp.Partitions)
	return nil
}

// readRangePlan reads the job's range plan, if one was written.
func (h *Handler) readRangePlan(ctx context.Context, in GatherInput) (rangePlan, bool, error) {
	var rp rangePlan
	rc, err := h.Store.Open(ctx, in.Work+RangePlanFile, 0, -1)
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
		return rp, false, inputErrorf("gather %s: range plan %s: %d partitions with %d bounds", in.JobID, in.Work+RangePlanFile, rp.Partitions, len(rp.Bounds))
	}
	return rp, true, nil
}

// sampleRanges chooses the ranges from the committed partials' indexes (two
// small reads each): as many as the event asks for, or, with Partitions 0,
// one per DefaultRangeBytes of partials. When the indexes hold too few keys
// to cut them (too few samples, or fewer boundaries than asked) and the
// partials are small, it reads the partials whole and samples every key.
func (h *Handler) sampleRanges(ctx context.Context, in GatherInput) (rangePlan, error) {
	keys, _, err := h.committed(ctx, in)
	if err != nil {
		return rangePlan{}, err
	}
	sizes, err := h.partialSizes(ctx, keys)
	if err != nil {
		return rangePlan{}, err
	}
	var total int64
	for _, n := range sizes {
		total += n
	}
	p := in.Partitions
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
// header first in range 0), written to an attempt's own key and committed in
// the ledger; the first commit wins, and a retried or duplicate reducer
// answers with it.
func (h *Handler) mergeRange(ctx context.Context, in GatherInput) (GatherOutput, error) {
	fk := fmt.Sprintf("%s/range/%d", in.JobID, in.Range)
	return deliveredTwice(ctx, h, "reducer.range.duplicate", "range", fk, func(fk string) (GatherOutput, error) {
		return h.mergeRangeOnce(ctx, in, fk)
	})
}

func (h *Handler) mergeRangeOnce(ctx context.Context, in GatherInput, fk string) (GatherOutput, error) {
	id := rangeLedgerID(in.JobID)
	if c, err := h.Ledger.Chunk(ctx, id, in.Range); err == nil {
		return GatherOutput{JobID: in.JobID, Status: string(ledger.Running), Partial: c.Partial}, nil
	} else if !errors.Is(err, ledger.ErrNotFound) {
		return GatherOutput{}, retryable("gather %s range %d: read commit: %w", in.JobID, in.Range, err)
	}
	job, err := jobs.New(in.Job, in.Params)
	if err != nil {
		return GatherOutput{}, inputErrorf("gather %s: %v", in.JobID, err)
	}
	keyed, ok := keyedJob(job)
	if !ok {
		return GatherOutput{}, inputErrorf("gather %s: job %s has no key ranges (not a keyed job)", in.JobID, in.Job)
	}
	rp, found, err := h.readRangePlan(ctx, in)
	if err != nil {
		return GatherOutput{}, err
	} else if !found || in.Range >= rp.Partitions {
		return GatherOutput{}, inputErrorf("gather %s: no range %d in the job's range plan (%d ranges)", in.JobID, in.Range, rp.Partitions)
	}
	lo, hi := runs.Range(rp.Bounds, in.Range)
	keys, _, err := h.committed(ctx, in)
	if err != nil {
		return GatherOutput{}, err
	}
	attempt := newAttemptID()
	key := fmt.Sprintf("%s%s%05d/%s.part", in.Work, RangesDir, in.Range, attempt)
	var st rangeStats
	tag, _ := jobs.RunTag(job)
	err = h.withRanges(ctx, keys, lo, hi, tag, func(rs []*runs.Reader) error {
		var err error
		st.Bytes, err = h.putFrom(ctx, key, func(w io.Writer) error {
			if h.Faults.Fire("reducer.range.crash.mid-range", fk) {
				w = &crashingWriter{w: w}
			}
			if rr, ok := job.(jobs.RangeRuns); ok {
				st.RecordsOut, err = rr.OutputRangeRun(w, rs)
			} else {
				st.RecordsOut, err = runs.OutputTo(w, keyed, rs, in.Range == 0)
			}
			return err
		})
		return err
	})
	if err != nil {
		return GatherOutput{}, err
	}
	if err := h.Faults.Err("reducer.range.crash.before-commit", fk); err != nil {
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
	h.log().InfoContext(ctx, "reduced key range", "jobId", in.JobID, "range", in.Range, "partials", len(keys), "lines", st.RecordsOut)
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
	rcs := make([]io.ReadCloser, len(keys))
	defer func() {
		for _, rc := range rcs {
			if rc != nil {
				rc.Close()
			}
		}
	}()
	err = eachPartial(keys, func(i int, k string) error {
		off, end := indexes[i].Span(lo, hi)
		if lo == nil {
			off, end = 0, max(end, off)
		}
		if end <= off {
			return nil
		}
		rc, err := h.Store.Open(ctx, k, off, end-off)
		if err != nil {
			return storeFailure(err, "gather: open partial %s [%d,%d)", k, off, end)
		}
		rcs[i] = rc
		return nil
	})
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

// crashingWriter is a range reducer that dies mid-range (the fault
// reducer.range.crash.mid-range): half of its first write reaches the
// upload, then it fails, so the attempt's object must never appear.
type crashingWriter struct{ w io.Writer }

func (c *crashingWriter) Write(p []byte) (int, error) {
	n, _ := c.w.Write(p[:len(p)/2])
	return n, &RetryableError{Err: errors.New("fault injected: reducer.range.crash.mid-range")}
}

// rangeCommits reads the commits of the job's ranges in order; a range
// without one fails the gather (a redrive reduces it again).
func (h *Handler) rangeCommits(ctx context.Context, in GatherInput) ([]ledger.Commit, error) {
	commits, err := h.Ledger.ChunkRange(ctx, rangeLedgerID(in.JobID), 0, in.Partitions)
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
		return nil, inputErrorf("gather %s: %d of %d key ranges not committed (first: %v)", in.JobID, len(missing), in.Partitions, missing[:min(len(missing), 10)])
	}
	return commits, nil
}

// gatherRanges writes the output of a job gathered by key ranges: for a
// jobs.RangeRuns job, the committed ranges' runs merged; else the committed
// ranges in order, composed on S3 (UploadPartCopy of every range of
// 5 MiB or more, smaller ones read and coalesced into parts) or streamed
// where the store cannot compose; or, with OutputParts, each range copied to
// its part file. It fills the summary's output counts.
func (h *Handler) gatherRanges(ctx context.Context, in GatherInput, sum *Summary) error {
	job, err := jobs.New(in.Job, in.Params)
	if err != nil {
		return inputErrorf("gather %s: %v", in.JobID, err)
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
			return inputErrorf("gather %s: range %d's commit has unreadable stats: %v", in.JobID, c.Chunk, err)
		}
		sum.RecordsOut += st.RecordsOut
		keys[i] = c.Partial
		pieces[i] = blob.Piece{Source: c.Partial, N: st.Bytes}
	}
	sum.Partitions = in.Partitions
	if rr, ok := job.(jobs.RangeRuns); ok {
		// The ranges are sorted runs of the output's lines: merged, not
		// concatenated.
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
