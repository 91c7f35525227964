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

// isolate runs cmd in its own process group (so Close can kill what it
// starts too), killed if the host dies. When tmpMB > 0 its TMPDIR becomes a
// tmpfs of that size (sandbox_linux.go).
func isolate(cmd *exec.Cmd, tmpMB int) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if tmpMB > 0 {
		sandboxed(cmd, tmpMB)
	}
}

// signalGroup signals the process group led by pid.
func signalGroup(pid int, sig syscall.Signal) {
	syscall.Kill(-pid, sig)
}

// memWatch watches a process over one invocation, as Lambda's sandbox would: its
// peak RSS, exactly from VmHWM after resetting it through clear_refs (or else from
// sampled VmRSS), polled every memSampleEvery; when the peak passes limitKB it kills
// the process group at once, as AWS kills a function that passes its MemorySize.
// When tmpLimit is set (no tmpfs could be mounted, sandbox_linux.go) it also walks
// tmp every tmpSampleEvery and kills the process when /tmp holds more than that.
type memWatch struct {
	pid      int
	limitKB  int64 // 0: no limit
	tmp      string
	tmpLimit int64 // bytes; 0: /tmp is not watched
	reset    bool
	stop     chan struct{}
	done     chan struct{}
	max      int64
	over     overLimit // set before done is closed
}

const (
	memSampleEvery = 5 * time.Millisecond
	tmpSampleEvery = 50 * time.Millisecond
)

func watchMemory(pid int, limitKB int64, tmp string, tmpLimit int64) *memWatch {
	m := &memWatch{pid: pid, limitKB: limitKB, tmp: tmp, tmpLimit: tmpLimit,
		stop: make(chan struct{}), done: make(chan struct{})}
	m.reset = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0) == nil
	go m.run()
	return m
}

func (m *memWatch) run() {
	defer close(m.done)
	t := time.NewTicker(memSampleEvery)
	defer t.Stop()
	lastTmp := time.Now()
	for {
		m.sample()
		if m.limitKB > 0 && m.max > m.limitKB {
			m.kill(overMemory)
			return
		}
		if m.tmpLimit > 0 && time.Since(lastTmp) >= tmpSampleEvery {
			lastTmp = time.Now()
			if dirBytes(m.tmp) > m.tmpLimit {
				m.kill(overTmp)
				return
			}
		}
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
	}
}

func (m *memWatch) kill(why overLimit) {
	m.over = why
	signalGroup(m.pid, syscall.SIGKILL)
}

// sample raises max to the process's peak (VmHWM) or current (VmRSS) memory.
func (m *memWatch) sample() {
	field := "VmRSS:"
	if m.reset {
		field = "VmHWM:"
	}
	if kb, ok := statusKB(m.pid, field); ok && kb > m.max {
		m.max = kb
	}
}

// peak ends the watch and returns the peak in KiB (0 if unknown) and the quota
// the process passed, if the watch killed it. It may be called more than once.
func (m *memWatch) peak() (int64, overLimit) {
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
	<-m.done
	if m.over == withinLimits {
		m.sample()
	}
	return m.max, m.over
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
