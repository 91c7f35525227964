package sql

import (
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"unsafe"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/runs"
)

// AggState is the running state of one aggregate of one group. Its zero
// value is the state of no rows. What only some aggregates need (a sum of
// doubles, a set, a best value's bytes) lives in x, so that the states of
// a sum or count, one per group for hundreds of thousands of groups, stay
// small.
type AggState struct {
	n int64 // rows (count(*)) or non-NULL values seen
	// d is the exact sum (sum, avg over BIGINT, DECIMAL, untyped), or the
	// best value of min and max when it is a DECIMAL or an untyped number.
	d decimal.Dec
	// min, max: bestI holds the best value when it is a BIGINT, DATE or
	// BOOLEAN, or a DOUBLE's bits (valid when cached).
	bestI  int64
	x      *aggExtra // nil until an aggregate needs it
	bestN  bool      // an untyped best that reads as a number, d
	cached bool
	// inline: min's and max's cached best VARCHAR or untyped text, when
	// it is 8 bytes or less, is held in bestI's bytes, inline-1 of them
	// (0: not inline, the text is x's), so that a group whose best is a
	// short text (a small number's digits) makes no aggExtra; inlineD:
	// the text is d's (an untyped number's, written as d writes it).
	inline uint8
}

// inlineD is AggState.inline when the best text is d's own text
// (decimal.Dec.Append), as a CSV number's usually is, so that a group whose
// best is a longer number ("123.45678") makes no aggExtra either.
const inlineD = math.MaxUint8

// maxDText is the longest best text held as inlineD: d's text, written
// into a stack buffer this long, needs no allocation.
const maxDText = 32

// aggExtra is the part of an AggState that only some aggregates use.
type aggExtra struct {
	f fsum // exact sum of doubles
	// key is min's and max's best value's key, when the best is not
	// cached (a state decoded from a partial): a mapper's states keep their
	// best in the AggState and text and encode its key only when written.
	key []byte
	set map[string]struct{}
	// text is min's and max's best VARCHAR or untyped text (valid when
	// cached), so that values are compared without being encoded.
	text []byte
}

// aggExtraSize is what a state's aggExtra costs when it is made.
const aggExtraSize = int64(unsafe.Sizeof(aggExtra{}))

// extra returns s's aggExtra, making it.
func (s *AggState) extra() *aggExtra {
	x, _ := s.extraGrew()
	return x
}

// extraGrew returns s's aggExtra, making it, and the bytes s grew by.
func (s *AggState) extraGrew() (*aggExtra, int64) {
	if s.x == nil {
		s.x = &aggExtra{}
		return s.x, aggExtraSize
	}
	return s.x, 0
}

// text is the cached best text (nil when none): a view of s's bytes when
// inline, or d's text appended to buf when inlineD.
func (s *AggState) text(buf []byte) []byte {
	if s.inline == inlineD {
		return s.d.Append(buf)
	}
	if s.inline > 0 {
		return unsafe.Slice((*byte)(unsafe.Pointer(&s.bestI)), s.inline-1)
	}
	if s.x == nil {
		return nil
	}
	return s.x.text
}

// setText makes t the cached best text, inline when it fits or when it is
// the text of the best number d (bestN).
func (s *AggState) setText(t []byte) {
	if len(t) <= int(unsafe.Sizeof(s.bestI)) {
		s.inline = uint8(len(t) + 1)
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&s.bestI)), len(t)), t)
		return
	}
	if s.bestN && s.isDText(t) {
		s.inline = inlineD
		return
	}
	s.inline = 0
	x := s.extra()
	x.text = append(x.text[:0], t...)
}

// isDText reports whether t is d's text, byte for byte: only for a small
// coefficient and scale, whose text fits maxDText.
func (s *AggState) isDText(t []byte) bool {
	if _, small := s.d.Coef(); !small || len(t) > maxDText || s.d.Scale() > 18 {
		return false
	}
	var b [maxDText]byte
	return string(s.d.Append(b[:0])) == string(t)
}

// textCap is the capacity of the best text s holds apart (x's).
func (s *AggState) textCap() int {
	if s.x == nil {
		return 0
	}
	return cap(s.x.text)
}

