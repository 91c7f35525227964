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
	// The places are 6 less the trailing zeros of the fraction (at most 5:
	// a whole number prints as "N.0"). They are counted without a branch
	// (constant divisibility tests, each 0 or 1; one divisible by 10^j is
	// by every lesser power), since money's places vary from row to row
	// and a switch on them mispredicts; the coefficient is x over 10^k,
	// which k tens divide exactly: x>>k (over 2^k) times the inverse of
	// 5^k modulo 2^64 (no DIV instruction).
	k := b2i(x%10 == 0) + b2i(x%100 == 0) + b2i(x%1_000 == 0) + b2i(x%10_000 == 0) + b2i(x%100_000 == 0)
	scale := 6 - k
	coef := int64((x >> k) * inv5[k])
	if f < 0 {
		coef = -coef
	}
	return Dec{small: coef, scale: scale}, true
}

// Coef is d's coefficient (d is Coef × 10^-Scale()) when it fits an int64;
// false when d holds a larger one.
func (d Dec) Coef() (int64, bool) { return d.small, d.big == nil }

// inv5 holds the inverses of 5^k modulo 2^64, for dividing exactly by 10^k.
var inv5 = [...]uint64{1, 0xcccccccccccccccd, 0x8f5c28f5c28f5c29, 0x1cac083126e978d5, 0xd288ce703afb7e91, 0x5d4e8fb00bcbe61d}

// b2i is 1 for true, 0 for false (compiled to a SETcc).
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
