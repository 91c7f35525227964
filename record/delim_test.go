package record_test

import (
	"strings"
	"testing"

	"github.com/scattergather/scattergather/record"
)

// TestParseDelim: a delimiter is one byte, a tab by name; a quote, "\r",
// "\n", NUL and text of another length are refused, the error naming what
// was given (a scan with the delimiter a quote or a newline would read
// every record wrong).
func TestParseDelim(t *testing.T) {
	for in, want := range map[string]byte{",": ',', ";": ';', "|": '|', "\t": '\t', `\t`: '\t', "tab": '\t', " ": ' '} {
		if got, err := record.ParseDelim(in); err != nil || got != want {
			t.Errorf("ParseDelim(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, names := range map[string]string{`"`: `'"'`, "\n": `'\n'`, "\r": `'\r'`, "\x00": `'\x00'`, "": `""`, ";;": `";;"`, "é": `"é"`} {
		_, err := record.ParseDelim(in)
		if err == nil || !strings.Contains(err.Error(), names) {
			t.Errorf("ParseDelim(%q): %v, want an error naming %s", in, err, names)
		}
	}
}
