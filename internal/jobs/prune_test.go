package jobs

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strconv"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/sql"
)

// TestWherePruneIsSafe: for random columns of numbers or strings (with nulls)
// and random conditions, whenever CannotMatch says a column's statistics rule
// a condition out, no value of the column matches it; and it does rule some out.
func TestWherePruneIsSafe(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	ops := []string{">", ">=", "<", "<=", "==", "!="}
	pruned := 0
	for iter := 0; iter < 20000; iter++ {
		numeric := rng.Intn(2) == 0
		n := 1 + rng.Intn(6)
		var vals [][]byte
		nulls := int64(0)
		for i := 0; i < n; i++ {
			if rng.Intn(5) == 0 {
				vals = append(vals, nil)
				nulls++
				continue
			}
			if numeric {
				vals = append(vals, []byte(fmt.Sprintf("%d.%d", rng.Intn(21)-10, rng.Intn(10))))
			} else {
				vals = append(vals, []byte(string(rune('a'+rng.Intn(5)))+string(rune('a'+rng.Intn(3)))))
			}
		}
		st := pq.ColumnStats{Column: "c", Rows: int64(n), NullCount: nulls, Order: pq.Bytewise}
		if numeric {
			st.Order = pq.Numeric
		}
		for _, v := range vals {
			if v == nil {
				continue
			}
			if !st.HasMinMax {
				st.Min, st.Max, st.HasMinMax = v, v, true
				continue
			}
			if less(v, st.Min, numeric) {
				st.Min = v
			}
			if less(st.Max, v, numeric) {
				st.Max = v
			}
		}
		var value string
		switch rng.Intn(3) {
		case 0:
			value = fmt.Sprint(rng.Intn(21) - 10)
		case 1:
			value = string(rune('a' + rng.Intn(6)))
		default:
			value = ""
		}
		where := "c " + ops[rng.Intn(len(ops))] + " '" + value + "'"
		w, err := parseWhere(where)
		if err != nil {
			t.Fatal(err)
		}
		if !w.CannotMatch([]pq.ColumnStats{st}) {
			continue
		}
		pruned++
		for _, v := range vals {
			if w.match(v) {
				t.Fatalf("%s: pruned stats %+v, but value %q matches", where, st, v)
			}
		}
	}
	if pruned < 1000 {
		t.Fatalf("only %d of 20000 random cases pruned: the test proves little", pruned)
	}
}

func less(a, b []byte, numeric bool) bool {
	if numeric {
		x, _ := decimal.Parse(a)
		y, _ := decimal.Parse(b)
		return decimal.Cmp(x, y) < 0
	}
	return bytes.Compare(a, b) < 0
}

func TestWherePruneCases(t *testing.T) {
	num := func(min, max string, nulls int64) pq.ColumnStats {
		return pq.ColumnStats{Rows: 10, Order: pq.Numeric, HasMinMax: true, Min: []byte(min), Max: []byte(max), NullCount: nulls}
	}
	for _, tc := range []struct {
		where string
		st    pq.ColumnStats
		want  bool
	}{
		{"c > 100", num("1", "100", 0), true},
		{"c > 100", num("1", "100.5", 0), false},
		{"c >= 100", num("1", "100", 0), false},
		{"c == 5", num("6", "9", 0), true},
		{"c != 5", num("5", "5.00", 0), true},
		{"c != 5", num("5", "5", 1), false}, // a null is "" and "" != 5
		{"c < 5", num("5", "9", -1), true},  // "" < "5" byte-wise... see below
		{"c > 5", pq.ColumnStats{Rows: 10, Order: pq.Numeric, HasMinMax: true, Min: []byte("-inf"), Max: []byte("1"), NullCount: 0}, false},
		{"c > 5", pq.ColumnStats{Rows: 10, Order: pq.Numeric, HasMinMax: true, Min: []byte("1"), Max: []byte("2"), NullCount: 0, MayHaveNaN: true}, false},
		{"c < 'b'", pq.ColumnStats{Rows: 3, Order: pq.Bytewise, HasMinMax: true, Min: []byte("c"), Max: []byte("d")}, true},
		{"c < 5", pq.ColumnStats{Rows: 3, Order: pq.Bytewise, HasMinMax: true, Min: []byte("c"), Max: []byte("d")}, false},
		{"c > 5", pq.ColumnStats{Rows: 3, NullCount: 3}, true},
		{"c > 5", pq.ColumnStats{Rows: 3, Order: pq.Unordered, HasMinMax: true, Min: []byte("1"), Max: []byte("2")}, false},
	} {
		t.Run(tc.where, func(t *testing.T) {
			w, err := parseWhere(tc.where)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if tc.where == "c < 5" && tc.st.NullCount != 0 {
				want = !w.match(nil) // a null row's "" compared with 5 decides
			}
			if got := w.CannotMatch([]pq.ColumnStats{tc.st}); got != want {
				t.Errorf("CannotMatch(%+v) = %v, want %v", tc.st, got, want)
			}
		})
	}
}

