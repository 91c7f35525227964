package pq

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
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
			// the same near the end (snappyTail)
			"offset 0 at the end":        block(pad+14, head, lit(10), copy1(4, 0)),
			"2-byte offset 0 at the end": block(pad+18, head, lit(10), copy2(8, 0)),
			"4-byte offset 0 at the end": block(pad+18, head, lit(10), copy4(8, 0)),
			"offset past start at end":   block(pad+18, head, lit(10), copy2(8, pad+11)),
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
// touches memory outside src and dst, and it decodes what klauspost's
// strict Snappy decoder decodes, to the same bytes, and refuses what it
// refuses (checkSnappyStrict).
func FuzzDecodeSnappy(f *testing.F) {
	for _, in := range snappyInputs() {
		if len(in) < 4096 {
			f.Add(snappy.Encode(nil, in))
		}
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 20 {
		src, _ := randomSnappyBlock(rng, 1+rng.IntN(100))
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		n, err := snappy.DecodedLen(src)
		if err != nil || n > 1<<20 {
			return
		}
		checkSnappyStrict(t, "fuzz", src)
	})
}

// randomSnappyBlock is a valid Snappy block of elems random elements and
// what it decodes to, written element by element: literals of 1 to 300
// bytes with their length in the tag or in 1 to 4 bytes after it (forms
// 60-63, also for lengths that need fewer: the format allows them), and
// copies of each offset size, from 1 byte back (overlapping, offsets under
// 8 most often) to the start, of every length the tag allows.
func randomSnappyBlock(rng *rand.Rand, elems int) (src, want []byte) {
	var body []byte
	for range elems {
		if len(want) == 0 || rng.IntN(3) == 0 {
			n := 1 + rng.IntN(24)
			if rng.IntN(4) == 0 {
				n = 1 + rng.IntN(300)
			}
			lit := make([]byte, n)
			for i := range lit {
				lit[i] = byte(rng.Uint32())
			}
			form := rng.IntN(5) // 0: the length in the tag; k: in k bytes after it
			if form == 0 && n > 60 || form == 1 && n > 256 {
				form = 2
			}
			if form == 0 {
				body = append(body, byte(n-1)<<2)
			} else {
				body = append(body, byte(59+form)<<2)
				for i := range form {
					body = append(body, byte((n-1)>>(8*i)))
				}
			}
			body = append(body, lit...)
			want = append(want, lit...)
			continue
		}
		back := len(want)
		if rng.IntN(2) == 0 {
			back = min(back, 9)
		}
		offset := 1 + rng.IntN(back)
		var length int
		switch kind := rng.IntN(3); {
		case kind == 0 && offset < 2048:
			length = 4 + rng.IntN(8)
			body = append(body, byte(snappyCopy1|(length-4)<<2|offset>>8<<5), byte(offset))
		case kind <= 1 && offset < 65536:
			length = 1 + rng.IntN(64)
			body = append(body, byte(snappyCopy2|(length-1)<<2), byte(offset), byte(offset>>8))
		default:
			length = 1 + rng.IntN(64)
			body = binary.LittleEndian.AppendUint32(append(body, byte(snappyCopy4|(length-1)<<2)), uint32(offset))
		}
		for range length {
			want = append(want, want[len(want)-offset])
		}
	}
	return append(binary.AppendUvarint(nil, uint64(len(want))), body...), want
}

// checkSnappyStrict decodes src with decodeSnappy and with klauspost's
// strict Snappy decoder (snappy.DecodeStrict: the format without s2's
// extensions, as the reference decoder reads it): both refuse it, or both
// decode it to the same bytes. A header of more than 5 bytes, which only
// DecodeStrict refuses, is passed over.
func checkSnappyStrict(t *testing.T, what string, src []byte) {
	t.Helper()
	n, k := binary.Uvarint(src)
	if k <= 0 || k > 5 || n > 1<<22 {
		return
	}
	dst := make([]byte, n)
	err := decodeSnappy(dst, src)
	want, werr := snappy.DecodeStrict(nil, src)
	switch {
	case (err == nil) != (werr == nil):
		t.Fatalf("%s: decodeSnappy: %v, DecodeStrict: %v (block %x)", what, err, werr, src[:min(len(src), 64)])
	case err == nil && !bytes.Equal(dst, want):
		t.Fatalf("%s: decoded differently from DecodeStrict", what)
	}
}

// TestDecodeSnappyRandomBlocks: blocks of random elements of every form
// (randomSnappyBlock), of a few elements (decoded near the ends) to
// thousands (the fast loop), decode to what they were written from; and
// each, with bytes changed, cut short or its declared length changed,
// decodes as snappy.DecodeStrict decodes it: the same bytes, or an error
// from both, and never a panic or an access outside src and dst.
func TestDecodeSnappyRandomBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 3000 {
		src, want := randomSnappyBlock(rng, 1+rng.IntN(1+i%500))
		dst := make([]byte, len(want))
		if err := decodeSnappy(dst, src); err != nil || !bytes.Equal(dst, want) {
			t.Fatalf("block %d: %v, or decoded differently from what it was written from", i, err)
		}
		checkSnappyStrict(t, fmt.Sprintf("block %d", i), src)
		for m := range 20 {
			bad := bytes.Clone(src)
			switch rng.IntN(4) {
			case 0: // a byte changed
				bad[rng.IntN(len(bad))] = byte(rng.Uint32())
			case 1: // a few bytes changed near each other
				at := rng.IntN(len(bad))
				for j := at; j < min(len(bad), at+4); j++ {
					bad[j] = byte(rng.Uint32())
				}
			case 2: // cut short
				bad = bad[:rng.IntN(len(bad))]
			case 3: // another declared length
				_, k := binary.Uvarint(bad)
				n := max(0, len(want)+rng.IntN(17)-8)
				bad = append(binary.AppendUvarint(nil, uint64(n)), bad[k:]...)
			}
			checkSnappyStrict(t, fmt.Sprintf("block %d, change %d", i, m), bad)
		}
	}
}

// TestDecodeSnappyCorpusMutations: the round trips' blocks (of the
// encoders Parquet writers use), with bytes changed, decode as
// snappy.DecodeStrict decodes them.
func TestDecodeSnappyCorpusMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	inputs := snappyInputs()
	names := make([]string, 0, len(inputs))
	for name := range inputs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		in := inputs[name]
		if len(in) > 1<<20 {
			continue
		}
		for _, src := range [][]byte{snappy.Encode(nil, in), s2.EncodeSnappyBetter(nil, in)} {
			for m := range 30 {
				bad := bytes.Clone(src)
				for range 1 + rng.IntN(3) {
					bad[rng.IntN(len(bad))] = byte(rng.Uint32())
				}
				checkSnappyStrict(t, fmt.Sprintf("%s, change %d", name, m), bad)
			}
		}
	}
}
