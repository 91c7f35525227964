package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// TestParquetOutputValueFailsAtOnce: a value of the job's output that its Parquet
// column cannot take (a sum over DECIMAL(38)'s digits, of a sql job and of
// groupby) or a Parquet output whose columns repeat a name is the input's doing,
// which every attempt meets again: the job fails at once as an InputError, no retry
// scheduled, and its error names the column and the value.
func TestParquetOutputValueFailsAtOnce(t *testing.T) {
	local, dir := enginetest.Open(t, engine.Options{})
	in := testutil.WriteFile(t, dir, "in.csv", []byte("a,b\n1.5,x\n99999999999999999999999999999999999999,y\n"))
	cases := []struct {
		name string
		in   pipeline.PlanInput
		want string
	}{
		{"sql sum over 38 digits", pipeline.PlanInput{Job: "sql", Params: job.Params{"query": "SELECT b, sum(a) AS s FROM '" + in + "' GROUP BY b"}},
			`column "s": "99999999999999999999999999999999999999" is not a DECIMAL(38,1)`},
		{"sql column named twice", pipeline.PlanInput{Job: "sql", Params: job.Params{"query": "SELECT a, b AS a FROM '" + in + "'"}},
			`column "a" twice`},
		{"groupby sum over 38 digits", pipeline.PlanInput{Job: "groupby", Params: job.Params{"key": "b", "agg": "sum:a"}},
			`column "sum_a": "99999999999999999999999999999999999999" is not a DECIMAL(38,1)`},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var tasks taskLog
			eng := &engine.Engine{Handler: local.Handler, MaxParallel: 2, NoBackups: true, Sleep: tasks.sleep, OnEvent: tasks.onEvent}
			c.in.Inputs, c.in.Output = []string{in}, filepath.Join(dir, fmt.Sprintf("out%d.parquet", i))
			_, err := eng.Run(context.Background(), c.in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("run: %v, want a failure naming %q", err, c.want)
			}
			tasks.wantInputErrorAtOnce(t)
		})
	}
}
