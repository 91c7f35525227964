package pipeline

import (
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
)

// TestSwapCountsIntoFreshSummary: a gather tree's plan step swaps a
// re-read chunk's counts into a fresh summary (confirmCSVTree); a chunk
// whose first read skipped records took them out of a nil map and
// crashed the gather (csvcheck's backslash-escaped file at chunk size 97).
func TestSwapCountsIntoFreshSummary(t *testing.T) {
	var s Summary
	old := MapStats{Stats: jobs.Stats{RecordsIn: 5, Skipped: 2, SkipReason: map[string]int64{"bad quoting": 2}}}
	now := MapStats{Stats: jobs.Stats{RecordsIn: 4, Skipped: 1, SkipReason: map[string]int64{"bad quoting": 1}}}
	s.swapCounts(old, now)
	if s.RecordsIn != -1 || s.Skipped != -1 || s.SkipReasons["bad quoting"] != -1 {
		t.Fatalf("swapped into a fresh summary: %d records, %d skipped, reasons %v; want -1, -1, -1", s.RecordsIn, s.Skipped, s.SkipReasons)
	}
}
