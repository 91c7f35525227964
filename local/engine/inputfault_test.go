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

// TestSQLGatherInputFaultFailsAtOnce: an error of a query's gather that its input
// decides, which every attempt meets again, fails the job at once as an InputError,
// no retry scheduled: a group's select list that overflows (one reducer, and a range
// reducer of an aggregate's ORDER BY), and SELECT * over inputs whose columns differ
// (met only where the chunks' partials meet: the one reducer, a range reducer, the
// LIMIT merge). The job's error names the cause, and the group that met it.
func TestSQLGatherInputFaultFailsAtOnce(t *testing.T) {
	local, dir := enginetest.Open(t, engine.Options{})
	var ab, ba strings.Builder
	ab.WriteString("a,b\n")
	ba.WriteString("b,a\n")
	for i := range 400 {
		fmt.Fprintf(&ab, "%d,%d\n", i, i%7)
		fmt.Fprintf(&ba, "%d,%d\n", i%7, i)
	}
	inAB, inBA := testutil.WriteFile(t, dir, "ab.csv", []byte(ab.String())), testutil.WriteFile(t, dir, "ba.csv", []byte(ba.String()))
	cases := []struct {
		name, query string
		inputs      []string
		partitions  int
		want        string
	}{
		{"overflow, one reducer", "SELECT b, count(*) * 9223372036854775807 AS big FROM t GROUP BY b", []string{inAB}, 0, `group b = "0": sql: BIGINT overflow`},
		{"overflow, key ranges", "SELECT b, count(*) * 9223372036854775807 AS big FROM t GROUP BY b ORDER BY big", []string{inAB}, 2, "group b = "},
		{"* columns differ, one reducer", "SELECT * FROM t ORDER BY a", []string{inAB, inBA}, 1, "different columns"},
		{"* columns differ, key ranges", "SELECT * FROM t ORDER BY a", []string{inAB, inBA}, 2, "different columns"},
		{"* columns differ, LIMIT", "SELECT * FROM t ORDER BY a LIMIT 3", []string{inAB, inBA}, 0, "different columns"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var tasks taskLog
			eng := &engine.Engine{Handler: local.Handler, MaxParallel: 2, NoBackups: true, Sleep: tasks.sleep, OnEvent: tasks.onEvent}
			in := pipeline.PlanInput{Job: "sql", Params: job.Params{"query": strings.Replace(c.query, "FROM t", "FROM '"+c.inputs[0]+"'", 1)},
				Inputs: c.inputs, Output: filepath.Join(dir, fmt.Sprintf("out%d.csv", i)), ChunkSize: 1024, Partitions: c.partitions}
			_, err := eng.Run(context.Background(), in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("run: %v, want a failure naming %q", err, c.want)
			}
			tasks.wantInputErrorAtOnce(t)
		})
	}
}
