package localaws_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/scattergather/scattergather/internal/api"
)

// TestQueryThroughTheAPI: POST /query on the local AWS, served by the real api
// binary invoking the real mapper binary through the Lambda Invoke API, answers
// every read-only job with the same bytes as `scatter run`, complete.
func TestQueryThroughTheAPI(t *testing.T) {
	for _, c := range jobCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			key := fmt.Sprintf("query/%s.%s", c.name, c.ext)
			put(t, stack.InputBucket, key, c.input)
			spec := c.spec(map[string]any{"job": c.job, "input": "s3://" + stack.InputBucket + "/" + key, "deadline": "20s", "allowPartial": false})
			ans, got := postQuery(t, spec)
			if ans.Partial || ans.Chunks.Total < 2 || ans.Chunks.Succeeded != ans.Chunks.Total {
				t.Fatalf("query report %+v: want every one of several chunks answered", ans.Report)
			}
			if want := c.expected(t, stack.InputBucket, key); !bytes.Equal(got, want) {
				t.Fatalf("POST /query differs from scatter run (%d and %d bytes)\n%s", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

// postQuery posts spec to /query, which must answer 200, and returns the
// answer and its result.
func postQuery(t *testing.T, spec []byte) (api.QueryAnswer, []byte) {
	t.Helper()
	code, body := apiCall(t, http.MethodPost, "/query", spec)
	if code != http.StatusOK {
		t.Fatalf("POST /query: %d %s", code, body)
	}
	var ans api.QueryAnswer
	if err := json.Unmarshal(body, &ans); err != nil {
		t.Fatalf("POST /query answered %.300s: %v", body, err)
	}
	if ans.Result != nil {
		return ans, []byte(*ans.Result)
	}
	return ans, ans.ResultBase64
}
