package asl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// parallel runs every branch concurrently on the same input; the result is
// the array of their outputs. The first failing branch fails the state and
// cancels the others.
func (r *run) parallel(ctx context.Context, sr *stateRun, eff any) (any, error) {
	st := sr.st
	in := eff
	if st.parameters != nil {
		var err error
		if in, err = st.parameters.eval(sr.env(eff)); err != nil {
			return nil, err
		}
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

	var items []any
	if m.reader != nil {
		var err error
		if items, err = r.readItems(ctx, sr, eff); err != nil {
			return nil, err
		}
	} else {
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
		items = a
	}

	limit := m.maxConc
	if m.maxConcPath != nil {
		v, ok := m.maxConcPath.get(e)
		n, isInt := toInt(v)
		if !ok || !isInt || n < 0 {
			return nil, runtimeFailure("MaxConcurrencyPath '%s' must select a non-negative integer, got %s", m.maxConcPath.src, jsonText(v, 64))
		}
		limit = n
	}
	if limit == 0 || limit > int64(r.maxPar) {
		limit = int64(r.maxPar)
	}
	tol, err := r.tolerance(m, e, int64(len(items)))
	if err != nil {
		return nil, err
	}

	r.emit(Event{Type: EventMapRunStarted, State: st.name, MapIndex: sr.fr.mapIndex, Items: len(items)})
	results := make([]any, len(items))
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
			if m.distributed {
				name := newUUID()
				fr.execution = map[string]any{
					"Id":        fmt.Sprintf("%s/%s:%s", sr.fr.execution["Id"], st.name, name),
					"Name":      name,
					"Input":     in,
					"StartTime": time.Now().UTC().Format(timeFormat),
				}
			}
			r.emit(Event{Type: EventMapIterationStarted, State: st.name, MapIndex: i})
			out, _, err := r.runGraph(gctx, m.processor, in, fr)
			if err == nil {
				results[i] = out
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
			if n := failed.Add(1); tol.exceeded(n) {
				return &Failure{Name: ErrExceedToleratedFailureThreshold, Cause: fmt.Sprintf("The specified tolerated failure threshold was exceeded: %d of %d items failed (%s); item %d: %s", n, len(items), tol, i, f.Error())}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
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
