package csvline

import (
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// TestMarksForm: the ordinary build of amd64 runs the SSE2 form of Marks,
// arm64's the NEON form (what the Lambda functions run), -tags purego and
// every other architecture the Go form: a wrong build constraint would
// have the comparisons below compare the Go form with itself.
func TestMarksForm(t *testing.T) {
	want := map[string]string{"amd64": "sse2", "arm64": "neon"}[runtime.GOARCH]
	if want == "" || puregoBuild(t) {
		want = "go"
	}
	if marksForm != want {
		t.Fatalf("GOARCH=%s, purego %v: Marks is the %q form, want %q", runtime.GOARCH, puregoBuild(t), marksForm, want)
	}
}

// puregoBuild tells whether the test binary was built with -tags purego.
func puregoBuild(t *testing.T) bool {
	t.Helper()
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("the test binary has no build information")
	}
	for _, s := range info.Settings {
		if s.Key == "-tags" {
			return slices.Contains(strings.Split(s.Value, ","), "purego")
		}
	}
	return false
}

// TestMarksEveryDelimiter: with each of the 256 bytes as the delimiter
// ('\n' and '"' included), Marks agrees with the portable form
// (marksWords, marksTail) and a byte-by-byte check at every alignment of
// four whole blocks in a buffer, and on every tail length, over random
// bytes dense in the delimiter, '\n', '"' and their one-bit neighbours.
func TestMarksEveryDelimiter(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 64+4*64+63)
	for d := 0; d < 256; d++ {
		delim := byte(d)
		alphabet := []byte{delim, '\n', '"', delim ^ 1, delim ^ 0x80, delim ^ 0x10, '\n' ^ 0x80, '"' ^ 1, '"' ^ 0x80}
		for i := range buf {
			if r.IntN(4) == 0 {
				buf[i] = byte(r.Uint32())
			} else {
				buf[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		for off := 0; off < 64; off++ {
			checkMarks(t, buf[off:off+4*64], delim)
			checkMarks(t, buf[off:off+64+off], delim) // one block and a tail of off bytes
		}
	}
}

// TestMarks: Marks (SSE2 on amd64, NEON on arm64), its 8-byte Go form and a byte-by-byte
// check agree on random data of every length up to 300 bytes, dense in
// the marked bytes and in their neighbours (0x0b, 0x2b, 0x23, 0xac, 0x8a:
// one bit away), at every offset in a buffer, with each delimiter.
func TestMarks(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	alphabet := []byte{',', '\n', '"', 'a', 0x0b, 0x2b, 0x23, 0xac, 0x8a, 0xa2, 0, 0xff, '\t', ';', '|', 0x3a, 0x7d, 0x08}
	buf := make([]byte, 400)
	for iter := 0; iter < 20000; iter++ {
		delim := delims[iter%len(delims)]
		for i := range buf {
			buf[i] = alphabet[r.IntN(len(alphabet))]
		}
		off := r.IntN(64)
		data := buf[off : off+r.IntN(301)]
		n := (len(data) + 63) / 64
		got := make([]uint64, n)
		for i := range got {
			got[i] = 0xdeadbeef // Marks must clear what it does not set
		}
		Marks(got, data, delim)
		words := make([]uint64, len(data)/64)
		marksWords(words, data[:64*len(words)], delim)
		for i := range data {
			want := data[i] == delim || data[i] == '\n' || data[i] == '"'
			if bit := got[i/64]>>(i%64)&1 == 1; bit != want {
				t.Fatalf("Marks of %q (delimiter %q): byte %d (%q) marked %v", data, delim, i, data[i], bit)
			}
			if i/64 < len(words) && words[i/64]>>(i%64)&1 == 1 != want {
				t.Fatalf("marksWords of %q (delimiter %q): byte %d (%q) wrong", data, delim, i, data[i])
			}
		}
	}
}

// FuzzMarks: on any bytes at any offset in a buffer, with the fuzzed
// delimiter and each of delims, Marks (the SSE2 assembly on amd64, the
// NEON assembly on arm64, unless built with -tags purego) agrees with the
// portable form the other architectures build (marksWords over the whole
// blocks, marksTail after them) and with a byte-by-byte check. `go test`
// runs the seeds; `go test -run '^$' -fuzz FuzzMarks` searches further
// (on arm64 under qemu: docs/operations.md).
func FuzzMarks(f *testing.F) {
	block := strings.Repeat(`a,"b"`+"\n\x0b\x2b\x23\xac\x8a\xa2\x00\xff\t;|", 12)
	for _, s := range []string{"", ",", "\n", `"`, block[:63], block[:64], block[:65], block[:128], block} {
		for _, off := range []uint8{0, 1, 7, 63} {
			f.Add([]byte(s), off, byte(','))
		}
	}
	f.Add([]byte(block), uint8(5), byte('\n'))
	f.Add([]byte(block), uint8(9), byte('"'))
	f.Add([]byte(block), uint8(3), byte(0xac))
	f.Fuzz(func(t *testing.T, in []byte, off uint8, delim byte) {
		data := make([]byte, int(off%64)+len(in))[off%64:]
		copy(data, in)
		checkMarks(t, data, delim)
		for _, d := range delims {
			checkMarks(t, data, d)
		}
	})
}

// checkMarks checks Marks against marksWords and marksTail, and both
// against a byte-by-byte check, on data with delimiter delim.
func checkMarks(t *testing.T, data []byte, delim byte) {
	t.Helper()
	whole := len(data) / 64
	got := make([]uint64, (len(data)+63)/64)
	for i := range got {
		got[i] = 0xdeadbeef // Marks must clear what it does not set
	}
	Marks(got, data, delim)
	portable := make([]uint64, len(got))
	marksWords(portable[:whole], data[:64*whole], delim)
	if len(data) > 64*whole {
		portable[whole] = marksTail(data[64*whole:], delim)
	}
	for w := range got {
		if got[w] != portable[w] {
			t.Fatalf("Marks of %q: word %d is %#x, the portable form's %#x", data, w, got[w], portable[w])
		}
	}
	for i, c := range data {
		want := c == delim || c == '\n' || c == '"'
		if bit := got[i/64]>>(i%64)&1 == 1; bit != want {
			t.Fatalf("Marks of %q (delimiter %q): byte %d (%q) marked %v", data, delim, i, c, bit)
		}
	}
}