// key is the best value's key of a state decoded from a partial (nil when none).
func (s *AggState) key() []byte {
	if s.x == nil {
		return nil
	}
	return s.x.key
}

// set is count(DISTINCT)'s set of values' keys (nil when empty).
func (s *AggState) set() map[string]struct{} {
	if s.x == nil {
		return nil
	}
	return s.x.set
}

// bestValue is the cached best value, of kind k.
// N is the state's count of rows or non-NULL values; a mapper reads it to
// load a group's states into the cache before it folds into them.
func (s *AggState) N() int64 { return s.n }

// buf: where a text that is d's is written (AggState.text).
func (s *AggState) bestValue(k Kind, buf []byte) Value {
	switch k {
	case KDouble:
		return Value{K: k, F: math.Float64frombits(uint64(s.bestI))}
	case KDecimal:
		return Value{K: k, D: s.d}
	case KVarchar, KText:
		return Value{K: k, S: s.text(buf)}
	case KInterval:
		us, _ := decimal.Int64(s.d)
		return Value{K: k, I: s.bestI, F: float64(us)}
	}
	return Value{K: k, I: s.bestI}
}

// sum returns s's double sum, creating it.
func (s *AggState) sum() *fsum { return &s.extra().f }

// errState reports a partial's aggregate state that does not decode.
var errState = errors.New("sql: malformed aggregate state")

// fsum is an exact sum of doubles (Shewchuk's algorithm, as Python's
// math.fsum): non-overlapping partials whose exact sum is the sum of every
// value added, so the rounded result does not depend on the order values
// and partial sums were added in, and so not on the chunking. An infinity
// or a NaN makes the sum one as DuckDB's floating-point sum does (inf and
// -inf give nan). A partial sum past the largest double gives up 2^1023s
// to carry, so that the exact sum is kept whatever the order: the sum is
// that sign's infinity only when the exact sum is past the largest double
// (1e308 + 1e308, not 1e308 + 1e308 - 1e308).
type fsum struct {
	p       []float64
	special float64 // the sum of infinities and NaNs added, when any
	hasSpec bool
	// carry counts the 2^1023s (negative: -2^1023s) taken off the
	// partials, whose exact sum is then carry·2^1023 + the partials';
	// carried says some were (the partials may then overlap: value sums
	// them exactly in a big.Float).
	carry   int64
	carried bool
}

// twoTo1023 is the largest power of two a double holds.
const twoTo1023 = 0x1p1023

// addSpecial adds an infinity or a NaN.
func (s *fsum) addSpecial(x float64) {
	if s.hasSpec {
		s.special += x
	} else {
		s.special, s.hasSpec = x, true
	}
}

func (s *fsum) add(x float64) {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		s.addSpecial(x)
		return
	}
	i := 0
	for _, y := range s.p {
		if math.Abs(x) < math.Abs(y) {
			x, y = y, x
		}
		hi := x + y
		for math.IsInf(hi, 0) { // past the largest double: carry 2^1023
			x = s.takeCarry(x)
			if math.Abs(x) < math.Abs(y) {
				x, y = y, x
			}
			hi = x + y
		}
		lo := y - (hi - x)
		if lo != 0 {
			s.p[i] = lo
			i++
		}
		x = hi
	}
	s.p = append(s.p[:i], x)
}

// takeCarry is x, of the larger magnitude of two doubles of one sign
// whose sum is past the largest double (so |x| >= 2^1023), less 2^1023 of
// its sign (exact: Sterbenz), which s carries.
func (s *fsum) takeCarry(x float64) float64 {
	s.carried = true
	if x > 0 {
		s.carry++
		return x - twoTo1023
	}
	s.carry--
	return x + twoTo1023
}

// merge adds o's sum to s.
func (s *fsum) merge(o *fsum) {
	for _, x := range o.p {
		s.add(x)
	}
	if o.hasSpec {
		s.add(o.special)
	}
	s.carry += o.carry
	s.carried = s.carried || o.carried
}

