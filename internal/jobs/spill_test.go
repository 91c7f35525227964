package jobs

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// TestSpillKeepsPartials: with a budget small enough to spill every few
// records, every job's mapper writes the same partial as without spilling.
func TestSpillKeepsPartials(t *testing.T) {
	var text, csv bytes.Buffer
	csv.WriteString("ip,rev\n")
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&text, "w%d x%d\tw%d  abc%d\n", i%97, i%13, i*7%1001, i%5)
		fmt.Fprintf(&csv, "10.0.%d.%d,%d.%02d\n", i%37, i%11, i%1000, i%100)
	}
	cases := []struct {
		job  string
		p    Params
		data []byte
	}{
		{"wordcount", Params{}, text.Bytes()},
		{"grep", Params{"pattern": "abc[12]"}, text.Bytes()},
		{"select", Params{"where": "rev > 500", "columns": "ip,rev"}, csv.Bytes()},
		{"groupby", Params{"key": "ip:7", "agg": "sum:rev,min:rev,max:rev,count:ip,avg:rev"}, csv.Bytes()},
		// A lone sum in the entries: sorted in place, the last run merged from memory (runReader).
		{"groupby", Params{"key": "ip", "agg": "sum:rev,count:*"}, csv.Bytes()},
	}
	for _, c := range cases {
		t.Run(c.job, func(t *testing.T) {
			j, err := New(c.job, c.p)
			if err != nil {
				t.Fatal(err)
			}
			run := func(budget int64) (out []byte, st Stats, spilled bool) {
				out, st = mapAtBudget(t, j, c.data, budget, func(m Mapper) { spilled = spilledTo(t, m) })
				return out, st, spilled
			}
			wantOut, wantSt, wantSpilled := run(64 << 20)
			gotOut, gotSt, gotSpilled := run(initialSlots*4 + 2048)
			if wantSpilled || !gotSpilled {
				t.Fatalf("spilled with the large budget: %v, with the small one: %v; want only the small one to spill", wantSpilled, gotSpilled)
			}
			if !bytes.Equal(gotOut, wantOut) {
				t.Fatalf("output with spills differs (%d bytes, want %d)", len(gotOut), len(wantOut))
			}
			if gotSt.RecordsIn != wantSt.RecordsIn || gotSt.RecordsOut != wantSt.RecordsOut {
				t.Fatalf("stats %+v, want %+v", gotSt, wantSt)
			}
		})
	}
}

// mapAtBudget maps data, an object of its own, through j's mapper under the combine
// budget and returns the job's output of the partial it writes and the mapper's stats;
// inspect sees the mapper before the partial is written, while its spills are there.
func mapAtBudget(t *testing.T, j Job, data []byte, budget int64, inspect func(Mapper)) ([]byte, Stats) {
	t.Helper()
	defer SetCombineBudget(budget)()
	f := feedObject(t, j, data)
	inspect(f.Mapper())
	var partial, out bytes.Buffer
	st, err := f.Finish(&partial)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Output(&out, []io.Reader{&partial}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), st
}

// spilledTo reports whether the mapper has written anything to a spill file.
func spilledTo(t *testing.T, m Mapper) bool {
	switch m := m.(type) {
	case *wordcountMapper:
		return len(m.spills.files) > 0
	case *groupbyMapper:
		return len(m.spills.files) > 0
	case *grepMapper:
		return m.out.file != nil
	case *selectMapper:
		return m.out.file != nil
	}
	t.Fatalf("no spill check for %T", m)
	return false
}
