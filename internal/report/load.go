package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/report/attempts"
)

// Data is everything a report shows about one job.
type Data struct {
	Job ledger.Job
	// Spec is the job's submission, as the splitter stored it in the ledger.
	Spec pipeline.PlanInput
	// Work is the job's work area (s3://WORKBUCKET/jobs/ID/).
	Work string
	// Commits are the ledger's chunk commits, by chunk.
	Commits []ledger.Commit
	// Attempts are the attempt records, by start; when the work area has none (it expired,
	// or the job ran before attempts were recorded) they are the commits' attempts.
	Attempts []attempts.Attempt
	// FromLedger is true when Attempts were rebuilt from the commits alone.
	FromLedger bool
	// Summary is the summary beside the output, nil until the job succeeded.
	Summary *pipeline.Summary
	// Generated is when the report was built.
	Generated time.Time
}

// Load reads job jobID from ledger lg and the store, whose work area is in workBucket.
func Load(ctx context.Context, store blob.Store, lg ledger.Ledger, workBucket, jobID string) (*Data, error) {
	j, err := lg.Job(ctx, jobID)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", jobID, err)
	}
	d := &Data{Job: j, Work: pipeline.WorkArea(workBucket, jobID), Generated: time.Now().UTC()}
	if j.Spec != "" {
		if err := json.Unmarshal([]byte(j.Spec), &d.Spec); err != nil {
			return nil, fmt.Errorf("job %s: spec: %w", jobID, err)
		}
	}
	if d.Commits, err = lg.Chunks(ctx, jobID); err != nil {
		return nil, fmt.Errorf("job %s: commits: %w", jobID, err)
	}
	if d.Attempts, err = attempts.List(ctx, store, d.Work, true); err != nil {
		return nil, fmt.Errorf("job %s: %w", jobID, err)
	}
	if !hasPhase(d.Attempts, attempts.PhaseMap) && len(d.Commits) > 0 {
		d.Attempts = append(d.Attempts, fromCommits(d.Commits)...)
		d.FromLedger = true
	}
	output := j.Output
	if output == "" {
		output = d.Spec.Output
	}
	if output != "" {
		sum, err := readSummary(ctx, store, pipeline.SummaryLocation(output))
		switch {
		case err == nil:
			if sum.JobID == jobID {
				d.Summary = sum
			}
		case !errors.Is(err, blob.ErrNotFound):
			return nil, fmt.Errorf("job %s: %w", jobID, err)
		}
	}
	return d, nil
}

func hasPhase(atts []attempts.Attempt, phase string) bool {
	for _, a := range atts {
		if a.Phase == phase {
			return true
		}
	}
	return false
}

// fromCommits rebuilds the committed attempts from the ledger: each commit's time and the
// duration in its stats.
func fromCommits(cs []ledger.Commit) []attempts.Attempt {
	out := make([]attempts.Attempt, 0, len(cs))
	for _, c := range cs {
		var st pipeline.MapStats
		_ = json.Unmarshal([]byte(c.Stats), &st)
		end := c.Committed.UTC()
		out = append(out, attempts.Attempt{
			JobID: c.JobID, Phase: attempts.PhaseMap, Chunk: c.Chunk, ID: c.Attempt, Outcome: attempts.OutcomeCommitted,
			Start: end.Add(-time.Duration(st.DurationMS) * time.Millisecond), End: end,
			BytesRead: st.BytesRead, RecordsIn: st.RecordsIn, Skipped: st.Skipped,
		})
	}
	return out
}

func readSummary(ctx context.Context, store blob.Store, loc string) (*pipeline.Summary, error) {
	rc, err := store.Open(ctx, loc, 0, -1)
	if err != nil {
		return nil, fmt.Errorf("summary %s: %w", loc, err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("summary %s: %w", loc, err)
	}
	if err := ValidateSummary(raw); err != nil {
		return nil, fmt.Errorf("summary %s: %w", loc, err)
	}
	var s pipeline.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("summary %s: %w", loc, err)
	}
	return &s, nil
}

// ParquetScan says what pruning saved a job over Parquet input: the bytes
// its mappers read from Parquet inputs (not its text inputs') and skipped,
// and the row groups statistics ruled out, or "" for a job that read no
// Parquet.
func ParquetScan(s pipeline.Summary) string {
	if s.RowGroups == 0 {
		return ""
	}
	read := s.ParquetBytesRead
	if read == 0 {
		read = s.BytesRead // a summary written before it was counted apart (a footer is never 0 bytes)
	}
	return fmt.Sprintf("read %s, skipped %s (other columns, pruned row groups and pages), %d of %d row groups pruned",
		fmtBytes(read), fmtBytes(s.BytesSkipped), s.RowGroupsPruned, s.RowGroups)
}

// Skips says, one line per skip reason in reason order, how many records
// were skipped under it and the first of them (its example: where it is and,
// for a value error, the column and the value).
func Skips(s pipeline.Summary) []string {
	reasons := slices.Sorted(maps.Keys(s.SkipReasons))
	lines := make([]string, len(reasons))
	for i, r := range reasons {
		lines[i] = fmt.Sprintf("%d skipped: %s", s.SkipReasons[r], r)
		if ex := s.SkipExamples[r]; ex != "" {
			lines[i] += " (first: " + ex + ")"
		}
	}
	return lines
}
