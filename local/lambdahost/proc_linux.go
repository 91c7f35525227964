package lambdahost

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// newCommand runs path in its own process group (so Close can kill what it
// starts too), killed if the host dies.
func newCommand(path string) *exec.Cmd {
	cmd := exec.Command(path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return cmd
}

// signalGroup signals the process group led by pid.
func signalGroup(pid int, sig syscall.Signal) {
	syscall.Kill(-pid, sig)
}

// memWatch measures a process's peak RSS over one invocation: exactly, from
// VmHWM after resetting it through clear_refs, or else by sampling VmRSS.
type memWatch struct {
	pid   int
	reset bool
	stop  chan struct{}
	done  chan struct{}
	max   int64
}

const memSampleEvery = 5 * time.Millisecond

func watchMemory(pid int) *memWatch {
	m := &memWatch{pid: pid}
	if os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0) == nil {
		m.reset = true
		return m
	}
	m.stop, m.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(m.done)
		t := time.NewTicker(memSampleEvery)
		defer t.Stop()
		for {
			if kb, ok := statusKB(pid, "VmRSS:"); ok && kb > m.max {
				m.max = kb
			}
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// peak ends the watch and returns the peak in KiB (0 if unknown). It may be
// called more than once.
func (m *memWatch) peak() int64 {
	if m.reset {
		kb, _ := statusKB(m.pid, "VmHWM:")
		return kb
	}
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
	<-m.done
	if kb, ok := statusKB(m.pid, "VmRSS:"); ok && kb > m.max {
		m.max = kb
	}
	return m.max
}

// statusKB reads one "Name:   123 kB" field of /proc/PID/status.
func statusKB(pid int, field string) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	i := bytes.Index(b, []byte(field))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(field):]
	if j := bytes.IndexByte(b, '\n'); j >= 0 {
		b = b[:j]
	}
	b = bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(b), []byte("kB")))
	kb, err := strconv.ParseInt(string(b), 10, 64)
	return kb, err == nil
}

// limitFiles sets the process's RLIMIT_NOFILE, soft and hard, to n: Lambda's
// 1,024 file descriptors.
func limitFiles(pid, n int) error {
	lim := unix.Rlimit{Cur: uint64(n), Max: uint64(n)}
	return unix.Prlimit(pid, unix.RLIMIT_NOFILE, &lim, nil)
}
