package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeTestNeedsQemuFirst: `make test` checks for qemu-aarch64-static (the arm64
// tests run under it) before it runs anything, and names it when it is missing:
// without CI=true, and with CI=true when apt-get cannot install it. With it there,
// the check passes and the tests start. Go is /bin/false here and PATH holds only
// stand-ins, so nothing is built and nothing is installed.
func TestMakeTestNeedsQemuFirst(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("no make on this machine")
	}
	bin := t.TempDir()
	aptRan := filepath.Join(t.TempDir(), "apt-get-ran")
	write := func(name, script string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("apt-get", "echo ran >> "+aptRan+"; echo 'E: Could not open lock file' >&2; exit 100")
	run := func(ci string) string {
		t.Helper()
		cmd := exec.Command(mk, "--no-print-directory", "-C", repoRoot(t), "test", "GO=/bin/false")
		cmd.Env = []string{"PATH=" + bin, "CI=" + ci}
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("make test with Go /bin/false (CI=%q) succeeded:\n%s", ci, out)
		}
		return string(out)
	}
	const missing = "qemu-aarch64-static not found"
	for _, ci := range []string{"", "true"} {
		os.Remove(aptRan)
		out := run(ci)
		if !strings.Contains(out, missing) {
			t.Errorf("make test without qemu-aarch64-static (CI=%q, apt-get failing): want %q before anything runs, got:\n%s", ci, missing, out)
		}
		if strings.Contains(out, "/bin/false") {
			t.Errorf("make test without qemu-aarch64-static (CI=%q) ran Go before checking for it:\n%s", ci, out)
		}
		_, err := os.Stat(aptRan)
		if ranApt := err == nil; ranApt != (ci == "true") {
			t.Errorf("CI=%q: apt-get ran: %v, want %v", ci, ranApt, ci == "true")
		}
	}
	write("qemu-aarch64-static", "exit 0")
	if out := run(""); strings.Contains(out, missing) || !strings.Contains(out, "/bin/false vet") {
		t.Errorf("make test with qemu-aarch64-static: want the check to pass and go vet to run, got:\n%s", out)
	}
}
