package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

// gatherPartitions is the key ranges of the range-partitioned gather the
// gather suite measures beside the single reducer (--partitions 1).
const gatherPartitions = 8

// benchGather is issue 15's benchmark "a gather of 10 million distinct keys
// completes with each process under 256 MiB": groupby by the full sourceIP
// of the high-cardinality uservisits data (uniform over the IPv4 space, so
// nearly every row is its own group: about 10.2 million groups in 1 GiB),
// gathered once by the single reducer's tree of merges (--partitions 1) and
// once by gatherPartitions key ranges, and by the single reducer again with
// one mapper at a time (--concurrency 1). The local engine runs the mappers and
// the reducers in the one `scatter run` process, so its peak RSS (wait4's
// ru_maxrss) bounds every mapper and reducer of the run. The two outputs
// must be byte-identical, and their group count and total of sums must match
// DuckDB's GROUP BY sourceIP over the same file, written to CSV as ours is.
func benchGather(e *suiteEnv) ([]Measure, *Measure, error) {
	args := []string{"--key", "sourceIP", "--agg", "sum:adRevenue"}
	type gather struct {
		tool        string
		parts, conc int
		out         string
		sum         summary
	}
	gs := []*gather{
		{tool: "scatter tree", parts: 1, conc: runtime.NumCPU()},
		{tool: fmt.Sprintf("scatter %d ranges", gatherPartitions), parts: gatherPartitions, conc: runtime.NumCPU()},
		// One mapper at a time: the process holds one mapper's table, then the gather.
		{tool: "scatter tree conc 1", parts: 1, conc: 1},
	}
	var ms []Measure
	for i, g := range gs {
		sub := *e // its own output and state directory
		sub.work = filepath.Join(e.work, strconv.Itoa(i))
		if err := os.MkdirAll(sub.work, 0o755); err != nil {
			return nil, nil, err
		}
		m, out, s, err := sub.scatter("groupby", args, "--partitions", strconv.Itoa(g.parts), "--concurrency", strconv.Itoa(g.conc))
		if err != nil {
			return nil, nil, err
		}
		g.out, g.sum = out, s
		m.Tool = g.tool
		m.Note = fmt.Sprintf("%d chunks, %d groups, summary's partitions %d", s.Chunks, s.RecordsOut, s.Partitions)
		ms = append(ms, m)
	}
	for i := 1; i < len(gs); i++ {
		same, err := sameFile(gs[0].out, gs[i].out)
		if err != nil {
			return nil, nil, err
		}
		ms[i].Agrees = agrees(same)
		ms[i].Note += map[bool]string{true: "; byte-identical to the first run's output", false: "; DIFFERS from the first run's output"}[same]
	}

	rows, total, err := csvSum(gs[0].out)
	if err != nil {
		return nil, nil, err
	}
	// DuckDB does the same work: it groups by the full sourceIP and writes
	// every group to a CSV file (in its own order, as a GROUP BY without
	// ORDER BY may), so both sides pay for the output of ~10 million rows.
	duckOut := filepath.Join(e.work, "duck.csv")
	sql := fmt.Sprintf(`COPY (SELECT sourceIP, SUM(adRevenue) AS sum_adRevenue FROM read_csv('%s', header=true) GROUP BY sourceIP) TO '%s' (HEADER)`, e.input, duckOut)
	dm, _, err := e.duck("gather", sql)
	if err != nil {
		return nil, nil, err
	}
	dGroups, dTotal, err := csvSum(duckOut)
	if err != nil {
		return nil, nil, err
	}
	dm.Agrees = agrees(rows == dGroups && rows == gs[0].sum.RecordsOut && math.Abs(total-dTotal) <= 1e-9*math.Abs(total)+1e-6)
	dm.Note = fmt.Sprintf("GROUP BY sourceIP written to CSV: %d groups vs scatter's %d; total of sums %.2f (scatter exact) vs %.2f (DuckDB double)", dGroups, rows, total, dTotal)
	return append(ms, dm), nil, nil
}
