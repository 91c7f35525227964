package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/local/engine"
)

// cmdSQL is `scatter sql 'QUERY'`: the query as a job of the sql job through
// the local engine (the same definition, ledger and gather as `scatter
// run`), its result on stdout or at --output.
func cmdSQL(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, j := newLocalJob("scatter sql", stderr, "an input instead of the query's FROM (repeatable)",
		"where the result goes: a local path or s3://bucket/key (default: stdout)")
	query, rest, err := splitJobID(fs, args)
	if err != nil {
		return err
	}
	switch {
	case query == "":
		return usageError{"usage: scatter sql 'SELECT ... FROM PATH ...' [--output DST] [--schema name:TYPE,...] [run options]"}
	case len(rest) > 0:
		return usageError{fmt.Sprintf("unexpected argument %q (quote the query as one argument)", rest[0])}
	case j.sub.sql != "" || j.sub.job != "":
		return usageError{"scatter sql takes the query as its argument, not --sql or --job"}
	}
	j.sub.sql = query
	if err := j.gf.check(); err != nil {
		return err
	}
	if *j.gf.outParts && *j.output == "" {
		return usageError{"--output-parts writes part files under --output: give it"}
	}
	if err := j.sub.check(fs); err != nil {
		return err
	}
	summary := stdout
	if *j.output == "" {
		summary = stderr // stdout carries the result
	}
	out, err := j.run(ctx, fs, func(local *engine.Local, params jobs.Params) string {
		if *j.output != "" {
			return *j.output
		}
		// A stable place for the same query, so that asking it again is one job.
		sum := sha256.Sum256([]byte(query + "\x00" + params["schema"]))
		return filepath.Join(local.StateDir, "sql", hex.EncodeToString(sum[:8])+".csv")
	}, summary, stderr)
	if err != nil || *j.output != "" {
		return err
	}
	f, err := os.Open(out)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(stdout, f)
	return err
}
