package sql

import (
	"bytes"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// TestSumState checks that a OneColumn plan's groups kept as a row count,
// a count of values and their sum encode to the bytes of the AggStates FoldSaved folds the
// same records into (AppendSumStates against AppendStates), over NULLs, a
// first value of any scale and a sum past int64; that ParseSum meets the
// value error SaveField meets; and which plans are OneColumn.
func TestSumState(t *testing.T) {
	rows := []string{"1.5", "", "12345678901234567890.25", "-0.75", "", "3", "99999999999999999", "0.125"}
	for _, q := range []string{
		"SELECT substr(a, 1, 2) AS k, sum(b) FROM 'x' GROUP BY k",
		"SELECT substr(a, 1, 4) AS k, count(*), count(b), sum(b), avg(b) FROM 'x' GROUP BY k",
		"SELECT substr(a, 1, 4) AS k, avg(b), count(*) FROM 'x' GROUP BY k",
		"SELECT substr(a, 1, 4) AS k, count(b) FROM 'x' GROUP BY k",
		"SELECT substr(a, 1, 4) AS k, count(*) FROM 'x' GROUP BY k",
	} {
		p, err := Compile(q, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		g := p.NewProgram()
		col, sum, ok := g.OneColumn()
		if !ok {
			t.Fatalf("%s: OneColumn false", q)
		}
		fa, _ := g.FieldAggregate()
		g.ReserveSaved(len(rows))
		st := g.NewStates()
		var n int64
		var d decimal.Dec
		for j, r := range rows {
			for a, c := range fa.Cols {
				if c >= 0 && !g.SaveField(j, a, []byte(r), r == "") {
					t.Fatalf("%s: row %d: %v", q, j, g.Row.Err)
				}
			}
			g.FoldSaved(j, st)
			if col >= 0 && r != "" {
				if sum {
					v, ok := g.ParseSum([]byte(r))
					if !ok {
						t.Fatalf("%s: ParseSum(%q): %v", q, r, g.Row.Err)
					}
					if n == 0 {
						d = v
					} else {
						d.AddTo(v)
					}
				}
				n++
			}
			if a, b := g.AppendStates(nil, st), g.AppendSumStates(nil, int64(j+1), n, d); !bytes.Equal(a, b) {
				t.Fatalf("%s: after row %d: SumState's states %x, AggStates' %x", q, j, b, a)
			}
		}
		if !sum {
			continue
		}
		g.Reset()
		if _, ok := g.ParseSum([]byte("1.5x")); ok || g.Row.Err == nil {
			t.Fatalf("%s: ParseSum of 1.5x: no value error", q)
		}
		e := *g.Row.Err
		// The sum's SaveField fails (a count's takes any text).
		failed := false
		for a, c := range fa.Cols {
			g.Reset()
			if c >= 0 && !g.SaveField(0, a, []byte("1.5x"), false) {
				failed = true
				if g.Row.Err == nil || *g.Row.Err != e {
					t.Errorf("%s: ParseSum's error %v, SaveField's %v", q, e, g.Row.Err)
				}
			}
		}
		if !failed {
			t.Errorf("%s: SaveField of 1.5x: no value error", q)
		}
	}
	for _, q := range []string{
		"SELECT substr(a, 1, 4) AS k, sum(b), sum(c) FROM 'x' GROUP BY k",   // two columns
		"SELECT substr(a, 1, 4) AS k, count(c), sum(b) FROM 'x' GROUP BY k", // two columns
		"SELECT substr(a, 1, 4) AS k, min(b) FROM 'x' GROUP BY k",           // not CanDefer
		"SELECT substr(a, 2, 3), sum(b) FROM 'x' GROUP BY 1",                // not FieldAggregate
	} {
		p, err := Compile(q, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := p.NewProgram().OneColumn(); ok {
			t.Errorf("%s: OneColumn true", q)
		}
	}
}
