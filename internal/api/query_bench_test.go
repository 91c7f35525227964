package api_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/query"
	"github.com/scattergather/scattergather/internal/query/querytest"
)

// BenchmarkQueryLatency: POST /query over 64 chunks, 2 of them stragglers
// (mapper.slow, at least 2 s), through the real mapper binary on the Lambda host
// and moto's S3, with and without hedging. It reports p50 and p99 latency;
// `make bench` runs it with -benchtime 20x.
func BenchmarkQueryLatency(b *testing.B) {
	w := newQueryWorld(b)
	want := w.run("wordcount", jobs.Params{}, w.text)
	chunk := (int64(len(w.inputs[w.text])) + 63) / 64 // 64 chunks
	q, err := query.Plan(context.Background(), w.mux, "wordcount", jobs.Params{}, []string{w.text}, "", chunk, 0)
	if err != nil {
		b.Fatal(err)
	}
	if len(q.Chunks) != 64 {
		b.Fatalf("%d chunks, want 64", len(q.Chunks))
	}
	const spec = "mapper.slow=0.05"
	seed := querytest.FaultSeed(b, q, spec, 2)
	faulty := map[string]string{faults.EnvFaults: spec, faults.EnvSeed: fmt.Sprint(seed)}
	for _, hedge := range []bool{false, true} {
		b.Run(fmt.Sprintf("hedge=%v", hedge), func(b *testing.B) {
			body := fmt.Sprintf(`{"job":"wordcount","input":%q,"chunkSize":"%d","hedge":%v}`, w.text, chunk, hedge)
			var lat []time.Duration
			for b.Loop() {
				b.StopTimer()
				svc, _ := w.service(faulty) // fresh processes replay the seed's stragglers
				b.StartTimer()
				start := time.Now()
				r := postQuery(b, svc, body)
				lat = append(lat, time.Since(start))
				if r.status != 200 || r.Partial || r.result() != want {
					b.Fatalf("status %d, report %+v: want the complete answer", r.status, r.Report)
				}
			}
			slices.Sort(lat)
			pct := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))].Seconds() * 1000 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}
