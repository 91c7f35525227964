package sql

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"math"

	"github.com/scattergather/scattergather/internal/duckfmt"
	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// Keys. A value's key is a byte string whose byte order is the value's
// order, and which holds the value: group keys, ORDER BY keys and the
// running min and max are keys, so grouping, sorting and merging partials
// compare bytes only, and a range-partitioned gather can split on them.
//
// A key is a marker byte (keyValue, or keyNullLast / keyNullFirst for
// NULL), then for a value its encoding by type:
//   - BOOLEAN: one byte 0 or 1;
//   - BIGINT, DATE, TIMESTAMP: 8 bytes big-endian with the sign bit flipped;
//   - DOUBLE: 8 bytes, the IEEE bits with the sign bit flipped, all bits
//     for a negative number (-0 is 0, and NaN sorts above +inf);
//   - DECIMAL: encodeNumber (exact, any size);
//   - VARCHAR: the bytes with 0x00 written 0x00 0xFF, then 0x00 0x01;
//   - untyped text: 0x01, encodeNumber, then the text as VARCHAR, when the
//     text is a number; 0x02, the instant's 8 bytes as a TIMESTAMP's, then
//     the text, when it is a timestamp adjusted to UTC as the Parquet reader
//     prints one (utcInstant); else 0x03 and the text as VARCHAR. So
//     untyped numbers sort as numbers, before the UTC timestamps, which
//     sort by instant (as DuckDB sorts a TIMESTAMP WITH TIME ZONE, whose
//     text sorts otherwise for years before 1 or after 9999), before the
//     other texts, which sort as bytes; the key keeps the text as it stood.
//
// A descending ORDER BY key has its encoding's bytes inverted; the marker
// is not, as DuckDB puts NULLs last in both directions.
const (
	keyNullFirst = 0x00
	keyValue     = 0x01
	keyNullLast  = 0x02
)

// errKey reports a key that does not decode; keys are written by this
// package, so it means a corrupt partial.
var errKey = errors.New("sql: malformed key")

// appendKey appends v's key (type t) to dst; nullsFirst places NULL before
// every value, desc inverts the order of values.
func appendKey(dst []byte, t Type, v Value, desc, nullsFirst bool) []byte {
	if v.K == KNull {
		if nullsFirst {
			return append(dst, keyNullFirst)
		}
		return append(dst, keyNullLast)
	}
	dst = append(dst, keyValue)
	start := len(dst)
	dst = appendEncoding(dst, t, v)
	if desc {
		for i := start; i < len(dst); i++ {
			dst[i] = ^dst[i]
		}
	}
	return dst
}

// appendOrderKey appends v's ORDER BY key: appendKey's, except that an
// untyped number is keyed by its value alone (its text is not kept), so
// texts of one number ("756" and "756.00000") tie and the next ORDER BY
// key decides, as in DuckDB. Order keys are compared, never decoded.
func appendOrderKey(dst []byte, t Type, v Value, desc, nullsFirst bool) []byte {
	if t.Kind == KInterval && v.K != KNull {
		// By its normalized value alone, as DuckDB orders INTERVALs: 30
		// days and 1 month tie.
		dst = append(dst, keyValue)
		start := len(dst)
		dst = appendIntervalOrder(dst, v)
		if desc {
			for i := start; i < len(dst); i++ {
				dst[i] = ^dst[i]
			}
		}
		return dst
	}
	if t.Kind != KText || v.K == KNull {
		return appendKey(dst, t, v, desc, nullsFirst)
	}
	d, ok := parseNumber(v.S)
	if !ok {
		return appendKey(dst, t, v, desc, nullsFirst)
	}
	dst = append(dst, keyValue)
	start := len(dst)
	dst = appendNumber(append(dst, 0x01), d)
	if desc {
		for i := start; i < len(dst); i++ {
			dst[i] = ^dst[i]
		}
	}
	return dst
}

func appendEncoding(dst []byte, t Type, v Value) []byte {
	switch t.Kind {
	case KBool:
		return append(dst, byte(v.I))
	case KBigint, KDate, KTimestamp, KTimestampNS:
		return binary.BigEndian.AppendUint64(dst, uint64(v.I)^1<<63)
	case KDouble:
		f := v.F
		if f == 0 {
			f = 0 // -0 is 0
		}
		b := math.Float64bits(f)
		if math.IsNaN(f) {
			b = 0x7ff8000000000001
		}
		if b&(1<<63) != 0 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		return binary.BigEndian.AppendUint64(dst, b)
	case KDecimal:
		return appendNumber(dst, v.D)
	case KInterval:
		// Ordered by its normalized value, then by its parts, so that
		// it decodes as it was (a group of 30 days is not one of 1 month).
		dst = appendIntervalOrder(dst, v)
		dst = binary.BigEndian.AppendUint64(dst, uint64(v.I))
		return binary.BigEndian.AppendUint64(dst, uint64(int64(v.F)))
	case KVarchar:
		return appendString(dst, v.S)
	case KText:
		if d, ok := parseNumber(v.S); ok {
			dst = append(dst, 0x01)
			dst = appendNumber(dst, d)
		} else if us, ok := utcInstant(v.S); ok {
			dst = append(dst, 0x02)
			dst = binary.BigEndian.AppendUint64(dst, uint64(us)^1<<63)
		} else {
			dst = append(dst, 0x03)
		}
		return appendString(dst, v.S)
	}
	return dst
}

