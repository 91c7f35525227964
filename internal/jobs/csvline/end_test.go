package csvline

import (
	"math/rand/v2"
	"testing"
)

// step1 runs the automaton on one byte.
func step1(q QuoteState, c, delim byte) (QuoteState, bool) {
	next, end, _ := Step(q, c, delim)
	return next, end
}

// TestEndMatchesStep: End's jumps over bytes agree with the
// automaton one byte at a time, from every state, across buffer refills,
// with each delimiter.
func TestEndMatchesStep(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for iter := 0; iter < 20000; iter++ {
		delim := delims[iter%len(delims)]
		alphabet := []byte{'a', ',', '\t', delim, delim, '"', '\n', '\r'}
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		q0 := QuoteState(r.IntN(6))
		wantEnd, q := -1, q0
		for i, c := range b {
			var end bool
			if q, end = step1(q, c, delim); end {
				wantEnd = i
				break
			}
		}
		cut := 0
		if len(b) > 0 {
			cut = r.IntN(len(b) + 1)
		}
		gotEnd, gq := End(b[:cut], q0, delim)
		if gotEnd < 0 {
			if gotEnd, gq = End(b[cut:], gq, delim); gotEnd >= 0 {
				gotEnd += cut
			}
		}
		if gotEnd != wantEnd || (wantEnd < 0 && gq != q) {
			t.Fatalf("End(%q from %v, delimiter %q, refilled at %d) = %d %v, want %d %v", b, q0, delim, cut, gotEnd, gq, wantEnd, q)
		}
	}
}
