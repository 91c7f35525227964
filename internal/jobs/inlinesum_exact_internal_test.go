package jobs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/sql"
)

// trickySums are values whose sums cross an int64 either way (and come
// back), change scale mid-stream (a value with more places after many with
// fewer, by up to 30 places), are negative zeros, or have exponents.
var trickySums = []string{
	"9223372036854775807", "-9223372036854775808", "-9223372036854775807",
	"5000000000000000000", "-5000000000000000000", "4611686018427387904",
	"1", "-1", "0", "-0", "-0.00", "12", "-7", "3.14159", "0.001",
	"1e-30", "-1e-30", "1.5e3", "2E+2", "-4.25e-2", "1e18", "-1e18",
	"123456789012345678.9", "99999999999999999999.25", "-99999999999999999999",
	"0.000000000000000000001", "922337203685477580.7", "-0.5",
	"900000000000000000", "-999999999999999999", "0.9e18", "-99999999999999999.9",
}

// exactSum is the sum of texts as a big.Rat, computed apart from package
// decimal.
func exactSum(t *testing.T, texts []string) *big.Rat {
	t.Helper()
	sum := new(big.Rat)
	for _, s := range texts {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("big.Rat cannot read %q", s)
		}
		sum.Add(sum, r)
	}
	return sum
}

// checkExact fails unless d is exactly want.
func checkExact(t *testing.T, what string, d decimal.Dec, want *big.Rat) {
	t.Helper()
	got, ok := new(big.Rat).SetString(d.String())
	if !ok || got.Cmp(want) != 0 {
		t.Fatalf("%s: sum %s, want %s", what, d.String(), want.FloatString(40))
	}
}

// trickySequence is a random run of trickySums, after, half the time, a
// run of up to 200 values of no or one place whose sum passes an int64.
func trickySequence(rng *rand.Rand) []string {
	var seq []string
	if rng.IntN(2) == 0 {
		// Values that parse to int64 coefficients (at most 18 digits),
		// mostly of one sign: their sum crosses an int64 in the entry.
		sign := []string{"", "-"}[rng.IntN(2)]
		for range rng.IntN(200) {
			v := []string{"1", "12", "900000000000000000", "999999999999999999", "99999999999999999.9", "4611686018427387904"}[rng.IntN(6)]
			if rng.IntN(10) == 0 {
				seq = append(seq, "-"+v)
			} else {
				seq = append(seq, sign+v)
			}
		}
	}
	for range 1 + rng.IntN(20) {
		seq = append(seq, trickySums[rng.IntN(len(trickySums))])
	}
	return seq
}

// TestInlineSumExact: groupby's lone sum in its entry (sumState, bigSums)
// is exact over sums that cross an int64 either way, scales that change
// mid-stream, negative zeros and exponents, and encodes to the bytes of the
// decimal.Dec the entry held before (the first value, then AddTo), so its
// partials are unchanged.
func TestInlineSumExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 3000 {
		seq := trickySequence(rng)
		var bigSums []decimal.Dec
		var in sumState
		var old decimal.Dec
		exact := new(big.Rat)
		for j, s := range seq {
			v, ok := decimal.Parse([]byte(s))
			if !ok {
				t.Fatalf("Parse(%q)", s)
			}
			in.fold(v, j == 0, &bigSums)
			if j == 0 {
				old = v
			} else {
				old.AddTo(v)
			}
			got := in.dec(bigSums)
			what := fmt.Sprintf("sequence %d %v", i, seq[:j+1])
			if a, b := got.AppendBinary(nil), old.AppendBinary(nil); !bytes.Equal(a, b) {
				t.Fatalf("%s: encoded %x, the Dec's %x", what, a, b)
			}
			checkExact(t, what, got, exact.Add(exact, exactSum(t, seq[j:j+1])))
		}
	}
}

// TestSQLSumGroupsExact: a OneColumn plan's groups in table entries
// (sumGroups) encode, after every record, to the bytes of FoldSaved's
// AggStates over the sequences of TestInlineSumExact (with NULLs among
// them), their sums are exact, and the reducer's merge (DecodeStates,
// Merge) of two partials of one group, cut anywhere, is the exact sum of
// the whole.
func TestSQLSumGroupsExact(t *testing.T) {
	const q = "SELECT substr(a, 1, 4) AS k, count(*), count(b), sum(b), avg(b) FROM 'x' GROUP BY k"
	p, err := sql.Compile(q, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := p.NewProgram()
	if _, sum, ok := g.OneColumn(); !ok || !sum {
		t.Fatalf("%s: OneColumn %v, sum %v", q, ok, sum)
	}
	partial := func(what string, seq []string) []byte {
		_, b := foldSumGroup(t, p, g, what, seq)
		return b
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for i := range 1500 {
		seq := trickySequence(rng)
		for k := range seq {
			if rng.IntN(6) == 0 {
				seq[k] = "" // NULL
			}
		}
		var values []string
		for _, v := range seq {
			if v != "" {
				values = append(values, v)
			}
		}
		what := fmt.Sprintf("sequence %d %v", i, seq)
		whole := sumOfStates(t, what, partial(what, seq))
		checkExact(t, what, whole, exactSum(t, values))
		cut := rng.IntN(len(seq) + 1)
		merged := g.NewStates()
		for _, part := range [][]string{seq[:cut], seq[cut:]} {
			o := g.NewStates()
			if err := g.DecodeStates(partial(what, part), o); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			g.Merge(merged, o)
		}
		checkExact(t, fmt.Sprintf("%s merged at %d", what, cut), sumOfStates(t, what, g.AppendStates(nil, merged)), exactSum(t, values))
	}
}

// sumOfStates is the sum in the encoded states of the query of
// TestSQLSumGroupsExact (count(*), count(b), sum(b), avg(b): three counts,
// the sum after the third, the avg's after the fourth), checking that the
// sum's and the avg's agree.
func sumOfStates(t *testing.T, what string, b []byte) decimal.Dec {
	t.Helper()
	var sums []decimal.Dec
	for a := range 4 {
		_, k := binary.Uvarint(b)
		if k <= 0 {
			t.Fatalf("%s: bad count in states %x", what, b)
		}
		b = b[k:]
		if a >= 2 {
			d, k, ok := decimal.DecodeBinary(b)
			if !ok {
				t.Fatalf("%s: bad sum in states", what)
			}
			sums, b = append(sums, d), b[k:]
		}
	}
	if len(b) != 0 || decimal.Cmp(sums[0], sums[1]) != 0 {
		t.Fatalf("%s: states with %d bytes left, sum %s and avg's sum %s", what, len(b), sums[0], sums[1])
	}
	return sums[0]
}
