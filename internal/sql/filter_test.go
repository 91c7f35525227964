package sql

import (
	"math/rand/v2"
	"testing"
)

// TestMatchText checks WHERE compiled on one column's text (MatchText)
// against the generic evaluation of the same WHERE (compile, the column
// parsed as a number by Row.number, not by decimal.Const), over NULL,
// empty, numeric, non-numeric and oddly written texts; and that the text
// path is taken exactly for the conditions it covers.
func TestMatchText(t *testing.T) {
	schema := mustSchema(t, "v:VARCHAR,n:BIGINT")
	cases := []struct {
		where string
		text  bool
	}{
		{"a > 990", true},
		{"a >= 990.5", true},
		{"a < -3", true},
		{"a = 7", true},
		{"a <> 7", true},
		{"a <= 0.001", true},
		{"a > 'abc'", true},
		{"a = 'x'", true},
		{"a BETWEEN 10 AND 20", true},
		{"a NOT BETWEEN 10 AND 20", true},
		{"a IN (1, 2, 15)", true},
		{"a LIKE '1%'", true},
		{"a NOT LIKE '%x'", true},
		{"a IS NULL", true},
		{"a IS NOT NULL", true},
		{"NOT (a > 5)", true},
		{"a > 5 OR a IS NULL", true},
		{"NOT (a > 5 AND a < 10)", true},
		{"v = 'abc'", true},
		{"v > 'b'", true},
		{"v LIKE '%b%'", true},
		{"v IS NULL", true},
		{"v IN ('a', 'b')", true},
		{"a > 5 AND v = 'x'", false},
		{"lower(a) = 'x'", false},
		{"a + 1 > 5", false},
		{"n > 3", false},
		{"CAST(a AS BIGINT) > 3", false},
		{"a > DATE '2000-01-01'", true},
		{"a BETWEEN DATE '2000-01-01' AND DATE '2000-12-31'", true},
		{"a > 1e3", true},
		{"a = TRUE", true},
		{"n > 3 AND a > 1", false},
		{"a > 5 AND a > 1.5 * 2", true}, // folded to a constant
		// NOT over AND and OR with a NULL operand: three-valued logic.
		{"NOT (a > 5 OR a < 3)", true},
		{"NOT (a IS NULL OR a > 5)", true},
		{"NOT (a > 5) OR a IS NULL", true},
		{"NOT (a IS NOT NULL AND a LIKE '1%')", true},
		{"NOT (NOT (a = 'x') OR a < 3)", true},
		{"a NOT IN (1, 2, 15)", true},
		{"NOT (a BETWEEN 'a' AND 'c')", true},
		{"a IN (1, NULL)", false},
		{"a NOT IN (1, NULL)", false},
	}
	texts := []struct {
		s    string
		null bool
	}{
		{"", true}, {"", false}, {"990", false}, {"991", false}, {"990.5", false}, {"990.50", false},
		{"-3", false}, {"-4", false}, {" 7", false}, {"7", false}, {"7.0", false}, {"abc", false},
		{"x", false}, {"1e3", false}, {"15", false}, {"12.5x", false}, {"b", false}, {"ab", false},
		{"0.001", false}, {"0.0010001", false}, {"1_5", false}, {"+15", false}, {"15.", false},
		{"2000-01-02", false}, {"12345678901234567890", false}, {"2000-01-01", false}, {"2000-1-1", false},
		{"2000-12-31 23:59", false}, {"2001-01-01", false}, {"1999/12/31", false}, {"2000-02-30", false},
		{"true", false}, {"f", false}, {"1e4", false}, {"inf", false}, {"NaN", false},
	}
	for _, c := range cases {
		p, err := CompileFilter(c.where, schema)
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		g := p.NewProgram()
		col := g.TextColumn()
		if got := col >= 0; got != c.text {
			t.Errorf("%s: text path %v, want %v", c.where, got, c.text)
		}
		if col < 0 {
			continue
		}
		ref := compile(p.where, &compiler{}) // no decimal.Const: every text parsed
		for _, x := range texts {
			for i := range g.Row.Text {
				g.Row.Text[i], g.Row.Null[i] = []byte(x.s), x.null
			}
			g.Reset()
			v := ref(&g.Row)
			if g.Row.Err != nil {
				t.Fatalf("%s on %q: value error %v", c.where, x.s, g.Row.Err)
			}
			want := v.K == KBool && v.I == 1
			if got := g.MatchText([]byte(x.s), x.null); got != want {
				t.Errorf("%s on %q (null %v): MatchText %v, want %v", c.where, x.s, x.null, got, want)
			}
			g.Reset()
			if got := g.Match(); got != want {
				t.Errorf("%s on %q (null %v): Match %v, want %v", c.where, x.s, x.null, got, want)
			}
		}
	}
}

