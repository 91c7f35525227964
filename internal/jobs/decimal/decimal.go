package decimal

import (
	"cmp"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// MaxExponent bounds the exponent of a parsed number: a text whose exponent is
// larger in magnitude is not a number (it would cost unbounded memory to hold
// exactly).
const MaxExponent = 1000

// maxSmallDigits is how many significant digits always fit an int64.
const maxSmallDigits = 18

// Dec is an exact decimal number: coefficient × 10^-scale with scale >= 0. The
// coefficient lives in an int64 when it fits and in a big.Int otherwise. The
// zero Dec is 0 with scale 0. Operations never modify their operands.
type Dec struct {
	small int64
	big   *big.Int // when non-nil, the coefficient; small is ignored
	scale int
}

var pow10 = [...]int64{
	1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
	1_000_000_000, 10_000_000_000, 100_000_000_000, 1_000_000_000_000,
	10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
	10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
}

// sign reads an optional sign at b[i]: whether it is '-', and where what
// follows it starts.
func sign(b []byte, i int) (neg bool, next int) {
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		return b[i] == '-', i + 1
	}
	return false, i
}

// parsePlain is Parse's common case in one pass: [+-]?digits[.digits] or
// [+-]?.digits, no exponent, at most maxSmallDigits digits in all (so at
// most that many significant ones: the int64 Parse would compute). It
// reports false for anything else, which Parse then reads the long way.
func parsePlain(b []byte) (Dec, bool) {
	n := len(b)
	neg, i := sign(b, 0)
	var v int64
	start := i
	for ; i < n && b[i]-'0' <= 9; i++ {
		v = v*10 + int64(b[i]-'0')
	}
	digits, scale := i-start, 0
	if i < n && b[i] == '.' {
		i++
		frac := i
		for ; i < n && b[i]-'0' <= 9; i++ {
			v = v*10 + int64(b[i]-'0')
		}
		if scale = i - frac; scale == 0 {
			return Dec{}, false
		}
		digits += scale
	}
	if i != n || digits == 0 || digits > maxSmallDigits {
		return Dec{}, false
	}
	if neg {
		v = -v
	}
	return Dec{small: v, scale: scale}, true
}

// Parse reads [+-]?(digits[.digits]|.digits)([eE][+-]?digits)? from b, exactly,
// without allocating unless the coefficient needs more than 18 digits. The
// scale of the result is max(0, fraction digits - exponent): the number of
// decimal places the text denotes ("1.50" has scale 2, "1.5e3" scale 0).
func Parse(b []byte) (Dec, bool) {
	if d, ok := parsePlain(b); ok {
		return d, true
	}
	return parseLong(b)
}

