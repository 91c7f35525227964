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
	coef, scale := int64(x), 6
	if coef%1_000_000 == 0 {
		coef, scale = coef/100_000, 1 // a whole number prints as "N.0"
	} else {
		for coef%10 == 0 {
			coef, scale = coef/10, scale-1
		}
	}
	if f < 0 {
		coef = -coef
	}
	return Dec{small: coef, scale: scale}, true
}
