package pipeline_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/pipeline"
)

// TestDelimitedJobMatchesComma: a job over a CSV file whose fields another
// byte separates (the "delim" parameter), planned at chunk sizes that cut
// records anywhere (inside quoted fields that hold the delimiter, a comma,
// a quote and a newline), gives the output the same job gives over the
// file written with commas: every mapper, the speculation at a chunk's
// start and the header read by the delimiter of the job's parameters.
func TestDelimitedJobMatchesComma(t *testing.T) {
	rows := func(d string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "ip%srev%snote\n", d, d)
		for i := range 60 {
			note := fmt.Sprintf(`"a%sb,c ""q""`+"\n"+`x"`, d)
			if i%3 == 0 {
				note = "plain"
			}
			fmt.Fprintf(&b, "10.0.%d.1%s%d.5%s%s\n", i%7, d, i, d, note)
		}
		return b.String()
	}
	job := func(data, delim string, chunk int64) []byte {
		h := newHandler(t)
		in := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(in, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		params := map[string]string{"key": "ip", "agg": "sum:rev,count:rev"}
		if delim != "" {
			params["delim"] = delim
		}
		out, _ := runJob(t, h, pipeline.PlanInput{Job: "groupby", Params: params, Inputs: []string{in}, Output: filepath.Join(t.TempDir(), "out.csv"), ChunkSize: chunk})
		return out
	}
	want := job(rows(","), "", 1<<20)
	if !bytes.Contains(want, []byte("10.0.6.1")) {
		t.Fatalf("the comma job's output has not every group: %q", want)
	}
	for _, d := range []string{";", "\t", "|"} {
		for _, chunk := range []int64{1 << 20, 97, 29} {
			if got := job(rows(d), d, chunk); !bytes.Equal(got, want) {
				t.Errorf("delim %q, chunks of %d bytes:\n%s\nwant (the comma file's)\n%s", d, chunk, got, want)
			}
		}
	}
}
