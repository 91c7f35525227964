package pq

import (
	"encoding/binary"
	"errors"
	"unsafe"
)

// errSnappy is a Snappy block that does not decode.
var errSnappy = errors.New("snappy: corrupt input")

// Snappy's element tags (the low 2 bits of an element's first byte), per
// its format description (github.com/google/snappy, format_description.txt):
// a literal, or a copy with a 1-, 2- or 4-byte offset.
const (
	snappyLiteral = 0
	snappyCopy1   = 1
	snappyCopy2   = 2
	snappyCopy4   = 3
)

// The fast loop of decodeSnappy runs while an element's reads stay within
// src (a tag, 4 bytes of offset, or a tag and up to 16 bytes of literal)
// and its writes within dst (a copy writes at most 64 bytes, rounded up to
// 8-byte words; a short literal 16).
const (
	snappyFastSrc = 1 + 16
	snappyFastDst = 64
)

// decodeSnappy decodes the Snappy block src (its varint length first) into
// dst, whose length must be the decoded length src declares.
//
// It does what klauspost/compress's snappy.Decode does (the s2 decoder,
// whose assembly handles each element with a chain of compares and
// branches), in fewer instructions for the short elements a Parquet page's
// values compress to (copies of 4 to 8 bytes, literals of 1 to 3: 4 bytes
// of output per element for an IP address column): while the element
// cannot reach the end of src or dst, a literal of up to 16 bytes is
// moved as two 8-byte words, and a copy from 8 or more bytes back as 8-byte
// words, writing past its end the bytes the next elements overwrite. Only
// the last elements, near the ends, are decoded a byte at a time. Every
// read and write is checked against src and dst: a corrupt block is an
// error, never a read or write outside them.
func decodeSnappy(dst, src []byte) error {
	n, k := binary.Uvarint(src)
	if k <= 0 || n != uint64(len(dst)) {
		return errSnappy
	}
	s, d := k, 0
	for {
		var err error
		if s, d, err = snappyFast(dst, src, s, d); err != nil {
			return err
		}
		if s > len(src)-snappyFastSrc || d > len(dst)-snappyFastDst {
			break // near the end
		}
		// stopped at a long literal or a copy with a 4-byte offset
		if s, d, err = snappyElement(dst, src, s, d); err != nil {
			return err
		}
	}
	return snappyTail(dst, src, s, d)
}

// snappyFast decodes the elements of src from s into dst from d while an
// element can reach the end of neither (decodeSnappy), and returns where it
// stopped: near either end, or at a literal of more than 16 bytes or a
// copy with a 4-byte offset (which it leaves to snappyElement, so that the
// loop makes no call and keeps its variables in registers).
//
// The loop's speed is bound by the chain from one element's position to
// the next (the tag's load, then its size): that size is worked out from
// the tag with two instructions (a literal's 2 + tag>>2, a copy's 1 +
// tag&3), not read from snappyTags, whose load would add its latency to
// every element. A copy moves only the words its length needs (one for
// the common copy of 4 to 8 bytes): a second word would read the bytes the
// last elements stored past their ends, still in the store buffer, which
// the CPU cannot forward to a load that straddles several stores.
func snappyFast(dst, src []byte, s, d int) (int, int, error) {
	sp, dp := unsafe.Pointer(unsafe.SliceData(src)), unsafe.Pointer(unsafe.SliceData(dst))
	sEnd, dEnd := len(src)-snappyFastSrc, len(dst)-snappyFastDst
	for s <= sEnd && d <= dEnd {
		tag := uint(*(*byte)(unsafe.Add(sp, s)))
		kind := tag & 3
		if kind == snappyLiteral {
			length := int(tag>>2) + 1
			if length > 16 {
				return s, d, nil
			}
			// s+1+16 <= len(src), d+16 <= len(dst): move 16 bytes
			w0, w1 := load64(sp, s+1), load64(sp, s+9)
			store64(dp, d, w0)
			store64(dp, d+8, w1)
			s += 1 + length
			d += length
			continue
		}
		if kind == snappyCopy4 {
			return s, d, nil
		}
		// a copy: its offset is the 1 or 2 bytes after the tag (the
		// table's mask), plus the tag's 3 high bits for a 1-byte offset
		e := snappyTags[tag]
		length := int(uint8(e >> 32))
		offset := int(uint32(e)&load32(sp, s+1) | uint32(e>>48))
		s += 1 + int(kind)
		// length <= 64 and d+64 <= len(dst): the copy fits
		if uint(offset-1) >= uint(d) {
			return s, d, errSnappy // 0, or before dst's start
		}
		if offset < 8 {
			for i := d; i < d+length; i++ {
				*(*byte)(unsafe.Add(dp, i)) = *(*byte)(unsafe.Add(dp, i-offset))
			}
			d += length
			continue
		}
		// 8-byte words, each from 8 or more bytes back (written already),
		// at most 64 bytes: within dst
		from := d - offset
		store64(dp, d, load64(dp, from))
		for i := 8; i < length; i += 8 {
			store64(dp, d+i, load64(dp, from+i))
		}
		d += length
	}
	return s, d, nil
}