// utcInstant reads an untyped text that is a timestamp adjusted to UTC as
// the Parquet reader prints one (DuckDB's TIMESTAMP WITH TIME ZONE with
// TimeZone 'UTC': a TIMESTAMP's text, then "+00") as microseconds since
// 1970-01-01 00:00:00 UTC.
func utcInstant(s []byte) (int64, bool) {
	n := len(s)
	if n < 22 || s[n-3] != '+' || s[n-2] != '0' || s[n-1] != '0' {
		return 0, false
	}
	return duckfmt.ParseTimestamp(s[:n-3], 1e6)
}

// compareText compares two untyped texts that are not numbers in key order
// (appendEncoding's): UTC timestamps by instant, before the other texts,
// then by bytes.
func compareText(a, b []byte) int {
	x, okA := utcInstant(a)
	y, okB := utcInstant(b)
	switch {
	case okA && okB:
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	case okA:
		return -1
	case okB:
		return 1
	}
	return bytes.Compare(a, b)
}

// appendString writes b with 0x00 escaped as 0x00 0xFF, then 0x00 0x01:
// prefix-free, and in the order of b.
func appendString(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			break
		}
		dst = append(dst, b[:i+1]...)
		dst = append(dst, 0xFF)
		b = b[i+1:]
	}
	dst = append(dst, b...)
	return append(dst, 0x00, 0x01)
}

