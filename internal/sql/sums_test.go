package sql

import "testing"

// TestOneColumn checks which plans are OneColumn and with what column and
// sum, and that ParseSum meets the value error SaveField meets. That their
// groups' states encode as AppendStates does is TestSQLSumGroups's (in
// internal/jobs, over the mapper's entries).
func TestOneColumn(t *testing.T) {
	for _, c := range []struct {
		q        string
		col      int // as the plan's columns a, b, c
		sum, one bool
	}{
		{"SELECT substr(a, 1, 2) AS k, sum(b) FROM 'x' GROUP BY k", 1, true, true},
		{"SELECT substr(a, 1, 4) AS k, count(*), count(b), sum(b), avg(b) FROM 'x' GROUP BY k", 1, true, true},
		{"SELECT substr(a, 1, 4) AS k, count(b), count(*) FROM 'x' GROUP BY k", 1, false, true},
		{"SELECT substr(a, 1, 4) AS k, count(*) FROM 'x' GROUP BY k", -1, false, true},
		{"SELECT substr(a, 1, 4) AS k, sum(b), sum(c) FROM 'x' GROUP BY k", 0, false, false},   // two columns
		{"SELECT substr(a, 1, 4) AS k, count(c), sum(b) FROM 'x' GROUP BY k", 0, false, false}, // two columns
		{"SELECT substr(a, 1, 4) AS k, min(b) FROM 'x' GROUP BY k", 0, false, false},           // not CanDefer
		{"SELECT substr(a, 2, 3), sum(b) FROM 'x' GROUP BY 1", 0, false, false},                // not FieldAggregate
	} {
		p, err := Compile(c.q, nil, []string{"a", "b", "c"})
		if err != nil {
			t.Fatal(err)
		}
		g := p.NewProgram()
		col, sum, ok := g.OneColumn()
		if ok != c.one || ok && (col != c.col || sum != c.sum) {
			t.Errorf("%s: OneColumn %d %v %v, want %d %v %v", c.q, col, sum, ok, c.col, c.sum, c.one)
		}
		if !ok || !sum {
			continue
		}
		g.Reset()
		if _, ok := g.ParseSum([]byte("1.5x")); ok || g.Row.Err == nil {
			t.Fatalf("%s: ParseSum of 1.5x: no value error", c.q)
		}
		e := *g.Row.Err
		g.ReserveSaved(1)
		fa, _ := g.FieldAggregate()
		failed := false // the sum's SaveField fails (a count's takes any text)
		for a, c := range fa.Cols {
			g.Reset()
			if c >= 0 && !g.SaveField(0, a, []byte("1.5x"), false) {
				failed = true
				if g.Row.Err == nil || *g.Row.Err != e {
					t.Errorf("ParseSum's error %v, SaveField's %v", e, g.Row.Err)
				}
			}
		}
		if !failed {
			t.Errorf("%s: SaveField of 1.5x: no value error", c.q)
		}
	}
}
