package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/split"
	"github.com/scattergather/scattergather/record"
)

// chunkFile returns a generated file of kind, SCATTER_BENCH_CHUNK bytes
// (default 16 MiB), written once per benchmark run.
func chunkFile(b *testing.B, kind string) (path string, size int64) {
	b.Helper()
	size = 16 << 20
	if v := os.Getenv("SCATTER_BENCH_CHUNK"); v != "" {
		n, err := plan.ParseSize(v)
		if err != nil {
			b.Fatal(err)
		}
		size = n
	}
	path = filepath.Join(b.TempDir(), kind)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := datagen.Kinds[kind](f, size, 1); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, fi.Size()
}

// BenchmarkChunk measures a whole chunk as a mapper runs it: the ranged read
// through the blob store, the record scanner, the job's mapper and its
// encoded partial. Profile it with -cpuprofile.
func BenchmarkChunk(b *testing.B) {
	store := blob.NewMux(nil)
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			path, size := chunkFile(b, c.kind)
			j, err := jobs.New(c.job, c.p)
			if err != nil {
				b.Fatal(err)
			}
			part := plan.Part{Source: path, URL: path, Start: 0, End: size, Size: size}
			ctx := context.Background()
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			defer func() {
				// CPU throughput: steadier than wall time on a shared machine.
				b.ReportMetric(float64(size)*float64(b.N)/1e6/(cpuTime()-cpu0).Seconds(), "cpu-MB/s")
			}()
			for i := 0; i < b.N; i++ {
				m := feeder(b, j, c.p)
				var header []byte
				if m.NeedsHeader(path) {
					if header, err = split.Header(ctx, store, part); err != nil {
						b.Fatal(err)
					}
				}
				if err := m.StartPart(jobs.Part{Source: path}, header); err != nil {
					b.Fatal(err)
				}
				if m.Format(path) == record.CSV {
					// As the pipeline reads a CSV part (pipeline.mapCSV).
					if _, _, err := split.PartCSV(ctx, store, part, ',', 0, m.Record, m.CSVBlock()); err != nil {
						b.Fatal(err)
					}
				} else if _, err := split.PartBlocks(ctx, store, part, m.Record, m.Block()); err != nil {
					b.Fatal(err)
				}
				if _, err := m.Finish(discard{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type discard struct{}

func (discard) Write(p []byte) (int, error)       { return len(p), nil }
func (discard) WriteString(s string) (int, error) { return len(s), nil }
