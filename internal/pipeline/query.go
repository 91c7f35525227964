package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/plan"
)

// DefaultInlineLimit is the largest partial a query-mode mapper returns inline:
// base64 makes it 4/3 larger, and a RequestResponse answer is at most 6 MB.
const DefaultInlineLimit = 3 << 20

// QueryChunk is a mapper's event in query mode: one chunk of a request-time
// query. Query mode reads the chunk and answers with its partial result; it
// touches no ledger and, unless the partial is large, no store but the inputs.
type QueryChunk struct {
	// QueryID names the query (the planner's ID of its job, parameters and inputs).
	QueryID string      `json:"queryId"`
	Job     string      `json:"job"`
	Params  jobs.Params `json:"params,omitempty"`
	Chunk   plan.Chunk  `json:"chunk"`
	// Attempt numbers the sends of this chunk: 0 the first, then hedged
	// resends and resends after a retryable failure.
	Attempt int `json:"attempt"`
	// Work, when set, is an s3://bucket/prefix/ where a partial over InlineLimit
	// is written instead of being returned inline. Empty means always inline.
	Work string `json:"work,omitempty"`
	// InlineLimit bounds an inline partial in bytes; 0 means DefaultInlineLimit.
	InlineLimit int `json:"inlineLimit,omitempty"`
	// Firsts, on a re-read of a chunk whose CSV quote-state guess was wrong
	// (ConfirmCSV), are the known first record starts of its parts, keyed
	// as ConfirmCSV gives them; empty means every part cut out of its
	// object speculates.
	Firsts map[string]int64 `json:"firsts,omitempty"`
}

// QueryPartial is a query-mode mapper's answer: the chunk's partial result,
// inline or at PartialKey (which the caller reads and then deletes).
type QueryPartial struct {
	QueryID string `json:"queryId"`
	Chunk   int    `json:"chunk"`
	Attempt int    `json:"attempt"`
	// Partial is the encoded partial result (base64 in JSON); empty when spilled.
	Partial []byte `json:"partial,omitempty"`
	// PartialKey is the location of a partial too large to return inline.
	PartialKey string   `json:"partialKey,omitempty"`
	Stats      MapStats `json:"stats"`
}

func (in QueryChunk) validate() error {
	if err := validateEvent("query", "queryId", in.QueryID, in.Job, in.Work, true); err != nil {
		return err
	}
	switch {
	case in.Attempt < 0:
		return inputErrorf("query %s: attempt %d is negative", in.QueryID, in.Attempt)
	case in.InlineLimit < 0:
		return inputErrorf("query %s: inlineLimit %d is negative", in.QueryID, in.InlineLimit)
	}
	return validateChunk(in.QueryID, in.Chunk)
}

// Query is the mapper in query mode: it maps one chunk and answers with the
// partial result, the same encoding Map commits, without the ledger. Every
// attempt is independent, so a hedged resend and the original may both run.
func (h *Handler) Query(ctx context.Context, in QueryChunk) (QueryPartial, error) {
	if err := in.validate(); err != nil {
		return QueryPartial{}, err
	}
	job, err := jobs.New(in.Job, in.Params)
	if err != nil {
		return QueryPartial{}, inputErrorf("query %s: %w", in.QueryID, err)
	}
	fk := fmt.Sprintf("%s/%d/%d", in.QueryID, in.Chunk.Index, in.Attempt)
	if err := h.Faults.Sleep(ctx, "mapper.slow", fk); err != nil {
		return QueryPartial{}, retryable("query %s: %w", fk, err)
	}
	started := h.now()
	m, st, err := h.runMapperFrom(ctx, job, in.Chunk, readOptsOf(in.Params), in.Firsts)
	if err != nil {
		return QueryPartial{}, err
	}
	if err := h.Faults.Err("mapper.crash.before-write", fk); err != nil {
		return QueryPartial{}, &RetryableError{Err: err}
	}
	var buf bytes.Buffer
	if st.Stats, err = m.Finish(&buf); err != nil {
		return QueryPartial{}, fmt.Errorf("query %s: encode partial: %w", fk, err)
	}
	st.DurationMS = h.now().Sub(started).Milliseconds()
	out := QueryPartial{QueryID: in.QueryID, Chunk: in.Chunk.Index, Attempt: in.Attempt, Stats: st}
	limit := in.InlineLimit
	if limit == 0 {
		limit = DefaultInlineLimit
	}
	if in.Work == "" || buf.Len() <= limit {
		out.Partial = buf.Bytes()
		return out, nil
	}
	out.PartialKey = fmt.Sprintf("%squery/%08d-%d-%s.part", in.Work, in.Chunk.Index, in.Attempt, newAttemptID())
	if err := h.Store.Put(ctx, out.PartialKey, &buf); err != nil {
		return QueryPartial{}, retryable("query %s: write partial: %w", fk, err)
	}
	return out, nil
}

// HandleMapper is the mapper function's entry point: an event with a queryId
// is a query-mode chunk (Query), anything else a job's chunk (Map).
func (h *Handler) HandleMapper(ctx context.Context, event json.RawMessage) (any, error) {
	var probe struct {
		QueryID *string `json:"queryId"`
	}
	if err := json.Unmarshal(event, &probe); err != nil {
		return nil, inputErrorf("mapper: malformed event: %w", err)
	}
	if probe.QueryID != nil {
		var in QueryChunk
		if err := json.Unmarshal(event, &in); err != nil {
			return nil, inputErrorf("query: malformed event: %w", err)
		}
		return h.Query(ctx, in)
	}
	var in MapInput
	if err := json.Unmarshal(event, &in); err != nil {
		return nil, inputErrorf("map: malformed event: %w", err)
	}
	return h.Map(ctx, in)
}
