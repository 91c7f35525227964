package jobs_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
)

// partialCase is a job and an input that gives it a non-trivial partial.
type partialCase struct {
	job   string
	p     jobs.Params
	data  string
	empty string // the output of no partials at all
}

var partialCases = []partialCase{
	{"wordcount", jobs.Params{}, "b a b\nc\n", ""},
	{"grep", jobs.Params{"pattern": "a"}, "a\nb\nca\r\n", ""},
	{"select", jobs.Params{"columns": "k,v", "where": "v > 1"}, "k,v\na,2\nb,1\n\"c,d\",3\n", "k,v\n"},
	{"groupby", jobs.Params{"key": "k", "agg": "sum:v,min:v,count:*,avg:v"}, "k,v\na,2.5\nb,1\na,3\n", "key,sum_v,min_v,count_*,avg_v\n"},
	{"search", jobs.Params{"query": "a b", "k": "2"}, "a\nb b\nc\na a a\n", ""},
}

// new makes the case's job.
func (c partialCase) new(t testing.TB) jobs.Job {
	t.Helper()
	j, err := jobs.New(c.job, c.p)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// mapPartial runs one mapper over data and returns its partial.
func mapPartial(t testing.TB, j jobs.Job, data string) []byte {
	t.Helper()
	m := feeder(t, j, nil)
	if err := feedLines(m, jobs.Part{Source: "p"}, []byte(data)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.Finish(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNoPartials(t *testing.T) {
	for _, c := range partialCases {
		t.Run(c.job, func(t *testing.T) {
			j := c.new(t)
			var out bytes.Buffer
			st, err := j.Output(&out, nil)
			if err != nil || out.String() != c.empty || st.RecordsOut != 0 {
				t.Fatalf("Output of nothing = %q, %+v, %v; want %q", out.String(), st, err, c.empty)
			}
			var merged bytes.Buffer
			if err := j.Merge(&merged, nil); err != nil {
				t.Fatalf("Merge of nothing: %v", err)
			}
			// An empty merge and an empty chunk are neutral elements.
			full := mapPartial(t, j, c.data)
			var want, got bytes.Buffer
			if _, err := j.Output(&want, readers([][]byte{full})); err != nil {
				t.Fatal(err)
			}
			empty := mapPartial(t, j, "")
			if _, err := j.Output(&got, readers([][]byte{merged.Bytes(), full, empty})); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() || want.String() == c.empty {
				t.Fatalf("with empty partials %q, without %q", got.String(), want.String())
			}
		})
	}
}

func TestCorruptPartials(t *testing.T) {
	for ci, c := range partialCases {
		t.Run(c.job, func(t *testing.T) {
			j := c.new(t)
			valid := mapPartial(t, j, c.data)
			var merged bytes.Buffer
			if err := j.Merge(&merged, readers([][]byte{valid, valid})); err != nil {
				t.Fatal(err)
			}
			other := partialCases[(ci+1)%len(partialCases)]
			oj := other.new(t)
			bad := map[string][]byte{
				"empty":          {},
				"other job":      mapPartial(t, oj, other.data),
				"next version":   append(append([]byte{}, valid[:4]...), append([]byte{valid[4] + 1}, valid[5:]...)...),
				"trailing byte":  append(append([]byte{}, valid...), 0),
				"merged + bytes": append(append([]byte{}, merged.Bytes()...), 1, 2, 3),
				"huge length":    append(append([]byte{}, valid[:5]...), 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f),
			}
			for name, b := range bad {
				checkCorrupt(t, j, name, b)
			}
			for _, full := range [][]byte{valid, merged.Bytes()} {
				for n := 0; n < len(full); n++ {
					checkCorrupt(t, j, "truncated", full[:n])
				}
			}
		})
	}
	t.Run("groupby with other aggregates", func(t *testing.T) {
		a, _ := jobs.New("groupby", jobs.Params{"key": "k", "agg": "sum:v"})
		b, _ := jobs.New("groupby", jobs.Params{"key": "k", "agg": "max:v"})
		checkCorrupt(t, b, "other agg", mapPartial(t, a, "k,v\nx,1\n"))
	})
}

func checkCorrupt(t *testing.T, j jobs.Job, name string, b []byte) {
	t.Helper()
	if c, ok := j.(jobs.Concatenator); ok {
		if _, _, err := c.OutputRanges(bytes.NewReader(b), int64(len(b)), 0); !errors.Is(err, jobs.ErrCorruptPartial) {
			t.Errorf("%s (%d bytes): OutputRanges error %v, want ErrCorruptPartial", name, len(b), err)
		}
	}
	if err := j.Merge(io.Discard, readers([][]byte{b})); !errors.Is(err, jobs.ErrCorruptPartial) {
		t.Errorf("%s (%d bytes): Merge error %v, want ErrCorruptPartial", name, len(b), err)
	}
	if _, err := j.Output(io.Discard, readers([][]byte{b})); !errors.Is(err, jobs.ErrCorruptPartial) {
		t.Errorf("%s (%d bytes): Output error %v, want ErrCorruptPartial", name, len(b), err)
	}
}

// failingReader fails after its data, as a broken store read would.
type failingReader struct{ r io.Reader }

var errStore = errors.New("store read failed")

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errStore
	}
	return n, err
}

// TestReadErrorsAreNotCorruption: a failing read is reported as itself.
func TestReadErrorsAreNotCorruption(t *testing.T) {
	for _, c := range partialCases {
		t.Run(c.job, func(t *testing.T) {
			j := c.new(t)
			valid := mapPartial(t, j, c.data)
			_, err := j.Output(io.Discard, []io.Reader{&failingReader{bytes.NewReader(valid[:len(valid)-1])}})
			if !errors.Is(err, errStore) || errors.Is(err, jobs.ErrCorruptPartial) {
				t.Fatalf("error %v, want the store's error", err)
			}
		})
	}
}