// carriedValue is the sum of a carried fsum rounded once, correctly: its
// partials and carry added exactly in a big.Float (a double's bits span
// 2^-1074 to 2^1023), then rounded to the nearest double, an infinity
// past the largest.
func (s *fsum) carriedValue() float64 {
	const prec = 2200 + 128
	sum := new(big.Float).SetPrec(prec)
	x := new(big.Float).SetPrec(prec)
	for _, p := range s.p {
		sum.Add(sum, x.SetFloat64(p))
	}
	x.SetInt64(s.carry)
	sum.Add(sum, x.SetMantExp(x, 1023))
	f, _ := sum.Float64()
	return f
}

// value is the sum rounded once, correctly.
func (s *fsum) value() float64 {
	if s.hasSpec {
		return s.special
	}
	if s.carried {
		return s.carriedValue()
	}
	n := len(s.p)
	if n == 0 {
		return 0
	}
	var lo float64
	n--
	hi := s.p[n]
	for n > 0 {
		x := hi
		n--
		y := s.p[n]
		hi = x + y
		yr := hi - x
		lo = y - yr
		if lo != 0 {
			break
		}
	}
	if n > 0 && (lo < 0 && s.p[n-1] < 0 || lo > 0 && s.p[n-1] > 0) {
		y := lo * 2
		x := hi + y
		if y == x-hi {
			hi = x
		}
	}
	return hi
}

// accumulate folds value v of aggregate a into s and returns how many
// bytes s grew by (a new distinct value, a longer best value).
func (a *aggSpec) accumulate(r *Row, s *AggState, v Value, scratch *[]byte) int64 {
	switch a.fn {
	case aggCountStar:
		s.n++
		return 0
	}
	if v.K == KNull {
		return 0
	}
	switch a.fn {
	case aggCount:
		s.n++
	case aggCountDistinct:
		var k []byte
		if a.arg.typ.Kind == KInterval {
			// By its normalized value: 30 days and 1 month are one, as
			// DuckDB counts them.
			k = appendOrderKey((*scratch)[:0], a.arg.typ, v, false, false)
		} else {
			k = appendKey((*scratch)[:0], a.arg.typ, v, false, false)
		}
		*scratch = k
		x, grew := s.extraGrew()
		if x.set == nil {
			x.set = make(map[string]struct{})
		}
		if _, ok := x.set[string(k)]; !ok {
			x.set[string(k)] = struct{}{}
			grew += int64(len(k)) + 48
		}
		return grew
	case aggSum, aggAvg:
		s.n++
		switch v.K {
		case KDouble:
			x, grew := s.extraGrew()
			x.f.add(v.F)
			return grew
		case KBigint:
			s.d = decimal.Add(s.d, decimal.FromInt(v.I))
		default:
			s.d = decimal.Add(s.d, v.D)
		}
	case aggMin, aggMax:
		d, num := decimal.Dec{}, false
		if v.K == KText {
			d, num = a.number(r, v)
		}
		return a.foldBest(s, v, num, d, scratch)
	}
	return 0
}

// foldBest folds non-NULL value v of min or max (num and d: whether
// untyped v reads as the number d) into s, and returns how many bytes s
// grew by: v becomes the best only when strictly better, so that the
// first of equal values stays.
func (a *aggSpec) foldBest(s *AggState, v Value, num bool, d decimal.Dec, scratch *[]byte) int64 {
	if s.n > 0 && s.cached {
		c := a.compareBest(v, num, d, s)
		s.n++
		if !(a.fn == aggMin && c < 0 || a.fn == aggMax && c > 0) {
			return 0
		}
		return a.setBest(s, v, num, d)
	}
	if s.n > 0 { // a best from a partial: compare keys
		k := appendKey((*scratch)[:0], a.arg.typ, v, false, false)
		*scratch = k
		s.n++
		if !a.better(k, s.key()) {
			return 0
		}
	} else {
		s.n++
	}
	return a.setBest(s, v, num, d)
}

// number reads untyped v as a number: the row's once-per-record reading
// when the argument is a column.
func (a *aggSpec) number(r *Row, v Value) (decimal.Dec, bool) {
	if a.arg.op == opCol {
		return r.number(a.arg.idx)
	}
	return parseNumber(v.S)
}

