package decimal

import (
	"encoding/binary"
	"math"
)

// AppendBinary appends d's exact binary form, which DecodeBinary reads:
// uvarint(scale<<1) then the coefficient as a varint when it is an int64,
// else uvarint(1) then the length-prefixed text (Append). A partial's sums
// travel this way: no digits to write for the mapper, none to read for
// the reducer.
func (d Dec) AppendBinary(dst []byte) []byte {
	if d.big == nil {
		dst = binary.AppendUvarint(dst, uint64(d.scale)<<1)
		return binary.AppendVarint(dst, d.small)
	}
	dst = binary.AppendUvarint(dst, 1)
	at := len(dst)
	dst = d.Append(append(dst, 0))
	if n := len(dst) - at - 1; n < 0x80 {
		dst[at] = byte(n)
		return dst
	}
	// A text of 128 bytes or more: its length takes more than one byte.
	text := append([]byte(nil), dst[at+1:]...)
	dst = binary.AppendUvarint(dst[:at], uint64(len(text)))
	return append(dst, text...)
}

// DecodeBinary reads a Dec that AppendBinary wrote at the start of b and
// returns it with the bytes it took; false when b does not start with one.
func DecodeBinary(b []byte) (Dec, int, bool) {
	h, k := binary.Uvarint(b)
	switch {
	case k <= 0:
		return Dec{}, 0, false
	case h&1 == 0:
		v, m := binary.Varint(b[k:])
		if m <= 0 || h>>1 > math.MaxInt32 {
			return Dec{}, 0, false
		}
		return Dec{small: v, scale: int(h >> 1)}, k + m, true
	case h != 1:
		return Dec{}, 0, false
	}
	n, m := binary.Uvarint(b[k:])
	if m <= 0 || n > uint64(len(b)-k-m) {
		return Dec{}, 0, false
	}
	end := k + m + int(n)
	d, ok := Parse(b[k+m : end])
	return d, end, ok
}
