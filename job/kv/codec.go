package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/scattergather/scattergather/internal/runs"
)

// Codec encodes values of T as bytes and decodes them back. A key codec must
// preserve order: a < b exactly when Append(a) sorts before Append(b) byte by
// byte, since output lines come in the order of the encoded keys.
type Codec[T any] interface {
	// Append appends v's encoding to dst.
	Append(dst []byte, v T) []byte
	// Decode decodes one value from its whole encoding. The result must
	// not keep b, which the framework reuses.
	Decode(b []byte) (T, error)
}

// ErrDecode is wrapped by the built-in codecs' decoding errors.
var ErrDecode = errors.New("kv: cannot decode")

type stringCodec struct{}

func (stringCodec) Append(dst []byte, v string) []byte { return append(dst, v...) }
func (stringCodec) Decode(b []byte) (string, error)    { return string(b), nil }

type bytesCodec struct{}

func (bytesCodec) Append(dst, v []byte) []byte     { return append(dst, v...) }
func (bytesCodec) Decode(b []byte) ([]byte, error) { return slices.Clone(b), nil }

type int64Codec struct{}

func (int64Codec) Append(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
}
func (int64Codec) Decode(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%w an int64 from %d bytes", ErrDecode, len(b))
	}
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)), nil
}

type uint64Codec struct{}

func (uint64Codec) Append(dst []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(dst, v) }
func (uint64Codec) Decode(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%w a uint64 from %d bytes", ErrDecode, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

type float64Codec struct{}

// Append flips the sign bit of a positive number and every bit of a negative
// one, so that the bytes sort as the numbers do (NaNs last).
func (float64Codec) Append(dst []byte, v float64) []byte {
	u := math.Float64bits(v)
	if u&(1<<63) != 0 {
		u = ^u
	} else {
		u |= 1 << 63
	}
	return binary.BigEndian.AppendUint64(dst, u)
}
func (float64Codec) Decode(b []byte) (float64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%w a float64 from %d bytes", ErrDecode, len(b))
	}
	u := binary.BigEndian.Uint64(b)
	if u&(1<<63) != 0 {
		u &^= 1 << 63
	} else {
		u = ^u
	}
	return math.Float64frombits(u), nil
}

type varintCodec struct{}

func (varintCodec) Append(dst []byte, v int64) []byte { return binary.AppendVarint(dst, v) }
func (varintCodec) Decode(b []byte) (int64, error) {
	v, n := binary.Varint(b)
	if n <= 0 || n != len(b) {
		return 0, fmt.Errorf("%w a varint from %d bytes", ErrDecode, len(b))
	}
	return v, nil
}

// The built-in codecs. String, Bytes, Int64, Uint64 and Float64 preserve
// order and serve as keys; Varint is compact and serves values.
var (
	// String is a string's bytes.
	String Codec[string] = stringCodec{}
	// Bytes is a byte slice as it is: the key codec that spares a Go string
	// per emitted pair (the framework copies a key only when it is new).
	Bytes Codec[[]byte] = bytesCodec{}
	// Int64 is 8 big-endian bytes with the sign bit flipped.
	Int64 Codec[int64] = int64Codec{}
	// Uint64 is 8 big-endian bytes.
	Uint64 Codec[uint64] = uint64Codec{}
	// Float64 is 8 bytes that sort as the numbers do.
	Float64 Codec[float64] = float64Codec{}
	// Varint is a zig-zag varint: small for small counts; not a key codec.
	Varint Codec[int64] = varintCodec{}
	// StringSet is a Set as its members, sorted and length-prefixed.
	StringSet Codec[Set] = setCodec{}
)

// Set is a set of strings, a value whose Combine is Union: e.g. the distinct
// visitors of a page.
type Set map[string]struct{}

// SetOf returns the set of members.
func SetOf(members ...string) Set {
	s := make(Set, len(members))
	for _, m := range members {
		s[m] = struct{}{}
	}
	return s
}

// Union adds b's members to a and returns a (b when a is nil).
func Union(a, b Set) Set {
	if a == nil {
		return b
	}
	for m := range b {
		a[m] = struct{}{}
	}
	return a
}

type setCodec struct{}

func (setCodec) Append(dst []byte, s Set) []byte { return runs.AppendSet(dst, s) }

func (setCodec) Decode(b []byte) (Set, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, fmt.Errorf("%w a set: bad member count", ErrDecode)
	}
	b = b[k:]
	s := make(Set, n)
	for i := uint64(0); i < n; i++ {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, fmt.Errorf("%w a set: member %d truncated", ErrDecode, i)
		}
		s[string(b[k:k+int(l)])] = struct{}{}
		b = b[k+int(l):]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w a set: %d bytes after the members", ErrDecode, len(b))
	}
	return s, nil
}
