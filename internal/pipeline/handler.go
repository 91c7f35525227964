package pipeline

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/hive"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/metrics"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/report/attempts"
	"github.com/scattergather/scattergather/internal/split"
	"github.com/scattergather/scattergather/record"
)

// DefaultFanIn is how many partials one gather step merges at once; more are
// merged in a tree of intermediate partials.
const DefaultFanIn = plan.DefaultGatherFanIn

// MaxItemOverhead bounds what a Distributed Map item carries besides its chunk (the
// definition's ItemSelector: jobId, job, params, work, timeoutSeconds): with a chunk of
// at most plan.MaxChunkJSON, an item is at most 128 KiB, well within a child execution's
// 256 KiB input (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html),
// and the parameters, which the execution's state holds twice (the submission and the
// plan), leave that within 256 KiB too.
const MaxItemOverhead = 64 << 10

// itemOverhead is the JSON length of a mapper event of the plan without its chunk.
func itemOverhead(p PlanOutput) int {
	b, _ := json.Marshal(MapInput{JobID: p.JobID, Job: p.Job, Params: p.Params, Work: p.Work, TimeoutSeconds: p.MapTimeoutSeconds})
	return len(b)
}

// MaxFanIn bounds the fan-in: a merge holds every partial it merges open at once, each
// on its own connection (a file descriptor), and a Lambda function has 1,024 file
// descriptors (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
// 512 leaves the rest to the output's upload, the ledger, the runtime API and logs.
// The template's GatherFanIn has the same MaxValue.
const MaxFanIn = 512

// MaxTreeGroups bounds the groups of one level of the gather tree (the items of
// the state machine's MergeLevel, ~100 bytes of result each): the plan raises
// its fan-in above the configured one when a job has more than
// MaxTreeGroups × fan-in chunks.
const MaxTreeGroups = 1000

