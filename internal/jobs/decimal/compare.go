package decimal

// Const is a number that many texts are compared with, a filter's
// constant: CmpText reads a text's digits against the constant's in one
// pass, with no Dec built, and parses (ParseText) only a text of another
// form (a sign, an exponent, spaces, underscores, over 18 integer digits).
type Const struct {
	d Dec
	// fast: the constant's integer part fits ip (a big or very small
	// constant is compared by parsing every text).
	fast bool
	neg  bool   // d < 0
	ip   uint64 // |d|'s integer part
	frac []byte // |d|'s fraction digits, without trailing zeros
}

// NewConst compiles d for CmpText.
func NewConst(d Dec) Const {
	c := Const{d: d}
	if d.big != nil || d.scale >= len(pow10) {
		return c
	}
	v := d.small
	c.neg = v < 0
	if c.neg {
		if v == -v { // math.MinInt64
			return c
		}
		v = -v
	}
	p := pow10[d.scale]
	c.ip = uint64(v / p)
	f := v % p
	digits := make([]byte, d.scale)
	for i := d.scale - 1; i >= 0; i-- {
		digits[i] = byte('0' + f%10)
		f /= 10
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	c.frac, c.fast = digits, true
	return c
}

// Dec is the constant.
func (c *Const) Dec() Dec { return c.d }

// CmpText compares the number text b reads as (ParseText) with the
// constant: -1, 0 or +1, and false when b is not a number. A text of
// digits, with a point and more digits or without, is compared digit by
// digit (its integer part, at most 18 digits, as one integer); any other
// text is parsed.
func (c *Const) CmpText(b []byte) (int, bool) {
	if !c.fast {
		return c.parsed(b)
	}
	var ip uint64
	i, lim := 0, min(len(b), maxSmallDigits)
	for ; i < lim; i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		ip = ip*10 + uint64(d)
	}
	if i == 0 || i < len(b) && (b[i] != '.' || i+1 == len(b)) {
		return c.parsed(b) // a sign, a space, 19 digits, "5.", not a number
	}
	var f []byte // the fraction's digits
	if i < len(b) {
		f = b[i+1:]
		for _, ch := range f {
			if ch-'0' > 9 {
				return c.parsed(b)
			}
		}
	}
	switch {
	case c.neg:
		return 1, true // b >= 0 > the constant
	case ip < c.ip:
		return -1, true
	case ip > c.ip:
		return 1, true
	}
	return c.cmpFraction(f), true
}

// cmpFraction compares a text whose integer part equals the constant's by
// its fraction digits f: with the constant's (zeros past its last) until
// one differs.
func (c *Const) cmpFraction(f []byte) int {
	for k, ch := range f {
		cd := byte('0')
		if k < len(c.frac) {
			cd = c.frac[k]
		}
		if ch != cd {
			if ch < cd {
				return -1
			}
			return 1
		}
	}
	if len(f) < len(c.frac) {
		return -1 // the constant has a nonzero digit further
	}
	return 0
}

// parsed is CmpText by parsing b.
func (c *Const) parsed(b []byte) (int, bool) {
	d, ok := ParseText(b)
	if !ok {
		return 0, false
	}
	return Cmp(d, c.d), true
}
