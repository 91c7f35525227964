package csvline

import (
	"math/rand/v2"
	"testing"
)

// TestMarks: Marks (SSE2 on amd64), its 8-byte Go form and a byte-by-byte
// check agree on random data of every length up to 300 bytes, dense in
// the marked bytes and in their neighbours (0x0b, 0x2b, 0x23, 0xac, 0x8a:
// one bit away), at every offset in a buffer.
func TestMarks(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	alphabet := []byte{',', '\n', '"', 'a', 0x0b, 0x2b, 0x23, 0xac, 0x8a, 0xa2, 0, 0xff}
	buf := make([]byte, 400)
	for iter := 0; iter < 20000; iter++ {
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
		Marks(got, data)
		words := make([]uint64, len(data)/64)
		marksWords(words, data[:64*len(words)])
		for i := range data {
			want := data[i] == ',' || data[i] == '\n' || data[i] == '"'
			if bit := got[i/64]>>(i%64)&1 == 1; bit != want {
				t.Fatalf("Marks of %q: byte %d (%q) marked %v", data, i, data[i], bit)
			}
			if i/64 < len(words) && words[i/64]>>(i%64)&1 == 1 != want {
				t.Fatalf("marksWords of %q: byte %d (%q) wrong", data, i, data[i])
			}
		}
	}
}
