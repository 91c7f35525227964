package csvline

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		line   string
		raw    []string
		values []string
		err    bool
	}{
		{"a,b,c", []string{"a", "b", "c"}, []string{"a", "b", "c"}, false},
		{"", []string{""}, []string{""}, false},
		{",", []string{"", ""}, []string{"", ""}, false},
		{"a,", []string{"a", ""}, []string{"a", ""}, false},
		{`"a,b",c`, []string{`"a,b"`, "c"}, []string{"a,b", "c"}, false},
		{`"say ""hi""",x`, []string{`"say ""hi"""`, "x"}, []string{`say "hi"`, "x"}, false},
		{`""`, []string{`""`}, []string{""}, false},
		{`""""`, []string{`""""`}, []string{`"`}, false},
		{`a,""`, []string{"a", `""`}, []string{"a", ""}, false},
		{"a\rb,c", []string{"a\rb", "c"}, []string{"a\rb", "c"}, false},
		{` "a"`, nil, nil, true},  // a quote in an unquoted field
		{`a"b,c`, nil, nil, true}, // bare quote
		{`"a"b,c`, nil, nil, true},
		{`"abc`, nil, nil, true},
		{`"a""`, nil, nil, true},
		{`x,"a`, nil, nil, true},
	}
	for _, d := range delims {
		for _, c := range cases {
			c.line = withDelim(c.line, d)
			c.raw, c.values = withDelims(c.raw, d), withDelims(c.values, d)
			testSplit(t, c.line, d, c.raw, c.values, c.err)
		}
	}
}

// delims are the field delimiters the tests try: DuckDB's sniffer's.
var delims = []byte{',', '\t', ';', '|'}

// withDelim is s with every comma replaced by d.
func withDelim(s string, d byte) string { return strings.ReplaceAll(s, ",", string(d)) }

// withDelims is withDelim on each string.
func withDelims(ss []string, d byte) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = withDelim(s, d)
	}
	return out
}

