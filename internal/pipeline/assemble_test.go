package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil/moto"
)

// TestAssembleOnS3 runs grep and select with partials of more than 5 MiB on
// moto's S3: the reducer composes the output from the partials' byte ranges
// (UploadPartCopy), with and without a tree level, and the output equals the
// one streamed through a reducer on the local store.
func TestAssembleOnS3(t *testing.T) {
	client := moto.Start(t).S3(t, "asm-work", "asm-data")
	ctx := context.Background()
	var text, csv bytes.Buffer
	if err := datagen.Text(&text, 20<<20, 3); err != nil {
		t.Fatal(err)
	}
	if err := datagen.UserVisits(&csv, 20<<20, 3); err != nil {
		t.Fatal(err)
	}
	local := t.TempDir()
	inputs := map[string][]byte{"text.txt": text.Bytes(), "visits.csv": csv.Bytes()}
	s3mux := blob.NewMux(func(b string) (blob.Store, error) { return blob.NewS3(client, b), nil })
	for name, data := range inputs {
		if err := s3mux.Put(ctx, "s3://asm-data/"+name, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(local, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		job   string
		p     jobs.Params
		input string
	}{
		{"grep", jobs.Params{"pattern": "[a-z]"}, "text.txt"}, // every line: partials as large as chunks
		{"select", jobs.Params{"where": "duration > 3", "columns": "destURL,sourceIP,visitDate,adRevenue,userAgent,countryCode,searchWord"}, "visits.csv"},
	} {
		for _, fanIn := range []int{2, pipeline.DefaultFanIn} {
			run := func(t *testing.T, store blob.Store, input, output string) ([]byte, pipeline.Summary) {
				lg := ledgertest.OpenBolt(t)
				work := "asm-work"
				if store != s3mux {
					m := blob.NewMux(nil)
					m.Mount(work, blob.NewFS(t.TempDir()))
					store = m
				}
				h := &pipeline.Handler{Store: store, Ledger: lg, WorkBucket: work, TriggerBucket: "in", FanIn: fanIn}
				return runJob(t, h, pipeline.PlanInput{Job: c.job, Params: c.p, Inputs: []string{input}, Output: output, ChunkSize: 7 << 20})
			}
			t.Run(c.job+"/fan-in "+strconv.Itoa(fanIn), func(t *testing.T) {
				want, streamed := run(t, nil, filepath.Join(local, c.input), filepath.Join(t.TempDir(), "out"))
				got, composed := run(t, s3mux, "s3://asm-data/"+c.input, "s3://asm-data/out/"+c.job+strconv.Itoa(fanIn))
				if !bytes.Equal(got, want) {
					t.Fatalf("composed output (%d bytes) differs from the streamed one (%d bytes)", len(got), len(want))
				}
				if streamed.Assembly != nil {
					t.Fatalf("local store: assembly %+v, want the streamed output", streamed.Assembly)
				}
				a := composed.Assembly
				if a == nil || a.CopiedBytes < int64(len(got))/2 || a.CopiedBytes+a.SentBytes != int64(len(got)) {
					t.Fatalf("S3: assembly %+v for %d bytes: want most of it copied by S3", a, len(got))
				}
				if composed.RecordsOut != streamed.RecordsOut || composed.RecordsOut == 0 {
					t.Fatalf("records out: composed %d, streamed %d", composed.RecordsOut, streamed.RecordsOut)
				}
				if fanIn == 2 && composed.GatherLevels == 0 {
					t.Fatal("fan-in 2: want a tree level before the assembly")
				}
			})
		}
	}
}
