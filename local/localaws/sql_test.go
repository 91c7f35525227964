package localaws_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/pipeline"
)

// TestSQLSpecOnMoto: {"sql": "..."} alone, its input the query's FROM, on
// POST /jobs (run by moto's Step Functions with the real binaries; the
// queries without LIMIT, sorts of a projection, of * and of groups, with
// "partitions": 3, gathered by key ranges, the groups' sorted ranges then by
// spans of their ORDER BY key in the sort round) and on
// POST /query (the api binary invoking the mapper binary) answers ORDER BY
// queries, with and without LIMIT and over groups, and a GROUP BY with
// HAVING and without ORDER BY (by 3 ranges of the group key), with the
// bytes `scatter run` writes.
func TestSQLSpecOnMoto(t *testing.T) {
	d := testData(t)
	key := "data/sql-spec.csv"
	put(t, stack.InputBucket, key, d.csv)
	from := "s3://" + stack.InputBucket + "/" + key
	for i, q := range []string{
		sqlSortQuery(from),
		"SELECT sourceIP, adRevenue FROM '" + from + "' ORDER BY adRevenue, sourceIP DESC LIMIT 17",
		"SELECT countryCode, count(*) AS n, sum(adRevenue) AS revenue FROM '" + from + "' GROUP BY countryCode ORDER BY revenue DESC, countryCode",
		"SELECT * FROM '" + from + "' WHERE duration > 3 ORDER BY countryCode DESC, adRevenue",
		"SELECT countryCode, languageCode, count(*) AS n, sum(adRevenue) AS revenue FROM '" + from + "' GROUP BY countryCode, languageCode HAVING count(*) > 1",
	} {
		ranged := i != 1 // without LIMIT: by 3 key ranges (of the ORDER BY key; of the group key, the ranges sorted and merged, or assembled in order)
		t.Run(fmt.Sprintf("query%d", i), func(t *testing.T) {
			t.Parallel()
			want := jobCase{name: fmt.Sprintf("sql-spec-%d", i), job: "sql", ext: "csv", params: map[string]string{"query": q}, input: d.csv}.expected(t, stack.InputBucket, key)
			if bytes.Count(want, []byte("\n")) < 10 {
				t.Fatalf("scatter run's output has %d lines: the query tests little", bytes.Count(want, []byte("\n")))
			}
			output := fmt.Sprintf("s3://%s/results/api/sql-spec-%d.csv", stack.OutputBucket, i)
			fields := map[string]any{"sql": q, "output": output, "chunkSize": chunkSize, "concurrency": concurrency}
			if ranged {
				fields["partitions"] = 3
			}
			spec, _ := json.Marshal(fields)
			sub := submit(t, spec)
			if st := waitStatus(t, sub.JobID); st.Status != "SUCCEEDED" || st.Chunks < 2 {
				t.Fatalf("GET /jobs/%s at the end: %+v", sub.JobID, st)
			}
			if ranged {
				summary, _ := get(t, stack.OutputBucket, strings.TrimPrefix(pipeline.SummaryLocation(output), "s3://"+stack.OutputBucket+"/"))
				var sum pipeline.Summary
				if err := json.Unmarshal(summary, &sum); err != nil || sum.Partitions < 2 || (sum.Spans >= 1) != (i == 2) {
					t.Fatalf("summary of the full sort asked for 3 key ranges: %d ranges, %d spans of the sort round (%v); want spans for the aggregate's ORDER BY alone", sum.Partitions, sum.Spans, err)
				}
			}
			got, ok := get(t, stack.OutputBucket, strings.TrimPrefix(output, "s3://"+stack.OutputBucket+"/"))
			if !ok || !bytes.Equal(got, want) {
				t.Fatalf("POST /jobs {\"sql\"}: output (found %v) differs from scatter run's (%d and %d bytes)\n%s", ok, len(got), len(want), firstDiff(got, want))
			}
			body, _ := json.Marshal(map[string]any{"sql": q, "chunkSize": chunkSize, "deadline": "20s", "allowPartial": false})
			ans, res := postQuery(t, body)
			if ans.Partial || ans.Chunks.Total < 2 || !bytes.Equal(res, want) {
				t.Fatalf("POST /query {\"sql\"}: report %+v; result differs from scatter run's (%d and %d bytes)\n%s", ans.Report, len(res), len(want), firstDiff(res, want))
			}
		})
	}
}
