package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/pipeline"
	jobreport "github.com/scattergather/scattergather/internal/report"
	"github.com/scattergather/scattergather/internal/report/attempts"
	"github.com/scattergather/scattergather/local/engine"
)

// cmdReport renders what a job did: from the local state directory, or from a deployed stack
// (its DynamoDB ledger and S3 work area) with --stack or --remote.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter report", stderr)
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
	id, rest, err := splitJobID(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if id == "" {
		return usageError{"report: a JOBID is required"}
	}
	var d *jobreport.Data
	if *remote || ro.stack != "" {
		d, err = loadRemoteReport(ctx, &ro, id)
	} else {
		d, err = loadLocalReport(ctx, *stateDir, &ro, id)
	}
	if err != nil {
		return err
	}
	if *htmlOut != "" {
		if err := writeReport(ctx, *htmlOut, d); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "scatter: report of %s (%d attempts) written to %s\n", id, len(d.Attempts), *htmlOut)
	}
	if ro.jsonOut {
		return writeJSON(stdout, struct {
			Job      any                `json:"job"`
			Summary  *pipeline.Summary  `json:"summary"`
			Attempts []attempts.Attempt `json:"attempts"`
		}{d.Job, d.Summary, d.Attempts})
	}
	if *htmlOut == "" {
		printReport(stdout, d)
	}
	return nil
}

// loadRemoteReport reads job id from the deployed stack ro names.
func loadRemoteReport(ctx context.Context, ro *remoteOptions, id string) (*jobreport.Data, error) {
	svc, err := openRemote(ctx, ro)
	if err != nil {
		return nil, err
	}
	if id, err = svc.LedgerJobID(ctx, id); err != nil {
		return nil, err
	}
	return jobreport.Load(ctx, svc.Store, svc.Ledger, svc.WorkBucket, id)
}

// loadLocalReport reads job id from the local state in stateDir.
func loadLocalReport(ctx context.Context, stateDir string, ro *remoteOptions, id string) (*jobreport.Data, error) {
	if _, err := os.Stat(filepath.Join(stateDir, "ledger.db")); err != nil {
		return nil, fmt.Errorf("state dir %s has no ledger (run a job there first, or name a stack with --stack): %w", stateDir, err)
	}
	local, err := engine.Open(ctx, stateDir, engine.Options{Endpoint: ro.endpoint, Region: ro.region})
	if err != nil {
		return nil, err
	}
	defer local.Close()
	return jobreport.Load(ctx, local.Store, local.Ledger, engine.WorkBucket, id)
}

// writeReport renders d into path atomically (the store's local Put: a
// synced temporary file renamed over path), so a reader never sees half a page.
func writeReport(ctx context.Context, path string, d *jobreport.Data) error {
	var page bytes.Buffer
	if err := jobreport.Render(&page, d); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	if err := blob.NewMux(nil).Put(ctx, path, &page); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// printReport is the text form: the phases and where the time went.
func printReport(w io.Writer, d *jobreport.Data) {
	fmt.Fprintf(w, "job %s (%s): %s, %d chunks, %d committed\n", d.Job.ID, d.Job.Name, d.Job.Status, d.Job.Chunks, len(d.Commits))
	phases := attempts.SummarizePhases(d.Attempts)
	for _, name := range []string{attempts.PhasePlan, attempts.PhaseMap, attempts.PhaseGather} {
		p := phases[name]
		fmt.Fprintf(w, "  %-6s %4d attempts, %3d failed, %3d duplicates, wall %.3fs, busy %.3fs\n", name, p.Attempts, p.Failed, p.Duplicates, p.WallSeconds, p.BusySeconds)
	}
	if s := d.Summary; s != nil {
		fmt.Fprintf(w, "  %d records in, %d out, %d skipped; %d bytes in, %d out; estimated AWS cost $%.6f\n",
			s.RecordsIn, s.RecordsOut, s.Skipped, s.BytesIn, s.BytesOut, s.EstimatedCost.Total)
		if p := jobreport.ParquetScan(*s); p != "" {
			fmt.Fprintf(w, "  parquet: %s\n", p)
		}
		for _, l := range jobreport.Skips(*s) {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	fmt.Fprintln(w, "  (--html FILE draws the timeline, throughput and durations)")
}
