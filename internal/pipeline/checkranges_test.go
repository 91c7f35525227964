package pipeline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/statemachine"
)

// TestPlanChecksRangeReducersTime: the plan step refuses, before the job's
// ledger entry is opened and any mapper runs, key ranges asked for whose
// range reducers `scatter plan` estimates past their child's limit (80% of
// Lambda's 900 s timeout with Standard children, of an Express child's five
// minutes with Express ones), as `scatter plan` refuses them: a full sort of
// 200 GB (its partials half the input) by 2 ranges is over Lambda's
// timeout, by 3 within it but over the Express limit; the ranges the plan
// chooses (partitions 0) pass. The input is a sparse file: the plan reads
// only its first line.
func TestPlanChecksRangeReducersTime(t *testing.T) {
	in := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200e9); err != nil {
		f.Close()
		t.Skipf("no sparse file of 200 GB here: %v", err)
	}
	f.Close()
	for _, c := range []struct {
		name       string
		children   string
		partitions int
		want       string // "": planned
	}{
		{"standard, 2 ranges", statemachine.Standard, 2, "Lambda's 900 s timeout; ask for 3 key ranges"},
		{"standard, 3 ranges", "", 3, ""},
		{"express, 3 ranges", statemachine.Express, 3, "Express"},
		{"express, chosen ranges", statemachine.Express, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHandler(t)
			h.ChildType = c.children
			_, err := h.Plan(context.Background(), pipeline.PlanInput{Job: "sql", Params: job.Params{"query": "SELECT a FROM 'big.csv' ORDER BY a"},
				Inputs: []string{in}, Output: filepath.Join(t.TempDir(), "out.csv"), ChunkSize: 1 << 30, Partitions: c.partitions})
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ie *pipeline.InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), "range reducer") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an InputError about the range reducers' time (%q)", err, c.want)
			}
		})
	}
}
