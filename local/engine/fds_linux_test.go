package engine_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// fdLimitEnv makes the test binary, run again by TestMaxFanInFitsLambdasFiles, the child
// that runs the job under that many file descriptors.
const fdLimitEnv = "SCATTER_TEST_FD_LIMIT"

// TestMaxFanInFitsLambdasFiles: a gather that merges pipeline.MaxFanIn partials at once
// (each open on a descriptor of its own) runs in a process limited to Lambda's 1,024 file
// descriptors (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html),
// the limit `scatter local up` gives each function; under 300 the same job fails with
// "too many open files", so the limit is what the merge meets. The job runs in a child
// process, whose limit (soft and hard) is lowered before it opens anything.
func TestMaxFanInFitsLambdasFiles(t *testing.T) {
	if os.Getenv(fdLimitEnv) != "" {
		t.Skip("the child runs TestMaxFanInChild")
	}
	if testing.Short() {
		t.Skip("maps 512 chunks")
	}
	for _, tc := range []struct {
		limit int
		ok    bool
	}{{1024, true}, {300, false}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMaxFanInChild$", "-test.v")
		cmd.Env = append(os.Environ(), fdLimitEnv+"="+strconv.Itoa(tc.limit))
		out, err := cmd.CombinedOutput()
		switch {
		case tc.ok && err != nil:
			t.Errorf("a merge of %d partials under %d descriptors: %v\n%s", pipeline.MaxFanIn, tc.limit, err, out)
		case !tc.ok && (err == nil || !strings.Contains(string(out), "too many open files")):
			t.Errorf("a merge of %d partials under %d descriptors: %v, want too many open files\n%s", pipeline.MaxFanIn, tc.limit, err, out)
		}
	}
}

// TestMaxFanInChild is TestMaxFanInFitsLambdasFiles's child: a wordcount of
// pipeline.MaxFanIn chunks gathered by one flat merge (fan-in MaxFanIn, one key range).
func TestMaxFanInChild(t *testing.T) {
	limit, _ := strconv.ParseUint(os.Getenv(fdLimitEnv), 10, 64)
	if limit == 0 {
		t.Skip("run by TestMaxFanInFitsLambdasFiles")
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		t.Fatal(err)
	}
	local, dir := enginetest.Open(t, engine.Options{})
	local.Handler.FanIn = pipeline.MaxFanIn
	var text strings.Builder
	for i := range pipeline.MaxFanIn {
		fmt.Fprintf(&text, "%-62s\n", fmt.Sprintf("w%d x%d", i, i%7)) // 63 bytes: one line a chunk
	}
	in := testutil.WriteFile(t, dir, "in.txt", []byte(text.String()))
	_, sum := enginetest.Run(t, local, pipeline.PlanInput{Job: "wordcount", Inputs: []string{in}, Output: filepath.Join(dir, "out.tsv"), ChunkSize: 63, Partitions: 1})
	if sum.Chunks != pipeline.MaxFanIn || sum.GatherLevels != 0 || sum.FanIn != pipeline.MaxFanIn {
		t.Fatalf("%d chunks, %d gather levels at fan-in %d: want %d in one flat merge", sum.Chunks, sum.GatherLevels, sum.FanIn, pipeline.MaxFanIn)
	}
}
