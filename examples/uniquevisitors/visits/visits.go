// Package visits is the uniquevisitors job: for a Big Data Benchmark
// uservisits CSV (a header row; columns found by name), the number of
// distinct sourceIP per destURL.
package visits

import (
	"strconv"

	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/job/kv"
	"github.com/scattergather/scattergather/record"
)

// UniqueVisitors maps each visit to (destURL, {sourceIP}); the sets of one
// URL are united; the output is destURL,uniqueVisitors sorted by destURL.
var UniqueVisitors = kv.Def[[]byte, kv.Set]{
	Name:    "uniquevisitors",
	Version: "1",
	Summary: "distinct sourceIP per destURL of a uservisits CSV",
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
