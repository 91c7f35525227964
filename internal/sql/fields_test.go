package sql

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// testFields is a record's fields for MatchFields; reads counts the
// fields read.
type testFields struct {
	text  [][]byte
	null  []bool
	reads []int
}

func (f *testFields) Field(c int) ([]byte, bool) {
	f.reads = append(f.reads, c)
	return f.text[c], f.null[c]
}

// fieldsSchema types the columns of the WHERE clauses below; a and b are
// untyped.
const fieldsSchema = "s:VARCHAR,n:BIGINT,d:DATE,x:DECIMAL(6,2),f:DOUBLE,t:BOOLEAN"

// fieldTexts are the texts a column takes: numbers (odd ones too), dates
// (and what is not one), booleans, words, and the empty text.
var fieldTexts = []string{"", "0", "7", "-3", "990", "990.5", "100.001", " 7", "1e3", "12345678901234567890", "99999.999",
	"abc", "USA", "US", "x", "2001-01-01", "2001-12-31", "2001-06-15", "2000-12-31", "2002-01-01", "2001-02-30",
	"2001-6-5", "2001/07/04", "2001-01-01 10:00", "true", "f", "inf", "nan", "-0", "1.5", "12.5x"}

// TestMatchFieldsRandom: random AND, OR and NOT over conditions of several
// columns, untyped and typed (comparisons in either order, BETWEEN, IN,
// LIKE, IS NULL, with numbers, strings, dates, doubles and booleans), give
// MatchFields the row evaluation's answer and its value error (the same
// column, value and reason, or none) on random records with NULLs, texts
// that are not of their column's type and oddly written numbers and dates.
func TestMatchFieldsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	leaves := []string{"a > 100", "a >= 990.5", "a < -3", "a = 7", "a <> 'abc'", "a IS NULL", "a IS NOT NULL",
		"a BETWEEN DATE '2001-01-01' AND DATE '2001-12-31'", "a > DATE '2001-06-01'", "a = 1e3", "a = TRUE", "a LIKE '2001%'",
		"b = 'USA'", "b IN ('USA', 'US', 'x')", "b NOT IN ('abc', NULL)", "b > 5", "b LIKE '%S%'", "b IS NULL",
		"s = 'USA'", "s < 'b'", "s LIKE 'U%'", "s IS NOT NULL", "s IN ('x', 'abc')",
		"n > 5", "n BETWEEN -3 AND 7", "n IN (0, 7, 990)", "n = 990.5", "5 < n", "n IS NULL", "n IS NOT NULL", "n > 1e2",
		"d BETWEEN DATE '2001-01-01' AND DATE '2001-12-31'", "d > DATE '2001-06-01'", "DATE '2001-06-15' = d", "d IS NULL",
		"d NOT IN (DATE '2001-01-01', DATE '2002-01-01')", "d >= '2001-01-01'",
		"x > 100", "x = 990.5", "x BETWEEN 0 AND 7.5", "x > 1.5e2", "x IS NOT NULL",
		"f > 100", "f = 990.5", "f < 'inf'", "f IS NULL", "NOT f <= 7",
		"t", "t = TRUE", "t IS NULL", "NOT t",
		"NULL", "TRUE", "FALSE", "a = NULL",
		"lower(b) = 'usa'", "a = b", "n + 1 > 5"}
	schema := mustSchema(t, fieldsSchema)
	compiled, errs := 0, 0
	for n := 0; n < 4000; n++ {
		w := randomCond(rng, leaves, 3)
		p, err := CompileFilter(w, schema)
		if err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		ref, g := p.NewProgram(), p.NewProgram()
		if !g.FieldWhere() {
			continue
		}
		compiled++
		f := &testFields{text: make([][]byte, len(p.Columns)), null: make([]bool, len(p.Columns))}
		for rec := 0; rec < 40; rec++ {
			for c := range f.text {
				f.text[c], f.null[c] = []byte(fieldTexts[rng.IntN(len(fieldTexts))]), rng.IntN(6) == 0
				ref.Row.Text[c], ref.Row.Null[c] = f.text[c], f.null[c]
			}
			ref.Reset()
			want := ref.Match()
			g.Reset()
			got := g.MatchFields(f)
			if errText(g.Row.Err) != errText(ref.Row.Err) {
				t.Fatalf("%s on %q (null %v): value error %v, want %v", w, f.text, f.null, g.Row.Err, ref.Row.Err)
			}
			if ref.Row.Err != nil {
				errs++
				continue // the record is skipped whatever the answer
			}
			if got != want {
				t.Fatalf("%s on %q (null %v): MatchFields %v, want %v", w, f.text, f.null, got, want)
			}
		}
	}
	if compiled < 1000 || errs < 1000 {
		t.Errorf("%d of the conditions compiled on the fields, %d records met a value error: the test proves little", compiled, errs)
	}
}

// errText is a value error's message and reason ("" for none).
func errText(e *ValueError) string {
	if e == nil {
		return ""
	}
	return e.Error() + " / " + e.Reason
}

// TestFieldWhere: which WHERE clauses MatchFields evaluates, and that it
// reads only the fields it needs.
func TestFieldWhere(t *testing.T) {
	schema := mustSchema(t, fieldsSchema)
	cases := []struct {
		where string
		field bool
	}{
		{"a > 100 AND b = 'USA' AND a BETWEEN DATE '2021-01-01' AND DATE '2021-12-31'", true},
		{"n > 5 OR d IS NULL", true},
		{"NOT (x BETWEEN 1 AND 2) AND s LIKE 'a%'", true},
		{"f IN (1, 2) OR t", true},
		{"n = 1.5", true}, // n widened to a decimal
		{"a > 5 AND lower(b) = 'x'", false},
		{"a = b", false},
		{"a", false}, // untyped text read as a BOOLEAN: a value error of its own
		{"CAST(a AS DATE) > DATE '2000-01-01'", false},
	}
	for _, c := range cases {
		p, err := CompileFilter(c.where, schema)
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		if got := p.NewProgram().FieldWhere(); got != c.field {
			t.Errorf("%s: FieldWhere %v, want %v", c.where, got, c.field)
		}
	}
	// Of a > 100 AND b = 'USA', untyped both, the string comparison is
	// the cheaper: it is evaluated first, and false, a is not read; d, a
	// DATE, is read once for BETWEEN.
	p, err := CompileFilter("a > 100 AND b = 'USA' OR d BETWEEN DATE '2001-01-01' AND DATE '2001-12-31'", schema)
	if err != nil {
		t.Fatal(err)
	}
	g := p.NewProgram()
	f := &testFields{text: [][]byte{[]byte("500"), []byte("US"), []byte("2001-05-05")}, null: make([]bool, 3)}
	g.Reset()
	if !g.MatchFields(f) || fmt.Sprint(f.reads) != "[1 2]" {
		t.Errorf("MatchFields read columns %v, want [1 2] (b, then d once) and true", f.reads)
	}
}
