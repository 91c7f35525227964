package pipeline

// The stream helpers both phases use: the mapper writes its partial through putFrom, the
// reducer opens partials with withPartials and writes merges and outputs through putFrom.

import (
	"bufio"
	"context"
	"errors"
	"io"
	"sync"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/runs"
)

// openParallel is how many partials a reducer opens or reads at once.
const openParallel = plan.ReducerOpens

// withPartials opens every partial (openParallel at a time), calls fn with
// buffered readers in order, and closes them.
func (h *Handler) withPartials(ctx context.Context, keys []string, fn func([]io.Reader) error) error {
	rcs, closeAll, err := openEach(keys, func(_ int, k string) (io.ReadCloser, error) {
		// ctx, not a group context: the readers outlive the group.
		rc, err := h.Store.Open(ctx, k, 0, -1)
		if errors.Is(err, blob.ErrNotFound) {
			return nil, inputErrorf("gather: partial %s is missing from the store", k)
		} else if err != nil {
			return nil, storeFailure(err, "gather: open partial %s", k)
		}
		return rc, nil
	})
	defer closeAll()
	if err != nil {
		return err
	}
	readers := make([]io.Reader, len(keys))
	for i, rc := range rcs {
		readers[i] = bufio.NewReaderSize(rc, partialBuffer)
	}
	return fn(readers)
}

// openEach opens each of keys with open, openParallel at a time: rcs[i] is key
// i's reader, nil where open gave none. closeAll closes every reader opened;
// the caller calls it whatever the error.
func openEach(keys []string, open func(i int, key string) (io.ReadCloser, error)) (rcs []io.ReadCloser, closeAll func(), err error) {
	rcs = make([]io.ReadCloser, len(keys))
	closeAll = func() {
		for _, rc := range rcs {
			if rc != nil {
				rc.Close()
			}
		}
	}
	err = eachPartial(keys, func(i int, k string) error {
		rc, err := open(i, k)
		if err != nil {
			return err
		}
		rcs[i] = rc
		return nil
	})
	return rcs, closeAll, err
}

// partialBuffer is the read buffer withPartials gives each partial: small,
// because the merges buffer their reads themselves (64 KiB a partial:
// package runs' readers and the partial decoders), and a bufio.Reader passes
// reads as large as its buffer straight through. A merge of the fan-in's
// partials so holds 68 KiB a partial, 17 MiB at the default fan-in of 256,
// not twice 64 KiB; a job's own Merge that reads in small pieces still reads
// its partials 4 KiB at a time.
const partialBuffer = 4 << 10

// putFrom streams what produce writes into the object at key and returns how many
// bytes it wrote. A producer's error is classified by produceError.
func (h *Handler) putFrom(ctx context.Context, key string, produce func(io.Writer) error) (int64, error) {
	pr, pw := io.Pipe()
	produced := make(chan error, 1)
	counted := &countingWriter{w: pw}
	go func() {
		bw := writers.Get().(*bufio.Writer)
		bw.Reset(counted)
		err := produce(bw)
		if err == nil {
			err = bw.Flush()
		}
		bw.Reset(nil)
		writers.Put(bw)
		pw.CloseWithError(err)
		produced <- err
	}()
	putErr := h.Store.Put(ctx, key, pr)
	pr.CloseWithError(errUploadEnded)
	if err := <-produced; err != nil && !errors.Is(err, errUploadEnded) {
		return 0, produceError(key, err)
	}
	if putErr != nil {
		return 0, storeFailure(putErr, "write %s", key)
	}
	return counted.n, nil
}

// writers recycles putFrom's buffers: a partial of a few bytes would otherwise
// allocate and clear a whole one.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 256<<10) }}

// errUploadEnded is what a producer meets when the upload stopped reading.
var errUploadEnded = errors.New("upload ended")

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// unreadablePartial says what a partial this build cannot read means and what to do: a
// resume (or redrive) keeps the committed chunks' partials, which another build of
// scatter may have written in another encoding, and no retry or resume mends that.
const unreadablePartial = "the job's committed partials cannot be read by this build of scatter " +
	"(written by another version, whose encoding differs, or damaged), so resuming the job cannot reuse them; " +
	"run it again as a new job, whose chunks are all mapped afresh: locally 'scatter run' with a new --state-dir, " +
	"on AWS a new submission with another output (docs/faults.md, resume and redrive)"

// produceError classifies what failed a producer: input, record and store errors pass
// through unchanged (no retry mends them), a corrupt partial or a fault of the input's
// data (jobs.InputFault: a query's overflow, SELECT * over differing columns; a
// pq.OutputError: a value the Parquet output's column cannot take) is the input's
// fault, and anything else (a read of a partial that broke off) may be transient.
func produceError(key string, err error) error {
	var ie *InputError
	var re *RecordError
	var se *StoreError
	var rt *RetryableError
	switch {
	case errors.As(err, &ie), errors.As(err, &re), errors.As(err, &se), errors.As(err, &rt):
		return err
	case errors.Is(err, jobs.ErrCorruptPartial), errors.Is(err, runs.ErrCorrupt):
		return inputErrorf("write %s: %w: %s", key, err, unreadablePartial)
	case jobs.InputFault(err), errors.As(err, new(*pq.OutputError)):
		return inputErrorf("write %s: %w", key, err)
	}
	return retryable("write %s: %w", key, err)
}
