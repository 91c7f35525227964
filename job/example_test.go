package job_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/scattergather/scattergather/job"
)

// lineCount is the smallest job of the full contract: each mapper counts its
// chunk's lines; partials are decimal counts; Merge and Output add them.
type lineCount struct{}

type lineMapper struct{ n int64 }

func (lineCount) Input() job.Input             { return job.Input{} } // lines
func (lineCount) NewMapper() job.Mapper        { return &lineMapper{} }
func (m *lineMapper) StartPart(job.Part) error { return nil }
func (m *lineMapper) Record([]byte, int64) error {
	m.n++
	return nil
}
func (m *lineMapper) Finish(w io.Writer) (job.Stats, error) {
	_, err := fmt.Fprint(w, m.n)
	return job.Stats{RecordsIn: m.n}, err
}

func sum(partials []io.Reader) (int64, error) {
	var total int64
	for _, p := range partials {
		var n int64
		if _, err := fmt.Fscan(p, &n); err != nil && err != io.EOF {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func (lineCount) Merge(w io.Writer, partials []io.Reader) error {
	n, err := sum(partials)
	if err == nil {
		_, err = fmt.Fprint(w, n)
	}
	return err
}

func (lineCount) Output(w io.Writer, partials []io.Reader) (job.Stats, error) {
	n, err := sum(partials)
	if err == nil {
		_, err = fmt.Fprintln(w, n)
	}
	return job.Stats{RecordsOut: 1}, err
}

// A job of the full contract is registered with a Definition; a user's
// binary passes it to cli.Main and the lambdafn functions instead.
func ExampleRegister() {
	job.Register(job.Definition{
		Name: "linecount", Version: "1", Summary: "the number of lines",
		New: func(job.Params) (job.Job, error) { return lineCount{}, nil },
	})
	j, err := job.New("linecount", nil)
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	j.Output(&out, []io.Reader{bytes.NewBufferString("3"), bytes.NewBufferString("4")})
	fmt.Print(out.String())
	// Output: 7
}