// plainText reports text whose bytes are all ASCII but 0: its characters
// are its bytes, and appendString writes it as it stands.
func plainText(s []byte) bool {
	for len(s) >= 8 {
		// A byte of 0 borrows into its high bit, one of 0x80 or more has it.
		w := binary.LittleEndian.Uint64(s)
		if (w|(w-0x0101010101010101))&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	for _, c := range s {
		if c-1 >= 0x7f {
			return false
		}
	}
	return true
}

// appendNumber writes an exact number in an order-preserving form: a class
// byte (1 negative, 2 zero, 3 positive), then for a non-zero value of
// 0.DIGITS × 10^E (DIGITS without leading or trailing zeros) E as 4
// bytes big-endian with the sign bit flipped, each digit as 1-10, then 0;
// all inverted for a negative value.
func appendNumber(dst []byte, d decimal.Dec) []byte {
	sign := d.Sign()
	if sign == 0 {
		return append(dst, 2)
	}
	var buf [48]byte
	text := d.Append(buf[:0]) // [-]digits[.digits]
	if text[0] == '-' {
		text = text[1:]
	}
	// Digits and where the point is.
	intDigits := len(text)
	for i, c := range text {
		if c == '.' {
			intDigits = i
			break
		}
	}
	var digits [64]byte
	ds := digits[:0]
	var big []byte
	if len(text) > len(digits) {
		big = make([]byte, 0, len(text))
		ds = big
	}
	lead := 0 // leading zeros before the first significant digit
	seen := false
	for _, c := range text {
		if c == '.' {
			continue
		}
		if !seen && c == '0' {
			lead++
			continue
		}
		seen = true
		ds = append(ds, c)
	}
	for len(ds) > 0 && ds[len(ds)-1] == '0' {
		ds = ds[:len(ds)-1]
	}
	e := intDigits - lead
	start := len(dst)
	dst = append(dst, 3)
	dst = binary.BigEndian.AppendUint32(dst, uint32(int32(e))^1<<31)
	for _, c := range ds {
		dst = append(dst, c-'0'+1)
	}
	dst = append(dst, 0)
	if sign < 0 {
		dst[start] = 1
		for i := start + 1; i < len(dst); i++ {
			dst[i] = ^dst[i]
		}
	}
	return dst
}

// decodeKey reads one key of type t (written with desc) from src into v,
// using buf for text that needs unescaping, and returns the rest of src
// and the (possibly grown) buf. A DECIMAL comes back at its type's scale.
func decodeKey(src []byte, t Type, desc bool, v *Value, buf []byte) ([]byte, []byte, error) {
	if len(src) == 0 {
		return nil, buf, errKey
	}
	if src[0] != keyValue {
		*v = Null
		return src[1:], buf, nil
	}
	src = src[1:]
	v.K = t.Kind
	if desc {
		// Inverted: decode from a re-inverted copy of what is left (keys are short).
		cp := make([]byte, len(src))
		for i, c := range src {
			cp[i] = ^c
		}
		rest, nb, err := decodeEncoding(cp, t, v, buf)
		if err != nil {
			return nil, nb, err
		}
		if v.K == KVarchar || v.K == KText {
			v.S = append([]byte(nil), v.S...) // not a view into cp's reuse
		}
		return src[len(src)-len(rest):], nb, nil
	}
	return decodeEncoding(src, t, v, buf)
}

func decodeEncoding(src []byte, t Type, v *Value, buf []byte) ([]byte, []byte, error) {
	switch t.Kind {
	case KBool:
		if len(src) < 1 {
			return nil, buf, errKey
		}
		v.I = int64(src[0])
		return src[1:], buf, nil
	case KBigint, KDate, KTimestamp, KTimestampNS:
		if len(src) < 8 {
			return nil, buf, errKey
		}
		v.I = int64(binary.BigEndian.Uint64(src) ^ 1<<63)
		return src[8:], buf, nil
	case KInterval:
		if len(src) < 32 {
			return nil, buf, errKey
		}
		v.I, v.F = int64(binary.BigEndian.Uint64(src[16:])), float64(int64(binary.BigEndian.Uint64(src[24:])))
		return src[32:], buf, nil
	case KDouble:
		if len(src) < 8 {
			return nil, buf, errKey
		}
		b := binary.BigEndian.Uint64(src)
		if b&(1<<63) != 0 {
			b &^= 1 << 63
		} else {
			b = ^b
		}
		v.F = math.Float64frombits(b)
		return src[8:], buf, nil
	case KDecimal:
		rest, d, err := decodeNumber(src)
		if err != nil {
			return nil, buf, err
		}
		if t.Scale >= 0 {
			d = decimal.Round(d, t.Scale)
		}
		v.D = d
		return rest, buf, nil
	case KVarchar:
		return decodeString(src, v, buf)
	case KText:
		if len(src) < 1 {
			return nil, buf, errKey
		}
		rest := src[1:]
		switch src[0] {
		case 0x01:
			var err error
			if rest, _, err = decodeNumber(rest); err != nil {
				return nil, buf, err
			}
		case 0x02:
			if len(rest) < 8 {
				return nil, buf, errKey
			}
			rest = rest[8:]
		case 0x03:
		default:
			return nil, buf, errKey
		}
		return decodeString(rest, v, buf)
	}
	return nil, buf, errKey
}

// decodeString reads appendString's form into v.S: a view into src when
// nothing was escaped, else unescaped into buf.
func decodeString(src []byte, v *Value, buf []byte) ([]byte, []byte, error) {
	// The common case: nothing escaped, the first 0 is the end.
	if i := bytes.IndexByte(src, 0); i >= 0 && i+1 < len(src) && src[i+1] == 0x01 {
		v.S = src[:i:i]
		return src[i+2:], buf, nil
	}
	escaped := false
	for i := 0; i+1 < len(src); i++ {
		if src[i] != 0 {
			continue
		}
		switch src[i+1] {
		case 0x01:
			if !escaped {
				v.S = src[:i:i]
				return src[i+2:], buf, nil
			}
			buf = buf[:0]
			for j := 0; j < i; j++ {
				buf = append(buf, src[j])
				if src[j] == 0 {
					j++ // skip the 0xFF
				}
			}
			v.S = buf
			return src[i+2:], buf, nil
		case 0xFF:
			escaped = true
			i++
		default:
			return nil, buf, errKey
		}
	}
	return nil, buf, errKey
}

// decodeNumber reads appendNumber's form.
func decodeNumber(src []byte) ([]byte, decimal.Dec, error) {
	if len(src) == 0 {
		return nil, decimal.Dec{}, errKey
	}
	class := src[0]
	if class == 2 {
		return src[1:], decimal.Dec{}, nil
	}
	if (class != 1 && class != 3) || len(src) < 6 {
		return nil, decimal.Dec{}, errKey
	}
	neg := class == 1
	get := func(c byte) byte {
		if neg {
			return ^c
		}
		return c
	}
	var eb [4]byte
	for i := range eb {
		eb[i] = get(src[1+i])
	}
	e := int(int32(binary.BigEndian.Uint32(eb[:]) ^ 1<<31))
	// Text: [-]0.DIGITSeE
	var tb [80]byte
	text := tb[:0]
	if neg {
		text = append(text, '-')
	}
	text = append(text, '0', '.')
	i := 5
	for ; i < len(src); i++ {
		c := get(src[i])
		if c == 0 {
			break
		}
		if c < 1 || c > 10 {
			return nil, decimal.Dec{}, errKey
		}
		text = append(text, '0'+c-1)
	}
	if i == len(src) {
		return nil, decimal.Dec{}, errKey
	}
	text = append(text, 'e')
	if e < 0 {
		text = append(text, '-')
		e = -e
	}
	text = appendInt(text, e)
	d, ok := decimal.Parse(text)
	if !ok {
		return nil, decimal.Dec{}, errKey
	}
	return src[i+1:], d, nil
}

func appendInt(dst []byte, n int) []byte {
	if n >= 10 {
		dst = appendInt(dst, n/10)
	}
	return append(dst, byte('0'+n%10))
}

// appendIntervalOrder appends an INTERVAL's normalized value
// (duckfmt.IntervalKey) in 16 bytes that order as DuckDB orders INTERVALs.
func appendIntervalOrder(dst []byte, v Value) []byte {
	m, rest := duckfmt.IntervalKey(intervalParts(v))
	dst = binary.BigEndian.AppendUint64(dst, uint64(m)^1<<63)
	return binary.BigEndian.AppendUint64(dst, uint64(rest)^1<<63)
}
