package jobs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestGroupSorterSpills: the reducer's sort of an aggregate's rows by their
// ORDER BY key, under a budget that makes it spill sorted runs many times,
// writes the rows in key order (the first LIMIT with one), as it does
// in memory, merging the spills at most spillFanIn at a time.
func TestGroupSorterSpills(t *testing.T) {
	for _, limit := range []int64{-1, 0, 7, 5000, 100000} {
		t.Run(fmt.Sprint("limit", limit), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(limit+2), 3))
			type row struct{ key, val []byte }
			var rows []row
			for seq := range uint64(20000) {
				k := binary.BigEndian.AppendUint32(nil, uint32(rng.IntN(500))) // ties, broken by seq
				k = binary.BigEndian.AppendUint64(k, seq)
				rows = append(rows, row{k, fmt.Appendf(nil, "%x,%d\n", k[:4], seq)})
			}
			widest, fanIn := 0, 0
			sortRows := func(budget int64) ([]byte, int64, int) {
				defer SetCombineBudget(budget)()
				fanIn = spillFanIn()
				var g groupSorter
				defer g.spills.close()
				for _, r := range rows {
					g.buf.start()
					g.buf.data = append(g.buf.data, r.val...)
					g.buf.add(r.key)
					if err := g.added(limit); err != nil {
						t.Fatal(err)
					}
				}
				spills := len(g.spills.files)
				var out bytes.Buffer
				n, err := g.writeTo(&out, limit)
				if err != nil {
					t.Fatal(err)
				}
				widest = g.spills.widest
				return out.Bytes(), n, spills
			}
			slices.SortFunc(rows, func(a, b row) int { return bytes.Compare(a.key, b.key) })
			var want []byte
			for i, r := range rows {
				if limit >= 0 && int64(i) >= limit {
					break
				}
				want = append(want, r.val...)
			}
			inMem, n1, s1 := sortRows(1 << 30)
			spilled, n2, s2 := sortRows(16 << 10)
			if s1 != 0 || (s2 < 10 && limit != 0 && limit != 7) {
				t.Fatalf("%d spills in memory, %d under a 16 KiB budget", s1, s2)
			}
			// The spills merge fanIn at a time, however many there are.
			if widest > fanIn || (limit < 0 || limit >= 5000) && s2 <= 2*fanIn {
				t.Fatalf("%d spills merged %d at once; want more than %d, merged at most %d at once", s2, widest, 2*fanIn, fanIn)
			}
			if !bytes.Equal(inMem, want) || !bytes.Equal(spilled, want) || n1 != n2 || n2 != int64(bytes.Count(want, []byte("\n"))) {
				t.Fatalf("rows out of order or missing: in memory %d bytes (%d rows), spilled %d bytes (%d rows), want %d bytes", len(inMem), n1, len(spilled), n2, len(want))
			}
		})
	}
}
