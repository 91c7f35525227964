//go:build !linux

package lambdahost

import (
	"os"
	"os/exec"
	"syscall"
)

// newCommand runs path; off Linux the host kills only the process itself.
func newCommand(path string) *exec.Cmd { return exec.Command(path) }

func signalGroup(pid int, sig syscall.Signal) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Signal(sig)
	}
}

// memWatch reports no memory off Linux.
type memWatch struct{}

func watchMemory(int) *memWatch { return &memWatch{} }

func (*memWatch) peak() int64 { return 0 }

// limitFiles is a no-op off Linux.
func limitFiles(pid, n int) error { return nil }
