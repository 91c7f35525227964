package feed_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/record"
)

// TestCountFromFooter: SELECT count(*) over a Parquet file of several row
// groups, cut into one span per row group (each fed to a mapper of its
// own, as a plan's chunks are), answers what the same rows as CSV answer,
// from the footer alone: every row group is counted once, no byte of
// column data is fetched, and no row is fed to the mapper's Row.
func TestCountFromFooter(t *testing.T) {
	dir := t.TempDir()
	pqPath := filepath.Join(dir, "t.parquet")
	sizes := []int{100, 37, 1, 600}
	var groups [][]amountRow
	csv := "city,amount\n"
	for g, n := range sizes {
		var rows []amountRow
		for i := 0; i < n; i++ {
			rows = append(rows, amountRow{City: fmt.Sprint("c", i%7), Amount: fmt.Sprint(g*1000 + i)})
			csv += fmt.Sprintf("c%d,%d\n", i%7, g*1000+i)
		}
		groups = append(groups, rows)
	}
	pqtest.WriteGo(t, pqPath, groups)
	size, local := pqtest.LocalFile(t, pqPath)
	ctx := context.Background()
	store := pqtest.NewCountingStore(local)
	footer, err := pq.ReadFooter(ctx, store, pqPath, pqPath, size)
	if err != nil {
		t.Fatal(err)
	}
	rgs := footer.RowGroups()
	if len(rgs) != len(sizes) {
		t.Fatalf("%d row groups, want %d", len(rgs), len(sizes))
	}
	for _, q := range []string{
		"SELECT count(*) AS n FROM 't'",
		"SELECT count(*) AS n, count(*) + 1 AS m FROM 't'",
		"SELECT count(*) AS n FROM 't' HAVING count(*) > 5",
		"SELECT count(*) AS n FROM 't' HAVING count(*) > 100000",
	} {
		p := jobs.Params{"query": q}
		j, err := jobs.New("sql", p)
		if err != nil {
			t.Fatal(err)
		}
		want := runCSV(t, j, csv)
		var partials []io.Reader
		var rows int64
		for i, g := range rgs {
			end := size
			if i+1 < len(rgs) {
				end = rgs[i+1].Start
			}
			start := g.Start
			if i == 0 {
				start = 0
			}
			f, err := feed.New(noRows{j}, false)
			if err != nil {
				t.Fatal(err)
			}
			store.Reset()
			span := pq.Span{Source: pqPath, URL: pqPath, Size: size, Start: start, End: end}
			st, err := f.Parquet(ctx, store, span, 0, footer)
			if err != nil {
				t.Fatalf("%s: span %d: %v", q, i, err)
			}
			if store.Bytes() != 0 {
				t.Fatalf("%s: span %d fetched %d bytes (%v), want none: the footer holds the counts", q, i, store.Bytes(), store.Reads())
			}
			if st.RowGroups != 1 || st.Rows != g.Rows || st.BytesRead != 0 || st.BytesSkipped != g.Bytes {
				t.Fatalf("%s: span %d: stats %+v, want 1 row group of %d rows, %d bytes skipped", q, i, st, g.Rows, g.Bytes)
			}
			rows += st.Rows
			var buf bytes.Buffer
			ms, err := f.Finish(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if ms.RecordsIn != g.Rows {
				t.Fatalf("%s: span %d: %d records in, want %d", q, i, ms.RecordsIn, g.Rows)
			}
			partials = append(partials, &buf)
		}
		var got bytes.Buffer
		if _, err := j.Output(&got, partials); err != nil {
			t.Fatal(err)
		}
		if got.String() != want || rows != int64(strings.Count(csv, "\n")-1) {
			t.Fatalf("%s: got %q (%d rows), want %q", q, got.String(), rows, want)
		}
	}
}

// TestCountsRows: the sql job's mapper takes rows by their count only
// for a query whose answer is their count.
func TestCountsRows(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT count(*) FROM 't'":                           true,
		"SELECT count(*) AS a, count(*) AS b FROM 't'":       true,
		"SELECT count(*) FROM 't' WHERE amount > 3":          false,
		"SELECT count(*) FROM 't' WHERE 1 = 0":               false,
		"SELECT count(amount) FROM 't'":                      false,
		"SELECT count(*) FROM 't' GROUP BY city":             false,
		"SELECT city, count(*) FROM 't' GROUP BY city":       false,
		"SELECT count(*), sum(CAST(amount AS INT)) FROM 't'": false,
		"SELECT city FROM 't'":                               false,
	} {
		j, err := jobs.New("sql", jobs.Params{"query": q})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		rc, ok := j.NewMapper().(feed.RowCounter)
		if got := ok && rc.CountsRows(); got != want {
			t.Errorf("%s: counts rows %v, want %v", q, got, want)
		}
	}
}

// runCSV is j's output over one CSV object, fed whole to one mapper.
func runCSV(t *testing.T, j job.Job, data string) string {
	t.Helper()
	f, err := feed.New(j, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Object(job.Part{Source: "t.csv"}, []byte(data)); err != nil {
		t.Fatal(err)
	}
	var partial, out bytes.Buffer
	if _, err := f.Finish(&partial); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Output(&out, []io.Reader{&partial}); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// noRows is a job whose mapper fails when a row is fed to its Row: a
// RowCounter whose rows come only as counts.
type noRows struct{ job.Job }

func (n noRows) NewMapper() job.Mapper { return &noRowsMapper{n.Job.NewMapper().(countingMapper)} }

type countingMapper interface {
	job.RowMapper
	feed.RowCounter
}

type noRowsMapper struct{ countingMapper }

func (*noRowsMapper) Row(*record.Row) error { return fmt.Errorf("a row fed one at a time") }