// parseLong is Parse of any text: two passes, the syntax and then the
// digits, into an int64 or a big.Int.
func parseLong(b []byte) (Dec, bool) {
	n := len(b)
	neg, i := sign(b, 0)
	intStart := i
	for i < n && isDigit(b[i]) {
		i++
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < n && b[i] == '.' {
		i++
		fracStart = i
		for i < n && isDigit(b[i]) {
			i++
		}
		fracEnd = i
		if fracEnd == fracStart {
			return Dec{}, false // "5." and "." are not numbers
		}
	}
	if intEnd == intStart && fracEnd == fracStart {
		return Dec{}, false
	}
	exp := 0
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		var eneg bool
		eneg, i = sign(b, i+1)
		start := i
		for i < n && isDigit(b[i]) {
			if exp <= MaxExponent {
				exp = exp*10 + int(b[i]-'0')
			}
			i++
		}
		if i == start || exp > MaxExponent {
			return Dec{}, false
		}
		if eneg {
			exp = -exp
		}
	}
	if i != n {
		return Dec{}, false
	}
	// One pass: the value, while it has at most maxSmallDigits significant
	// digits (leading zeros, across the integer and fraction parts, are not),
	// and their count; past that v is wrong and the big path reads again.
	sig := 0
	var v int64
	for j := intStart; j < fracEnd; j++ {
		c := b[j]
		if c == '.' {
			continue
		}
		if sig > 0 || c != '0' {
			sig++
		}
		v = v*10 + int64(c-'0')
	}
	d := Dec{scale: (fracEnd - fracStart) - exp}
	if sig <= maxSmallDigits {
		if neg {
			v = -v
		}
		d.small = v
	} else {
		z := new(big.Int)
		var chunk int64
		k := 0
		var t big.Int
		for j := intStart; j < fracEnd; j++ {
			c := b[j]
			if c == '.' {
				continue
			}
			chunk = chunk*10 + int64(c-'0')
			k++
			if k == maxSmallDigits {
				z.Mul(z, t.SetInt64(pow10[k]))
				z.Add(z, t.SetInt64(chunk))
				chunk, k = 0, 0
			}
		}
		if k > 0 {
			z.Mul(z, t.SetInt64(pow10[k]))
			z.Add(z, t.SetInt64(chunk))
		}
		if neg {
			z.Neg(z)
		}
		d.big = z
	}
	if d.scale < 0 {
		d = d.rescale(0)
	}
	return d, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// FromInt returns v with scale 0.
func FromInt(v int64) Dec { return Dec{small: v} }

// Scale is the number of decimal places the value is written with.
func (d Dec) Scale() int { return d.scale }

// Sign returns -1, 0 or +1.
func (d Dec) Sign() int {
	if d.big != nil {
		return d.big.Sign()
	}
	switch {
	case d.small < 0:
		return -1
	case d.small > 0:
		return 1
	}
	return 0
}

// bigCoef returns the coefficient as a big.Int (a new one for small values).
func (d Dec) bigCoef() *big.Int {
	if d.big != nil {
		return d.big
	}
	return big.NewInt(d.small)
}

// rescale returns d with the larger scale s (s >= d.scale), the same value.
func (d Dec) rescale(s int) Dec {
	k := s - d.scale
	if k == 0 {
		return d
	}
	if d.big == nil && k < len(pow10) {
		hi, lo := bits.Mul64(uint64(abs64(d.small)), uint64(pow10[k]))
		if hi == 0 && lo <= math.MaxInt64 && d.small != math.MinInt64 {
			v := int64(lo)
			if d.small < 0 {
				v = -v
			}
			return Dec{small: v, scale: s}
		}
	}
	z := new(big.Int).Mul(d.bigCoef(), pow10Big(k))
	return Dec{big: z, scale: s}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func pow10Big(k int) *big.Int {
	if k < len(pow10) {
		return big.NewInt(pow10[k])
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
}

// align returns a and b at the same scale, the larger of the two.
func align(a, b Dec) (Dec, Dec) {
	switch {
	case a.scale < b.scale:
		a = a.rescale(b.scale)
	case b.scale < a.scale:
		b = b.rescale(a.scale)
	}
	return a, b
}

// Cmp compares a and b exactly: -1 if a < b, 0 if equal, +1 if a > b.
func Cmp(a, b Dec) int {
	if sa, sb := a.Sign(), b.Sign(); sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	a, b = align(a, b)
	if a.big == nil && b.big == nil {
		return cmp.Compare(a.small, b.small)
	}
	return a.bigCoef().Cmp(b.bigCoef())
}

// Add returns a + b exactly, with scale max(a.Scale(), b.Scale()).
func Add(a, b Dec) Dec {
	a, b = align(a, b)
	if a.big == nil && b.big == nil {
		s := a.small + b.small
		// Overflow iff both operands have the same sign and the sum's sign differs.
		if (a.small >= 0) != (b.small >= 0) || (s >= 0) == (a.small >= 0) {
			return Dec{small: s, scale: a.scale}
		}
	}
	z := new(big.Int).Add(a.bigCoef(), b.bigCoef())
	return Dec{big: z, scale: a.scale}
}

// Append writes d in plain notation (no exponent) with exactly Scale()
// fractional digits, e.g. "-12.50"; zero is never negative.
func (d Dec) Append(dst []byte) []byte {
	if d.big == nil && d.scale <= maxSmallDigits {
		return appendSmall(dst, d.small, d.scale)
	}
	var digits []byte
	var buf [20]byte
	neg := false
	if d.big == nil {
		u := uint64(d.small)
		if d.small < 0 {
			neg = true
			u = uint64(-d.small) // also right for MinInt64
		}
		digits = strconv.AppendUint(buf[:0], u, 10)
	} else {
		neg = d.big.Sign() < 0
		digits = new(big.Int).Abs(d.big).Append(nil, 10)
	}
	return appendPlain(dst, neg, digits, d.scale)
}

// appendSmall is Append of an int64 coefficient v with at most
// maxSmallDigits places: its digits written from the right into one buffer,
// the point among them, and copied once (a gather prints a sum per group).
func appendSmall(dst []byte, v int64, scale int) []byte {
	var buf [24]byte // 19 digits, the point, a leading 0 and the sign
	u := uint64(v)
	if v < 0 {
		u = uint64(-v) // also right for MinInt64
	}
	i := len(buf)
	for range scale {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	if scale > 0 {
		i--
		buf[i] = '.'
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		if u /= 10; u == 0 {
			break
		}
	}
	if v < 0 {
		i--
		buf[i] = '-'
	}
	return append(dst, buf[i:]...)
}

// appendPlain writes the unsigned coefficient digits with scale fractional
// digits, the sign only when the value is not zero.
func appendPlain(dst []byte, neg bool, digits []byte, scale int) []byte {
	if neg && !(len(digits) == 1 && digits[0] == '0') {
		dst = append(dst, '-')
	}
	if scale == 0 {
		return append(dst, digits...)
	}
	if len(digits) <= scale {
		dst = append(dst, '0', '.')
		for k := len(digits); k < scale; k++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	cut := len(digits) - scale
	dst = append(dst, digits[:cut]...)
	dst = append(dst, '.')
	return append(dst, digits[cut:]...)
}

// String returns d.Append(nil) as a string.
func (d Dec) String() string { return string(d.Append(nil)) }

// AppendAvg writes sum / count rounded half to even to places fractional
// digits, then trims trailing zeros and a trailing ".". count must be > 0.
// It allocates nothing when the sum's coefficient is an int64 and the
// quotient fits one (avgSmall), as an output row per group is written.
func AppendAvg(dst []byte, sum Dec, count int64, places int) []byte {
	var buf [20]byte
	digits, neg, ok := avgSmall(&buf, sum, count, places)
	if !ok {
		digits, neg = avgBig(sum, count, places)
	}
	start := len(dst)
	dst = appendPlain(dst, neg, digits, places)
	if places > 0 {
		end := len(dst)
		for end > start && dst[end-1] == '0' {
			end--
		}
		if end > start && dst[end-1] == '.' {
			end--
		}
		dst = dst[:end]
	}
	return dst
}

// avgSmall is AppendAvg's quotient, its digits (into buf) and sign, in
// 64-bit arithmetic: ok is false when an operand or the quotient does not
// fit it (avgBig then).
func avgSmall(buf *[20]byte, sum Dec, count int64, places int) (digits []byte, neg, ok bool) {
	if sum.big != nil || count <= 0 || sum.scale < 0 || sum.scale >= len(pow10) || places < 0 || places >= len(pow10) {
		return nil, false, false
	}
	dhi, den := bits.Mul64(uint64(count), uint64(pow10[sum.scale]))
	if dhi != 0 || den > 1<<63 { // den > 1<<63: twice the remainder might not fit
		return nil, false, false
	}
	mag := uint64(sum.small)
	if sum.small < 0 {
		mag = -mag // MinInt64's magnitude too
	}
	hi, lo := bits.Mul64(mag, uint64(pow10[places]))
	if hi >= den {
		return nil, false, false
	}
	q, r := bits.Div64(hi, lo, den)
	if r2 := r << 1; r2 > den || (r2 == den && q&1 == 1) { // half to even
		if q == math.MaxUint64 {
			return nil, false, false
		}
		q++
	}
	return strconv.AppendUint(buf[:0], q, 10), sum.small < 0 && q != 0, true
}

// avgBig is AppendAvg's quotient, its digits and sign, in math/big.
func avgBig(sum Dec, count int64, places int) (digits []byte, neg bool) {
	num := new(big.Int).Mul(sum.bigCoef(), pow10Big(places))
	den := new(big.Int).Mul(big.NewInt(count), pow10Big(sum.scale))
	q, r := new(big.Int).QuoRem(num, den, new(big.Int)) // truncated toward zero
	// Round half to even on the magnitude.
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if c := r2.Cmp(den); c > 0 || (c == 0 && q.Bit(0) == 1) {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	neg = q.Sign() < 0
	return q.Abs(q).Append(nil, 10), neg
}

// AddTo sets *d to *d + b exactly, as Add does. When both coefficients are
// int64s, b's scale is at most d's and the sum fits (a running sum, once its
// scale is the largest of its terms'), it changes the coefficient in place.
func (d *Dec) AddTo(b Dec) {
	if d.big == nil {
		if s, ok := AddInt64(d.small, d.scale, b); ok {
			d.small = s
			return
		}
	}
	*d = Add(*d, b)
}

// AddInt64 is the coefficient of coef × 10^-scale + b at that scale, when
// b's coefficient is an int64, b's scale is at most scale and the sum fits
// an int64 (AddTo's common case, for a sum kept as a coefficient and a
// scale); false otherwise.
func AddInt64(coef int64, scale int, b Dec) (int64, bool) {
	if b.big != nil || b.scale > scale {
		return 0, false
	}
	v := b.small
	if k := scale - b.scale; k > 0 {
		if k >= len(pow10) {
			return 0, false
		}
		hi, lo := bits.Mul64(uint64(abs64(v)), uint64(pow10[k]))
		if hi != 0 || lo > math.MaxInt64 || v == math.MinInt64 {
			return 0, false
		}
		if v < 0 {
			v = -int64(lo)
		} else {
			v = int64(lo)
		}
	}
	s := coef + v
	if (coef >= 0) != (v >= 0) || (s >= 0) == (coef >= 0) {
		return s, true
	}
	return 0, false
}
