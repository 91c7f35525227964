package jobs_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/jobs"
)

// benchCase is a mapper fed the lines of generated data.
type benchCase struct {
	name string
	job  string
	p    jobs.Params
	kind string // datagen kind
}

var benchCases = []benchCase{
	{"wordcount", "wordcount", jobs.Params{}, "text"},
	{"grep-literal", "grep", jobs.Params{"pattern": "abc"}, "text"},
	{"grep-regexp", "grep", jobs.Params{"pattern": "ab[cd]e|^q"}, "text"},
	{"select-csv", "select", jobs.Params{"where": "adRevenue > 500", "columns": "sourceIP,adRevenue,userAgent"}, "uservisits"},
	{"select-jsonl", "select", jobs.Params{"format": "jsonl", "where": "countryCode == 'USA'", "columns": "sourceIP,adRevenue,userAgent"}, "jsonl"},
	{"groupby-csv", "groupby", jobs.Params{"key": "sourceIP:8", "agg": "sum:adRevenue,count:duration,avg:adRevenue,min:duration,max:adRevenue"}, "uservisits"},
	{"groupby-q2", "groupby", jobs.Params{"key": "sourceIP:8", "agg": "sum:adRevenue"}, "uservisits"},
	// Every full address a group: nearly every row its own (the gather suite's job).
	{"groupby-fullkey", "groupby", jobs.Params{"key": "sourceIP", "agg": "sum:adRevenue"}, "uservisits"},
	{"groupby-jsonl", "groupby", jobs.Params{"format": "jsonl", "key": "countryCode", "agg": "sum:adRevenue,count:sourceIP"}, "jsonl"},
	{"search", "search", jobs.Params{"query": "abc the xyz", "k": "10"}, "text"},
	// The sql job's equivalents of select and groupby above.
	{"sql-select-csv", "sql", jobs.Params{"query": "SELECT sourceIP, adRevenue, userAgent FROM 'x' WHERE adRevenue > 500"}, "uservisits"},
	{"sql-select-jsonl", "sql", jobs.Params{"query": "SELECT sourceIP, adRevenue, userAgent FROM 'x' WHERE countryCode = 'USA'"}, "jsonl"},
	{"sql-groupby-csv", "sql", jobs.Params{"query": "SELECT substr(sourceIP, 1, 8), sum(adRevenue), count(duration), avg(adRevenue), min(duration), max(adRevenue) FROM 'x' GROUP BY 1"}, "uservisits"},
	{"sql-groupby-q2", "sql", jobs.Params{"query": "SELECT substr(sourceIP, 1, 8), sum(adRevenue) FROM 'x' GROUP BY 1"}, "uservisits"},
	// A WHERE of one column (tested on its text) before the grouping.
	{"sql-groupby-where", "sql", jobs.Params{"query": "SELECT substr(sourceIP, 1, 8), sum(adRevenue) FROM 'x' WHERE adRevenue > 500 GROUP BY 1"}, "uservisits"},
	{"sql-groupby-jsonl", "sql", jobs.Params{"query": "SELECT countryCode, sum(adRevenue), count(sourceIP) FROM 'x' GROUP BY countryCode"}, "jsonl"},
	{"sql-filter-expr", "sql", jobs.Params{"query": "SELECT sourceIP FROM 'x' WHERE visitDate BETWEEN DATE '1990-01-01' AND DATE '1999-12-31' AND countryCode IN ('USA', 'DEU') AND adRevenue > 100"}, "uservisits"},
	// WHERE clauses of several columns, compiled on the fields (Program.MatchFields):
	// untyped, typed (a value error possible), before a grouping fed from the fields,
	// and as select's and groupby's --where.
	{"sql-filter-typed", "sql", jobs.Params{"query": "SELECT sourceIP FROM 'x' WHERE adRevenue > 100 AND countryCode = 'USA' AND visitDate BETWEEN DATE '1990-01-01' AND DATE '1999-12-31'", "schema": "visitDate:DATE,adRevenue:DECIMAL(12,4)"}, "uservisits"},
	{"sql-groupby-where3", "sql", jobs.Params{"query": "SELECT substr(sourceIP, 1, 8), sum(adRevenue) FROM 'x' WHERE adRevenue > 100 AND countryCode IN ('USA', 'DEU') AND visitDate BETWEEN DATE '1990-01-01' AND DATE '1999-12-31' GROUP BY 1"}, "uservisits"},
	{"select-where3", "select", jobs.Params{"where": "adRevenue > 100 AND countryCode = 'USA' AND visitDate BETWEEN DATE '1990-01-01' AND DATE '1999-12-31'", "columns": "sourceIP,adRevenue"}, "uservisits"},
	{"groupby-where3", "groupby", jobs.Params{"key": "sourceIP:8", "agg": "sum:adRevenue", "where": "adRevenue > 100 AND countryCode = 'USA' AND visitDate BETWEEN DATE '1990-01-01' AND DATE '1999-12-31'"}, "uservisits"},
	{"sql-order-limit", "sql", jobs.Params{"query": "SELECT sourceIP, adRevenue FROM 'x' ORDER BY adRevenue DESC LIMIT 10"}, "uservisits"},
}

