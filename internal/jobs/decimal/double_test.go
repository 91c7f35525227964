package decimal

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
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

// TestFromDoubleExact: FromDouble's coefficient and scale against two
// oracles that share nothing with its division by inverses of 5^k: the
// digits strconv prints for the double (the shortest decimal that rounds
// to it, 'f' format, the places taken from the text) and the division of
// the implementation before dc7ae68 (a switch on the fraction's trailing
// zeros, then x / 10^k). Over millions of doubles: decimals of 0 to 8
// places and 1 to 15 digits, both signs; decimals m×10^-p whose m is a
// power of ten or a few from one (every place count's carries); powers of
// ten stepped a few doubles up and down; random bit patterns; and the edges
// (±0, NaN, ±Inf, the range's ends and the doubles beside them). FromDouble
// must accept exactly the finite doubles of magnitude in [1e-4, 1e9) whose
// shortest text has at most 6 places, and each of the six scales must be
// met with both signs.
func TestFromDoubleExact(t *testing.T) {
	for k, inv := range inv5 {
		if p := uint64(pow10[k] >> k); inv*p != 1 {
			t.Fatalf("inv5[%d] = %#x is not the inverse of 5^%d modulo 2^64", k, inv, k)
		}
	}
	edges := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1),
		1e-4, math.Nextafter(1e-4, 0), math.Nextafter(1e-4, 1), 1e9, math.Nextafter(1e9, 0), 999999999.999999,
		999999999.99999, 0.000999999, 1e15, math.MaxFloat64, math.SmallestNonzeroFloat64, math.MaxInt64}
	n := 3_000_000
	if testing.Short() {
		n = 300_000
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var met [2][7]int // [negative][scale]: accepted values
	var declined int
	for i := 0; i < len(edges)+n; i++ {
		var f float64
		if i < len(edges) {
			f = edges[i]
		} else {
			f = randomDouble(rng)
		}
		for _, f := range []float64{f, -f} {
			d, ok := FromDouble(f)
			want, wantScale, wantOK := shortestDecimal(f)
			if ok != wantOK {
				t.Fatalf("FromDouble(%v) ok = %v, want %v (text %s)", f, ok, wantOK, strconv.FormatFloat(f, 'f', -1, 64))
			}
			if !ok {
				declined++
				continue
			}
			coef, small := d.Coef()
			oldCoef, oldScale := fromDoubleDiv(f)
			if !small || coef != want || d.Scale() != wantScale || coef != oldCoef || d.Scale() != oldScale {
				t.Fatalf("FromDouble(%v) = %d×10^-%d (int64 %v), strconv's text %s gives %d×10^-%d, the division %d×10^-%d",
					f, coef, d.Scale(), small, strconv.FormatFloat(f, 'f', -1, 64), want, wantScale, oldCoef, oldScale)
			}
			met[b2i(f < 0)][d.Scale()]++
		}
	}
	for neg := range met {
		for scale := 1; scale <= 6; scale++ {
			if met[neg][scale] == 0 {
				t.Errorf("no accepted value of scale %d (negative %v): the test does not cover it", scale, neg == 1)
			}
		}
	}
	if declined == 0 {
		t.Error("no value declined: the test covers one side only")
	}
}

// randomDouble is one of TestFromDoubleExact's doubles, not negative.
func randomDouble(rng *rand.Rand) float64 {
	switch rng.IntN(5) {
	case 0, 1: // a decimal of 0 to 8 places and 1 to 15 digits
		places, digits := rng.IntN(9), 1+rng.IntN(15)
		return float64(rng.Int64N(pow10[digits])) / math.Pow10(places)
	case 2: // 10^j + a few, over 10^p: carries into a new place count
		j, p := rng.IntN(16), rng.IntN(9)
		return float64(pow10[j]+rng.Int64N(5)-2) / math.Pow10(p)
	case 3: // a power of ten, a few doubles up or down
		f := math.Pow10(rng.IntN(16) - 5)
		for s := rng.IntN(7) - 3; s != 0; s -= stepSign(s) {
			f = math.Nextafter(f, math.Inf(stepSign(s)))
		}
		return f
	default:
		return math.Abs(math.Float64frombits(rng.Uint64()))
	}
}

func stepSign(s int) int {
	if s < 0 {
		return -1
	}
	return 1
}

// shortestDecimal is the coefficient and scale FromDouble must give f, from
// strconv's shortest text of f: its digits and places (at least one place,
// as a whole number prints as "N.0"); ok false where FromDouble must
// decline (not finite, magnitude outside [1e-4, 1e9), more than 6 places).
func shortestDecimal(f float64) (coef int64, scale int, ok bool) {
	a := math.Abs(f)
	if math.IsNaN(a) || a < 1e-4 || a >= 1e9 {
		return 0, 0, false
	}
	text := strconv.FormatFloat(a, 'f', -1, 64)
	whole, frac, _ := strings.Cut(text, ".")
	if len(frac) > 6 {
		return 0, 0, false
	}
	scale = max(len(frac), 1)
	c, err := strconv.ParseInt(whole+frac+strings.Repeat("0", scale-len(frac)), 10, 64)
	if err != nil {
		panic(err)
	}
	if f < 0 {
		c = -c
	}
	return c, scale, true
}

// fromDoubleDiv is FromDouble as it was before dc7ae68: the places from a
// switch on the fraction's trailing zeros, the coefficient by a division.
func fromDoubleDiv(f float64) (int64, int) {
	x, _ := duckfmt.ShortDouble(f)
	var scale int
	switch frac := x % 1_000_000; {
	case frac%100_000 == 0:
		scale = 1
	case frac%10_000 == 0:
		scale = 2
	case frac%1_000 == 0:
		scale = 3
	case frac%100 == 0:
		scale = 4
	case frac%10 == 0:
		scale = 5
	default:
		scale = 6
	}
	coef := int64(x / uint64(pow10[6-scale]))
	if f < 0 {
		coef = -coef
	}
	return coef, scale
}
