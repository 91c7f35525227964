package feed_test

import (
	"context"
	"errors"
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

// amountRow is a row of TestSkipPlaces's Parquet file.
type amountRow struct {
	City   string `parquet:"city"`
	Amount string `parquet:"amount"`
}

// TestSkipPlaces: a record skipped (or, under strict, failed on) is named
// by its byte offset in a CSV object and by its row and row group in a
// Parquet one, in the skip example and in the strict error alike.
func TestSkipPlaces(t *testing.T) {
	dir := t.TempDir()
	pqPath := filepath.Join(dir, "t.parquet")
	// Row groups of 2, 3 and 2 rows: the bad amount is row 3 of the file,
	// the second row of row group 1.
	pqtest.WriteGo(t, pqPath, [][]amountRow{
		{{"a", "1"}, {"b", "2"}},
		{{"a", "3"}, {"b", "x7"}, {"a", "y"}},
		{{"b", "z"}, {"a", "4"}},
	})
	span, store := pqtest.WholeFile(t, pqPath)
	csvData := []byte("city,amount\na,1\nb,x7\n")
	cases := []struct {
		name, where string
		feed        func(*feed.Feeder) error
	}{
		{"csv", "t.csv at byte 16", func(f *feed.Feeder) error {
			return f.Object(job.Part{Source: "t.csv"}, csvData)
		}},
		{"parquet", pqPath + " at row 3 (row group 1)", func(f *feed.Feeder) error {
			_, err := f.Parquet(context.Background(), store, span, 0, nil)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, strict := range []bool{false, true} {
				params := jobs.Params{"query": "SELECT sum(CAST(amount AS BIGINT)) AS s FROM 't'"}
				if strict {
					params["strict"] = "true"
				}
				j, err := jobs.New("sql", params)
				if err != nil {
					t.Fatal(err)
				}
				f, err := feed.New(j, strict)
				if err != nil {
					t.Fatal(err)
				}
				err = c.feed(f)
				if strict {
					var re *job.RecordError
					if !errors.As(err, &re) || !strings.Contains(err.Error(), "malformed record in "+c.where+": ") {
						t.Fatalf("strict: %v, want a RecordError %s", err, c.where)
					}
					if c.name == "parquet" && (!re.Parquet || re.RowGroup != 1 || re.Offset != 3) {
						t.Fatalf("strict: %+v, want row 3 in row group 1", re)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				st, err := f.Finish(io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				var got string
				for _, ex := range st.SkipExamples {
					got = ex
				}
				if len(st.SkipExamples) != 1 || !strings.HasPrefix(got, c.where+": ") {
					t.Fatalf("skip examples %q, want one saying %q", st.SkipExamples, c.where)
				}
			}
		})
	}
}

// failJob is a job whose mapper fails (an error of its own, not a malformed
// record) on the row whose amount is "x7".
type failJob struct{}

func (failJob) Input() job.Input {
	return job.Input{Format: record.CSV, Columns: []string{"amount"}}
}
func (failJob) NewMapper() job.Mapper                            { return &failMapper{} }
func (failJob) Merge(io.Writer, []io.Reader) error               { return nil }
func (failJob) Output(io.Writer, []io.Reader) (job.Stats, error) { return job.Stats{}, nil }

type failMapper struct{}

func (*failMapper) StartPart(job.Part) error            { return nil }
func (*failMapper) Finish(io.Writer) (job.Stats, error) { return job.Stats{}, nil }
func (*failMapper) Row(r *record.Row) error {
	if string(r.Value(0)) == "x7" {
		return errors.New("cannot map x7")
	}
	return nil
}

// batchJob is failJob with a mapper that takes Parquet rows by batches
// (feed.ColumnMapper), handing each to its Row.
type batchJob struct{ failJob }

func (batchJob) NewMapper() job.Mapper { return &batchMapper{} }

type batchMapper struct{ failMapper }

func (*batchMapper) ParquetBatches(*pq.Reader) bool { return true }
func (*batchMapper) ParquetBatch(_ *pq.Reader, n int, row func(i int) error) error {
	for i := 0; i < n; i++ {
		if err := row(i); err != nil {
			return err
		}
	}
	return nil
}

// TestMapErrorPlaces: a mapper's own error names the record as the strict
// error does: by byte offset in CSV, by row and row group in Parquet, once
// also when a mapper that takes batches returns it from a row it handed on.
func TestMapErrorPlaces(t *testing.T) {
	pqPath := filepath.Join(t.TempDir(), "t.parquet")
	pqtest.WriteGo(t, pqPath, [][]amountRow{{{"a", "1"}, {"b", "2"}, {"c", "3"}}, {{"d", "4"}, {"e", "x7"}}})
	span, store := pqtest.WholeFile(t, pqPath)
	for _, c := range []struct {
		name, want string
		feed       func(*feed.Feeder) error
		batches    bool
	}{
		{"csv", "map t.csv at byte 16: cannot map x7", func(f *feed.Feeder) error {
			return f.Object(job.Part{Source: "t.csv"}, []byte("city,amount\na,1\nb,x7\n"))
		}, false},
		{"parquet", "map " + pqPath + " at row 4 (row group 1): cannot map x7", func(f *feed.Feeder) error {
			_, err := f.Parquet(context.Background(), store, span, 0, nil)
			return err
		}, false},
		{"parquet batches", "map " + pqPath + " at row 4 (row group 1): cannot map x7", func(f *feed.Feeder) error {
			_, err := f.Parquet(context.Background(), store, span, 0, nil)
			return err
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var j job.Job = failJob{}
			if c.batches {
				j = batchJob{}
			}
			f, err := feed.New(j, false)
			if err != nil {
				t.Fatal(err)
			}
			err = c.feed(f)
			var me *feed.MapError
			if !errors.As(err, &me) || err.Error() != c.want {
				t.Fatalf("%v, want a MapError %q", err, c.want)
			}
		})
	}
}
