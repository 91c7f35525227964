package jobs

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/scattergather/scattergather/record"
)

// tableHeld is what a table holds by its slices' capacities, with the sort
// arrays as sortedKeys makes them for its keys and the order sorted makes:
// what a spill of the table at this moment would hold at its peak.
func tableHeld[S any](t *keyTableOf[S]) int64 {
	n := len(t.ents)
	return int64(cap(t.ents))*t.entSize() + int64(cap(t.arena)) + int64(len(t.slots))*4 +
		int64(max(cap(t.sort[0]), n)+max(cap(t.sort[1]), n))*sortKeySize + int64(n)*4
}

// TestCombinerStaysInBudget: whatever the chunk's size and its keys' number
// and length, a combiner's table (entries, key bytes, slots, the spill's
// sort order) and groupby's states never hold more than the combine budget:
// they spill first. And they do not spill far below it: the largest table
// reaches a third of the budget.
func TestCombinerStaysInBudget(t *testing.T) {
	const budget = 1 << 20
	defer SetCombineBudget(budget)()
	for _, keys := range []int{2_000, 30_000, 300_000} {
		// A sum and an avg keep their states apart from the entries, a
		// lone sum (beside counts) in them (sumState).
		t.Run(fmt.Sprintf("groupby %d keys", keys), func(t *testing.T) {
			checkGroupbyBudget[struct{}](t, "sum:rev,avg:rev", keys, budget)
		})
		t.Run(fmt.Sprintf("groupby one sum %d keys", keys), func(t *testing.T) {
			checkGroupbyBudget[sumState](t, "sum:rev,count:*", keys, budget)
		})
		t.Run(fmt.Sprintf("wordcount %d words", keys), func(t *testing.T) {
			m := (&wordcount{}).NewMapper().(*wordcountMapper)
			rng := rand.New(rand.NewPCG(2, uint64(keys)))
			var peak int64
			var line []byte
			for i := 0; i < keys*2; i++ {
				// Words of 1 to 64 bytes, one in a hundred of 300.
				n := 1 + rng.IntN(64)
				if i%100 == 0 {
					n = 300
				}
				line = fmt.Appendf(line[:0], "%0*d", n, i)
				if err := m.Record(line, int64(i)); err != nil {
					t.Fatal(err)
				}
				held := tableHeld(m.words)
				if held > budget {
					w := m.words
					t.Fatalf("word %d: the table holds %d bytes, over the budget of %d (%d words) ents %d arena %d slots %d sort %d %d", i, held, budget, m.words.size(), cap(w.ents), cap(w.arena), len(w.slots), cap(w.sort[0]), cap(w.sort[1]))
				}
				peak = max(peak, held)
			}
			checkSpills(t, m.spills.files, keys, peak, budget)
			if _, err := m.Finish(io.Discard); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// checkGroupbyBudget is TestCombinerStaysInBudget for a groupby mapper of
// aggregates agg, whose entries hold an S.
func checkGroupbyBudget[S any](t *testing.T, agg string, keys int, budget int64) {
	j, err := New("groupby", Params{"key": "ip", "agg": agg})
	if err != nil {
		t.Fatal(err)
	}
	m := j.NewMapper().(*groupbyMapper)
	table, ok := m.keys.(*keyTableOf[S])
	if !ok {
		t.Fatalf("groupby --agg %s: a table of %T, want entries of %T", agg, m.keys, *new(S))
	}
	var peak int64
	feedIPs(t, m, keys, func(i int) {
		held := tableHeld(table) + int64(cap(m.states))*groupStateSize
		if held > budget {
			t.Fatalf("row %d: the table and states hold %d bytes, over the budget of %d (%d groups)", i, held, budget, m.keys.size())
		}
		peak = max(peak, held)
	})
	checkSpills(t, m.spills.files, keys, peak, budget)
	spills := len(m.spills.files)
	var got bytes.Buffer
	if _, err := m.Finish(&got); err != nil {
		t.Fatal(err)
	}
	// The same rows in one table: the runs, merged spillFanIn at a
	// time when there are more, give the same partial.
	restore := SetCombineBudget(1 << 30)
	one := j.NewMapper().(*groupbyMapper)
	feedIPs(t, one, keys, nil)
	var want bytes.Buffer
	_, err = one.Finish(&want)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("%d spills merged (fan-in %d): partial of %d bytes differs from the unspilled %d", spills, spillFanIn(), got.Len(), want.Len())
	}
	if keys >= 300_000 && spills <= spillFanIn() {
		t.Fatalf("%d spills: want more than the fan-in %d, so that they merge in passes", spills, spillFanIn())
	}
}

// feedIPs gives m keys*2 rows of addresses as keys, mostly new, every tenth
// one seen before, calling after (unless nil) after each row.
func feedIPs(t *testing.T, m *groupbyMapper, keys int, after func(row int)) {
	t.Helper()
	row := record.NewRow(len(m.j.read), record.CSV)
	rng := rand.New(rand.NewPCG(1, uint64(keys)))
	for i := 0; i < keys*2; i++ {
		k := i
		if i%10 == 9 {
			k = rng.IntN(i)
		}
		ip := fmt.Appendf(nil, "%d.%d.%d.%d", k>>24&255, k>>16&255, k>>8&255, k&255)
		row.Set(m.j.keyAt, ip, ip)
		row.Set(m.j.aggAt[0], []byte("12.50"), []byte("12.50"))
		if err := m.Row(row); err != nil {
			t.Fatal(err)
		}
		if after != nil {
			after(i)
		}
	}
}

// checkSpills checks that a combiner of many keys spilled, and that its
// largest table used a fair part of the budget.
func checkSpills[F any](t *testing.T, spills []F, keys int, peak, budget int64) {
	t.Helper()
	if keys >= 30_000 && len(spills) == 0 {
		t.Fatalf("%d keys did not spill with a budget of %d bytes", keys, budget)
	}
	if keys >= 30_000 && peak < budget/3 {
		t.Fatalf("the largest table held %d bytes: less than a third of the budget of %d", peak, budget)
	}
}

// TestPartRowsSizeTheTable: a part whose rows are known (a Parquet span's,
// Part.Rows) sizes a groupby table for the groups those rows can make, not
// for all that the combine budget holds, measured by the bytes the mapper
// allocates and the slots it ends with: 200,000 rows of about 180,000
// groups under a 128 MiB mapper's budget (64 MiB). The same rows of a part
// of unknown rows (CSV) make room for the budget's groups, as before.
func TestPartRowsSizeTheTable(t *testing.T) {
	defer SetCombineBudget(64 << 20)()
	j, err := New("groupby", Params{"key": "ip", "agg": "sum:rev"})
	if err != nil {
		t.Fatal(err)
	}
	const keys = 100_000 // feedIPs' rows: twice as many
	feed := func(rows int64) (alloc uint64, slots int) {
		for groupTables.Get() != nil { // a table pooled by another test has room already
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m := j.NewMapper().(*groupbyMapper)
		if err := m.StartPart(Part{Source: "visits.parquet", Rows: rows}); err != nil {
			t.Fatal(err)
		}
		feedIPs(t, m, keys, nil)
		if err := m.flush(); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		table := m.keys.(*keyTableOf[sumState])
		if len(m.spills.files) > 0 {
			t.Fatalf("rows %d: %d spills, want none", rows, len(m.spills.files))
		}
		slots = len(table.slots)
		if _, err := m.Finish(io.Discard); err != nil {
			t.Fatal(err)
		}
		return after.TotalAlloc - before.TotalAlloc, slots
	}
	unknownAlloc, unknownSlots := feed(0)
	knownAlloc, knownSlots := feed(2 * keys)
	t.Logf("rows unknown: %d bytes allocated, %d slots; rows known: %d bytes, %d slots", unknownAlloc, unknownSlots, knownAlloc, knownSlots)
	// About 180,000 groups: room for 200,000 entries of 48 bytes (9.6 MB),
	// 512 Ki slots at half load (2 MiB), the smaller slots and entries
	// before them and feedIPs' keys (3 MB). The budget's room is 64 MiB.
	if knownAlloc > 24<<20 {
		t.Errorf("rows known: %d bytes allocated, want at most 24 MiB for some 180,000 groups", knownAlloc)
	}
	if knownSlots > 1<<19 {
		t.Errorf("rows known: %d slots, want at most 512 Ki for some 180,000 groups", knownSlots)
	}
	if unknownAlloc < 2*knownAlloc {
		t.Errorf("rows unknown: %d bytes allocated, want the budget's room, over twice the %d of rows known", unknownAlloc, knownAlloc)
	}
}
