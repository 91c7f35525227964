package jobs_test

import (
	"context"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
)

// BenchmarkParquetChunk measures one mapper over the first half of the row
// groups of the Parquet file SCATTER_BENCH_PARQUET (make bench's
// uservisits Parquet, testdata/generated/bench/uservisits-high-*.parquet):
// the ranged reads, decoding and the job's mapper, as the pipeline's
// mapper runs a chunk of two. Profile it with -cpuprofile.
func BenchmarkParquetChunk(b *testing.B) {
	path, size, store := pqtest.BenchFile(b)
	ctx := context.Background()
	footer, err := pq.ReadFooter(ctx, store, path, path, size)
	if err != nil {
		b.Fatal(err)
	}
	groups := footer.RowGroups()
	half := groups[len(groups)/2]
	span := pq.Span{Source: path, URL: path, Size: size, Start: 0, End: half.Start}
	cases := []struct {
		name string
		job  string
		p    jobs.Params
	}{
		{"groupby-q2", "groupby", jobs.Params{"key": "sourceIP:8", "agg": "sum:adRevenue"}},
		// countryCode is dictionary-encoded: ParquetBatch aggregates by index
		{"groupby-country", "groupby", jobs.Params{"key": "countryCode", "agg": "sum:adRevenue,count:*"}},
		// a DATE key: its text, by batches
		{"groupby-date", "groupby", jobs.Params{"key": "visitDate", "agg": "sum:adRevenue,count:*"}},
		// --where on a BIGINT and on a DATE column: their values, by batches
		{"groupby-where-int", "groupby", jobs.Params{"key": "countryCode", "agg": "sum:adRevenue", "where": "duration > 50"}},
		{"groupby-where-date", "groupby", jobs.Params{"key": "countryCode", "agg": "sum:adRevenue", "where": "visitDate >= '2000-01-01'"}},
		{"select-q1", "select", jobs.Params{"where": "adRevenue > 990", "columns": "sourceIP,adRevenue"}},
		{"sql-groupby-q2", "sql", jobs.Params{"query": "SELECT substr(sourceIP, 1, 8) AS key, sum(adRevenue) FROM 'x.parquet' GROUP BY key"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			j, err := jobs.New(c.job, c.p)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(half.Start)
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				f := feeder(b, j, c.p)
				if _, err := f.Parquet(ctx, store, span, 0, footer); err != nil {
					b.Fatal(err)
				}
				if _, err := f.Finish(discard{}); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b, half.Start*int64(b.N))
		})
	}
}