// TestMayMatchFloats: a batch filtered by MayMatchFloats keeps exactly the
// rows that are null or infinite or NaN or that CannotMatchFloat does not
// rule out (what the feed kept row by row), for every operator, on doubles
// around VALUE, equal to it, and the special values, with nulls and without.
func TestMayMatchFloats(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	specials := []float64{math.Inf(1), math.Inf(-1), math.NaN(), 0, math.Copysign(0, -1)}
	for _, op := range []string{">", ">=", "<", "<=", "==", "!="} {
		for _, value := range []string{"990", "-2.5", "0", "0.1"} {
			w, err := parseWhere("c " + op + " " + value)
			if err != nil {
				t.Fatal(err)
			}
			fp, ok := w.parquetPredicate().(pq.FloatPredicate)
			if !ok {
				t.Fatalf("c %s %s: no float predicate", op, value)
			}
			cv := w.parquetPredicate().(floatCondition).cv
			vals := make([]float64, 600)
			null := make([]bool, len(vals))
			for i := range vals {
				switch k := rng.Intn(6); k {
				case 0:
					vals[i] = specials[rng.Intn(len(specials))]
				case 1:
					vals[i] = cv
				case 2:
					vals[i] = math.Nextafter(cv, math.Inf(2*rng.Intn(2)-1))
				default:
					vals[i] = cv + rng.NormFloat64()*10
				}
				null[i] = rng.Intn(8) == 0
			}
			var want []int32
			for i, v := range vals {
				if null[i] || math.IsInf(v, 0) || !fp.CannotMatchFloat(v) {
					want = append(want, int32(i))
				}
			}
			got := fp.MayMatchFloats(nil, vals, null)
			if !slices.Equal(got, want) {
				t.Fatalf("c %s %s: MayMatchFloats keeps %d rows, row by row %d", op, value, len(got), len(want))
			}
			// the same batch without a null (a batch of 599: not a multiple of four)
			noNull := make([]bool, len(vals)-1)
			want = want[:0]
			for i, v := range vals[:len(noNull)] {
				if math.IsInf(v, 0) || !fp.CannotMatchFloat(v) {
					want = append(want, int32(i))
				}
			}
			if got := fp.MayMatchFloats(nil, vals[:len(noNull)], noNull); !slices.Equal(got, want) {
				t.Fatalf("c %s %s, no null: MayMatchFloats keeps %d rows, row by row %d", op, value, len(got), len(want))
			}
			if op != "!=" && len(want) == len(vals) {
				t.Fatalf("c %s %s: nothing ruled out: the test proves little", op, value)
			}
		}
	}
}

// TestSQLParquetPredicate: a sql WHERE of one untyped column against a
// number gets select's Parquet predicate, with the same column, operator
// and value, and neither its statistics test nor its doubles' test rules
// out a value the WHERE matches (NULL, numbers, text that is no number);
// any other query gets none.
func TestSQLParquetPredicate(t *testing.T) {
	for _, c := range []struct {
		where string
		op    op
		value string
	}{
		{"a > 990", opGT, "990"}, {"a >= -2.5", opGE, "-2.5"}, {"a < 0", opLT, "0"},
		{"a <= 0.1", opLE, "0.1"}, {"a = 3", opEQ, "3"}, {"a <> 3", opNE, "3"},
	} {
		fc, plan := sqlFloatCondition(t, c.where, "", c.op, c.value)
		prog := plan.NewProgram()
		matched := 0
		for _, v := range []string{"", "990", "990.5", "989", "-2.5", "-3", "0", "0.1", "0.10001", "3", "3.0", "nan", "abc", "-inf"} {
			for _, null := range []bool{false, true} {
				if null && v != "" {
					continue
				}
				if !prog.MatchText([]byte(v), null) {
					continue
				}
				matched++
				st := pq.ColumnStats{Column: "a", Rows: 1, Order: pq.Numeric, HasMinMax: !null, Min: []byte(v), Max: []byte(v)}
				if null {
					st.NullCount = 1
				}
				if f, err := strconv.ParseFloat(v, 64); err == nil || null {
					if len(fc.MayMatchFloats(nil, []float64{f}, []bool{null})) != 1 {
						t.Errorf("%s: the double %s (null %v) matches, but MayMatchFloats rules it out", c.where, v, null)
					}
				}
				if _, isNum := decimal.ParseText([]byte(v)); !isNum && !null {
					st.Order = pq.Bytewise
				}
				if fc.CannotMatch([]pq.ColumnStats{st}) {
					t.Errorf("%s: %q (null %v) matches, but CannotMatch rules its statistics out", c.where, v, null)
				}
			}
		}
		if matched < 2 {
			t.Errorf("%s: %d of the values match: the test proves little", c.where, matched)
		}
	}
	for _, q := range []string{
		"SELECT a FROM 'x.parquet' WHERE a > 5 AND b > 1",
		"SELECT a FROM 'x.parquet' WHERE a + 1 > 5",
		"SELECT a FROM 'x.parquet' WHERE a > 'abc'",
		"SELECT * FROM 'x.parquet' WHERE a > 5",
		"SELECT a FROM 'x.parquet'",
	} {
		j, err := newSQL(Params{"query": q})
		if err != nil {
			t.Fatal(err)
		}
		if p := j.(interface{ ParquetPredicate() pq.Predicate }).ParquetPredicate(); p != nil {
			t.Errorf("%s: predicate %T, want none", q, p)
		}
	}
	j, err := newSQL(Params{"query": "SELECT a FROM 'x.parquet' WHERE a > 5", "schema": "a:BIGINT"})
	if err != nil {
		t.Fatal(err)
	}
	if p := j.(interface{ ParquetPredicate() pq.Predicate }).ParquetPredicate(); p != nil {
		t.Errorf("typed BIGINT a > 5: predicate %T, want none", p)
	}
}