// testSplit checks Split(text, delim) against the raw fields and values
// wanted, or ErrQuote.
func testSplit(t *testing.T, text string, delim byte, raws, values []string, wantErr bool) {
	t.Helper()
	t.Run(fmt.Sprintf("%q/%q", delim, text), func(t *testing.T) {
		line := []byte(text)
		fields, err := Split(nil, line, delim)
		if wantErr {
			if !errors.Is(err, ErrQuote) {
				t.Fatalf("Split(%q) error = %v, want ErrQuote", text, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Split(%q): %v", text, err)
		}
		if len(fields) != len(raws) {
			t.Fatalf("Split(%q) = %d fields, want %d", text, len(fields), len(raws))
		}
		var scratch []byte
		for i, f := range fields {
			if got := string(f.Raw(line)); got != raws[i] {
				t.Errorf("field %d raw %q, want %q", i, got, raws[i])
			}
			var v []byte
			v, scratch = f.Value(line, scratch)
			if string(v) != values[i] {
				t.Errorf("field %d value %q, want %q", i, v, values[i])
			}
		}
	})
}

func TestAppendField(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"", ""},
		{"a,b", `"a,b"`},
		{`say "hi"`, `"say ""hi"""`},
		{"two\nlines", "\"two\nlines\""},
		{"cr\r", "\"cr\r\""},
		{" spaced ", " spaced "},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := string(AppendField(nil, []byte(c.in))); got != c.want {
				t.Fatalf("AppendField(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestTrimCR(t *testing.T) {
	for in, want := range map[string]string{"a\r": "a", "a\r\r": "a\r", "a": "a", "": "", "\r": ""} {
		if got := string(TrimCR([]byte(in))); got != want {
			t.Errorf("TrimCR(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSplitMatchesEncodingCSV splits random lines, long enough for the
// 8-bytes-at-a-time scan and full of commas and quotes, as checkLine does.
func TestSplitMatchesEncodingCSV(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for n := 0; n < 20000; n++ {
		delim := delims[n%len(delims)]
		alphabet := []byte("abcdefgh,;|\t" + string([]byte{delim, delim, delim}) + `""`)
		line := make([]byte, r.IntN(90))
		for i := range line {
			line[i] = alphabet[r.IntN(len(alphabet))]
		}
		if n%2 == 0 { // well-formed: quote some fields properly
			var b []byte
			for i := 0; i < 1+r.IntN(12); i++ {
				if i > 0 {
					b = append(b, delim)
				}
				f := line[:r.IntN(len(line)+1)]
				if r.IntN(2) == 0 {
					b = appendQuoted(b, f)
				} else {
					b = append(b, bytes.Map(func(c rune) rune {
						if c == '"' || c == rune(delim) {
							return 'q'
						}
						return c
					}, f)...)
				}
			}
			line = b
		}
		checkLine(t, line, delim)
	}
}

// appendQuoted appends v to dst quoted, its quotes doubled.
func appendQuoted(dst, v []byte) []byte {
	dst = append(dst, '"')
	dst = append(dst, bytes.ReplaceAll(v, []byte(`"`), []byte(`""`))...)
	return append(dst, '"')
}

// FuzzCSVLine: Split agrees with encoding/csv on one line, as checkLine
// does, with each delimiter of delims.
func FuzzCSVLine(f *testing.F) {
	for _, s := range []string{`a,b,c`, `"a,b",c`, `"x""y",,z` + "\r", `a"b`, `"a"b`, `"abc`, "", "\r", "a\rb,\"c\r\"", `,"",""""`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.IndexByte(line, '\n') < 0 {
			for _, d := range delims {
				checkLine(t, line, d)
			}
		}
	})
}

// checkLine checks Split against encoding/csv on line (without "\n"), its
// fields separated by delim: the same acceptance, the same values, raw
// fields at encoding/csv's positions, and values that round-trip through
// AppendField (comma CSV, as the jobs write it).
func checkLine(t *testing.T, line []byte, delim byte) {
	t.Helper()
	body := TrimCR(line)
	fields, err := Split(nil, body, delim)
	cr := csv.NewReader(bytes.NewReader(append(bytes.Clone(line), '\n')))
	cr.FieldsPerRecord = -1
	cr.Comma = rune(delim)
	rec, cerr := cr.Read()
	if len(body) == 0 {
		// encoding/csv skips an empty line; the jobs ignore it as blank.
		if err != nil || len(fields) != 1 {
			t.Fatalf("empty line: %v %v", fields, err)
		}
		return
	}
	if (err != nil) != (cerr != nil) {
		t.Fatalf("%q: Split error %v, encoding/csv error %v", line, err, cerr)
	}
	if err != nil {
		return
	}
	if len(fields) != len(rec) {
		t.Fatalf("%q: %d fields, encoding/csv %d", line, len(fields), len(rec))
	}
	var scratch []byte
	for i, f := range fields {
		var v []byte
		v, scratch = f.Value(body, scratch)
		if _, col := cr.FieldPos(i); string(v) != rec[i] || f.Start != col-1 {
			t.Fatalf("%q field %d: %q at %d, encoding/csv %q at %d", line, i, v, f.Start, rec[i], col-1)
		}
		written := AppendField(nil, v)
		again, err := Split(nil, written, ',')
		if err != nil || len(again) != 1 {
			t.Fatalf("%q does not round-trip: %v", v, err)
		}
		if back, _ := again[0].Value(written, nil); !bytes.Equal(back, v) {
			t.Fatalf("%q written as %q reads back as %q", v, written, back)
		}
	}
}

// TestHeader: a header row quotes the names that need it, as encoding/csv writes them.
func TestHeader(t *testing.T) {
	names := []string{"a", "b,c", `say "hi"`, ""}
	var want bytes.Buffer
	w := csv.NewWriter(&want)
	if err := w.Write(names); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if got := Header(names); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("Header(%q) = %q, want %q", names, got, want.Bytes())
	}
}

// TestNeedsQuote checks the word-at-a-time scan against a byte loop: every
// byte value at every position of fields of 0 to 24 bytes.
func TestNeedsQuote(t *testing.T) {
	want := func(v []byte) bool {
		for _, c := range v {
			if c == ',' || c == '"' || c == '\r' || c == '\n' {
				return true
			}
		}
		return false
	}
	for n := 0; n <= 24; n++ {
		v := bytes.Repeat([]byte{'a'}, n)
		if NeedsQuote(v) {
			t.Fatalf("NeedsQuote(%q) = true", v)
		}
		for i := 0; i < n; i++ {
			for c := 0; c < 256; c++ {
				v[i] = byte(c)
				if got := NeedsQuote(v); got != want(v) {
					t.Fatalf("NeedsQuote(%q) = %v, want %v", v, got, !got)
				}
			}
			v[i] = 'a'
		}
	}
}
