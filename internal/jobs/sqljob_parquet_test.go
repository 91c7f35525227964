package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// sqlGBSchema types gbData's columns as the planner types a Parquet file's.
const sqlGBSchema = "key:VARCHAR,plain:VARCHAR,rev:DOUBLE,revd:DOUBLE"

// TestSQLParquetBatches: a GROUP BY of a VARCHAR column's prefix whose
// aggregates are count(*) and counts, sums and avgs of DOUBLE columns takes
// a Parquet file's rows by batches (feed.ColumnMapper), nearly all of them
// from the vectors, and writes the same partial and counts as the same job
// fed the rows one at a time: doubles of few and of many places, nulls in
// the key and the values, infinities and NaN (which go to the row path),
// pages and row groups cut mid-batch, a combine budget that spills. A WHERE,
// or an aggregate of another kind, takes the row path.
func TestSQLParquetBatches(t *testing.T) {
	_, path := gbData(t)
	for _, q := range []string{
		"SELECT substr(plain, 1, 3) AS k, sum(rev), count(*), avg(revd) FROM 'g.parquet' GROUP BY k",
		"SELECT key, sum(revd) AS s FROM 'g.parquet' GROUP BY key",
		"SELECT plain, avg(rev), sum(rev) FROM 'g.parquet' GROUP BY plain ORDER BY plain",
	} {
		for _, budget := range []int64{0, jobs.SmallCombineBudget} {
			t.Run(fmt.Sprintf("%s budget %d", q, budget), func(t *testing.T) {
				if budget > 0 {
					defer jobs.SetCombineBudget(budget)()
				}
				p := jobs.Params{"query": q, "schema": sqlGBSchema}
				j, err := jobs.New("sql", p)
				if err != nil {
					t.Fatal(err)
				}
				if !sqlTakesBatches(t, j, path) {
					t.Fatal("the rows went to the row path")
				}
				wantSt, want, _ := sqlParquet(t, rowPathJob{j}, p, path)
				gotSt, got, m := sqlParquet(t, j, p, path)
				if n := jobs.SQLBatchRows(m); n < 4000 {
					t.Fatalf("%d of 6000 rows taken from the vectors", n)
				}
				if !reflect.DeepEqual(gotSt, wantSt) {
					t.Fatalf("by batches: %+v, by rows: %+v", gotSt, wantSt)
				}
				if wantSt.Skipped != 0 || wantSt.RecordsOut == 0 {
					t.Fatalf("unexpected counts: %+v", wantSt)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("the partial by batches (%d bytes) differs from the one by rows (%d bytes)", len(got), len(want))
				}
			})
		}
	}
	for _, q := range []string{
		"SELECT key, sum(rev) FROM 'g.parquet' WHERE rev > 3 GROUP BY key",
		"SELECT key, max(rev) FROM 'g.parquet' GROUP BY key",
		"SELECT key, count(rev) FROM 'g.parquet' GROUP BY key",
		"SELECT substr(key, 2, 2) AS k, sum(rev) FROM 'g.parquet' GROUP BY k",
		"SELECT key, sum(rev + 1) FROM 'g.parquet' GROUP BY key",
	} {
		j, err := jobs.New("sql", jobs.Params{"query": q, "schema": sqlGBSchema})
		if err != nil {
			t.Fatal(err)
		}
		if sqlTakesBatches(t, j, path) {
			t.Errorf("%s: takes batches", q)
		}
	}
}

// sqlTakesBatches reports whether the sql job j takes the Parquet file at
// path by batches (feed.ColumnMapper.ParquetBatches).
func sqlTakesBatches(t *testing.T, j jobs.Job, path string) bool {
	t.Helper()
	span, store := pqtest.WholeFile(t, path)
	r, err := pq.Open(context.Background(), store, span, j.Input().Columns, pq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m, ok := j.NewMapper().(feed.ColumnMapper)
	return ok && m.ParquetBatches(r)
}

// sqlParquet runs j with p over the Parquet file at path and returns the
// counts, the partial and the mapper.
func sqlParquet(t *testing.T, j jobs.Job, p jobs.Params, path string) (jobs.Stats, []byte, jobs.Mapper) {
	t.Helper()
	var m jobs.Mapper
	st, out := groupbyParquet(t, keepMapper{j, &m}, p, path)
	return st, out, m
}

// keepMapper is a job whose new mapper is kept in *m.
type keepMapper struct {
	jobs.Job
	m *jobs.Mapper
}

func (j keepMapper) NewMapper() jobs.Mapper {
	*j.m = j.Job.NewMapper()
	return *j.m
}
