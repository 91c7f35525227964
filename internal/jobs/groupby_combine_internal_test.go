package jobs

import (
	"testing"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// TestCombineDoesNotAllocate: groupby's reduce path, a group's values from
// several partials combined into one (CombineValues) or into its output
// row (AppendOutputValues), makes no allocation per group: its states are
// on the stack (combineGroup), with two aggregates and with five.
func TestCombineDoesNotAllocate(t *testing.T) {
	for _, agg := range []string{"sum:r,count:r", "sum:r,count:r,avg:r,min:r,max:r"} {
		t.Run(agg, func(t *testing.T) {
			jb, err := New("groupby", Params{"key": "k", "agg": agg})
			if err != nil {
				t.Fatal(err)
			}
			j := jb.(*groupby)
			var values [][]byte
			for _, text := range []string{"12.5", "-3", "7.25"} {
				d, ok := decimal.ParseText([]byte(text))
				if !ok {
					t.Fatalf("%q does not parse", text)
				}
				vals := make([]decimal.Dec, len(j.aggs))
				best := make([][]byte, len(j.aggs))
				for a := range vals {
					vals[a], best[a] = d, []byte(text)
				}
				values = append(values, j.appendStates(nil, 2, vals, best))
			}
			key, dst := []byte("group"), make([]byte, 0, 1024)
			for _, output := range []bool{false, true} {
				allocs := testing.AllocsPerRun(1000, func() {
					var err error
					if output {
						_, err = j.AppendOutputValues(dst[:0], key, values)
					} else {
						_, err = j.CombineValues(dst[:0], key, values)
					}
					if err != nil {
						t.Fatal(err)
					}
				})
				if allocs > 0 {
					t.Errorf("output %v: %.2f allocations per group, want 0", output, allocs)
				}
			}
		})
	}
}
