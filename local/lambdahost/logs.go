package lambdahost

import (
	"bufio"
	"fmt"
	"io"
	"sync"
)

// logSink writes whole lines, each prefixed with "[function] ", to one
// writer shared by every instance, so lines from concurrent processes do not mix.
type logSink struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func newLogSink(w io.Writer) *logSink { return &logSink{w: w} }

func (s *logSink) enabled() bool { return s.w != nil }

// line writes "[name] line\n" in one Write.
func (s *logSink) line(name string, line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := append(s.buf[:0], '[')
	b = append(b, name...)
	b = append(b, "] "...)
	b = append(b, line...)
	if len(line) == 0 || line[len(line)-1] != '\n' {
		b = append(b, '\n')
	}
	s.w.Write(b) // a failing log writer must not fail the function
	s.buf = b
}

func (s *logSink) printf(name, format string, args ...any) {
	if s.w == nil {
		return
	}
	s.line(name, fmt.Appendf(nil, format, args...))
}

// copyLines copies a process's output to the sink line by line until EOF; a
// line longer than 64 KiB is split.
func (s *logSink) copyLines(name string, r io.ReadCloser) {
	defer r.Close()
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			s.line(name, line)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return
		}
	}
}