// Handler holds what the splitter, mapper and reducer need. Build it once per
// process (at Lambda init, or once for a local run); its methods are safe for
// concurrent use.
type Handler struct {
	// Store reads inputs and writes manifests, partials and outputs; keys are
	// locations (a *blob.Mux).
	Store blob.Store
	// Ledger tracks jobs and chunk commits.
	Ledger ledger.Ledger
	// WorkBucket holds manifests and partial results under jobs/<jobId>/.
	WorkBucket string
	// TriggerBucket is the bucket whose incoming/ prefix starts jobs; no output may land there.
	TriggerBucket string
	// DefaultChunkSize, MaxChunks, DefaultConcurrency and FanIn have defaults when zero.
	DefaultChunkSize   int64
	MaxChunks          int
	DefaultConcurrency int
	FanIn              int
	// ChildType is the Distributed Maps' child workflow type
	// (statemachine.Standard, also when empty, or statemachine.Express:
	// the template's ChildWorkflowType, CHILD_WORKFLOW_TYPE), whose time
	// limit the plan checks a job's key ranges against (checkRanges).
	ChildType string
	// Log receives structured logs; nil means slog.Default().
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Faults injects the handler-level faults (crashes, duplicates, stragglers); nil injects none.
	Faults *faults.Set
	// Metrics receives the handlers' CloudWatch EMF lines; nil emits none.
	Metrics *metrics.Writer
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Plan is the splitter: it validates the submission, resolves the inputs,
// cuts them into chunks, opens the job in the ledger and writes the manifest.
func (h *Handler) Plan(ctx context.Context, in PlanInput) (res PlanOutput, err error) {
	rec := h.beginAttempt(ctx, attempts.PhasePlan, "", "", -1)
	defer func() { rec.endPlan(ctx, h, res, err) }()
	before, err := in.validate(h.TriggerBucket)
	if err != nil {
		return PlanOutput{}, err
	}
	chunkSize := plan.ChunkSizeOr(in.ChunkSize, h.DefaultChunkSize)
	objs, params, err := plan.ResolveCompiled(ctx, h.Store, in.Job, before, in.Params, in.Inputs)
	if err != nil {
		var ie *plan.InputError
		if errors.As(err, &ie) {
			return PlanOutput{}, inputErrorf("plan: %w", err)
		}
		return PlanOutput{}, retryable("plan: %w", err)
	}
	if err := plan.CheckOutput(objs, in.Output); err != nil {
		return PlanOutput{}, inputErrorf("plan: %w", err)
	}
	// The types the inputs gave (a schema.json, Parquet dates) may make a
	// query check that could not before: only then is the job compiled again.
	j, err := jobs.NewWithInputs(in.Job, before, in.Params, params)
	if err != nil {
		return PlanOutput{}, inputErrorf("plan: %w", err)
	}
	if err := checkPartitions(in, j); err != nil {
		return PlanOutput{}, err
	}
	conc := in.MaxConcurrency
	if conc == 0 {
		conc = h.DefaultConcurrency
	}
	if conc <= 0 {
		conc = runtime.NumCPU()
	}
	// A Parquet row group weighs what its mapper decodes: the job's columns.
	columns := feed.ParquetColumns(j.Input())
	if in.ChunkSize == 0 {
		chunkSize = plan.BalancedChunkSize(plan.SplitBytes(objs, columns), chunkSize, conc)
	}
	chunks := plan.SplitColumns(objs, chunkSize, columns)
	maxChunks := h.MaxChunks
	if maxChunks <= 0 {
		maxChunks = plan.DefaultMaxChunks
	}
	if len(chunks) > maxChunks {
		return PlanOutput{}, inputErrorf("plan: %d chunks is over the cap of %d; use a larger chunk size", len(chunks), maxChunks)
	}
	if params == nil {
		params = jobs.Params{}
	}
	in.Params = params // with the schema.json beside a query's input, for the ledger's spec too
	// The chunk size the job ID was made with, for the spec too: a resume recomputes the ID
	// from the spec, and a default (0) would make another one.
	in.ChunkSize = chunkSize
	id := in.JobID(objs)
	out := PlanOutput{
		JobID: id, Job: in.Job, Params: params, JobVersion: plan.JobVersion(in.Job), Work: WorkArea(h.WorkBucket, id), Output: in.Output,
		Manifest:       Location{Bucket: h.WorkBucket, Key: workPrefix(id) + "manifest.json"},
		MapResults:     Location{Bucket: h.WorkBucket, Key: workPrefix(id) + MapResultsDir},
		Chunks:         len(chunks),
		MaxConcurrency: conc,
		Partitions:     in.Partitions,
		OutputParts:    in.OutputParts,
	}
	var largest int64
	for _, c := range chunks {
		out.Bytes += c.Bytes()
		largest = max(largest, c.Bytes())
	}
	out.MapTimeoutSeconds = MapTimeout(largest)
	// A manifest item reaches its mapper as a child execution's input: the chunk (at most
	// plan.MaxChunkJSON) and these fields, within Step Functions' 256 KiB.
	if n := itemOverhead(out); n > MaxItemOverhead {
		return PlanOutput{}, inputErrorf("plan: the job's parameters take %d bytes in every chunk's event, over %d: a child execution's input is limited to 256 KiB", n, MaxItemOverhead)
	}
	if err := h.checkRanges(in, j, objs, columns, chunks, out.Bytes); err != nil {
		return PlanOutput{}, err
	}
	// Enough fan-in that the first level has at most MaxTreeGroups groups: MergeLevel's
	// items and results stay far below Step Functions' 256 KiB payload limit.
	out.FanIn = min(max(h.fanIn(0), (len(chunks)+MaxTreeGroups-1)/MaxTreeGroups), MaxFanIn)
	in.JobVersion = out.JobVersion // the spec says which version's chunks the job commits
	spec, _ := json.Marshal(in)
	job, err := h.Ledger.Open(ctx, ledger.Job{ID: id, Name: in.Job, Spec: string(spec), Chunks: len(chunks)})
	if err != nil {
		return PlanOutput{}, retryable("plan %s: open job: %w", id, err)
	}
	if err := h.recordSubmission(ctx, in.Submission, id); err != nil {
		return PlanOutput{}, err
	}
	if job.Status == ledger.Succeeded {
		out.Done = true
		return out, nil
	}
	if err := h.Faults.Err("splitter.crash", id); err != nil {
		return PlanOutput{}, &RetryableError{Err: err}
	}
	if chunks == nil {
		chunks = []plan.Chunk{}
	}
	manifest, err := json.Marshal(chunks)
	if err != nil {
		return PlanOutput{}, fmt.Errorf("plan %s: encode manifest: %w", id, err)
	}
	if err := h.Store.Put(ctx, out.Work+"manifest.json", bytes.NewReader(manifest)); err != nil {
		return PlanOutput{}, storeFailure(err, "plan %s: write manifest", id)
	}
	h.log().InfoContext(ctx, "planned", "jobId", id, "job", in.Job, "objects", len(objs), "chunks", len(chunks), "bytes", out.Bytes)
	return out, nil
}

// JobID is the ID of the job in plans over objs (its resolved inputs), with its chunk size
// as planned: what Plan makes of it, and what a resume checks its stored spec against. Part
// files are another output than one object at the same location: another job.
func (in PlanInput) JobID(objs []plan.Object) string {
	return plan.JobID(in.Job, in.Params, objs, in.ChunkSize, in.outputIdentity())
}

// EarlierJobIDs are the IDs the job had under an earlier scatter's identity
// (plan.EarlierJobIDs: an earlier framework version, or Parquet row groups
// weighed otherwise).
func (in PlanInput) EarlierJobIDs(objs []plan.Object) []string {
	return plan.EarlierJobIDs(in.Job, in.Params, objs, in.ChunkSize, in.outputIdentity())
}

// PlannedVersion is the Version of the job's code that planned the job jobID over
// objs, as its stored spec (in) says: JobVersion, or, for a spec stored before specs
// kept it, "1" (every built-in job's version then) when that version makes jobID; ""
// when it cannot tell.
func (in PlanInput) PlannedVersion(objs []plan.Object, jobID string) string {
	if in.JobVersion != "" {
		return in.JobVersion
	}
	if plan.PlannedBy(jobID, in.Job, "1", in.Params, objs, in.ChunkSize, in.outputIdentity()) {
		return "1"
	}
	return ""
}

// outputIdentity is the output as a job's identity holds it: part files are another
// output than one object at the same location.
func (in PlanInput) outputIdentity() string {
	if in.OutputParts {
		return PartLocation(in.Output, 0)
	}
	return in.Output
}

// recordSubmission writes which job the API's submission sub planned (nothing without
// one), so that GET /jobs/{sub} finds the job's ledger item.
func (h *Handler) recordSubmission(ctx context.Context, sub, jobID string) error {
	if sub == "" || sub == jobID {
		return nil
	}
	for i := 0; i < len(sub); i++ {
		if c := sub[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') || len(sub) > 80 {
			return inputErrorf("plan: submission %q is not a job ID (letters, digits, - and _, at most 80)", sub)
		}
	}
	rec, _ := json.Marshal(SubmissionRecord{Submission: sub, JobID: jobID})
	if err := h.Store.Put(ctx, SubmissionLocation(h.WorkBucket, sub), bytes.NewReader(rec)); err != nil {
		return storeFailure(err, "plan %s: record submission %s", jobID, sub)
	}
	return nil
}

// validate checks a submission before anything is read: the job and its parameters, the
// inputs, the output (which may not land under triggerBucket's incoming/ prefix, where it
// would start another job) and the sizes. It returns what jobs.NewBeforeInputs built (nil
// for a query only the inputs' types can type), for Plan to reuse.
func (in PlanInput) validate(triggerBucket string) (jobs.Job, error) {
	job, err := jobs.NewBeforeInputs(in.Job, in.Params)
	if err != nil {
		return nil, inputErrorf("plan: %w", err)
	}
	if job != nil {
		if err := checkPartitions(in, job); err != nil {
			return nil, err
		}
	}
	if len(in.Inputs) == 0 {
		return nil, inputErrorf("plan: no inputs given")
	}
	if err := plan.ValidateLocation(in.Output); err != nil {
		return nil, inputErrorf("plan: output %q: %w", in.Output, err)
	}
	switch {
	case in.ChunkSize < 0:
		return nil, inputErrorf("plan: chunkSize %d is negative", in.ChunkSize)
	case in.MaxConcurrency < 0:
		return nil, inputErrorf("plan: maxConcurrency %d is negative", in.MaxConcurrency)
	}
	if triggerBucket != "" {
		if b, k, ok := blob.ParseS3(in.Output); ok && b == triggerBucket && strings.HasPrefix(k, "incoming/") {
			return nil, inputErrorf("plan: output %s is under the trigger prefix incoming/ and would start another job", in.Output)
		}
	}
	return job, nil
}

// MapResultsDir is where, under a job's work prefix, the Scatter Distributed Map's
// ResultWriter writes its children's results (AWS adds <map run>/manifest.json and
// SUCCEEDED_n.json, FAILED_n.json, PENDING_n.json under it).
const MapResultsDir = "mapresults"

// workPrefix is the key prefix, in the work bucket, of job id's work area.
func workPrefix(id string) string { return "jobs/" + id + "/" }

// WorkArea is the location (s3://bucket/jobs/ID/) of job id's work area in
// workBucket: its manifest, partials, attempt records and failures.
func WorkArea(workBucket, id string) string { return blob.S3Location(workBucket, workPrefix(id)) }

// isWorkArea reports whether work is an s3://bucket/prefix/ location, as a
// work area is.
func isWorkArea(work string) bool { return blob.IsS3(work) && strings.HasSuffix(work, "/") }

// The mapper's time budget: a floor for the start-up and the first byte, plus
// the chunk at a pessimistic rate, within the Lambda maximum (the template's
// mapper timeout).
const (
	mapTimeoutFloor = 60  // seconds
	mapTimeoutMax   = 900 // seconds: Lambda's maximum
	mapSlowestRate  = 2e6 // bytes per second: a cold, throttled mapper on a large chunk
)

// MapTimeout is the TimeoutSeconds of a mapper attempt over a chunk of n bytes.
func MapTimeout(n int64) int {
	return int(min(mapTimeoutMax, mapTimeoutFloor+n/int64(mapSlowestRate)))
}

func (in MapInput) validate() error {
	if err := validateEvent("map", "jobId", in.JobID, in.Job, in.Work, false); err != nil {
		return err
	}
	if err := checkVersion("map", in.JobID, in.Job, in.JobVersion); err != nil {
		return err
	}
	return validateChunk(in.JobID, in.Chunk)
}

// checkVersion refuses, at step, an event of the job id that version planned of job
// name when this build's job has another version: a deploy between the plan and this
// step (a redrive after it), whose partials would mix with the other version's. An event
// without a version (planned before plans carried it) is not checked.
func checkVersion(step, id, name, planned string) error {
	if now := plan.JobVersion(name); planned != "" && now != "" && planned != now {
		return inputErrorf("%s %s: the job was planned by version %s of job %s, and this function's %s is version %s, whose output may differ: "+
			"its chunks cannot mix the two versions' partials; run it again as a new job (a new submission: under version %s it has another job ID)", step, id, planned, name, name, now, now)
	}
	return nil
}

// validateEvent checks what the mapper's and reducer's events all name: their ID (idField
// is its JSON name), their job and their work area (which, with workOptional, may be
// empty). step begins the error.
func validateEvent(step, idField, id, job, work string, workOptional bool) error {
	switch {
	case id == "":
		return inputErrorf("%s: event has no %s", step, idField)
	case job == "":
		return inputErrorf("%s %s: event has no job", step, id)
	case (work != "" || !workOptional) && !isWorkArea(work):
		return inputErrorf("%s %s: work %q is not an s3://bucket/prefix/ location", step, id, work)
	}
	return nil
}

// validateChunk checks a chunk of the job or query id: its index and every part's location and range.
func validateChunk(id string, c plan.Chunk) error {
	switch {
	case c.Index < 0:
		return inputErrorf("map %s: chunk index %d is negative", id, c.Index)
	case len(c.Parts) == 0:
		return inputErrorf("map %s: chunk %d has no parts", id, c.Index)
	}
	for i, p := range c.Parts {
		if err := plan.ValidateLocation(p.URL); err != nil {
			return inputErrorf("map %s: chunk %d part %d: url %q: %w", id, c.Index, i, p.URL, err)
		}
		if p.Start < 0 || p.End < p.Start || p.End > p.Size {
			return inputErrorf("map %s: chunk %d part %d: bad range [%d,%d) of %d bytes", id, c.Index, i, p.Start, p.End, p.Size)
		}
	}
	return nil
}

// Map is the mapper: it processes one chunk, writes its partial result to an
// attempt-specific key and commits the chunk; the first commit wins, and a
// duplicate or retried attempt returns the committed result.
func (h *Handler) Map(ctx context.Context, in MapInput) (res MapResult, err error) {
	if err := in.validate(); err != nil {
		return MapResult{}, err
	}
	defer func() {
		if err != nil && ErrorType(err) != "RetryableError" {
			h.noteChunkFailure(ctx, in, err)
		}
	}()
	ctx = withAttemptStart(ctx, h.now())
	fk := fmt.Sprintf("%s/%d", in.JobID, in.Chunk.Index)
	if err := h.Faults.Sleep(ctx, "mapper.slow", fk); err != nil {
		return MapResult{}, retryable("map %s: %w", fk, err)
	}
	return deliveredTwice(ctx, h, "mapper.duplicate", "chunk", fk, func(fk string) (MapResult, error) {
		return h.mapOnce(ctx, in, fk)
	})
}

// deliveredTwice calls once(fk); when the fault point fires for fk it is the same event
// delivered twice at once: it also calls once(fk+"/dup") concurrently, both race to
// commit, and the duplicate's error is logged (with fk as the attribute what), not
// returned.
func deliveredTwice[T any](ctx context.Context, h *Handler, point, what, fk string, once func(fk string) (T, error)) (T, error) {
	if !h.Faults.Fire(point, fk) {
		return once(fk)
	}
	dup := make(chan error, 1)
	go func() {
		_, err := once(fk + "/dup")
		dup <- err
	}()
	res, err := once(fk)
	if derr := <-dup; derr != nil {
		h.log().InfoContext(ctx, "duplicate delivery failed", what, fk, "err", derr)
	}
	return res, err
}

func (h *Handler) mapOnce(ctx context.Context, in MapInput, fk string) (res MapResult, err error) {
	rec := h.beginAttempt(ctx, attempts.PhaseMap, in.JobID, in.Work, in.Chunk.Index)
	defer func() { rec.endMap(ctx, h, res, err) }()
	log := h.log().With("jobId", in.JobID, "chunk", in.Chunk.Index)
	if c, err := h.Ledger.Chunk(ctx, in.JobID, in.Chunk.Index); err == nil {
		log.InfoContext(ctx, "chunk already committed", "attempt", c.Attempt)
		return committedResult(c), nil
	} else if !errors.Is(err, ledger.ErrNotFound) {
		return MapResult{}, retryable("map %s chunk %d: read commit: %w", in.JobID, in.Chunk.Index, err)
	}
	job, err := jobs.New(in.Job, in.Params)
	if err != nil {
		return MapResult{}, inputErrorf("map %s: %w", in.JobID, err)
	}
	started := h.now()
	attempt := newAttemptID()
	key := fmt.Sprintf("%spartials/%08d/%s.part", in.Work, in.Chunk.Index, attempt)
	stats, err := h.mapChunk(ctx, job, in.Chunk, readOptsOf(in.Params), key, fk)
	if err != nil {
		return MapResult{}, err
	}
	if err := h.Faults.Err("mapper.crash.before-commit", fk); err != nil {
		return MapResult{}, &RetryableError{Err: err}
	}
	stats.DurationMS = h.now().Sub(started).Milliseconds()
	statsJSON, _ := json.Marshal(stats)
	winner, won, err := h.Ledger.Commit(ctx, ledger.Commit{
		JobID: in.JobID, Chunk: in.Chunk.Index, Attempt: attempt, Partial: key,
		Stats: string(statsJSON), Committed: h.now(),
	})
	if err != nil {
		return MapResult{}, retryable("map %s chunk %d: commit: %w", in.JobID, in.Chunk.Index, err)
	}
	if !won && winner.Attempt == attempt {
		// Our own commit, acknowledged late: a retried write after a timeout finds it.
		won = true
	}
	if !won {
		// Another attempt committed first: its partial is the chunk's; ours is an orphan.
		if err := h.Store.Delete(ctx, key); err != nil {
			log.WarnContext(ctx, "delete orphaned partial", "key", key, "err", err)
		}
		log.InfoContext(ctx, "lost commit race", "winner", winner.Attempt)
		return committedResult(winner), nil
	}
	if err := h.Faults.Err("mapper.crash.after-commit", fk); err != nil {
		return MapResult{}, &RetryableError{Err: err}
	}
	log.InfoContext(ctx, "committed", "attempt", attempt, "recordsIn", stats.RecordsIn, "bytes", stats.BytesRead, "ms", stats.DurationMS)
	return MapResult{JobID: in.JobID, Chunk: in.Chunk.Index, Attempt: attempt, Partial: key, Stats: stats}, nil
}

func committedResult(c ledger.Commit) MapResult {
	r := MapResult{JobID: c.JobID, Chunk: c.Chunk, Attempt: c.Attempt, Partial: c.Partial, Duplicate: true}
	_ = json.Unmarshal([]byte(c.Stats), &r.Stats) // stats are informational
	return r
}

// mapChunk runs the job's mapper over every part of the chunk and writes the
// partial result to key.
func (h *Handler) mapChunk(ctx context.Context, job jobs.Job, c plan.Chunk, opts readOpts, key, fk string) (MapStats, error) {
	m, st, err := h.runMapper(ctx, job, c, opts)
	if err != nil {
		return st, err
	}
	if err := h.Faults.Err("mapper.crash.before-write", fk); err != nil {
		return st, &RetryableError{Err: err}
	}
	_, err = h.putFrom(ctx, key, func(w io.Writer) error {
		var err error
		st.Stats, err = m.Finish(w)
		return err
	})
	return st, err
}

// runMapper feeds every record the chunk owns to a new mapper of job and
// returns its feeder, ready to Finish.
func (h *Handler) runMapper(ctx context.Context, job jobs.Job, c plan.Chunk, opts readOpts) (*feed.Feeder, MapStats, error) {
	return h.runMapperFrom(ctx, job, c, opts, nil)
}

// runMapperFrom is runMapper with the first record start of some CSV parts
// known (by csvPartKey): a re-read after a wrong guess (confirmCSV).
func (h *Handler) runMapperFrom(ctx context.Context, job jobs.Job, c plan.Chunk, opts readOpts, firsts map[string]int64) (*feed.Feeder, MapStats, error) {
	var st MapStats
	f, err := feed.New(job, opts.strict)
	if err != nil {
		return nil, st, inputErrorf("map: %w", err)
	}
	f.SetPartitions(opts.partitions)
	for _, p := range c.Parts {
		if p.Format == plan.FormatParquet {
			if err := h.mapParquet(ctx, f, p, &st); err != nil {
				return nil, st, err
			}
			continue
		}
		csv := f.Format(p.Source) == record.CSV
		f.SetHeaderOffset(p.Header, p.NoHeader)
		f.SetDelim(opts.delim)
		if p.Delim != "" {
			f.SetDelim(p.Delim[0]) // the object's own (plan.Part.Delim)
		}
		qt := p.Quoting()
		f.SetQuoting(qt.Quote, qt.Escape)
		var header []byte
		if f.NeedsHeader(p.Source) {
			if csv {
				header, err = split.CSVHeader(ctx, h.Store, p, f.Delim())
			} else {
				header, err = split.Header(ctx, h.Store, p)
			}
			if err != nil {
				return nil, st, partError(p, err)
			}
		}
		if err := f.StartPart(jobs.Part{Source: p.Source, Ordinal: p.Ordinal}, header); err != nil {
			return nil, st, inputErrorf("map: %s: %w", p.Source, err)
		}
		var ps split.Stats
		if csv {
			ps, err = h.mapCSV(ctx, f, p, firsts, &st)
		} else {
			ps, err = split.PartBlocks(ctx, h.Store, p, f.Record, f.Block())
		}
		st.BytesIn += p.End - p.Start
		st.BytesRead += ps.BytesRead
		if err != nil {
			return nil, st, mapError(p, err)
		}
	}
	return f, st, nil
}

// mapError classifies what failed a part's mapping: a malformed record under
// strict, the job's own error, or a read failure (partError).
func mapError(p plan.Part, err error) error {
	var re *jobs.RecordError
	var me *feed.MapError
	switch {
	case errors.As(err, &re):
		return &RecordError{Msg: re.Error(), Err: err}
	case errors.As(err, &me):
		return inputErrorf("%w", me)
	}
	return partError(p, err)
}

// readOpts is how a mapper reads its records: the job's "strict", "delim"
// and "hive-partitions" parameters.
type readOpts struct {
	strict     bool
	delim      byte
	partitions []hive.Column
}

// readOptsOf is the "strict", "delim" and "hive-partitions" parameters of
// params that jobs.New accepted.
func readOptsOf(p jobs.Params) readOpts {
	strict, _ := jobs.ParseStrict(p)
	delim, _ := jobs.ParseDelim(p)
	parts, _ := hive.Decode(p[jobs.PartitionsParam])
	return readOpts{strict: strict, delim: delim, partitions: parts}
}

// partError classifies a read failure: a missing object or corrupt data is the
// input's fault; anything else may be transient.
func partError(p plan.Part, err error) error {
	var corrupt *split.CorruptError
	if errors.Is(err, blob.ErrNotFound) || errors.As(err, &corrupt) {
		return inputErrorf("map: %w", err)
	}
	return storeFailure(err, "map: %s", p.Source)
}

func newAttemptID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
