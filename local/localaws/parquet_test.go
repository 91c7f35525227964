package localaws_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/pq"
)

// visitsTwins writes the same visits as CSV and as Parquet (row groups of 150
// rows, adRevenue a DECIMAL(18,2), duration a BIGINT), every value's text the
// same in both.
func visitsTwins(t *testing.T, rows int) (csvData, pqData []byte) {
	t.Helper()
	cols := []pq.OutputColumn{
		{Name: "sourceIP", Kind: pq.OutString}, {Name: "countryCode", Kind: pq.OutString},
		{Name: "adRevenue", Kind: pq.OutDecimal, Precision: 18, Scale: 2}, {Name: "userAgent", Kind: pq.OutString},
		{Name: "duration", Kind: pq.OutInt64},
	}
	var pqBuf bytes.Buffer
	w, err := pq.NewWriter(&pqBuf, cols, parquet.MaxRowsPerRowGroup(150))
	if err != nil {
		t.Fatal(err)
	}
	csvBuf := []byte("sourceIP,countryCode,adRevenue,userAgent,duration\n")
	countries := []string{"USA", "DEU", "FRA", "BRA", "IND", "JPN"}
	agents := []string{"Mozilla/5.0 (Windows)", "Mozilla/5.0 (Linux)", "curl/8.0", "Safari (Mac)"}
	for i := 0; i < rows; i++ {
		rec := []string{
			fmt.Sprintf("10.%d.%d.%d", i%7, i%251, i%13), countries[i*7%len(countries)],
			fmt.Sprintf("%d.%02d", i*7919%1000, i*31%100), agents[i*3%len(agents)], fmt.Sprint(1 + i%100),
		}
		for c, v := range rec {
			if err := w.Text(c, []byte(v)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.EndRow(); err != nil {
			t.Fatal(err)
		}
		csvBuf = append(csvBuf, strings.Join(rec, ",")+"\n"...)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return csvBuf, pqBuf.Bytes()
}

// TestParquetOnMoto: a Parquet object in S3, run by moto's Step Functions with
// the real binaries (the splitter reading its footer with ranged GETs, the
// mappers its column chunks), gives each job the output `scatter run` gives
// on the same data as CSV; the summary counts its row groups, and a --where
// no row group satisfies prunes them all.
func TestParquetOnMoto(t *testing.T) {
	csvData, pqData := visitsTwins(t, 3000)
	put(t, stack.InputBucket, "data/visits.parquet", pqData)
	put(t, stack.InputBucket, "data/visits-export", pqData) // no extension: the PAR1 magic says Parquet
	for _, c := range []jobCase{
		{"pq-select", "select", "csv", jobs.Params{"where": "adRevenue > 500", "columns": "sourceIP,adRevenue,duration"}, csvData},
		{"pq-groupby", "groupby", "csv", jobs.Params{"key": "countryCode", "agg": "sum:adRevenue,count:*,max:duration"}, csvData},
		{"pq-grep", "grep", "txt", jobs.Params{"pattern": "Linux|Mac", "column": "userAgent"}, nil},
		{"pq-pruned", "select", "csv", jobs.Params{"where": "duration > 1000", "columns": "sourceIP"}, csvData},
	} {
		for _, obj := range []string{"visits.parquet", "visits-export"} {
			t.Run(c.name+"/"+obj, func(t *testing.T) {
				t.Parallel()
				var want []byte
				if c.job == "grep" {
					// the line job's twin: the column's values as text lines
					var lines []byte
					for _, l := range strings.Split(strings.TrimSpace(string(csvData)), "\n")[1:] {
						lines = append(lines, strings.Split(l, ",")[3]+"\n"...)
					}
					p := jobs.Params{"pattern": c.params["pattern"]}
					twin := jobCase{c.name, c.job, c.ext, p, lines}
					put(t, stack.InputBucket, "data/"+c.name+".txt", lines)
					want = twin.expected(t, stack.InputBucket, "data/"+c.name+".txt")
				} else {
					put(t, stack.InputBucket, "data/"+c.name+".csv", c.input)
					want = c.expected(t, stack.InputBucket, "data/"+c.name+".csv")
				}
				output := fmt.Sprintf("s3://%s/results/api/%s-%s.%s", stack.OutputBucket, c.name, obj, c.ext)
				sub := submit(t, c.spec(map[string]any{"job": c.job, "input": "s3://" + stack.InputBucket + "/data/" + obj, "output": output}))
				if st := waitStatus(t, sub.JobID); st.Status != "SUCCEEDED" || st.Chunks < 2 {
					t.Fatalf("GET /jobs/%s at the end: %+v (want success in several chunks)", sub.JobID, st)
				}
				got, ok := get(t, stack.OutputBucket, strings.TrimPrefix(output, "s3://"+stack.OutputBucket+"/"))
				if !ok || !bytes.Equal(got, want) {
					t.Fatalf("output (found %v) differs from scatter run's on the CSV (%d and %d bytes)\n%s", ok, len(got), len(want), firstDiff(got, want))
				}
				summary, _ := get(t, stack.OutputBucket, strings.TrimPrefix(pipeline.SummaryLocation(output), "s3://"+stack.OutputBucket+"/"))
				var sum pipeline.Summary
				if err := json.Unmarshal(summary, &sum); err != nil {
					t.Fatalf("summary: %v", err)
				}
				// (each mapper reads the footer, which in a file this small
				// outweighs the columns, whose chunks lie close enough to be
				// read in one GET: bytesRead may pass the file's size)
				if sum.RowGroups != 20 || sum.BytesRead <= 0 {
					t.Errorf("summary: %d row groups (want 20), %d bytes read", sum.RowGroups, sum.BytesRead)
				}
				if c.name == "pq-pruned" && (sum.RowGroupsPruned != sum.RowGroups || sum.RecordsIn != 0) {
					t.Errorf("a --where no row group satisfies: %d of %d row groups pruned, %d records read", sum.RowGroupsPruned, sum.RowGroups, sum.RecordsIn)
				}
			})
		}
	}
}