// benchSource names the bench input: the sql job tells JSON Lines by its extension.
func benchSource(kind string) string {
	if kind == "jsonl" {
		return "bench.jsonl"
	}
	return "bench.csv"
}

// benchInput returns generated lines and the header line (offset 0).
func benchInput(tb testing.TB, kind string) (lines [][]byte, header []byte, size int) {
	tb.Helper()
	var buf bytes.Buffer
	if err := datagen.Kinds[kind](&buf, 2<<20, 1); err != nil {
		tb.Fatal(err)
	}
	lines, _ = splitLines(buf.Bytes())
	return lines, bytes.Clone(lines[0]), buf.Len()
}

// warm returns a mapper that has seen every line once, so that what follows
// is the steady state (every distinct word and key already known).
func warm(tb testing.TB, c benchCase, lines [][]byte, header []byte) *feed.Feeder {
	tb.Helper()
	j, err := jobs.New(c.job, c.p)
	if err != nil {
		tb.Fatal(err)
	}
	m := feeder(tb, j, c.p)
	if err := m.StartPart(jobs.Part{Source: benchSource(c.kind), Ordinal: 0}, header); err != nil {
		tb.Fatal(err)
	}
	for i, l := range lines {
		if err := m.Record(l, int64(i)); err != nil {
			tb.Fatal(err)
		}
	}
	return m
}

// BenchmarkRecord measures each mapper's per-record path in steady state;
// allocs/op is the number of allocations per record.
func BenchmarkRecord(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			lines, header, size := benchInput(b, c.kind)
			m := warm(b, c, lines, header)
			b.SetBytes(int64(size / len(lines)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := startCPU()
			for i := 0; i < b.N; i++ {
				k := 1 + i%(len(lines)-1) // never offset 0: that is the CSV header
				if err := m.Record(lines[k], int64(k)); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b, int64(size/len(lines))*int64(b.N))
		})
	}
}

// BenchmarkOutput measures Merge and Output over the partials of 8 chunks.
func BenchmarkOutput(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			lines, header, _ := benchInput(b, c.kind)
			j, err := jobs.New(c.job, c.p)
			if err != nil {
				b.Fatal(err)
			}
			var partials [][]byte
			per := len(lines)/8 + 1
			for s := 0; s < len(lines); s += per {
				m := feeder(b, j, c.p)
				if err := m.StartPart(jobs.Part{Source: benchSource(c.kind)}, header); err != nil {
					b.Fatal(err)
				}
				for k := s; k < min(s+per, len(lines)); k++ {
					if err := m.Record(lines[k], int64(k)); err != nil {
						b.Fatal(err)
					}
				}
				var buf bytes.Buffer
				if _, err := m.Finish(&buf); err != nil {
					b.Fatal(err)
				}
				partials = append(partials, buf.Bytes())
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := j.Output(io.Discard, readers(partials)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRecordDoesNotAllocate: in steady state the per-record path of
// wordcount, grep, select and groupby makes no allocation.
func TestRecordDoesNotAllocate(t *testing.T) {
	for _, c := range benchCases {
		if c.job == "search" {
			continue // keeping a new top line copies it
		}
		t.Run(c.name, func(t *testing.T) {
			lines, header, _ := benchInput(t, c.kind)
			lines = lines[:min(len(lines), 2000)]
			m := warm(t, c, lines, header)
			k := 0
			allocs := testing.AllocsPerRun(2000, func() {
				k = 1 + (k+1)%(len(lines)-1)
				if err := m.Record(lines[k], int64(k)); err != nil {
					t.Fatal(err)
				}
			})
			if allocs > 0.01 {
				t.Fatalf("%s: %.3f allocations per record in steady state, want 0", c.name, allocs)
			}
		})
	}
}

// cpuClock measures the process's CPU time (user + system, GC included)
// over a benchmark's loop: on a machine shared with other work, CPU time
// varies far less than wall time.
type cpuClock time.Duration

func startCPU() cpuClock { return cpuClock(cpuTime()) }

// report adds cpu-MB/s (10^6 bytes of input per CPU-second) and cpu-ns/op.
func (c cpuClock) report(b *testing.B, bytes int64) {
	d := cpuTime() - time.Duration(c)
	if d <= 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(bytes)/1e6/d.Seconds(), "cpu-MB/s")
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
