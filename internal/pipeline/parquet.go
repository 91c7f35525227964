package pipeline

import (
	"context"
	"errors"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/pq"
)

// mapParquet feeds the rows of a Parquet part (a run of row groups) to the
// chunk's mapper, fetching only the columns the job reads, and counts what
// it read and what pruning skipped.
func (h *Handler) mapParquet(ctx context.Context, f *feed.Feeder, p plan.Part, st *MapStats) error {
	span := pq.Span{Source: p.Source, URL: p.URL, Size: p.Size, Start: p.Start, End: p.End}
	st.BytesIn += p.End - p.Start
	// The plan says where the footer is: one ranged GET.
	footer, err := pq.ReadFooterAt(ctx, h.Store, p.Source, p.URL, p.Size, p.Footer)
	if err != nil {
		return h.parquetError(p, err)
	}
	ps, err := f.Parquet(ctx, h.Store, span, p.Ordinal, footer)
	read := footer.BytesRead + ps.BytesRead
	st.BytesRead += read
	st.ParquetBytesRead += read
	st.BytesSkipped += ps.BytesSkipped
	st.RowGroups += int64(ps.RowGroups)
	st.RowGroupsPruned += int64(ps.RowGroupsPruned)
	if err == nil {
		return nil
	}
	return h.parquetError(p, err)
}

// parquetError is the pipeline's error for err, met reading part p.
func (h *Handler) parquetError(p plan.Part, err error) error {
	var se *pq.StoreError
	var re *jobs.RecordError
	var me *feed.MapError
	switch {
	case errors.As(err, &se) && !blob.Permanent(err):
		return retryable("map: %s: %w", p.Source, err)
	case errors.As(err, &re), errors.As(err, &me):
		return mapError(p, err)
	}
	// A damaged file, a column it lacks, a type the job cannot read, a
	// refused read: the input's fault, named by file, row group and column.
	return inputErrorf("map: %w", err)
}
