package plan

import "testing"

// FuzzSniffDelim: any sample, cut or whole, is sniffed without a panic,
// and a delimiter it gives is a candidate.
func FuzzSniffDelim(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a;b;c\r\n1;2;3\r\n4;5\n", "\xef\xbb\xbfa|b\n\"x\"\"|\"|y\n", "a\tb\n\"1\n", "\n\n,\n;;\n"} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, sample []byte, eof bool) {
		d, err := SniffDelim(sample, eof)
		if err != nil {
			return
		}
		for _, c := range DelimCandidates {
			if c == d {
				return
			}
		}
		t.Fatalf("delimiter %q is no candidate", d)
	})
}
