package decimal

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/scattergather/scattergather/internal/duckfmt"
)

// TestFromDoubleMatchesText: FromDouble gives what Parse gives for the
// double's text as duckfmt prints it (the same number and the same scale,
// which a sum's output keeps), on random decimals of 0 to 8 places, random
// bit patterns and the edges; it declines exactly where ShortDouble does.
func TestFromDoubleMatchesText(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.0001, 0.00009999, 999999999.999999, 1e9, 1e-4, -1e-4,
		123.0, 5e8, 0.1, 0.2, 0.3, 100, 1e15, math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300000; i++ {
		places := rng.IntN(9)
		v := float64(rng.Int64N(1e12)) / math.Pow(10, float64(places))
		if rng.IntN(2) == 0 {
			v = -v
		}
		vals = append(vals, v, math.Float64frombits(rng.Uint64()))
	}
	var declined int
	for _, f := range vals {
		d, ok := FromDouble(f)
		_, short := duckfmt.ShortDouble(f)
		if ok != short {
			t.Fatalf("FromDouble(%v) ok = %v, ShortDouble ok = %v", f, ok, short)
		}
		if !ok {
			declined++
			continue
		}
		text := duckfmt.AppendFloat(nil, f, 64)
		want, pok := ParseText(text)
		if !pok {
			t.Fatalf("ParseText(%q) failed", text)
		}
		if Cmp(d, want) != 0 || d.Scale() != want.Scale() || d.String() != want.String() {
			t.Fatalf("FromDouble(%v) = %s (scale %d), the text %q parses as %s (scale %d)", f, d, d.Scale(), text, want, want.Scale())
		}
	}
	if declined == 0 || declined == len(vals) {
		t.Fatalf("%d of %d declined: the test covers only one side", declined, len(vals))
	}
}
