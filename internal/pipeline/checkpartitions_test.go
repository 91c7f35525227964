package pipeline_test

import (
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/job"
)

// TestCheckPartitionsLeavesInputTypedQueries: a query that type-checks only with
// its inputs' types (a schema.json beside them, a Parquet DATE column) is not
// refused before submission when it asks for key ranges: the plan step checks
// it once the inputs are read. A query that is wrong whatever the inputs still is.
func TestCheckPartitionsLeavesInputTypedQueries(t *testing.T) {
	typed := pipeline.PlanInput{Job: "sql", Partitions: 3, Inputs: []string{"t.csv"},
		Params: job.Params{"query": "SELECT id, d - DATE '2000-01-01' AS days FROM 't.csv' ORDER BY days"}}
	if err := pipeline.CheckPartitions(typed); err != nil {
		t.Errorf("a query typed by its inputs, 3 partitions: %v; want it left to the plan step", err)
	}
	bad := typed
	bad.Params = job.Params{"query": "SELECT id FROM 't.csv' ORDER BY nosuch("}
	if err := pipeline.CheckPartitions(bad); err == nil || !strings.Contains(err.Error(), "plan:") {
		t.Errorf("a malformed query, 3 partitions: %v; want it refused", err)
	}
}
