package kv_test

import (
	"strconv"

	"github.com/scattergather/scattergather/cli"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/job/kv"
	"github.com/scattergather/scattergather/record"
)

// A typed job: the distinct visitors (sourceIP) of each page (destURL) of a
// uservisits CSV. The framework combines, spills, merges and gathers; the
// output is destURL,uniqueVisitors sorted by destURL.
func ExampleDef() {
	uniqueVisitors := kv.Def[[]byte, kv.Set]{
		Name: "uniquevisitors", Version: "1",
		New: func(job.Params) (kv.Job[[]byte, kv.Set], error) {
			return kv.Job[[]byte, kv.Set]{
				Input: job.Input{Format: record.CSV, Columns: []string{"destURL", "sourceIP"}},
				Key:   kv.Bytes,
				Value: kv.StringSet,
				MapRow: func(r *record.Row, emit func([]byte, kv.Set)) error {
					emit(r.Value(0), kv.SetOf(string(r.Value(1))))
					return nil
				},
				Combine: kv.Union,
				Header:  "destURL,uniqueVisitors",
				Format: func(dst, url []byte, ips kv.Set) []byte {
					dst = record.AppendCSVField(dst, url)
					return strconv.AppendInt(append(dst, ','), int64(len(ips)), 10)
				},
			}, nil
		},
	}.Definition()
	cli.Main(uniqueVisitors) // the scatter CLI with the job: scatter run --job uniquevisitors ...
}