// setBest makes v (num and d: whether untyped v reads as the number d) the
// best value of s, and returns how many bytes s grew by.
func (a *aggSpec) setBest(s *AggState, v Value, num bool, d decimal.Dec) int64 {
	had, before := s.x != nil, s.textCap()
	s.bestN, s.cached = num, true
	switch v.K {
	case KText:
		s.d = d
		s.setText(v.S)
	case KVarchar:
		s.setText(v.S)
	case KDecimal:
		s.d = v.D
	case KDouble:
		s.bestI = int64(math.Float64bits(v.F))
	case KInterval: // its months and days, and its microseconds in d
		s.bestI, s.d = v.I, decimal.FromInt(int64(v.F))
	default:
		s.bestI = v.I
	}
	grew := int64(s.textCap() - before)
	if !had && s.x != nil {
		grew += aggExtraSize // made for a text
	}
	return grew
}

// compareBest compares non-NULL v with s's cached best in key order; num
// and d say whether untyped v reads as a number, and which.
func (a *aggSpec) compareBest(v Value, num bool, d decimal.Dec, s *AggState) int {
	switch a.arg.typ.Kind {
	case KDouble:
		x, y := v.F, math.Float64frombits(uint64(s.bestI))
		if x == 0 && y == 0 {
			return 0
		}
		return compareFloat(x, y)
	case KText:
		switch {
		case num && s.bestN:
			if c := decimal.Cmp(d, s.d); c != 0 {
				return c
			}
		case num:
			return -1
		case s.bestN:
			return 1
		}
		var b [maxDText]byte
		return compareText(v.S, s.text(b[:0]))
	}
	return compareValues(v, s.bestValue(v.K, nil))
}

// betterState reports whether the best value of o beats that of s (both
// with values).
func (a *aggSpec) betterState(o, s *AggState) bool {
	if !o.cached && !s.cached {
		return a.better(o.key(), s.key())
	}
	var ob, sb [64]byte
	return a.better(a.bestKey(o, ob[:0]), a.bestKey(s, sb[:0]))
}

// better reports whether key k beats the current best b.
func (a *aggSpec) better(k, b []byte) bool {
	c := compareBytes(k, b)
	if a.fn == aggMin {
		return c < 0
	}
	return c > 0
}

func compareBytes(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// merge folds state o of aggregate a into s.
func (a *aggSpec) merge(s, o *AggState) {
	switch a.fn {
	case aggCountStar, aggCount:
		s.n += o.n
	case aggCountDistinct:
		if len(o.set()) > 0 && s.set() == nil {
			s.extra().set = make(map[string]struct{}, len(o.set()))
		}
		for k := range o.set() {
			s.x.set[k] = struct{}{}
		}
	case aggSum, aggAvg:
		s.n += o.n
		if a.sumKind == KDouble {
			if o.x != nil {
				s.sum().merge(&o.x.f)
			}
		} else {
			s.d = decimal.Add(s.d, o.d)
		}
	case aggMin, aggMax:
		if o.n > 0 && (s.n == 0 || a.betterState(o, s)) {
			s.extra().key = a.bestKey(o, s.key()[:0])
			s.cached, s.inline = false, 0
		}
		s.n += o.n
	}
}

// appendState encodes s: uvarints, length-prefixed bytes and an exact
// decimal sum in binary (decimal.AppendBinary).
func (a *aggSpec) appendState(dst []byte, s *AggState) []byte {
	switch a.fn {
	case aggCountDistinct:
		return runs.AppendSet(dst, s.set())
	}
	dst = binary.AppendUvarint(dst, uint64(s.n))
	switch a.fn {
	case aggSum, aggAvg:
		if a.sumKind == KDouble {
			f := s.sum()
			n := len(f.p)
			if f.hasSpec {
				n++
			}
			dst = binary.AppendUvarint(dst, uint64(n))
			for _, x := range f.p {
				dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(x))
			}
			if f.hasSpec {
				dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(f.special))
			}
			dst = binary.AppendVarint(dst, carryCode(f))
		} else {
			// In binary (decimal.AppendBinary): no digits to print
			// for the mapper, none to parse for the reducer.
			dst = s.d.AppendBinary(dst)
		}
	case aggMin, aggMax:
		if s.n > 0 {
			var buf [64]byte
			k := a.bestKey(s, buf[:0])
			dst = binary.AppendUvarint(dst, uint64(len(k)))
			dst = append(dst, k...)
		}
	}
	return dst
}

