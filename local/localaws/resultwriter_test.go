package localaws_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/local/asl"
)

// bigResults runs TestMapResultsGoThroughTheResultWriter at full size: a job whose Map
// results pass 256 KiB inline takes about 5,000 chunks (each child's result is about 60
// bytes), which moto runs too slowly for make test (0.1 to 1 s a chunk on 2 cores,
// depending on the load); by default the test runs about 40 chunks and checks the same
// things but the size.
var bigResults = flag.Bool("localaws.big-results", false, "run the ResultWriter test with a job whose Map results pass 256 KiB inline (about 5,000 chunks through moto)")

// TestMapResultsGoThroughTheResultWriter: a job's Scatter Map writes its children's
// results through its ResultWriter to the job's work area, one entry per chunk, and the
// job completes with the reference's output. With -localaws.big-results the job has
// enough chunks that the results, gathered inline, would pass Step Functions' 256 KiB
// (the state output AWS fails with States.DataLimitExceeded).
func TestMapResultsGoThroughTheResultWriter(t *testing.T) {
	t.Parallel()
	size, timeout := int64(8_000), 3*jobTimeout
	if *bigResults {
		size, timeout = 1_000_000, 2*time.Hour
	}
	var data bytes.Buffer
	if err := datagen.Text(&data, size, 5); err != nil {
		t.Fatal(err)
	}
	key := "data/many-chunks.txt"
	put(t, stack.InputBucket, key, data.Bytes())
	spec := []byte(fmt.Sprintf(`{"job":"wordcount","input":"s3://%s/%s","chunkSize":200,"concurrency":200}`, stack.InputBucket, key))
	started := time.Now()
	sub := submit(t, spec)
	st := waitStatusFor(t, sub.JobID, timeout)
	if st.Status != "SUCCEEDED" {
		t.Fatalf("the job %s: %+v", sub.JobID, st)
	}
	t.Logf("%d chunks through moto in %v", st.Chunks, time.Since(started).Round(time.Second))
	want := referenceOf(t, "wordcount", jobs.Params{}, stack.InputBucket, key, data.Bytes())
	got, _ := get(t, stack.OutputBucket, strings.TrimPrefix(st.Output, "s3://"+stack.OutputBucket+"/"))
	if !bytes.Equal(got, want) {
		t.Fatalf("output: %s", firstDiff(got, want))
	}
	prefix := "jobs/" + st.LedgerJobID + "/" + pipeline.MapResultsDir + "/"
	keys, err := s3List(t, stack.OutputBucket, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var inline []json.RawMessage
	manifests := 0
	for _, k := range keys {
		body, _ := get(t, stack.OutputBucket, k)
		switch {
		case strings.HasSuffix(k, "/manifest.json"):
			manifests++
		case strings.HasSuffix(k, "/SUCCEEDED_0.json"):
			var entries []struct{ Status, Output string }
			if err := json.Unmarshal(body, &entries); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			for _, e := range entries {
				inline = append(inline, json.RawMessage(e.Output))
			}
		}
	}
	if manifests != 1 || len(inline) != st.Chunks {
		t.Fatalf("under %s: %d manifests and %d results of %d chunks (%v)", prefix, manifests, len(inline), st.Chunks, keys)
	}
	n, _ := json.Marshal(inline)
	if *bigResults && len(n) <= asl.MaxPayloadBytes {
		t.Fatalf("the Map's results are %d bytes inline: the job is too small to show the ResultWriter's need (over %d)", len(n), asl.MaxPayloadBytes)
	}
	t.Logf("the Map's %d results are %d bytes inline (AWS's limit: %d)", len(inline), len(n), asl.MaxPayloadBytes)
}