// sqlFloatCondition is the Parquet predicate of the sql job over
// 'x.parquet' with WHERE where (its columns typed by schema), which must be
// a floatCondition of a, op and value, and the job's plan.
func sqlFloatCondition(t *testing.T, where, schema string, op op, value string) (floatCondition, *sql.Plan) {
	t.Helper()
	j, err := newSQL(Params{"query": "SELECT a, b FROM 'x.parquet' WHERE " + where, "schema": schema})
	if err != nil {
		t.Fatal(err)
	}
	p := j.(interface{ ParquetPredicate() pq.Predicate }).ParquetPredicate()
	fc, ok := p.(floatCondition)
	if !ok {
		t.Fatalf("%s: predicate %T, want a floatCondition", where, p)
	}
	if w := fc.condition; w.Column != "a" || w.op != op || string(w.value) != value || !w.isNum {
		t.Fatalf("%s: condition %+v, want a %v %s", where, *w, op, value)
	}
	plan, _ := j.(*sqlConcatJob).plan(nil)
	return fc, plan
}

// TestSQLParquetPredicateOnDouble: a sql WHERE of a DOUBLE column (a
// Parquet DOUBLE the planner types) against a number gets a predicate
// whose VALUE is the number's double's shortest text, and neither its
// statistics test nor its doubles' test rules out a double the WHERE
// matches: the doubles next to the constant, a literal of more digits
// than a double holds, -0, infinities and NaN.
func TestSQLParquetPredicateOnDouble(t *testing.T) {
	for _, c := range []struct {
		where string
		op    op
		value string
		cv    float64
	}{
		{"a > 990", opGT, "990.0", 990}, {"a >= -2.5", opGE, "-2.5", -2.5}, {"a < 0", opLT, "0.0", 0},
		{"a <= 0.1", opLE, "0.1", 0.1}, {"a = 0.10000000000000000001", opEQ, "0.1", 0.1},
		{"a >= 0.10000000000000000001", opGE, "0.1", 0.1}, {"a <> 3", opNE, "3.0", 3},
		{"a > 1e20", opGT, "1e+20", 1e20},
	} {
		fc, plan := sqlFloatCondition(t, c.where, "a:DOUBLE", c.op, c.value)
		prog := plan.NewProgram()
		matched, ruledOut := 0, 0
		for _, v := range []float64{c.cv, math.Nextafter(c.cv, math.Inf(1)), math.Nextafter(c.cv, math.Inf(-1)), 0, math.Copysign(0, -1),
			-c.cv, c.cv * 2, math.Inf(1), math.Inf(-1), math.NaN(), 1e300, -1e300} {
			text := strconv.AppendFloat(nil, v, 'g', -1, 64)
			if math.IsInf(v, 0) || math.IsNaN(v) {
				text = []byte(map[bool]string{true: "inf", false: "-inf"}[v > 0])
				if math.IsNaN(v) {
					text = []byte("nan")
				}
			}
			st := pq.ColumnStats{Column: "a", Rows: 1, Order: pq.Numeric, HasMinMax: true, Min: text, Max: text, MayHaveNaN: math.IsNaN(v)}
			at := slices.Index(plan.Columns, "a")
			prog.Reset()
			prog.Row.Text[at], prog.Row.Null[at] = text, false
			if !prog.Match() {
				if fc.CannotMatch([]pq.ColumnStats{st}) {
					ruledOut++
				}
				continue
			}
			matched++
			if len(fc.MayMatchFloats(nil, []float64{v}, []bool{false})) != 1 {
				t.Errorf("%s: the double %s matches, but MayMatchFloats rules it out", c.where, text)
			}
			if fc.CannotMatch([]pq.ColumnStats{st}) {
				t.Errorf("%s: %s matches, but CannotMatch rules its statistics out", c.where, text)
			}
		}
		if matched < 1 || ruledOut < 1 {
			t.Errorf("%s: %d of the values match, %d ruled out: the test proves little", c.where, matched, ruledOut)
		}
	}
}
