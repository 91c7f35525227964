package motoserver

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scattergather/scattergather/internal/sfnquota"
)

// Install is the command that provides what Start needs.
const Install = "pip install 'moto[server]'"

// DefaultStartTimeout bounds how long Start waits for moto to answer when ctx has no
// deadline. moto answers in a few seconds on an idle machine, but importing it is
// CPU-bound: on a loaded one (several servers starting at once, a load average of
// 20-25 on 2 cores) it took over a minute. The bound only stops a server that will never
// answer; Start polls the server's own readiness signal until then.
const DefaultStartTimeout = 5 * time.Minute

// pollTimeout bounds one readiness request: a request that outlives it is given up and
// the next poll sends another (the first answer of a server still importing its
// backends on a loaded machine can take seconds).
const pollTimeout = 10 * time.Second

// portAttempts is how many free ports Start tries when another process takes the one it picked.
const portAttempts = 5

// Options configure Start.
type Options struct {
	// Port is the TCP port on 127.0.0.1 to listen on; 0 picks a free one.
	Port int
	// Env is added to the current process's environment for the server (KEY=VALUE).
	Env []string
	// Python is the interpreter to run; empty means python3 from PATH.
	Python string
	// Log, when set, receives the server's output (one line per request).
	Log io.Writer
}

// Server is a running moto server.
type Server struct {
	// URL is the server's endpoint, http://127.0.0.1:PORT.
	URL string
	// Port is the TCP port it listens on.
	Port int

	cmd      *exec.Cmd
	patchDir string
	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
	stopErr  error
}

// Start runs `python3 -m moto.server -H 127.0.0.1 -p PORT` in its own process group and
// waits until it answers. ctx bounds the start only (DefaultStartTimeout when it has no
// deadline: a caller should not bound it tighter, see there); the server runs until Stop.
// It fails with a message naming what is missing when python3 or moto is not installed.
func Start(ctx context.Context, opts Options) (*Server, error) {
	python := opts.Python
	if python == "" {
		python = "python3"
	}
	path, err := exec.LookPath(python)
	if err != nil {
		return nil, fmt.Errorf("start moto: %s not found on PATH: install Python 3, then %s", python, Install)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultStartTimeout)
		defer cancel()
	}
	for attempt := 1; ; attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, fmt.Errorf("start moto: %w", err)
			}
		}
		s, err := start(ctx, path, port, opts)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errPortInUse) || opts.Port != 0 || attempt == portAttempts {
			return nil, err
		}
	}
}

var errPortInUse = errors.New("port in use")

// patch is the sitecustomize.py every server loads: fixes for moto defects (see the file).
//
//go:embed sitecustomize.py
var patch []byte

// writePatch writes the patch to a new directory for PYTHONPATH.
func writePatch() (string, error) {
	dir, err := os.MkdirTemp("", "scatter-moto-")
	if err != nil {
		return "", fmt.Errorf("moto patch: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sitecustomize.py"), patch, 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("moto patch: %w", err)
	}
	return dir, nil
}

func start(ctx context.Context, python string, port int, opts Options) (*Server, error) {
	patchDir, err := writePatch()
	if err != nil {
		return nil, fmt.Errorf("start moto: %w", err)
	}
	pythonPath := patchDir
	if p := os.Getenv("PYTHONPATH"); p != "" {
		pythonPath += string(os.PathListSeparator) + p
	}
	cmd := exec.Command(python, "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(append(os.Environ(), opts.Env...), "PYTHONPATH="+pythonPath,
		sfnquota.PayloadBytesEnv+"="+strconv.Itoa(sfnquota.PayloadBytes)) // the patch's payload quota
	head := &headBuffer{max: 64 << 10}
	var out io.Writer = head
	if opts.Log != nil {
		out = io.MultiWriter(head, opts.Log)
	}
	cmd.Stdout = out
	cmd.Stderr = out
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(patchDir)
		return nil, fmt.Errorf("start moto: %w", err)
	}
	s := &Server{
		URL:      fmt.Sprintf("http://127.0.0.1:%d", port),
		Port:     port,
		cmd:      cmd,
		patchDir: patchDir,
		done:     make(chan struct{}),
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx, head); err != nil {
		s.Stop()
		output := head.String()
		switch {
		case strings.Contains(output, "No module named"):
			return nil, fmt.Errorf("start moto: python module moto (with its server extras) is missing: %s: %s", Install, lastLine(output))
		case strings.Contains(output, "Address already in use") || strings.Contains(output, "is in use"):
			return nil, fmt.Errorf("start moto on port %d: %w", port, errPortInUse)
		}
		if output != "" {
			return nil, fmt.Errorf("start moto: %w; output: %s", err, lastLine(output))
		}
		return nil, fmt.Errorf("start moto: %w", err)
	}
	return s, nil
}

// waitReady waits until the server has bound its port (it says "Running on") and its API
// answers, or the process exits, or ctx ends. Waiting for the message first means a
// process that took the port in the meantime is never mistaken for this server.
func (s *Server) waitReady(ctx context.Context, output *headBuffer) error {
	client := &http.Client{Timeout: pollTimeout}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	began := time.Now()
	for {
		bound := strings.Contains(output.String(), "Running on")
		if bound {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/moto-api/", nil)
			if err != nil {
				return err
			}
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode < 500 {
					return nil
				}
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("moto exited before it answered: %v", s.waitErr)
		case <-ctx.Done():
			what := `never printed "Running on"`
			if bound {
				what = "said it was running but its API (/moto-api/) did not answer"
			}
			return fmt.Errorf("moto (python3 -m moto.server, pid %d) %s at %s within %s (a loaded machine, or a server that hangs): %w",
				s.cmd.Process.Pid, what, s.URL, time.Since(began).Round(time.Second), ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop ends the server's process group and waits for it to exit.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		defer os.RemoveAll(s.patchDir)
		select {
		case <-s.done:
			return
		default:
		}
		if err := signalGroup(s.cmd, false); err != nil {
			s.stopErr = fmt.Errorf("stop moto: %w", err)
			return
		}
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			if err := signalGroup(s.cmd, true); err != nil {
				s.stopErr = fmt.Errorf("kill moto: %w", err)
				return
			}
			<-s.done
		}
	})
	return s.stopErr
}

// freePort asks the kernel for a free port on 127.0.0.1 and releases it.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// headBuffer keeps the first max bytes written to it and discards the rest.
type headBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (h *headBuffer) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.buf.String()
}

// lastLine returns the last non-empty line of s, which is where Python puts the error.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
