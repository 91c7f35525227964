package query_test

import (
	"context"
	"testing"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/query"
	"github.com/scattergather/scattergather/internal/split"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestQueryConfirmsCSVGuesses: a quoted field longer than the speculation
// window whose lines look like records, cut inside by the chunks, so that a
// mapper guesses the quote state at its start wrong. The query checks every
// guess against the previous chunk's end, reads the wrong chunk again from
// the right record start, and answers what one chunk answers; the counts
// are the re-read's.
func TestQueryConfirmsCSVGuesses(t *testing.T) {
	data := datagen.MisleadingCSV(3 * split.SpecWindow)
	w := &world{t: t, text: testutil.WriteFile(t, t.TempDir(), "quoted.csv", data)}
	inv := w.handler("", 0)
	cases := []struct {
		job    string
		params jobs.Params
		want   string
	}{
		{"select", jobs.Params{"columns": "k"}, "k\na\nb\nc\na\n"},
		{"groupby", jobs.Params{"key": "k", "agg": "count:*"}, "key,count_*\na,2\nb,1\nc,1\n"},
	}
	for _, c := range cases {
		one, err := query.Plan(context.Background(), inv.Handler.Store, c.job, c.params, []string{w.text}, "", 1<<20, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, want, err := run(inv, one, query.Options{})
		if err != nil || res.CSVRereads != 0 {
			t.Fatalf("%s in one chunk: %v, %d re-read", c.job, err, res.CSVRereads)
		}
		if want != c.want {
			t.Fatalf("%s in one chunk: %q, want %q", c.job, want, c.want)
		}
		for _, chunk := range []int64{16 << 10, 40 << 10} {
			q, err := query.Plan(context.Background(), inv.Handler.Store, c.job, c.params, []string{w.text}, "", chunk, 0)
			if err != nil {
				t.Fatal(err)
			}
			got, out, err := run(inv, q, query.Options{FanIn: 2})
			if err != nil {
				t.Fatalf("%s, chunks of %d: %v", c.job, chunk, err)
			}
			if out != want || got.CSVRereads == 0 {
				t.Fatalf("%s, %d chunks of %d: %d read again, output %q; want %q and a re-read", c.job, len(q.Chunks), chunk, got.CSVRereads, out, want)
			}
			if got.Stats.RecordsIn != res.Stats.RecordsIn || got.Stats.Skipped != res.Stats.Skipped {
				t.Errorf("%s, chunks of %d: %d records in, %d skipped; one chunk read %d, %d skipped", c.job, chunk, got.Stats.RecordsIn, got.Stats.Skipped, res.Stats.RecordsIn, res.Stats.Skipped)
			}
		}
	}
}