// TestMatchTextRandom: random NOT, AND and OR of comparisons of one column
// (with NULL, TRUE and FALSE constants, IN lists holding a NULL, numbers past
// 18 digits) give MatchText the generic evaluation's answer on every text,
// NULL included, whenever the text path takes them.
func TestMatchTextRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	leaves := []string{"a > 990", "a >= 990.5", "a < -3", "a = 7", "a <> 7", "a <= 0.001", "a > 'abc'", "a = 'x'", "a = ''",
		"a BETWEEN 10 AND 20", "a IN (1, 2, 15)", "a LIKE '1%'", "a LIKE '%'", "a LIKE ''", "a LIKE '_'", "a IS NULL", "a IS NOT NULL",
		"a = NULL", "NULL", "TRUE", "FALSE", "a > 1e3", "a = 007", "a < 0", "a = -0", "a IN (NULL, 7)", "a NOT IN (7, NULL)",
		"v = 'abc'", "v IS NULL", "v LIKE 'a%'", "a >= '1'", "a = DATE '2000-01-02'", "a > 9223372036854775807", "a < 99999999999999999999.5"}
	texts := []string{"", "990", "991", "990.5", "-3", "-4", " 7", "7", "7.0", "abc", "x", "1e3", "15", "12.5x", "0.001", "+15", "15.", "007", "-0", "0", "2000-01-02", "a", "ab", "1", "1000", "99999999999999999999"}
	schema := mustSchema(t, "v:VARCHAR")
	paths := 0
	for n := 0; n < 20000; n++ {
		w := randomCond(rng, leaves, 3)
		p, err := CompileFilter(w, schema)
		if err != nil {
			continue
		}
		g := p.NewProgram()
		if g.TextColumn() < 0 {
			continue
		}
		paths++
		ref := compile(p.where, &compiler{})
		for _, s := range texts {
			for _, null := range []bool{false, true} {
				if null && s != "" {
					continue
				}
				for i := range g.Row.Text {
					g.Row.Text[i], g.Row.Null[i] = []byte(s), null
				}
				g.Reset()
				v := ref(&g.Row)
				if g.Row.Err != nil {
					continue
				}
				want := v.K == KBool && v.I == 1
				if got := g.MatchText([]byte(s), null); got != want {
					t.Fatalf("%s on %q null %v: MatchText %v, want %v", w, s, null, got, want)
				}
			}
		}
	}
	if paths < 1000 {
		t.Errorf("%d of the conditions took the text path: the test proves little", paths)
	}
}

// randomCond is a random NOT, AND or OR of leaves, depth levels deep at
// most.
func randomCond(rng *rand.Rand, leaves []string, depth int) string {
	if depth == 0 || rng.IntN(3) == 0 {
		return leaves[rng.IntN(len(leaves))]
	}
	switch rng.IntN(3) {
	case 0:
		return "NOT (" + randomCond(rng, leaves, depth-1) + ")"
	case 1:
		return "(" + randomCond(rng, leaves, depth-1) + ") AND (" + randomCond(rng, leaves, depth-1) + ")"
	}
	return "(" + randomCond(rng, leaves, depth-1) + ") OR (" + randomCond(rng, leaves, depth-1) + ")"
}