// carryCode is an fsum's carry as appendState writes it: 0 when it never
// carried, else 2·carry+1.
func carryCode(f *fsum) int64 {
	if !f.carried {
		return 0
	}
	return 2*f.carry + 1
}

// decodeState reads appendState's form into s (reset first) and returns the rest.
func (a *aggSpec) decodeState(src []byte, s *AggState) ([]byte, error) {
	uv := func() (uint64, bool) {
		v, k := binary.Uvarint(src)
		if k <= 0 {
			return 0, false
		}
		src = src[k:]
		return v, true
	}
	field := func() ([]byte, bool) {
		n, ok := uv()
		if !ok || n > uint64(len(src)) {
			return nil, false
		}
		f := src[:n]
		src = src[n:]
		return f, true
	}
	x := s.x
	if x != nil {
		*x = aggExtra{f: fsum{p: x.f.p[:0]}, key: x.key[:0], text: x.text[:0]}
	}
	*s = AggState{x: x}
	if a.fn == aggCountDistinct {
		n, ok := uv()
		if !ok || n > uint64(len(src)) {
			return nil, errState
		}
		set := make(map[string]struct{}, n)
		s.extra().set = set
		for i := uint64(0); i < n; i++ {
			k, ok := field()
			if !ok {
				return nil, errState
			}
			set[string(k)] = struct{}{}
		}
		return src, nil
	}
	n, ok := uv()
	if !ok || n > math.MaxInt64 {
		return nil, errState
	}
	s.n = int64(n)
	switch a.fn {
	case aggSum, aggAvg:
		if a.sumKind == KDouble {
			k, ok := uv()
			if !ok || k > uint64(len(src))/8 {
				return nil, errState
			}
			for i := uint64(0); i < k; i++ {
				s.sum().add(math.Float64frombits(binary.BigEndian.Uint64(src)))
				src = src[8:]
			}
			c, n := binary.Varint(src)
			if n <= 0 {
				return nil, errState
			}
			if src = src[n:]; c != 0 {
				f := s.sum()
				f.carry, f.carried = f.carry+(c-1)/2, true
			}
		} else {
			d, k, ok := decimal.DecodeBinary(src)
			if !ok {
				return nil, errState
			}
			s.d, src = d, src[k:]
		}
	case aggMin, aggMax:
		if s.n > 0 {
			k, ok := field()
			if !ok {
				return nil, errState
			}
			s.extra().key = append(s.key(), k...)
		}
	}
	return src, nil
}

// result is the aggregate's value for a group in state s.
func (a *aggSpec) result(s *AggState, buf []byte) (Value, []byte, error) {
	switch a.fn {
	case aggCountStar, aggCount:
		return Value{K: KBigint, I: s.n}, buf, nil
	case aggCountDistinct:
		return Value{K: KBigint, I: int64(len(s.set()))}, buf, nil
	}
	if s.n == 0 {
		return Null, buf, nil
	}
	switch a.fn {
	case aggSum:
		if a.sumKind == KDouble {
			return Value{K: KDouble, F: s.sum().value()}, buf, nil
		}
		return Value{K: KDecimal, D: s.d}, buf, nil
	case aggAvg:
		if a.sumKind == KDouble {
			return Value{K: KDouble, F: s.sum().value() / float64(s.n)}, buf, nil
		}
		return Value{K: KDouble, F: decimal.Quo(s.d, decimal.FromInt(s.n))}, buf, nil
	}
	if s.cached {
		v := s.bestValue(a.arg.typ.Kind, buf[:0])
		if s.inline == inlineD {
			buf = v.S
		}
		return v, buf, nil
	}
	var v Value
	_, buf, err := decodeKey(s.key(), a.arg.typ, false, &v, buf)
	return v, buf, err
}

// bestKey returns the key of min's or max's best value in s (of a state
// with a value) appended to dst.
func (a *aggSpec) bestKey(s *AggState, dst []byte) []byte {
	if !s.cached {
		return append(dst, s.key()...)
	}
	var b [maxDText]byte
	return appendKey(dst, a.arg.typ, s.bestValue(a.arg.typ.Kind, b[:0]), false, false)
}
