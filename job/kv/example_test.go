package kv_test

import (
	"strconv"

	"github.com/scattergather/scattergather/cli"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/job/kv"
	"github.com/scattergather/scattergather/record"
)

// A typed job: the total visit duration of each country (countryCode) of a
// uservisits CSV. A row whose duration is not a whole number is skipped and
// counted (--strict fails on it). The framework combines, spills, merges and
// gathers; the output is countryCode,seconds sorted by countryCode.
func ExampleDef() {
	timeByCountry := kv.Def[string, int64]{
		Name: "timebycountry", Version: "1",
		New: func(job.Params) (kv.Job[string, int64], error) {
			return kv.Job[string, int64]{
				Input: job.Input{Format: record.CSV, Columns: []string{"countryCode", "duration"}},
				Key:   kv.String,
				Value: kv.Int64,
				MapRow: func(r *record.Row, emit func(string, int64)) error {
					seconds, err := strconv.ParseInt(string(r.Value(1)), 10, 64)
					if err != nil {
						return kv.Skip("duration is not a whole number")
					}
					emit(string(r.Value(0)), seconds)
					return nil
				},
				Combine: func(a, b int64) int64 { return a + b },
				Header:  "countryCode,seconds",
				Format: func(dst []byte, country string, seconds int64) []byte {
					dst = record.AppendCSVField(dst, []byte(country))
					return strconv.AppendInt(append(dst, ','), seconds, 10)
				},
			}, nil
		},
	}.Definition()
	cli.Main(timeByCountry) // the scatter CLI with the job: scatter run --job timebycountry ...
}
