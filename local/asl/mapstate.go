package asl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scattergather/scattergather/internal/sfnquota"
	"golang.org/x/sync/errgroup"
)

// parallel runs every branch concurrently on the same input; the result is
// the array of their outputs. The first failing branch fails the state and
// cancels the others.
func (r *run) parallel(ctx context.Context, sr *stateRun, eff any) (any, error) {
	st := sr.st
	in, err := sr.parameters(eff)
	if err != nil {
		return nil, err
	}
	results := make([]any, len(st.branches))
	g, gctx := errgroup.WithContext(ctx)
	for i, b := range st.branches {
		g.Go(func() error {
			out, _, err := r.runGraph(gctx, b, in, sr.fr)
			if err != nil {
				return err
			}
			results[i] = out
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, ctx.Err()
}

// mapRun runs the Map state's ItemProcessor on every item, at most
// MaxConcurrency (capped by Options.MaxParallel) at once. Inline, the first
// failed iteration fails the state; distributed, failures count against the
// tolerated failure threshold (0 by default), a failed item's result being its
// error output. When the state fails, running iterations are cancelled.
func (r *run) mapRun(ctx context.Context, sr *stateRun, eff any) (any, error) {
	st, m := sr.st, sr.st.m
	e := sr.env(eff)

	items, err := r.mapItems(ctx, sr, eff, e)
	if err != nil {
		return nil, err
	}
	limit, err := r.mapLimit(m, e)
	if err != nil {
		return nil, err
	}
	tol, err := r.tolerance(m, e, int64(len(items)))
	if err != nil {
		return nil, err
	}

	r.emit(Event{Type: EventMapRunStarted, State: st.name, MapIndex: sr.fr.mapIndex, Items: len(items)})
	results := make([]any, len(items))
	var runs []childRun
	mapRunID := newUUID()
	if m.writer != nil {
		runs = make([]childRun, len(items))
	}
	var failed atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(int(limit))
	for i, item := range items {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			in := item
			if st.parameters != nil {
				isr := *sr
				isr.item = &mapItem{index: i, value: item}
				var err error
				if in, err = st.parameters.eval(isr.env(eff)); err != nil {
					return err
				}
			}
			fr := &frame{mapIndex: i, execution: sr.fr.execution}
			var run *childRun
			if m.distributed {
				name := newUUID()
				started := time.Now().UTC()
				fr.execution = map[string]any{
					"Id":           fmt.Sprintf("%s/%s:%s", sr.fr.execution["Id"], st.name, name),
					"Name":         name,
					"Input":        in,
					"StartTime":    started.Format(timeFormat),
					"RedriveCount": intNumber(0),
				}
				if runs != nil {
					run = &runs[i]
					run.arn, run.name, run.input, run.start = fr.execution["Id"].(string), name, in, started
				}
			}
			r.emit(Event{Type: EventMapIterationStarted, State: st.name, MapIndex: i})
			var out any
			err := error(nil)
			if m.distributed { // a child execution's input has the execution's quota
				err = r.checkPayload(in, fmt.Sprintf("The child execution input of item %d", i))
			}
			if err == nil {
				out, err = r.runChild(gctx, m, in, fr)
			}
			if run != nil {
				run.stop = time.Now().UTC()
			}
			if err == nil {
				results[i] = out
				if run != nil {
					run.status, run.output = "SUCCEEDED", out
				}
				r.emit(Event{Type: EventMapIterationSucceeded, State: st.name, MapIndex: i})
				return nil
			}
			var f *Failure
			if !errors.As(err, &f) || gctx.Err() != nil {
				return err // cancelled
			}
			r.emit(Event{Type: EventMapIterationFailed, State: st.name, MapIndex: i, Error: f})
			if !m.distributed {
				return f
			}
			results[i] = map[string]any{"Error": f.Name, "Cause": f.Cause}
			if run != nil {
				run.status, run.failure = "FAILED", f
			}
			if n := failed.Add(1); tol.exceeded(n) {
				return &Failure{Name: ErrExceedToleratedFailureThreshold, Cause: fmt.Sprintf("The specified tolerated failure threshold was exceeded: %d of %d items failed (%s); item %d: %s", n, len(items), tol, i, f.Error())}
			}
			return nil
		})
	}
	err = g.Wait()
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if m.writer != nil {
		// AWS writes the results of a Map Run whether it succeeded or failed (the
		// items it never started as PENDING); a write that fails is States.ResultWriterFailed.
		details, werr := r.writeResults(ctx, sr, eff, mapRunID, runs, items)
		if err != nil {
			return nil, err
		}
		if werr != nil {
			return nil, werr
		}
		return details, nil
	}
	if err != nil {
		return nil, err
	}
	if m.distributed {
		// Without a ResultWriter AWS gathers every child's result into the state's output
		// before ResultPath applies, and fails a result over the payload quota
		// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html,
		// https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
		if n := jsonSize(results); n > MaxPayloadBytes {
			return nil, &Failure{Name: ErrDataLimitExceeded, Cause: fmt.Sprintf("The Map Run's results (%d items, %d bytes) exceed the maximum of %d bytes for a state's output; write them to Amazon S3 with a ResultWriter", len(items), n, MaxPayloadBytes)}
		}
	}
	return results, nil
}

// runChild runs one iteration's processor. An Express child of a Distributed Map
// ends at the Express limit: on AWS the child execution times out, whatever its
// task is doing, and the Map Run counts it as failed.
func (r *run) runChild(ctx context.Context, m *mapSpec, in any, fr *frame) (any, error) {
	if !m.distributed || !m.express {
		out, _, err := r.runGraph(ctx, m.processor, in, fr)
		return out, err
	}
	limit := r.opts.ExpressLimit
	if limit <= 0 {
		limit = ExpressMaxDuration
	}
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	out, _, err := r.runGraph(cctx, m.processor, in, fr)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return nil, &Failure{Name: ErrTimeout, Cause: fmt.Sprintf("The Express child execution ran past its maximum duration of %s", limit)}
	}
	return out, err
}

