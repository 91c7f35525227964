package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestQuoteEscapeFlags: --quote and --escape override the sniffed quoting
// of CSV input (a file quoting with ' is read with " as its quote: the
// apostrophes stay), a bad one is a usage error in DuckDB's words, and
// `scatter jobs` lists both.
func TestQuoteEscapeFlags(t *testing.T) {
	dir := t.TempDir()
	in := testutil.WriteFile(t, dir, "q.csv", []byte("city,n\n'a',1\n'b',2\n"))
	out := filepath.Join(t.TempDir(), "o.csv")
	if _, stderr, err := runCLI(t, "run", "--job", "select", "--columns", "city", "--quote", `"`, "--input", in, "--output", out, "--state-dir", t.TempDir()); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != "city\n'a'\n'b'\n" {
		t.Errorf("--quote '\"': output %q, want the apostrophes kept", got)
	}
	if _, stderr, err := runCLI(t, "run", "--job", "select", "--columns", "city", "--input", in, "--output", out, "--state-dir", t.TempDir()); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != "city\na\nb\n" {
		t.Errorf("sniffed: output %q, want the quotes read", got)
	}
	for _, c := range []struct{ flag, value, want string }{
		{"--quote", "ab", "--quote: The quote option cannot exceed a size of 1 byte."},
		{"--escape", ";;", "--escape: The escape option cannot exceed a size of 1 byte."},
	} {
		_, _, err := runCLI(t, "run", "--job", "select", "--columns", "city", c.flag, c.value, "--input", in, "--output", out, "--state-dir", t.TempDir())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want %q", c.flag, c.value, err, c.want)
		}
	}
	_, _, err := runCLI(t, "run", "--job", "select", "--columns", "city", "--delim", ";", "--quote", ";", "--input", in, "--output", out, "--state-dir", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "QUOTE must not appear in the DELIMITER specification") {
		t.Errorf("--delim ';' --quote ';': %v", err)
	}
	stdout, _, err := runCLI(t, "jobs")
	if err != nil || !strings.Contains(stdout, "--quote") || !strings.Contains(stdout, "--escape") {
		t.Errorf("scatter jobs: %v\n%s", err, stdout)
	}
}
