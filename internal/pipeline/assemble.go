package pipeline

import (
	"context"
	"errors"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/jobs"
)

// Assembly says how a concatenating job's output was composed on S3 rather
// than streamed through the reducer.
type Assembly struct {
	blob.ComposeStats
	// Ranges is how many byte ranges of partials the output is made of.
	Ranges int `json:"ranges"`
}

// assemble writes the output of a job whose output is its partials'
// bytes in order (a jobs.Concatenator: grep, select) as a multipart upload in
// which S3 copies every range of 5 MiB or more from the partial itself
// (UploadPartCopy); the reducer reads only the partials' block lengths and
// the small ranges. It returns a nil Assembly when the job, the store or the
// locations do not allow it, or when copies would carry less than half the
// output: the caller then streams the output.
func (h *Handler) assemble(ctx context.Context, job jobs.Job, keys []string, output string) (*Assembly, int64, error) {
	c, ok := job.(jobs.Concatenator)
	comp, ok2 := h.Store.(blob.Composer)
	if !ok || !ok2 || !blob.IsS3(output) {
		return nil, 0, nil
	}
	for _, k := range keys {
		if !blob.IsS3(k) {
			return nil, 0, nil
		}
	}
	// The sizes first: without a partial of MinPartSize there is nothing to
	// copy, and the output is streamed without reading any block lengths.
	sizes, err := h.partialSizes(ctx, keys)
	if err != nil {
		return nil, 0, err
	}
	large := false
	for _, n := range sizes {
		large = large || n >= blob.MinPartSize
	}
	if !large {
		return nil, 0, nil
	}
	ranges := make([][]jobs.Range, len(keys))
	rows := make([]int64, len(keys))
	err = eachPartial(keys, func(i int, k string) error {
		var err error
		ranges[i], rows[i], err = c.OutputRanges(&storeReaderAt{ctx: ctx, store: h.Store, key: k}, sizes[i], i)
		if err != nil {
			return storeFailure(err, "gather: read partial %s", k)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	pieces := []blob.Piece{{Data: c.OutputPrefix()}}
	var total, copyable, n int64
	for i, rs := range ranges {
		n += rows[i]
		for _, r := range rs {
			pieces = append(pieces, blob.Piece{Source: keys[i], Off: r.Off, N: r.N})
			total += r.N
			if r.N >= blob.MinPartSize {
				copyable += r.N
			}
		}
	}
	if copyable == 0 || 2*copyable < total {
		return nil, 0, nil
	}
	st, err := comp.Compose(ctx, output, pieces)
	if errors.Is(err, blob.ErrCannotCompose) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, storeFailure(err, "write %s", output)
	}
	return &Assembly{ComposeStats: st, Ranges: len(pieces) - 1}, n, nil
}

// eachPartial calls fn for every partial, openParallel at a time, and
// returns the first error.
func eachPartial(keys []string, fn func(i int, key string) error) error {
	var g errgroup.Group
	g.SetLimit(openParallel)
	for i, k := range keys {
		g.Go(func() error { return fn(i, k) })
	}
	return g.Wait()
}

// storeReaderAt reads an object of the store with one ranged read per call.
type storeReaderAt struct {
	ctx   context.Context
	store blob.Store
	key   string
}

func (r *storeReaderAt) ReadAt(p []byte, off int64) (int, error) {
	rc, err := r.store.Open(r.ctx, r.key, off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}
