package jobs

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/scattergather/scattergather/internal/feed"
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
	}
	for _, c := range cases {
		t.Run(c.job, func(t *testing.T) {
			j, err := New(c.job, c.p)
			if err != nil {
				t.Fatal(err)
			}
			run := func(budget int64) ([]byte, Stats, bool) {
				restore := SetCombineBudget(budget)
				defer restore()
				f, err := feed.New(j, false)
				if err != nil {
					t.Fatal(err)
				}
				if err := f.Object(Part{Source: "t"}, c.data); err != nil {
					t.Fatal(err)
				}
				spilled := spilledTo(t, f.Mapper())
				var out bytes.Buffer
				st, err := f.Finish(&out)
				if err != nil {
					t.Fatal(err)
				}
				return out.Bytes(), st, spilled
			}
			want, wantSt, wantSpilled := run(64 << 20)
			got, gotSt, gotSpilled := run(initialSlots*4 + 2048)
			if wantSpilled || !gotSpilled {
				t.Fatalf("spilled with the large budget: %v, with the small one: %v; want only the small one to spill", wantSpilled, gotSpilled)
			}
			var gotOut, wantOut bytes.Buffer
			if _, err := j.Output(&gotOut, []io.Reader{bytes.NewReader(got)}); err != nil {
				t.Fatal(err)
			}
			if _, err := j.Output(&wantOut, []io.Reader{bytes.NewReader(want)}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(gotOut.Bytes(), wantOut.Bytes()) {
				t.Fatalf("output with spills differs (%d bytes, want %d)", gotOut.Len(), wantOut.Len())
			}
			if gotSt.RecordsIn != wantSt.RecordsIn || gotSt.RecordsOut != wantSt.RecordsOut {
				t.Fatalf("stats %+v, want %+v", gotSt, wantSt)
			}
		})
	}
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