// TestTextWithTimeAgainstDate: an untyped text with a time compared with a
// DATE is a TIMESTAMP against the date's midnight, as DuckDB compares a
// column it reads as TIMESTAMP with a DATE (2020-01-01 10:00:00 is after
// DATE '2020-01-01', not equal to it); a text without a time is its date.
func TestTextWithTimeAgainstDate(t *testing.T) {
	cases := []struct {
		text    string
		gt, eq  bool // a > DATE '2020-01-01', a = DATE '2020-01-01'
		le, neq bool // a <= DATE '2020-01-01', a <> DATE '2020-01-01'
	}{
		{"2020-01-01 10:00:00", true, false, false, true},
		{"2020-01-01T00:00:00.5", true, false, false, true},
		{"2020-01-01 00:00:00", false, true, true, false},
		{"2020-01-01", false, true, true, false},
		{"2019-12-31 23:59:59.999999", false, false, true, true},
		{"2020-01-02", true, false, false, true},
	}
	for i, where := range []string{"a > DATE '2020-01-01'", "a = DATE '2020-01-01'", "a <= DATE '2020-01-01'", "a <> DATE '2020-01-01'"} {
		p, err := CompileFilter(where, mustSchema(t, ""))
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		g := p.NewProgram()
		for _, c := range cases {
			want := []bool{c.gt, c.eq, c.le, c.neq}[i]
			for j := range g.Row.Text {
				g.Row.Text[j], g.Row.Null[j] = []byte(c.text), false
			}
			g.Reset()
			if got := g.Match(); got != want {
				t.Errorf("%s on %q: Match %v, want %v", where, c.text, got, want)
			}
			if g.TextColumn() >= 0 {
				if got := g.MatchText([]byte(c.text), false); got != want {
					t.Errorf("%s on %q: MatchText %v, want %v", where, c.text, got, want)
				}
			}
		}
	}
}

// TestStringLiteralTypes: a string literal compared with a typed column is
// cast to its type as DuckDB casts it (rounded to a BIGINT, or to the
// DECIMAL's scale, half away from zero), and against an untyped column one
// that reads as a date, a timestamp or a boolean compares as that, a text
// that does not read as one by bytes (sqlcheck's literal- queries compare
// these with DuckDB).
func TestStringLiteralTypes(t *testing.T) {
	schema := mustSchema(t, "n:BIGINT,m:DECIMAL(10,2)")
	for _, c := range []struct {
		where, text string
		want        bool
	}{
		{"n = '2.5'", "3", true}, {"n = '2.5'", "2", false}, {"n > '2.5'", "3", false}, {"n IN ('-2.5')", "-3", true},
		{"n BETWEEN '1.5' AND '2.5'", "3", true}, {"n < '2.4'", "2", false},
		{"m > '3.745'", "3.75", false}, {"m > '3.745'", "3.76", true}, {"m = '1e1'", "10.00", true},
		{"a >= '2021/1/1'", "2021-01-01", true}, {"a >= '2021/1/1'", "2020-12-31", false}, {"a < '2021-1-1'", "2020-12-31", true},
		{"a = '2021-01-01'", "2021-01-01 00:00:00", true}, {"a = '2021-01-01T10:00'", "2021-01-01 10:00:00", true},
		{"a > '2021-01-01 10:00'", "2021-01-01 09:59:59", false}, {"a = '2021-01-01'", "x", false}, {"a < '2021/01/01'", "2021-01-01x", true}, {"a = '2021-01-01'", "2021-01-01x", false},
		{"a >= '2021-01-01'", "2021-01-01 (BC)", false}, {"a = '2021-01-01'", " 2021-01-01 ", true}, {"a > '2021/01/01'", "n/a", true},
		{"a = 't'", "true", true}, {"a = 'yes'", "FALSE", false}, {"a IN ('no')", "f", true},
		// A text DuckDB's CSV sniffer never reads as BOOLEAN (y, n, 1, 0)
		// stands in a column it reads as VARCHAR: compared as bytes with
		// the literal's own text (sqlcheck's TestBoolLiteralOnTextColumns).
		{"a = 'yes'", "y", false}, {"a = 'y'", "y", true}, {"a = 't'", "1", false}, {"a <> 'n'", "n", false},
		{"a > 'f'", "N", false}, {"a = 'yes'", "YES", true},
	} {
		p, err := CompileFilter(c.where, schema)
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		g := p.NewProgram()
		for i := range g.Row.Text {
			g.Row.Text[i], g.Row.Null[i] = []byte(c.text), false
		}
		g.Reset()
		if got := g.Match(); got != c.want || g.Row.Err != nil {
			t.Errorf("%s on %q: %v (%v), want %v", c.where, c.text, got, g.Row.Err, c.want)
		}
	}
}
