package pq

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
)

// snappyInputs are data that compress to every kind of Snappy element:
// literals short and long (their length in 1 to 4 bytes after the tag),
// copies with 1-, 2- and 4-byte offsets, overlapping copies (offsets under
// 8), long copies, and sizes either side of the fast loop's margins.
func snappyInputs() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	in := map[string][]byte{"empty": {}}
	for _, n := range []int{1, 7, 16, 17, 18, 63, 64, 65, 66, 81, 100, 255, 1000} {
		in[fmt.Sprintf("random-%d", n)] = random(n)
		in[fmt.Sprintf("zeros-%d", n)] = make([]byte, n)
		in[fmt.Sprintf("period3-%d", n)] = bytes.Repeat([]byte("abc"), n/3+1)[:n]
	}
	in["random-70000"] = random(70000) // a literal whose length takes 3 bytes
	in["random-17000000"] = random(17 << 20)
	var ips, doubles []byte
	for range 20000 {
		ip := fmt.Sprintf("%d.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256), rng.IntN(256))
		ips = binary.LittleEndian.AppendUint32(ips, uint32(len(ip)))
		ips = append(ips, ip...)
		doubles = binary.LittleEndian.AppendUint64(doubles, uint64(rng.IntN(1000000))*0x10000000)
	}
	in["ips"], in["doubles"] = ips, doubles
	var mixed []byte
	for i := range 3000 {
		switch i % 4 {
		case 0:
			mixed = append(mixed, random(rng.IntN(300))...)
		case 1:
			mixed = append(mixed, bytes.Repeat([]byte{byte(i)}, rng.IntN(200))...)
		case 2:
			if len(mixed) > 100000 { // far back: a 4-byte offset when > 65535
				at := rng.IntN(len(mixed) - 100)
				mixed = append(mixed, mixed[at:at+rng.IntN(100)]...)
			}
		case 3:
			mixed = append(mixed, bytes.Repeat([]byte("0123456"[:1+rng.IntN(7)]), rng.IntN(30))...)
		}
	}
	in["mixed"] = mixed
	return in
}

// TestDecodeSnappy decodes what Snappy encoders (klauspost's snappy and its
// s2 package's Snappy-compatible ones) write, as they do.
func TestDecodeSnappy(t *testing.T) {
	encoders := map[string]func([]byte) []byte{
		"snappy":      func(b []byte) []byte { return snappy.Encode(nil, b) },
		"s2-better":   func(b []byte) []byte { return s2.EncodeSnappyBetter(nil, b) },
		"s2-best":     func(b []byte) []byte { return s2.EncodeSnappyBest(nil, b) },
		"one literal": snappyLiterals,
	}
	for name, in := range snappyInputs() {
		for ename, enc := range encoders {
			if ename == "s2-best" && len(in) > 1<<20 {
				continue // slow
			}
			src := enc(in)
			dst := make([]byte, len(in))
			if err := decodeSnappy(dst, src); err != nil {
				t.Fatalf("%s by %s: %v", name, ename, err)
			}
			if !bytes.Equal(dst, in) {
				t.Fatalf("%s by %s: decoded differently", name, ename)
			}
		}
	}
}

// snappyLiterals is b as one Snappy literal, its length in 4 bytes.
func snappyLiterals(b []byte) []byte {
	out := binary.AppendUvarint(nil, uint64(len(b)))
	if len(b) == 0 {
		return out
	}
	out = append(out, 63<<2)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(b)-1))
	return append(out, b...)
}

// TestDecodeSnappyCorrupt: a block that is not Snappy is an error, at
// every size (in the fast loop and near the ends).
func TestDecodeSnappyCorrupt(t *testing.T) {
	lit := func(n int) []byte { return append([]byte{byte(n-1) << 2}, bytes.Repeat([]byte{'x'}, n)...) }
	block := func(n int, elems ...[]byte) []byte {
		b := binary.AppendUvarint(nil, uint64(n))
		for _, e := range elems {
			b = append(b, e...)
		}
		return b
	}
	copy1 := func(length, offset int) []byte {
		return []byte{byte(snappyCopy1 | (length-4)<<2 | offset>>8<<5), byte(offset)}
	}
	copy2 := func(length, offset int) []byte {
		return []byte{byte(snappyCopy2 | (length-1)<<2), byte(offset), byte(offset >> 8)}
	}
	copy4 := func(length, offset int) []byte {
		return binary.LittleEndian.AppendUint32([]byte{byte(snappyCopy4 | (length-1)<<2)}, uint32(offset))
	}
	for _, pad := range []int{0, 200} { // pad: a long literal first, so the bad element is in the fast loop
		var head []byte
		if pad > 0 {
			head = append([]byte{60 << 2, byte(pad - 1)}, bytes.Repeat([]byte{'p'}, pad)...)
		}
		cases := map[string][]byte{
			"offset 0":              block(pad+100, head, lit(10), copy1(4, 0), lit(60), lit(26)),
			"offset past start":     block(pad+100, head, lit(10), copy2(8, pad+11), lit(60), lit(22)),
			"4-byte offset past":    block(pad+100, head, lit(10), copy4(8, 1<<20), lit(60), lit(22)),
			"copy past the end":     block(pad+12, head, lit(10), copy1(11, 5)),
			"literal past the end":  block(pad+5, head, lit(10)),
			"literal past src":      block(pad+100, head, []byte{59 << 2}, []byte("short")),
			"long literal length":   block(pad+100, head, []byte{61 << 2, 1}),
			"short output":          block(pad+30, head, lit(10)),
			"truncated copy":        block(pad+30, head, lit(10), []byte{snappyCopy2, 1}),
			"truncated copy4":       block(pad+30, head, lit(10), []byte{snappyCopy4, 1, 0}),
			"literal of 2^32 bytes": block(pad+30, head, lit(10), []byte{63 << 2, 0xff, 0xff, 0xff, 0xff}),
		}
		for name, src := range cases {
			n, err := snappy.DecodedLen(src)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := decodeSnappy(make([]byte, n), src); err == nil {
				t.Errorf("%s (pad %d): decoded", name, pad)
			}
		}
	}
	if err := decodeSnappy(make([]byte, 5), block(4, lit(4))); err == nil {
		t.Error("a header declaring another length than dst's: decoded")
	}
	if err := decodeSnappy(nil, []byte{0x80}); err == nil {
		t.Error("a truncated header: decoded")
	}
}

// FuzzDecodeSnappy: whatever the block, decodeSnappy neither panics nor
// touches memory outside src and dst, and what it decodes the s2 decoder
// (whose format is a superset of Snappy's) decodes the same.
func FuzzDecodeSnappy(f *testing.F) {
	for _, in := range snappyInputs() {
		if len(in) < 4096 {
			f.Add(snappy.Encode(nil, in))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		n, err := snappy.DecodedLen(src)
		if err != nil || n > 1<<20 {
			return
		}
		dst := make([]byte, n)
		if err := decodeSnappy(dst, src); err != nil {
			return
		}
		want, err := s2.Decode(nil, src)
		if err != nil {
			t.Fatalf("decoded what s2 refuses: %v", err)
		}
		if !bytes.Equal(dst, want) {
			t.Fatal("decoded differently from s2")
		}
	})
}
