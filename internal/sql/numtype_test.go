package sql

import "testing"

// TestItemNumTypeAsDuckDB: the types DuckDB 1.5 gives arithmetic over
// columns ti TINYINT, si SMALLINT, i INTEGER, b BIGINT, d DECIMAL(9,2), e
// DECIMAL(18,3), f DECIMAL(4,1), g DECIMAL(38,2) (typeof, probed from
// pqcheck), and no type where DuckDB's is not an integer or decimal one.
func TestItemNumTypeAsDuckDB(t *testing.T) {
	cols := map[string]NumType{"ti": {Bits: 8}, "si": {Bits: 16}, "i": {Bits: 32}, "b": {Bits: 64},
		"d": {Width: 9, Scale: 2}, "e": {Width: 18, Scale: 3}, "f": {Width: 4, Scale: 1}, "g": {Width: 38, Scale: 2}}
	for _, c := range []struct {
		expr string
		want string // "" for none
	}{
		{"i+i", "INTEGER"}, {"b-i", "BIGINT"}, {"ti+1", "TINYINT"}, {"ti+ti", "TINYINT"}, {"si*2", "SMALLINT"},
		{"ti+si", "SMALLINT"}, {"i+300", "INTEGER"}, {"ti+300", "INTEGER"}, {"i+3000000000", "BIGINT"},
		{"-i", "INTEGER"}, {"i*i+1", "INTEGER"}, {"1+i", "INTEGER"}, {"i%2", "INTEGER"}, {"i//2", "INTEGER"},
		{"d*2", "DECIMAL(18,2)"}, {"d*d", "DECIMAL(18,4)"}, {"d+1", "DECIMAL(13,2)"}, {"d+e", "DECIMAL(18,3)"},
		{"d*e", "DECIMAL(18,5)"}, {"e*e", "DECIMAL(18,6)"}, {"e+e", "DECIMAL(18,3)"}, {"d+1.5", "DECIMAL(10,2)"},
		{"d*1.5", "DECIMAL(11,3)"}, {"i*1.5", "DECIMAL(12,1)"}, {"i+1.5", "DECIMAL(12,1)"}, {"b+d", "DECIMAL(22,2)"},
		{"b*d", "DECIMAL(28,2)"}, {"f*f", "DECIMAL(8,2)"}, {"g+g", "DECIMAL(38,2)"}, {"g*d", "DECIMAL(38,4)"},
		{"d-i", "DECIMAL(13,2)"}, {"i-d", "DECIMAL(13,2)"}, {"-d", "DECIMAL(9,2)"}, {"(d+1)*i", "DECIMAL(18,2)"},
		{"d+0.25", "DECIMAL(10,2)"}, {"d*100000000000", "DECIMAL(28,2)"}, {"e*e*e", "DECIMAL(18,9)"},
		{"f+f", "DECIMAL(5,1)"}, {"2*d", "DECIMAL(18,2)"}, {"d-d", "DECIMAL(10,2)"},
		{"i/2", ""}, {"i", ""}, {"CAST(i AS BIGINT)+1", ""}, {"x+1", ""}, {"i*1e3", ""},
	} {
		p, err := Compile("SELECT "+c.expr+" AS v FROM 'f'", nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		nt, ok := p.ItemNumType(0, func(col int) (NumType, bool) {
			nt, ok := cols[p.Columns[col]]
			return nt, ok
		})
		got := ""
		switch {
		case ok && nt.Bits > 0:
			got = map[int]string{8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[nt.Bits]
		case ok:
			got = Decimal(nt.Width, nt.Scale).String()
		}
		if got != c.want {
			t.Errorf("%s: %q, want DuckDB's %q", c.expr, got, c.want)
		}
	}
}
