package jobs

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/scattergather/scattergather/internal/runs"
)

// spillFiles are a mapper's runs spilled to temporary files. The files are
// unlinked as soon as they are created: nothing is left behind if the process dies.
type spillFiles struct {
	files []*os.File
	// widest is the most runs one merge has read at once (mergeAll's
	// last, reduce's), which a bounded merge keeps to spillFanIn.
	widest int
}

// write creates a spill file and fills it with what produce writes. On
// failure it closes every spill file.
func (s *spillFiles) write(produce func(w io.Writer) error) error {
	if err := s.create(produce); err != nil {
		s.close()
		return fmt.Errorf("spill: %w", err)
	}
	return nil
}

func (s *spillFiles) create(produce func(w io.Writer) error) error {
	f, err := runs.TempFile()
	if err != nil {
		return err
	}
	s.files = append(s.files, f)
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := produce(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// readers rewinds every spill file and returns them in spill order.
func (s *spillFiles) readers() ([]io.Reader, error) {
	rs := make([]io.Reader, len(s.files))
	for i, f := range s.files {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("spill: %w", err)
		}
		rs[i] = f
	}
	return rs, nil
}

// mergeAll spills what the combiner still holds, then merges every run into w
// with merge and returns merge's count of output entries.
func (s *spillFiles) mergeAll(w io.Writer, spill func() error, merge func(io.Writer, []io.Reader) (int64, error)) (int64, error) {
	defer s.close()
	if err := spill(); err != nil {
		return 0, err
	}
	runs, err := s.readers()
	if err != nil {
		return 0, err
	}
	s.widest = max(s.widest, len(runs))
	return merge(w, runs)
}

// mergeRuns is mergeAll for a merge whose output is a run like the spills
// (wordcount's, groupby's): when there are more runs than spillFanIn it
// first merges them in order, spillFanIn at a time, into fewer spill files,
// as many passes as it takes, so the final merge never holds more runs open
// (each one a file and a 64 KiB read buffer) whatever the chunk's size.
func (s *spillFiles) mergeRuns(w io.Writer, spill func() error, merge func(io.Writer, []io.Reader) (int64, error)) (int64, error) {
	return s.mergeAll(w, func() error {
		if err := spill(); err != nil {
			return err
		}
		return s.reduce(merge, spillFanIn())
	}, merge)
}

// spillFanIn is how many spill runs a merge reads at once: their read
// buffers (64 KiB each) take at most a quarter of the combine budget, and
// 16 to 256 of them.
func spillFanIn() int {
	return int(min(max(combineBudget.Load()/4/(64<<10), 16), 256))
}

// reduce merges consecutive groups of fanIn runs into one run each, keeping
// their order, until at most fanIn remain. On failure it closes every spill
// file.
func (s *spillFiles) reduce(merge func(io.Writer, []io.Reader) (int64, error), fanIn int) error {
	for len(s.files) > fanIn {
		var next spillFiles
		for i := 0; i < len(s.files); i += fanIn {
			group := spillFiles{files: s.files[i:min(i+fanIn, len(s.files))]}
			s.widest = max(s.widest, len(group.files))
			rs, err := group.readers()
			if err == nil {
				err = next.write(func(w io.Writer) error { _, err := merge(w, rs); return err })
			}
			if err != nil {
				next.close()
				s.close()
				return err
			}
			group.close()
		}
		s.files = next.files
	}
	return nil
}

// close closes (and so frees) every spill file.
func (s *spillFiles) close() {
	for _, f := range s.files {
		f.Close()
	}
	s.files = nil
}

// outBuffer holds the output of an order-keeping mapper (grep, select): in
// memory up to a quarter of combineBudget, then appended to one spill file.
type outBuffer struct {
	buf  []byte
	file *os.File
}

// check spills the buffer when it has grown past its share of the budget.
func (o *outBuffer) check() error {
	if int64(len(o.buf)) <= combineBudget.Load()/4 {
		return nil
	}
	if o.file == nil {
		f, err := runs.TempFile()
		if err != nil {
			return fmt.Errorf("spill: %w", err)
		}
		o.file = f
	}
	if _, err := o.file.Write(o.buf); err != nil {
		o.close()
		return fmt.Errorf("spill: %w", err)
	}
	o.buf = o.buf[:0]
	return nil
}

// finish writes a partial of the given magic to w: everything spilled and
// buffered as one block, so that the partial's output bytes are one
// contiguous range (which S3 can copy into the final object by itself), then
// the row count.
func (o *outBuffer) finish(w io.Writer, magic string, rows int64) error {
	e := newEncoder(w, magic)
	var spilled int64
	if o.file != nil {
		defer o.close()
		var err error
		if spilled, err = o.file.Seek(0, io.SeekCurrent); err == nil {
			_, err = o.file.Seek(0, io.SeekStart)
		}
		if err != nil {
			return fmt.Errorf("spill: %w", err)
		}
	}
	if total := spilled + int64(len(o.buf)); total > 0 {
		e.uvarint(uint64(total))
		if spilled > 0 {
			if _, err := io.CopyN(e.w, o.file, spilled); err != nil {
				return fmt.Errorf("spill: %w", err)
			}
		}
		e.w.Write(o.buf)
	}
	e.uvarint(0)
	e.uvarint(uint64(rows))
	return e.flush()
}

func (o *outBuffer) close() {
	if o.file != nil {
		o.file.Close()
		o.file = nil
	}
}

// mergeWith is mergeRuns for a combiner whose last run is read from memory
// (last, a runReader) rather than spilled to a file and read back: the
// spilled runs, merged down to spillFanIn-1 first when there are more, and
// last after them, merge into w.
func (s *spillFiles) mergeWith(w io.Writer, last io.Reader, merge func(io.Writer, []io.Reader) (int64, error)) (int64, error) {
	defer s.close()
	if err := s.reduce(merge, spillFanIn()-1); err != nil {
		return 0, err
	}
	rs, err := s.readers()
	if err != nil {
		return 0, err
	}
	rs = append(rs, last)
	s.widest = max(s.widest, len(rs))
	return merge(w, rs)
}

// runReader reads a sorted run as a runs.Writer writes it, the writer fed
// an entry at a time by add (false at the end: the run is closed) only as
// the reader needs more bytes, so that the run is never held whole: a
// combiner's last run, merged from its table with its spills.
type runReader struct {
	rw     *runs.Writer
	add    func(rw *runs.Writer) (bool, error)
	sink   runSink
	off    int // what Read has taken of sink.buf
	closed bool
}

// runSink is what a runReader's writer has written and Read not taken.
type runSink struct{ buf []byte }

func (s *runSink) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// newRunReader starts a run of the given tag whose entries add writes.
func newRunReader(tag []byte, add func(rw *runs.Writer) (bool, error)) *runReader {
	r := &runReader{add: add}
	r.rw = runs.NewTaggedWriter(&r.sink, tag)
	return r
}

// Read reads the run's next bytes, having add write more when all that was
// written is read.
func (r *runReader) Read(p []byte) (int, error) {
	for r.off == len(r.sink.buf) {
		if r.closed {
			return 0, io.EOF
		}
		r.sink.buf, r.off = r.sink.buf[:0], 0
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.sink.buf[r.off:])
	r.off += n
	return n, nil
}

// fill adds entries until the writer writes out its buffer, or closes the
// run after the last.
func (r *runReader) fill() error {
	for len(r.sink.buf) == 0 {
		more, err := r.add(r.rw)
		if err != nil {
			return err
		}
		if !more {
			r.closed = true
			return r.rw.Close()
		}
	}
	return nil
}
