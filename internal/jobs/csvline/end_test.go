package csvline

import (
	"fmt"
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

// TestEndQuotedMatchesStep is TestEndMatchesStep for quotings whose escape
// is not the quote (a backslash before '"' or '\”), with runs of escape
// bytes before quotes and at refills: EndQuoted's jumps to the closing
// quote (CloseQuote's runs of escapes) agree with StepQuoted byte by byte.
func TestEndQuotedMatchesStep(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 6))
	quotings := []Quoting{{'"', '\\'}, {'\'', '\\'}, {'\'', '\''}}
	for iter := 0; iter < 30000; iter++ {
		qt := quotings[iter%len(quotings)]
		alphabet := []byte{'a', ',', qt.Quote, qt.Quote, qt.Escape, qt.Escape, '"', '\n', '\r'}
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		q0 := QuoteState(r.IntN(int(NumStates)))
		if q0 == InEscape && qt.Doubled() {
			q0 = InQuotes
		}
		wantEnd, q := -1, q0
		for i, c := range b {
			var end bool
			if q, end, _ = StepQuoted(q, c, ',', qt); end {
				wantEnd = i
				break
			}
		}
		cut := 0
		if len(b) > 0 {
			cut = r.IntN(len(b) + 1)
		}
		gotEnd, gq := EndQuoted(b[:cut], q0, ',', qt)
		if gotEnd < 0 {
			if gotEnd, gq = EndQuoted(b[cut:], gq, ',', qt); gotEnd >= 0 {
				gotEnd += cut
			}
		}
		if gotEnd != wantEnd || (wantEnd < 0 && gq != q) {
			t.Fatalf("EndQuoted(%q from %v, quoting %q, refilled at %d) = %d %v, want %d %v", b, q0, qt, cut, gotEnd, gq, wantEnd, q)
		}
	}
}

// TestSplitQuoted: fields quoted with a backslash before a quote (MySQL),
// with ' doubled and with ' and a backslash, decoded as DuckDB's read_csv
// reads them (csvcheck checks files of them against DuckDB): the escape
// byte dropped, the byte after it kept whatever it is; a doubled quote is
// no escape when the escape is another byte.
func TestSplitQuoted(t *testing.T) {
	bs, sq, sqbs := Quoting{'"', '\\'}, Quoting{'\'', '\''}, Quoting{'\'', '\\'}
	for _, c := range []struct {
		line string
		qt   Quoting
		want []string
		err  bool
	}{
		{`1,"Say \"hi\", Oslo",7`, bs, []string{"1", `Say "hi", Oslo`, "7"}, false},
		{`"C:\\dir\\",x`, bs, []string{`C:\dir\`, "x"}, false},
		{`"a\nb\,c",""`, bs, []string{"anb,c", ""}, false},
		{"\"a\\\nb\"", bs, []string{"a\nb"}, false},
		{`"a""b"`, bs, nil, true},
		{`"a\"`, bs, nil, true},
		{`a\"b`, bs, nil, true},
		{`'it''s, NO',"x"`, sq, []string{"it's, NO", `"x"`}, false},
		{`'it\'s, NO',\`, sqbs, []string{"it's, NO", `\`}, false},
		{`'\\\'',''`, sqbs, []string{`\'`, ""}, false},
	} {
		fs, err := SplitQuoted(nil, []byte(c.line), ',', c.qt)
		if (err != nil) != c.err {
			t.Errorf("SplitQuoted(%q, %q): %v, want error %v", c.line, c.qt, err, c.err)
			continue
		}
		if err != nil {
			continue
		}
		var got []string
		for _, f := range fs {
			v, _ := f.Value([]byte(c.line), nil)
			got = append(got, string(v))
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || len(got) != len(c.want) {
			t.Errorf("SplitQuoted(%q, %q) = %q, want %q", c.line, c.qt, got, c.want)
		}
	}
}
