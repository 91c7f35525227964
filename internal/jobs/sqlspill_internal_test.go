package jobs

import (
	"bytes"
	"fmt"
	"testing"
)

// TestSQLSpillsMergeBounded: under a combine budget that makes the sql
// mapper spill many more runs than a merge reads at once (spillFanIn), every
// partial format of the job (rows sorted by ORDER BY key, with and without
// *, with LIMIT; groups, sorted or not; DISTINCT) merges its spills in passes
// of at most spillFanIn runs, and the output and counts are the ones of the
// mapper that never spilled.
func TestSQLSpillsMergeBounded(t *testing.T) {
	var csv bytes.Buffer
	csv.WriteString("ip,rev,n\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&csv, "10.0.%d.%d,%d.%02d,%d\n", i%37, i%251, i%1000, i%100, i%7)
	}
	queries := []string{
		"SELECT ip, rev FROM 'x' ORDER BY rev DESC",
		"SELECT * FROM 'x' ORDER BY n, rev DESC",
		"SELECT ip, n FROM 'x' WHERE rev > 10 ORDER BY ip LIMIT 5000",
		"SELECT ip, sum(rev), count(*), min(n) FROM 'x' GROUP BY ip",
		"SELECT ip, sum(rev) AS s FROM 'x' GROUP BY ip HAVING count(*) > 1 ORDER BY s DESC, ip",
		"SELECT DISTINCT rev FROM 'x'",
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			j, err := New("sql", Params{"query": q})
			if err != nil {
				t.Fatal(err)
			}
			run := func(budget int64) (out []byte, st Stats, spills, widest int) {
				var m *sqlMapper
				out, st = mapAtBudget(t, j, csv.Bytes(), budget, func(mm Mapper) {
					m = mm.(*sqlMapper)
					spills = len(m.spills.files)
				})
				return out, st, spills, m.spills.widest
			}
			want, wantSt, s0, _ := run(64 << 20)
			restore := SetCombineBudget(SmallCombineBudget)
			fanIn := spillFanIn() // at the small budget: its least, 16
			restore()
			got, gotSt, spills, widest := run(SmallCombineBudget)
			if s0 != 0 || spills <= 2*fanIn || widest == 0 || widest > fanIn {
				t.Fatalf("%d spills with the large budget; %d with the small one, merged %d at most at once; want more than %d, merged at most %d at once", s0, spills, widest, 2*fanIn, fanIn)
			}
			if !bytes.Equal(got, want) || gotSt.RecordsIn != wantSt.RecordsIn || gotSt.RecordsOut != wantSt.RecordsOut || bytes.Count(want, []byte("\n")) < 5 {
				t.Fatalf("with %d spills: %d bytes, stats %+v; without: %d bytes, stats %+v", spills, len(got), gotSt, len(want), wantSt)
			}
			t.Logf("%d spills, merged at most %d at once", spills, widest)
		})
	}
}
