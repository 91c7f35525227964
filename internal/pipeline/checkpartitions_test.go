package pipeline_test

import (
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/job"
)

// TestCheckPartitionsLeavesInputTypedQueries: a query that type-checks only with
// its inputs' types (a schema.json beside them, a Parquet DATE column) is not
// refused before submission when it asks for key ranges: the plan step checks
// it once the inputs are read. A query that is wrong whatever the inputs still is,
// and one that cannot be gathered by key ranges too.
func TestCheckPartitionsLeavesInputTypedQueries(t *testing.T) {
	typed := pipeline.PlanInput{Job: "sql", Partitions: 3, Inputs: []string{"t.csv"},
		Params: job.Params{"query": "SELECT id, d - DATE '2000-01-01' AS days FROM 't.csv' ORDER BY days"}}
	j, err := jobs.NewBeforeInputs(typed.Job, typed.Params)
	if err != nil {
		t.Fatalf("a query typed by its inputs: %v; want it left to the plan step", err)
	}
	if err := pipeline.CheckPartitions(typed, j); err != nil {
		t.Errorf("a query typed by its inputs, 3 partitions: %v; want it left to the plan step", err)
	}
	if _, err := jobs.NewBeforeInputs("sql", job.Params{"query": "SELECT id FROM 't.csv' ORDER BY nosuch("}); err == nil {
		t.Errorf("a malformed query: compiled; want it refused")
	}
	unsorted := pipeline.PlanInput{Job: "sql", Partitions: 3, Inputs: []string{"t.csv"},
		Params: job.Params{"query": "SELECT id FROM 't.csv'", "schema": "id:BIGINT"}}
	if j, err = jobs.NewBeforeInputs(unsorted.Job, unsorted.Params); err != nil || j == nil {
		t.Fatalf("SELECT id: %v, %v", j, err)
	}
	if err := pipeline.CheckPartitions(unsorted, j); err == nil || !strings.Contains(err.Error(), "plan:") {
		t.Errorf("a query without ORDER BY, 3 partitions: %v; want it refused", err)
	}
}
