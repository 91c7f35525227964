package decimal

import (
	"math"
	"math/big"
	"strconv"
)

// Neg returns -d.
func Neg(d Dec) Dec {
	if d.big == nil && d.small != math.MinInt64 {
		return Dec{small: -d.small, scale: d.scale}
	}
	return Dec{big: new(big.Int).Neg(d.bigCoef()), scale: d.scale}
}

// Sub returns a - b exactly, with scale max(a.Scale(), b.Scale()).
func Sub(a, b Dec) Dec { return Add(a, Neg(b)) }

// Mul returns a × b exactly, with scale a.Scale() + b.Scale().
func Mul(a, b Dec) Dec {
	if a.big == nil && b.big == nil {
		hi, lo := bits64Mul(a.small, b.small)
		if hi == 0 {
			return Dec{small: lo, scale: a.scale + b.scale}
		}
	}
	return Dec{big: new(big.Int).Mul(a.bigCoef(), b.bigCoef()), scale: a.scale + b.scale}
}

// bits64Mul returns a*b as lo with hi 0 when it fits an int64, else hi 1.
func bits64Mul(a, b int64) (hi, lo int64) {
	if a == 0 || b == 0 {
		return 0, 0
	}
	p := a * b
	if a == math.MinInt64 || b == math.MinInt64 || p/b != a {
		return 1, 0
	}
	return 0, p
}

// Round returns d rounded to scale fractional digits, half away from zero
// (as DuckDB casts to a DECIMAL of that scale). A larger scale only pads.
func Round(d Dec, scale int) Dec {
	if scale < 0 {
		scale = 0
	}
	if d.scale <= scale {
		return d.rescale(scale)
	}
	k := d.scale - scale
	if d.big == nil && k < len(pow10) {
		p := pow10[k]
		q, r := d.small/p, d.small%p
		if abs64(r) >= p-abs64(r) && r != 0 { // |r| >= p/2, without overflow
			if d.small < 0 {
				q--
			} else {
				q++
			}
		}
		return Dec{small: q, scale: scale}
	}
	p := pow10Big(k)
	q, r := new(big.Int).QuoRem(d.bigCoef(), p, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(p) >= 0 {
		if d.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return normal(q, scale)
}

// normal returns coefficient z with the given scale, small when it fits.
func normal(z *big.Int, scale int) Dec {
	if z.IsInt64() {
		return Dec{small: z.Int64(), scale: scale}
	}
	return Dec{big: z, scale: scale}
}

// Digits returns the number of digits of d's coefficient left of the
// decimal point (0 for |d| < 1), for checking a DECIMAL's width.
func Digits(d Dec) int {
	var n int
	if d.big == nil {
		u := uint64(abs64(d.small))
		if d.small == math.MinInt64 {
			u = 1 << 63
		}
		for ; u > 0; u /= 10 { // no string: a typed DECIMAL column checks every value
			n++
		}
	} else {
		n = len(new(big.Int).Abs(d.big).String())
	}
	return max(0, n-d.scale)
}

// Float64 returns the float64 nearest to d.
func Float64(d Dec) float64 {
	if d.big == nil && d.scale < 23 && abs64(d.small) < 1<<53 && d.small != math.MinInt64 {
		// Both operands are exact, so the one division rounds correctly.
		return float64(d.small) / float64pow10[d.scale]
	}
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

var float64pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// Int64 returns d rounded half away from zero to an integer, and false when
// that does not fit an int64.
func Int64(d Dec) (int64, bool) {
	r := Round(d, 0)
	if r.big != nil {
		return 0, false
	}
	return r.small, true
}

// Quo returns a / b as the float64 nearest to the exact quotient; b must not be zero.
func Quo(a, b Dec) float64 {
	x := new(big.Rat).SetFrac(a.bigCoef(), pow10Big(a.scale))
	y := new(big.Rat).SetFrac(b.bigCoef(), pow10Big(b.scale))
	f, _ := x.Quo(x, y).Float64()
	return f
}

// Rem returns the remainder of a / b truncated toward zero (its sign is
// a's), with scale max(a.Scale(), b.Scale()); b must not be zero.
func Rem(a, b Dec) Dec {
	a, b = align(a, b)
	if a.big == nil && b.big == nil && !(a.small == math.MinInt64 && b.small == -1) {
		return Dec{small: a.small % b.small, scale: a.scale}
	}
	r := new(big.Int).Rem(a.bigCoef(), b.bigCoef())
	return normal(r, a.scale)
}

// FromFloat returns f rounded to scale fractional digits (half to even on
// f's exact binary value); false for an infinity or NaN.
func FromFloat(f float64, scale int) (Dec, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return Dec{}, false
	}
	return Parse(strconv.AppendFloat(nil, f, 'f', scale, 64))
}
