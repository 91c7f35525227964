package jobs

import (
	"bytes"
	"testing"

	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/record"
)

// TestSQLSumGroups checks that a OneColumn plan's group kept in a table
// entry (sumGroups: inlineSum, its sum moving to bigSums past an int64)
// encodes to the bytes of the AggStates FoldSaved folds the same records
// into, after every record: NULLs, scales that grow, a sum that outgrows
// an int64 and one that starts past it.
func TestSQLSumGroups(t *testing.T) {
	values := []string{"1.5", "", "9223372036854775807", "0.5", "-1", "", "99999999999999999999.25", "0.125", "-3"}
	for _, q := range []string{
		"SELECT substr(a, 1, 4) AS k, sum(b) FROM 'x' GROUP BY k",
		"SELECT substr(a, 1, 4) AS k, count(*), count(b), sum(b), avg(b) FROM 'x' GROUP BY k",
		"SELECT substr(a, 1, 4) AS k, count(b), count(*) FROM 'x' GROUP BY k",
		"SELECT substr(a, 1, 4) AS k, count(*) FROM 'x' GROUP BY k",
	} {
		p, err := sql.Compile(q, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		g := p.NewProgram()
		_, sum, ok := g.OneColumn()
		if !ok {
			t.Fatalf("%s: OneColumn false", q)
		}
		// Two groups from one start: the second's first value is large.
		for _, start := range []int{0, 6} {
			s, _ := foldSumGroup(t, p, g, q, values[start:])
			if sum && len(s.bigSums) == 0 {
				t.Errorf("%s: no sum moved to bigSums", q)
			}
		}
	}
}

// foldSumGroup folds seq (texts of every column; "": NULL) into a group
// of a OneColumn plan p's program g kept as sumGroups keeps it, and into
// FoldSaved's AggStates side by side, checks after each record that the
// two encode to the same bytes, and returns the groups and those bytes.
func foldSumGroup(t *testing.T, p *sql.Plan, g *sql.Program, what string, seq []string) (*sumGroups, []byte) {
	t.Helper()
	col, sum, _ := g.OneColumn()
	fa, _ := g.FieldAggregate()
	g.ReserveSaved(1)
	s := &sumGroups{col: col, sum: sum}
	var in inlineSum
	st := g.NewStates()
	row := record.NewRow(len(p.Columns), record.CSV)
	for j, v := range seq {
		for c := range p.Columns {
			row.Set(c, []byte(v), []byte(v))
		}
		if !s.save(g, row, 0) {
			t.Fatalf("%s: %q: %v", what, v, g.Row.Err)
		}
		s.fold(0, &in)
		for a, c := range fa.Cols {
			if c >= 0 && !g.SaveField(0, a, []byte(v), v == "") {
				t.Fatalf("%s: %q: %v", what, v, g.Row.Err)
			}
		}
		g.FoldSaved(0, st)
		got, want := s.appendStates(g, nil, int64(j+1), &in), g.AppendStates(nil, st)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: after %v: states %x, FoldSaved's %x", what, seq[:j+1], got, want)
		}
	}
	return s, s.appendStates(g, nil, int64(len(seq)), &in)
}
