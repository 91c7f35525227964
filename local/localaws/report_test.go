package localaws_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestReportOfADeployedJob: `scatter report JOBID --remote` reads a job of the
// local AWS from its DynamoDB ledger and S3 work area, as it would a deployed
// stack's, and draws one timeline bar per attempt, every chunk committed.
func TestReportOfADeployedJob(t *testing.T) {
	t.Parallel()
	key := "report/text.txt"
	put(t, stack.InputBucket, key, testData(t).text)
	spec := []byte(`{"job":"wordcount","input":"s3://` + stack.InputBucket + "/" + key + `","chunkSize":"` + chunkSize + `"}`)
	code, body := apiCall(t, http.MethodPost, "/jobs", spec)
	var sub api.Submission
	if code != http.StatusAccepted || json.Unmarshal(body, &sub) != nil {
		t.Fatalf("POST /jobs: %d %s", code, body)
	}
	st := waitStatus(t, sub.JobID)
	if st.Status != "SUCCEEDED" {
		t.Fatalf("job %+v", st)
	}
	html := filepath.Join(t.TempDir(), "report.html")
	env := os.Environ()
	for _, kv := range stack.Exports() {
		env = append(env, kv[0]+"="+kv[1])
	}
	out, errOut, err := runScatterEnv(env, "report", sub.JobID, "--remote", "--html", html)
	if err != nil {
		t.Fatalf("scatter report --remote: %v\n%s%s", err, out, errOut)
	}
	page := testutil.ReadFile(t, html)
	attempts := regexp.MustCompile(`data-attempts="(\d+)"`).FindSubmatch(page)
	bars := regexp.MustCompile(`<rect class="bar [^"]*" data-attempt="[^"]+" data-phase="map" data-chunk="(\d+)" data-outcome="committed"`).FindAllSubmatch(page, -1)
	if attempts == nil {
		t.Fatal("the report names no attempts")
	}
	n, _ := strconv.Atoi(string(attempts[1]))
	chunks := map[string]bool{}
	for _, b := range bars {
		chunks[string(b[1])] = true
	}
	if len(chunks) != st.Chunks || n < st.Chunks+2 { // every chunk, plus the splitter and the reducer
		t.Fatalf("the report draws committed bars for %d of %d chunks, %d attempts in all", len(chunks), st.Chunks, n)
	}
	if strings.Contains(string(page), "http://") || strings.Contains(string(page), "https://") {
		t.Error("the report refers to the network")
	}
}
