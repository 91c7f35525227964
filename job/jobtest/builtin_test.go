package jobtest_test

import (
	"testing"

	"github.com/scattergather/scattergather/internal/datagen"
	_ "github.com/scattergather/scattergather/internal/jobs" // the built-in jobs
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/job/jobtest"
)

// TestBuiltinJobsConform: the built-in jobs pass the kit users run on
// theirs, so the kit holds a job to what the framework's own jobs meet.
func TestBuiltinJobsConform(t *testing.T) {
	gen := func(kind string, size int64) []byte {
		b, err := datagen.Bytes(kind, size, 3)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	text, visits, jsonl := gen("text", 12<<10), gen("uservisits", 12<<10), gen("jsonl", 8<<10)
	in := func(name string, data []byte) []jobtest.Input { return []jobtest.Input{{Name: name, Data: data}} }
	cases := []struct {
		job string
		c   jobtest.Case
	}{
		{"wordcount", jobtest.Case{Inputs: []jobtest.Input{{Name: "a.txt", Data: text}, {Name: "b.txt", Data: text[:5000]}}}},
		{"grep", jobtest.Case{Params: job.Params{"pattern": "ab[a-f]"}, Inputs: in("t.txt", text)}},
		{"search", jobtest.Case{Params: job.Params{"query": "abc the", "k": "7"}, Inputs: in("t.txt", text)}},
		{"select", jobtest.Case{Params: job.Params{"where": "adRevenue > 500", "columns": "sourceIP,adRevenue"}, Inputs: in("v.csv", visits)}},
		{"groupby", jobtest.Case{Params: job.Params{"key": "sourceIP:6", "agg": "sum:adRevenue,count:*,min:duration,avg:adRevenue"}, Inputs: in("v.csv", visits)}},
		{"groupby", jobtest.Case{Name: "jsonl", Params: job.Params{"format": "jsonl", "key": "countryCode", "agg": "max:adRevenue"}, Inputs: in("v.jsonl", jsonl)}},
		{"groupby", jobtest.Case{Name: "strict", Params: job.Params{"key": "k", "agg": "sum:v"},
			Inputs: in("s.csv", []byte("k,v\na,1\nb,x\na,2\n")), Want: []byte("key,sum_v\na,3\n"), BadRecord: "s.csv:8"}},
	}
	for _, c := range cases {
		d, ok := job.Lookup(c.job)
		if !ok {
			t.Fatalf("no job %s", c.job)
		}
		if c.c.Name == "" {
			c.c.Name = c.job
		}
		jobtest.Check(t, d, c.c)
	}
}
