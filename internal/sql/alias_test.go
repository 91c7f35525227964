package sql

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestAliasOrInputColumn: a GROUP BY name, and a name in a plain query's
// ORDER BY expression, bind to the input's column of that name first and to
// a select alias only when the input has no such column (DuckDB's
// GroupBinder and SelectBinder); without the input's columns the plan binds
// the alias and names what depends on them (InputNames). ORDER BY's bare
// name is the alias first whatever the input has.
func TestAliasOrInputColumn(t *testing.T) {
	for _, c := range []struct {
		name, query string
		inputs      []string // nil: not known
		columns     []string // the plan's Columns
		groups      []string // the group keys, as bound
		inputNames  []string
	}{
		{"group by column first", "SELECT upper(country) AS country, count(*) FROM 'o.csv' GROUP BY country",
			[]string{"country"}, []string{"country"}, []string{"country"}, nil},
		{"group by column ignoring case", "SELECT upper(country) AS Country, count(*) FROM 'o.csv' GROUP BY COUNTRY",
			[]string{"COUNTRY"}, []string{"COUNTRY"}, []string{"COUNTRY"}, nil},
		{"group by alias without the column", "SELECT upper(c) AS k, count(*) FROM 'o.csv' GROUP BY k",
			[]string{}, []string{"c"}, []string{"upper(c)"}, nil},
		{"group by alias, columns unknown", "SELECT upper(country) AS country, count(*) FROM 'o.csv' GROUP BY country",
			nil, []string{"country"}, []string{"upper(country)"}, []string{"country"}},
		{"group by alias of itself", "SELECT country AS country, count(*) FROM 'o.csv' GROUP BY country",
			nil, []string{"country"}, []string{"country"}, nil},
		{"group by alias of an aggregate", "SELECT count(*) AS country FROM 'o.csv' GROUP BY country",
			nil, []string{"country"}, []string{"country"}, nil},
		{"order by expression of alias", "SELECT id AS k FROM 'm.csv' ORDER BY -k",
			[]string{}, []string{"id"}, nil, nil},
		{"order by expression of column", "SELECT id AS k FROM 'm.csv' ORDER BY -k",
			[]string{"k"}, []string{"id", "k"}, nil, nil},
		{"order by expression, columns unknown", "SELECT id AS k FROM 'm.csv' ORDER BY -k",
			nil, []string{"id"}, nil, []string{"k"}},
		{"order by bare alias first", "SELECT id AS k FROM 'm.csv' ORDER BY k",
			[]string{"k"}, []string{"id"}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := CompileInputs(c.query, nil, nil, c.inputs)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Columns, c.columns) {
				t.Errorf("columns %q, want %q", p.Columns, c.columns)
			}
			var groups []string
			for _, g := range p.groups {
				groups = append(groups, describeGroup(g))
			}
			if !slices.Equal(groups, c.groups) {
				t.Errorf("groups %q, want %q", groups, c.groups)
			}
			if !slices.Equal(p.InputNames, c.inputNames) {
				t.Errorf("InputNames %q, want %q", p.InputNames, c.inputNames)
			}
		})
	}
}

// describeGroup names a bound group key: its column, or f(column).
func describeGroup(n *node) string {
	if n.op == opCol {
		return n.name
	}
	if len(n.args) == 1 && n.args[0].op == opCol {
		return n.name + "(" + n.args[0].name + ")"
	}
	return "an expression"
}

// TestAggregateOrderByInputColumn: a name in an aggregate query's ORDER BY
// expression that is a select alias and also an input column that is not a
// group key binds to the column, as in DuckDB, and so is refused (ErrName,
// DuckDB's "must appear in the GROUP BY clause"); without such a column, or
// in HAVING, or as a bare ORDER BY name, it is the alias.
func TestAggregateOrderByInputColumn(t *testing.T) {
	const q = "SELECT country, sum(qty) AS qty FROM 'o.csv' GROUP BY country ORDER BY -qty"
	_, err := CompileInputs(q, nil, nil, []string{"qty"})
	if !errors.Is(err, ErrName) || !strings.Contains(err.Error(), `column "qty" must appear in the GROUP BY clause`) {
		t.Fatalf("%s over a column qty: %v, want ErrName naming qty", q, err)
	}
	p, err := CompileInputs(q, nil, nil, nil)
	if err != nil || !slices.Equal(p.InputNames, []string{"qty"}) {
		t.Fatalf("columns unknown: %v, InputNames %q; want the alias bound and qty asked", err, p.InputNames)
	}
	for _, ok := range []string{
		q, // no column qty: the alias
		"SELECT country, sum(qty) AS n FROM 'o.csv' GROUP BY country ORDER BY -n",
		"SELECT country, sum(qty) AS qty FROM 'o.csv' GROUP BY country HAVING qty > 5",
		"SELECT country, sum(qty) AS qty FROM 'o.csv' GROUP BY country ORDER BY qty",
	} {
		inputs := []string{"qty", "country"}
		if ok == q {
			inputs = []string{"country"}
		}
		if _, err := CompileInputs(ok, nil, nil, inputs); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}