// snappyLongLiteral copies the literal at src[s] (one of more than 16
// bytes, or whose length follows its tag) to dst[d:], and returns the next
// s and d.
func snappyLongLiteral(dst, src []byte, s, d int) (int, int, error) {
	x := uint(src[s] >> 2)
	s++
	if x >= 60 {
		nb := int(x) - 59 // the length's bytes
		if nb > len(src)-s {
			return 0, 0, errSnappy
		}
		x = 0
		for i := range nb {
			x |= uint(src[s+i]) << (8 * i)
		}
		s += nb
	}
	length := x + 1
	if length > uint(len(src)-s) || length > uint(len(dst)-d) || length == 0 {
		return 0, 0, errSnappy
	}
	copy(dst[d:], src[s:s+int(length)])
	return s + int(length), d + int(length), nil
}

// snappyTail decodes the elements of src from s into dst from d, near the
// end of either, with every access checked.
func snappyTail(dst, src []byte, s, d int) error {
	for s < len(src) {
		var err error
		if s, d, err = snappyElement(dst, src, s, d); err != nil {
			return err
		}
	}
	if d != len(dst) {
		return errSnappy
	}
	return nil
}

// snappyElement decodes the element of src at s into dst from d, with
// every access checked, and returns the next s and d.
func snappyElement(dst, src []byte, s, d int) (int, int, error) {
	tag := src[s]
	var length, offset int
	switch tag & 3 {
	case snappyLiteral:
		return snappyLongLiteral(dst, src, s, d)
	case snappyCopy1:
		if len(src)-s < 2 {
			return 0, 0, errSnappy
		}
		length = 4 + int(tag>>2)&7
		offset = int(tag&0xe0)<<3 | int(src[s+1])
		s += 2
	case snappyCopy2:
		if len(src)-s < 3 {
			return 0, 0, errSnappy
		}
		length = 1 + int(tag>>2)
		offset = int(binary.LittleEndian.Uint16(src[s+1:]))
		s += 3
	default:
		if len(src)-s < 5 {
			return 0, 0, errSnappy
		}
		length = 1 + int(tag>>2)
		offset = int(binary.LittleEndian.Uint32(src[s+1:]))
		s += 5
	}
	if offset <= 0 || offset > d || length > len(dst)-d {
		return 0, 0, errSnappy
	}
	for i := d; i < d+length; i++ {
		dst[i] = dst[i-offset]
	}
	return s, d + length, nil
}

// snappyTags describes each tag byte for decodeSnappy's fast loop: bits
// 32-39 the element's length (a literal's when it is under 61 bytes), and
// for a copy bits 0-31 the mask of its offset's bytes after the tag, bits
// 48-58 the offset's high bits a 1-byte offset's tag holds.
var snappyTags = func() (t [256]uint64) {
	for i := range t {
		tag := uint64(i)
		switch tag & 3 {
		case snappyLiteral:
			t[i] = (tag>>2 + 1) << 32
		case snappyCopy1:
			t[i] = 0xff | (4+tag>>2&7)<<32 | (tag&0xe0)<<3<<48
		case snappyCopy2:
			t[i] = 0xffff | (1+tag>>2)<<32
		case snappyCopy4:
			t[i] = 0xffffffff | (1+tag>>2)<<32
		}
	}
	return t
}()

// load64 is the little-endian word at p+i; the caller has checked that its
// 8 bytes lie in p's slice.
func load64(p unsafe.Pointer, i int) uint64 {
	return binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(p, i))[:])
}

func store64(p unsafe.Pointer, i int, v uint64) {
	binary.LittleEndian.PutUint64((*[8]byte)(unsafe.Add(p, i))[:], v)
}

func load32(p unsafe.Pointer, i int) uint32 {
	return binary.LittleEndian.Uint32((*[4]byte)(unsafe.Add(p, i))[:])
}