// mapItems are the items a Map state iterates: read by its ItemReader, or the
// array its ItemsPath (the effective input by default) selects.
func (r *run) mapItems(ctx context.Context, sr *stateRun, eff any, e *env) ([]any, error) {
	m := sr.st.m
	if m.reader != nil {
		return r.readItems(ctx, sr, eff)
	}
	v := eff
	src := "$"
	if m.itemsPath != nil {
		var ok bool
		src = m.itemsPath.src
		if v, ok = m.itemsPath.get(e); !ok {
			return nil, runtimeFailure("Invalid path '%s' in ItemsPath: the path could not be found in the input '%s'", src, jsonText(eff, 1024))
		}
	}
	a, ok := v.([]any)
	if !ok {
		return nil, runtimeFailure("ItemsPath '%s' must select an array, got %s", src, typeName(v))
	}
	return a, nil
}

// mapLimit is how many iterations run at once: MaxConcurrency (or the value
// MaxConcurrencyPath selects), 0 meaning no limit, capped by Options.MaxParallel.
func (r *run) mapLimit(m *mapSpec, e *env) (int64, error) {
	limit := m.maxConc
	if m.maxConcPath != nil {
		v, ok := m.maxConcPath.get(e)
		n, isInt := toInt(v)
		if !ok || !isInt || n < 0 {
			return 0, runtimeFailure("MaxConcurrencyPath '%s' must select a non-negative integer, got %s", m.maxConcPath.src, jsonText(v, 64))
		}
		limit = n
	}
	if limit == 0 || limit > int64(r.maxPar) {
		limit = int64(r.maxPar)
	}
	return limit, nil
}

// MaxPayloadBytes is Step Functions' quota on a state's or an execution's input and
// output, 256 KiB (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html),
// written once in internal/sfnquota for the local AWS's moto patch too.
const MaxPayloadBytes = sfnquota.PayloadBytes

// jsonSize is the length of v's JSON encoding (-1 if it has none), as Step Functions
// counts it: UTF-8 bytes, with <, > and & as themselves (json.Marshal would escape each
// to six bytes).
func jsonSize(v any) int {
	var n byteCounter
	enc := json.NewEncoder(&n)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return -1
	}
	return int(n) - 1 // Encode ends with a newline
}

// byteCounter counts what is written to it.
type byteCounter int

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}

// childRun is a Distributed Map's child execution, as its ResultWriter reports it.
type childRun struct {
	arn, name   string
	input       any
	output      any
	failure     *Failure
	status      string // SUCCEEDED or FAILED; "" for an item never started (PENDING)
	start, stop time.Time
}

