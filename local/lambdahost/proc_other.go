//go:build !linux

package lambdahost

import (
	"os"
	"os/exec"
	"syscall"
)

// isolate does nothing off Linux: the host kills only the process itself and
// /tmp is a plain directory (tmpMB is never set: tmpfsAvailable is false).
func isolate(*exec.Cmd, int) {}

func signalGroup(pid int, sig syscall.Signal) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Signal(sig)
	}
}

func tmpfsAvailable() bool { return false }

// memWatch reports no memory off Linux and watches no limit.
type memWatch struct{}

func watchMemory(int, int64, string, int64) *memWatch { return &memWatch{} }

func (*memWatch) peak() (int64, overLimit) { return 0, withinLimits }

// limitFiles is a no-op off Linux.
func limitFiles(pid, n int) error { return nil }
