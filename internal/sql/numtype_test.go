package sql

import "testing"

// TestItemNumTypeAsDuckDB: the types DuckDB 1.5 gives arithmetic over
// columns ti TINYINT, si SMALLINT, i INTEGER, b BIGINT, d DECIMAL(9,2), e
// DECIMAL(18,3), f DECIMAL(4,1), g DECIMAL(38,2), ut UTINYINT, us
// USMALLINT, ui UINTEGER, ub UBIGINT (typeof, probed from pqcheck), CASTs
// and sum, min and max of them, and no type where DuckDB's is not an
// integer or decimal one.
func TestItemNumTypeAsDuckDB(t *testing.T) {
	cols := map[string]NumType{"ti": {Bits: 8}, "si": {Bits: 16}, "i": {Bits: 32}, "b": {Bits: 64},
		"d": {Width: 9, Scale: 2}, "e": {Width: 18, Scale: 3}, "f": {Width: 4, Scale: 1}, "g": {Width: 38, Scale: 2},
		"ut": {Bits: 8, Unsigned: true}, "us": {Bits: 16, Unsigned: true}, "ui": {Bits: 32, Unsigned: true}, "ub": {Bits: 64, Unsigned: true}}
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
		{"ti+ut", "BIGINT"}, {"ti+us", "BIGINT"}, {"ti+ub", "HUGEINT"}, {"si+ut", "SMALLINT"}, {"si+us", "BIGINT"},
		{"i+us", "INTEGER"}, {"i+ui", "BIGINT"}, {"b+ui", "BIGINT"}, {"b+ub", "HUGEINT"}, {"ut+ut", "UTINYINT"},
		{"ut+us", "USMALLINT"}, {"ui+ub", "UBIGINT"}, {"ut+1", "UTINYINT"}, {"ut+-1", "INTEGER"}, {"ut+300", "INTEGER"},
		{"ut+5000000000", "BIGINT"}, {"us+300", "USMALLINT"}, {"ui+-1", "BIGINT"}, {"ui+70000", "UINTEGER"},
		{"ub+-1", "HUGEINT"}, {"ub+5000000000", "UBIGINT"}, {"ut*2", "UTINYINT"}, {"us-2", "USMALLINT"},
		{"ui//2", "UINTEGER"}, {"ub%2", "UBIGINT"}, {"ut+1.5", "DECIMAL(5,1)"}, {"ut+d", "DECIMAL(10,2)"},
		{"ut+e", "DECIMAL(18,3)"}, {"us+f", "DECIMAL(7,1)"}, {"ui+d", "DECIMAL(13,2)"}, {"ub+d", "DECIMAL(23,2)"},
		{"ub+e", "DECIMAL(24,3)"}, {"ub+1.5", "DECIMAL(22,1)"}, {"ut*d", "DECIMAL(12,2)"}, {"us*d", "DECIMAL(14,2)"},
		{"ui*d", "DECIMAL(18,2)"}, {"ub*d", "DECIMAL(29,2)"}, {"ub*e", "DECIMAL(38,3)"}, {"ut*e", "DECIMAL(18,3)"},
		{"CAST(i AS BIGINT)+1", "BIGINT"}, {"CAST(b AS INTEGER)", "INTEGER"}, {"CAST(x AS SMALLINT)", "SMALLINT"},
		{"CAST(b AS TINYINT)+1", "TINYINT"}, {"CAST(d AS DECIMAL(5,1))*2", "DECIMAL(15,1)"}, {"CAST(x AS INT4)", "INTEGER"},
		{"CAST(d AS DECIMAL(10,3))", "DECIMAL(10,3)"},
		{"sum(i*i)", "HUGEINT"}, {"sum(d*2)", "DECIMAL(38,2)"}, {"min(i+1)", "INTEGER"}, {"max(d*2)", "DECIMAL(18,2)"},
		{"sum(ut+1)", "HUGEINT"}, {"sum(CAST(x AS INTEGER))", "HUGEINT"}, {"max(ut+ut)", "UTINYINT"},
		{"avg(i+1)", ""}, {"count(i+1)", ""}, {"sum(i)", ""}, {"min(d)", ""}, {"-ut", ""},
		{"i/2", ""}, {"i", ""}, {"x+1", ""}, {"i*1e3", ""}, {"CAST(i AS DOUBLE)", ""},
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
			got = map[int]string{8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT", 128: "HUGEINT"}[nt.Bits]
			if nt.Unsigned {
				got = "U" + got
			}
		case ok:
			got = Decimal(nt.Width, nt.Scale).String()
		}
		if got != c.want {
			t.Errorf("%s: %q, want DuckDB's %q", c.expr, got, c.want)
		}
	}
}