// writeResults exports a Map Run's results as a ResultWriter without WriterConfig does
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html):
// under PREFIX/<map run id>/, SUCCEEDED_0.json, FAILED_0.json and PENDING_0.json (each a
// JSON array of the child executions with that status, in item order, as
// Transformation NONE has them: input and output as JSON text with the execution's
// metadata; a status with none writes no file), then manifest.json naming them. The
// state's result is {"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}. AWS starts
// another file past 5 GB; a local run writes one.
func (r *run) writeResults(ctx context.Context, sr *stateRun, eff any, mapRunID string, runs []childRun, items []any) (any, error) {
	pv, err := sr.st.m.writer.params.eval(sr.env(eff))
	if err != nil {
		return nil, err
	}
	params, _ := pv.(map[string]any)
	bucket, ok := params["Bucket"].(string)
	prefix, okPrefix := params["Prefix"].(string)
	if _, has := params["Prefix"]; !has {
		okPrefix = true
	}
	if !ok || bucket == "" || !okPrefix {
		return nil, runtimeFailure("the ResultWriter Parameters must give a Bucket string and a Prefix string, got %s", jsonText(pv, 256))
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	mapRunArn := fmt.Sprintf("arn:aws:states:local:%s:mapRun:local/%s:%s", localAccount, sr.st.name, mapRunID)
	dir := prefix + mapRunID + "/"
	byStatus := map[string][]any{}
	for i, c := range runs {
		status := c.status
		if status == "" {
			status = "PENDING"
		}
		entry := map[string]any{"Status": status}
		if c.status != "" {
			inText, _ := encodeJSON(c.input)
			entry["ExecutionArn"], entry["Name"] = c.arn, c.name
			entry["Input"], entry["InputDetails"] = inText, map[string]any{"Included": true}
			entry["StateMachineArn"] = stateMachineID
			entry["StartDate"], entry["StopDate"] = c.start.Format(timeFormat), c.stop.Format(timeFormat)
			entry["RedriveCount"] = intNumber(0)
		} else {
			inText, _ := encodeJSON(items[i])
			entry["Input"], entry["InputDetails"] = inText, map[string]any{"Included": true}
		}
		switch c.status {
		case "SUCCEEDED":
			outText, _ := encodeJSON(c.output)
			entry["Output"], entry["OutputDetails"] = outText, map[string]any{"Included": true}
		case "FAILED":
			entry["Error"], entry["Cause"] = c.failure.Name, c.failure.Cause
		}
		byStatus[status] = append(byStatus[status], entry)
	}
	files := map[string][]any{"SUCCEEDED": {}, "FAILED": {}, "PENDING": {}}
	for _, status := range []string{"SUCCEEDED", "FAILED", "PENDING"} {
		entries := byStatus[status]
		if len(entries) == 0 {
			continue
		}
		body, err := json.Marshal(entries)
		if err != nil {
			return nil, &Failure{Name: ErrResultWriterFailed, Cause: fmt.Sprintf("encoding the %s results: %v", status, err)}
		}
		key := dir + status + "_0.json"
		if err := r.opts.PutObject(ctx, bucket, key, body); err != nil {
			return nil, writerFailure(ctx, bucket, key, err)
		}
		files[status] = append(files[status], map[string]any{"Key": key, "Size": intNumber(int64(len(body)))})
	}
	manifest, _ := json.Marshal(map[string]any{"DestinationBucket": bucket, "MapRunArn": mapRunArn, "ResultFiles": files})
	key := dir + "manifest.json"
	if err := r.opts.PutObject(ctx, bucket, key, manifest); err != nil {
		return nil, writerFailure(ctx, bucket, key, err)
	}
	return map[string]any{"MapRunArn": mapRunArn, "ResultWriterDetails": map[string]any{"Bucket": bucket, "Key": key}}, nil
}

func writerFailure(ctx context.Context, bucket, key string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var f *Failure
	if errors.As(err, &f) {
		return &Failure{Name: f.Name, Cause: f.Cause}
	}
	return &Failure{Name: ErrResultWriterFailed, Cause: fmt.Sprintf("writing s3://%s/%s: %v", bucket, key, err)}
}

// tolerance is a Distributed Map's tolerated failure threshold.
type tolerance struct {
	total    int64
	pct      float64
	hasPct   bool
	count    int64
	hasCount bool
}

func (r *run) tolerance(m *mapSpec, e *env, total int64) (tolerance, error) {
	t := tolerance{total: total, pct: m.tolPct, hasPct: m.hasTolPct, count: m.tolCount, hasCount: m.hasTolCount}
	if m.tolPctPath != nil {
		v, ok := m.tolPctPath.get(e)
		rat, isNum := toRat(v)
		if !ok || !isNum {
			return t, runtimeFailure("ToleratedFailurePercentagePath '%s' must select a number, got %s", m.tolPctPath.src, jsonText(v, 64))
		}
		pct, _ := rat.Float64()
		if pct < 0 || pct > 100 {
			return t, runtimeFailure("ToleratedFailurePercentagePath '%s' must select a number from 0 to 100, got %s", m.tolPctPath.src, jsonText(v, 64))
		}
		t.pct, t.hasPct = pct, true
	}
	if m.tolCntPath != nil {
		v, ok := m.tolCntPath.get(e)
		n, isInt := toInt(v)
		if !ok || !isInt || n < 0 {
			return t, runtimeFailure("ToleratedFailureCountPath '%s' must select a non-negative integer, got %s", m.tolCntPath.src, jsonText(v, 64))
		}
		t.count, t.hasCount = n, true
	}
	return t, nil
}

// exceeded reports whether failed items pass the threshold: more than the
// count, or more than the percentage of all items; with neither set, any.
func (t tolerance) exceeded(failed int64) bool {
	if !t.hasPct && !t.hasCount {
		return failed > 0
	}
	if t.hasCount && failed > t.count {
		return true
	}
	return t.hasPct && float64(failed)*100 > t.pct*float64(t.total)
}

func (t tolerance) String() string {
	switch {
	case t.hasPct && t.hasCount:
		return fmt.Sprintf("tolerated: %d items or %g%%", t.count, t.pct)
	case t.hasCount:
		return fmt.Sprintf("tolerated: %d items", t.count)
	case t.hasPct:
		return fmt.Sprintf("tolerated: %g%%", t.pct)
	}
	return "tolerated: none"
}

// readItems reads a Distributed Map's items with its ItemReader.
func (r *run) readItems(ctx context.Context, sr *stateRun, eff any) ([]any, error) {
	rd := sr.st.m.reader
	pv, err := rd.params.eval(sr.env(eff))
	if err != nil {
		return nil, err
	}
	params, _ := pv.(map[string]any)
	bucket, ok1 := params["Bucket"].(string)
	key, ok2 := params["Key"].(string)
	if !ok1 || !ok2 || bucket == "" || key == "" {
		return nil, runtimeFailure("the ItemReader Parameters must give Bucket and Key strings, got %s", jsonText(pv, 256))
	}
	data, err := r.opts.GetObject(ctx, bucket, key)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var f *Failure
		if errors.As(err, &f) {
			return nil, &Failure{Name: f.Name, Cause: f.Cause}
		}
		return nil, &Failure{Name: ErrItemReaderFailed, Cause: fmt.Sprintf("reading s3://%s/%s: %v", bucket, key, err)}
	}
	var items []any
	switch rd.inputType {
	case "JSONL":
		for n, line := range bytes.Split(data, []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			v, err := decodeJSON(line)
			if err != nil {
				return nil, &Failure{Name: ErrItemReaderFailed, Cause: fmt.Sprintf("s3://%s/%s line %d is not JSON: %v", bucket, key, n+1, err)}
			}
			items = append(items, v)
		}
		if items == nil {
			items = []any{}
		}
	default:
		v, err := decodeJSON(data)
		if err != nil {
			return nil, &Failure{Name: ErrItemReaderFailed, Cause: fmt.Sprintf("s3://%s/%s is not JSON: %v", bucket, key, err)}
		}
		a, ok := v.([]any)
		if !ok {
			return nil, &Failure{Name: ErrItemReaderFailed, Cause: fmt.Sprintf("s3://%s/%s holds a JSON %s, not an array", bucket, key, typeName(v))}
		}
		items = a
	}
	if rd.maxItems > 0 && int64(len(items)) > rd.maxItems {
		items = items[:rd.maxItems]
	}
	return items, nil
}
