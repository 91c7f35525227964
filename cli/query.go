package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/query"
	jobreport "github.com/scattergather/scattergather/internal/report"
	"github.com/scattergather/scattergather/local/engine"
)

// cmdQuery is `scatter query`: the request-time path, mapping every chunk in this
// process concurrently, with no state machine and no ledger.
func cmdQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter query", stderr)
	var (
		sub          submission
		output       = fs.String("output", "", "where the result goes: a local path or s3://bucket/key (default: stdout)")
		chunkSize    = fs.String("chunk-size", "64MiB", "target chunk size: bytes or a number with KiB MiB GiB KB MB GB")
		deadline     = fs.Duration("deadline", 0, "answer with what has been gathered when this much time has passed (a Go duration: 1500ms, 2s; 0: none)")
		allowPartial = fs.Bool("allow-partial", true, "when the deadline passes or a chunk fails, answer with the chunks gathered (false: fail instead)")
		hedge        = fs.Bool("hedge", true, "resend straggling chunks (at most 5% more, at least one) and take the first answer")
		hedgeFloor   = fs.Duration("hedge-floor", query.DefaultHedgeFloor, "never hedge a chunk outstanding for less than this")
		maxFanOut    = fs.Int("max-fan-out", query.DefaultMaxFanOut, "refuse a query of more chunks than this")
		concurrency  = fs.Int("concurrency", query.DefaultConcurrency, "chunks mapped at once (hedges come on top, within their budget)")
		retries      = fs.Int("retries", query.DefaultRetries, "times a chunk that failed retryably (a crash, a timeout) is sent again")
		jsonOut      = fs.Bool("json", false, "write the completeness report as one JSON object on stderr's last line")
		endpoint     = fs.String("endpoint", "", "URL of an S3-compatible server for s3:// locations")
		region       = fs.String("region", "", "AWS region for s3:// locations (default: the environment's, else us-east-1)")
		faultSpec    = fs.String("faults", "", "inject faults: NAME=P[,NAME=P...] ('scatter faults' lists them)")
		faultSeed    = fs.Uint64("fault-seed", 1, "seed of the fault injection: the same seed replays the same faults")
	)
	sub.define(fs, "an input: file, directory, s3://bucket/key, s3://bucket/prefix/ or a pattern of them (logs/2024-*.csv, s3://b/t/**/*.parquet; repeatable)")
	if err := sub.parse(fs, args); err != nil {
		return err
	}
	switch {
	case *deadline < 0:
		return usageError{fmt.Sprintf("--deadline %s: want a positive duration, or 0 for none", *deadline)}
	case *concurrency < 1:
		return usageError{fmt.Sprintf("--concurrency %d: want at least 1", *concurrency)}
	case *maxFanOut < 1:
		return usageError{fmt.Sprintf("--max-fan-out %d: want at least 1", *maxFanOut)}
	case *retries < 0:
		return usageError{fmt.Sprintf("--retries %d: want 0 or more", *retries)}
	}
	size, params, err := sub.sizeAndParams(fs, *chunkSize)
	if err != nil {
		return err
	}
	fset, err := parseFaults(*faultSpec, *faultSeed)
	if err != nil {
		return err
	}
	if *output != "" {
		if err := plan.ValidateLocation(*output); err != nil {
			return usageError{fmt.Sprintf("--output %q: %v", *output, err)}
		}
	}
	mux := engine.NewStore(ctx, engine.Options{Endpoint: *endpoint, Region: *region})
	h := &pipeline.Handler{Store: mux, Log: slog.New(slog.DiscardHandler)}
	if fset != nil {
		h.Faults = fset
		h.Store = faults.Store{Store: mux, F: fset}
	}

	q, err := query.Plan(ctx, mux, sub.job, params, sub.inputs, *output, size, *maxFanOut)
	if err != nil {
		return err
	}
	opts := query.Options{
		Deadline: *deadline, AllowPartial: *allowPartial, Hedge: *hedge, HedgeFloor: *hedgeFloor,
		Concurrency: *concurrency, Retries: *retries, Log: slog.New(slog.DiscardHandler),
	}
	if *retries == 0 {
		opts.Retries = -1 // none; Options' zero is the default
	}
	var buf bytes.Buffer
	res, err := query.Run(ctx, query.InProcess{Handler: h}, q, opts, &buf)
	if fset != nil {
		fmt.Fprintf(stderr, "scatter: faults injected: %s\n", fset)
	}
	if err == nil {
		err = writeResult(ctx, mux, *output, q, &buf, stdout)
	}
	var inc *query.IncompleteError
	if err == nil || errors.As(err, &inc) {
		state := "complete"
		if res.Partial {
			state = "partial"
		}
		fmt.Fprintf(stderr, "scatter: query %s %s: %d of %d chunks (%d failed, %d timed out), %.1f MB, %d records in, %d out, %d skipped, hedges %d sent %d won, %d resent after a failure, in %.3fs\n",
			q.ID, state, res.Chunks.Succeeded, res.Chunks.Total, res.Chunks.Failed, res.Chunks.TimedOut,
			float64(q.Bytes)/1e6, res.Stats.RecordsIn, res.Stats.RecordsOut, res.Stats.Skipped,
			res.Hedges.Sent, res.Hedges.Won, res.Retries, res.Elapsed.Seconds())
		if res.FilesPruned > 0 {
			fmt.Fprintf(stderr, "scatter: query %s: %d inputs (%s) pruned by their Hive partitions, never read\n", q.ID, res.FilesPruned, jobreport.FormatBytes(res.BytesPruned))
		}
		if res.CSVRereads > 0 {
			fmt.Fprintf(stderr, "scatter: query %s: %d chunks read again: the CSV quote state guessed at their start was wrong\n", q.ID, res.CSVRereads)
		}
		if *jsonOut {
			line, _ := json.Marshal(res.Report)
			fmt.Fprintf(stderr, "%s\n", line)
		}
	}
	return err
}

// writeResult puts the output at dst (atomically), encoded as its name
// asks (compressed, Parquet), or, without dst, on stdout.
func writeResult(ctx context.Context, store blob.Store, dst string, q query.Query, out *bytes.Buffer, stdout io.Writer) error {
	if dst == "" {
		bw := bufio.NewWriter(stdout)
		if _, err := out.WriteTo(bw); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		return bw.Flush()
	}
	j, err := q.Compiled() // as Plan compiled it, typed by the inputs
	if err != nil {
		return err
	}
	var body bytes.Buffer
	if err := pipeline.WriteOutput(&body, dst, j, func(w io.Writer) error { _, err := out.WriteTo(w); return err }); err != nil {
		return fmt.Errorf("write result %s: %w", dst, err)
	}
	if err := store.Put(ctx, dst, &body); err != nil {
		return fmt.Errorf("write result %s: %w", dst, err)
	}
	return nil
}
