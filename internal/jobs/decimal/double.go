package decimal

import "github.com/scattergather/scattergather/internal/duckfmt"

// New is coef × 10^-scale; scale must be at least 0.
func New(coef int64, scale int) Dec { return Dec{small: coef, scale: scale} }

// FromDouble is the decimal a Parquet DOUBLE reads as, without printing it:
// Parse of its text as duckfmt.AppendFloat prints it (the shortest decimal
// that rounds to f, with that many places), for the doubles whose text
// duckfmt.ShortDouble gives (money, measurements: at most 6 places). false
// for the others, which the caller prints and parses.
func FromDouble(f float64) (Dec, bool) {
	x, ok := duckfmt.ShortDouble(f)
	if !ok {
		return Dec{}, false
	}
	// The places are 6 less the trailing zeros of the fraction, found by
	// constant divisions rather than a loop of them.
	var scale int
	switch frac := x % 1_000_000; {
	case frac%100_000 == 0:
		scale = 1 // a whole number prints as "N.0"
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
	return Dec{small: coef, scale: scale}, true
}

// Coef is d's coefficient (d is Coef × 10^-Scale()) when it fits an int64;
// false when d holds a larger one.
func (d Dec) Coef() (int64, bool) { return d.small, d.big == nil }
