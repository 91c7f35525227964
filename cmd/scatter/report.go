package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scattergather/scattergather/internal/pipeline"
	jobreport "github.com/scattergather/scattergather/internal/report"
	"github.com/scattergather/scattergather/local/engine"
)

// cmdReport renders what a job did: from the local state directory, or from a deployed stack
// (its DynamoDB ledger and S3 work area) with --stack or --remote.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scatter report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		htmlOut  = fs.String("html", "", "write the report to this HTML file (self-contained, viewable offline)")
		stateDir = fs.String("state-dir", engine.DefaultStateDir, "directory of the local work area and ledger")
		remote   = fs.Bool("remote", false, "read a deployed stack instead of local state: --stack, or the SCATTER_* variables 'scatter local up' prints")
		ro       remoteOptions
	)
	ro.define(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: scatter report JOBID [--html FILE] [--json] [--state-dir DIR | --stack NAME | --remote]")
		fs.PrintDefaults()
	}
	// The job ID may come before the flags.
	var id string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if id == "" {
		return usageError{"report: a JOBID is required"}
	}
	var (
		d   *jobreport.Data
		err error
	)
	if *remote || ro.stack != "" {
		svc, err := openRemote(ctx, &ro)
		if err != nil {
			return err
		}
		d, err = jobreport.Load(ctx, svc.Store, svc.Ledger, svc.WorkBucket, id)
		if err != nil {
			return err
		}
	} else {
		if _, err := os.Stat(filepath.Join(*stateDir, "ledger.db")); err != nil {
			return fmt.Errorf("state dir %s has no ledger (run a job there first, or name a stack with --stack): %w", *stateDir, err)
		}
		local, err := engine.Open(ctx, *stateDir, engine.Options{Endpoint: ro.endpoint, Region: ro.region})
		if err != nil {
			return err
		}
		defer local.Close()
		d, err = jobreport.Load(ctx, local.Store, local.Ledger, engine.WorkBucket, id)
		if err != nil {
			return err
		}
	}
	if *htmlOut != "" {
		if err := writeReport(*htmlOut, d); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "scatter: report of %s (%d attempts) written to %s\n", id, len(d.Attempts), *htmlOut)
	}
	if ro.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Job      any                `json:"job"`
			Summary  *pipeline.Summary  `json:"summary"`
			Attempts []pipeline.Attempt `json:"attempts"`
		}{d.Job, d.Summary, d.Attempts})
	}
	if *htmlOut == "" {
		printReport(stdout, d)
	}
	return err
}

// writeReport renders d into path atomically: a reader never sees half a page.
func writeReport(path string, d *jobreport.Data) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".report-*.html")
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if err := jobreport.Render(tmp, d); err != nil {
		tmp.Close()
		return fmt.Errorf("render report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write report %s: %w", path, errors.Unwrap(err))
	}
	return nil
}

// printReport is the text form: the phases and where the time went.
func printReport(w io.Writer, d *jobreport.Data) {
	fmt.Fprintf(w, "job %s (%s): %s, %d chunks, %d committed\n", d.Job.ID, d.Job.Name, d.Job.Status, d.Job.Chunks, len(d.Commits))
	phases := pipeline.SummarizePhases(d.Attempts)
	for _, name := range []string{pipeline.PhasePlan, pipeline.PhaseMap, pipeline.PhaseGather} {
		p := phases[name]
		fmt.Fprintf(w, "  %-6s %4d attempts, %3d failed, %3d duplicates, wall %.3fs, busy %.3fs\n", name, p.Attempts, p.Failed, p.Duplicates, p.WallSeconds, p.BusySeconds)
	}
	if s := d.Summary; s != nil {
		fmt.Fprintf(w, "  %d records in, %d out, %d skipped; %d bytes in, %d out; estimated AWS cost $%.6f\n",
			s.RecordsIn, s.RecordsOut, s.Skipped, s.BytesIn, s.BytesOut, s.EstimatedCost.Total)
	}
	fmt.Fprintln(w, "  (--html FILE draws the timeline, throughput and durations)")
}
