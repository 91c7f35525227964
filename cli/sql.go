package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scattergather/scattergather/internal/pipeline"
)

// cmdSQL is `scatter sql 'QUERY'`: the query as a job of the sql job through
// the local engine (the same definition, ledger and gather as `scatter
// run`), its result on stdout or at --output.
func cmdSQL(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter sql", stderr)
	var (
		opts      runOptions
		sub       submission
		output    = fs.String("output", "", "where the result goes: a local path or s3://bucket/key (default: stdout)")
		chunkSize = fs.String("chunk-size", "64MiB", "target chunk size: bytes or a number with KiB MiB GiB KB MB GB")
		gf        gatherFlags
	)
	gf.define(fs)
	sub.define(fs, "an input instead of the query's FROM (repeatable)")
	opts.define(fs)
	query, rest, err := splitJobID(fs, args)
	if err != nil {
		return err
	}
	switch {
	case query == "":
		return usageError{"usage: scatter sql 'SELECT ... FROM PATH ...' [--output DST] [--schema name:TYPE,...] [run options]"}
	case len(rest) > 0:
		return usageError{fmt.Sprintf("unexpected argument %q (quote the query as one argument)", rest[0])}
	case sub.sql != "" || sub.job != "":
		return usageError{"scatter sql takes the query as its argument, not --sql or --job"}
	}
	sub.sql = query
	if err := gf.check(); err != nil {
		return err
	}
	if *gf.outParts && *output == "" {
		return usageError{"--output-parts writes part files under --output: give it"}
	}
	if err := sub.check(fs); err != nil {
		return err
	}
	size, params, err := sub.sizeAndParams(fs, *chunkSize)
	if err != nil {
		return err
	}
	local, fset, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer local.Close()
	out := *output
	if out == "" {
		// A stable place for the same query, so that asking it again is one job.
		sum := sha256.Sum256([]byte(query + "\x00" + params["schema"]))
		out = filepath.Join(local.StateDir, "sql", hex.EncodeToString(sum[:8])+".csv")
	}
	in := pipeline.PlanInput{Job: sub.job, Params: params, Inputs: sub.inputs, Output: out, ChunkSize: size, MaxConcurrency: opts.concurrency, Partitions: *gf.parts, OutputParts: *gf.outParts}
	summary := stdout
	if *output == "" {
		summary = stderr // stdout carries the result
	}
	if err := execute(ctx, &opts, local, fset, in, summary, stderr); err != nil {
		return err
	}
	if *output != "" {
		return nil
	}
	f, err := os.Open(out)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(stdout, f)
	return err
}
