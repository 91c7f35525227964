package jobs

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/pq"
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
