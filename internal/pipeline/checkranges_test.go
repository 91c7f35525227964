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
	sparseFile(t, in, 200e9)
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

// TestPlanChecksRangesOfCompressedInputs: the check prices the inputs as
// `scatter plan` does, every byte of a compressed object included: a
// small CSV beside a compressed one of 200 GB (a sparse file the plan does
// not read) by 2 ranges is refused, as the 200 GB alone is (it used to
// count the plain objects only, and pass).
func TestPlanChecksRangesOfCompressedInputs(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sparseFile(t, filepath.Join(dir, "b.csv.gz"), 200e9)
	h := newHandler(t)
	// The delimiter given: the sparse file's zeros are no gzip stream to sniff.
	_, err := h.Plan(context.Background(), pipeline.PlanInput{Job: "sql", Params: job.Params{"query": "SELECT a FROM 'x' ORDER BY a", "delim": ","},
		Inputs: []string{dir}, Output: filepath.Join(t.TempDir(), "out.csv"), ChunkSize: 1 << 30, Partitions: 2})
	var ie *pipeline.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "range reducer") || !strings.Contains(err.Error(), "ask for 3 key ranges") {
		t.Fatalf("got %v, want an InputError about the range reducers' time", err)
	}
}

// sparseFile makes a file of size bytes at path that takes no room (the
// test is skipped where the file system cannot).
func sparseFile(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Skipf("no sparse file of %d bytes here: %v", size, err)
	}
}
