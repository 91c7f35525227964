package cli

import (
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/jobswap"
	"github.com/scattergather/scattergather/internal/plan"
)

// TestAJobOfAnotherVersionIsNotReused: a job whose chunks a build with another
// version of the job's code committed in the state directory (here: wordcount
// under version "0-old", its committed partials damaged so that any reuse of
// them fails) is another job for this build: the same job run again computes
// every chunk anew and answers the reference, and a resume of the old job is
// refused naming both versions, not resumed with the old chunks.
func TestAJobOfAnotherVersionIsNotReused(t *testing.T) {
	now := plan.JobVersion("wordcount")
	restore := jobswap.Version("wordcount", "0-old")
	in, data, out, state, oldID := failedJob(t, "wc.tsv", "--chunk-size", "4")
	restore()
	damagePartials(t, state, oldID, 4)

	_, stderr, err := runCLI(t, "run", "--job", "wordcount", "--input", in, "--output", out, "--chunk-size", "4", "--state-dir", state, "--json")
	if err != nil {
		t.Fatalf("the job run again by this version: %v\n%s", err, stderr)
	}
	checkReference(t, "the job run again by this version", out, "wordcount", nil, []reference.Input{{Source: "in.txt", Data: data}})

	_, _, err = runCLI(t, "resume", oldID, "--state-dir", state)
	msg := errString(err)
	for _, want := range []string{"planned by version 0-old of job wordcount", "is version " + now, "run it again instead"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("resume of the job of version 0-old by version %s: %v\nwant it to say %q", now, err, want)
		}
	}
	if strings.Contains(msg, "inputs changed") {
		t.Fatalf("resume names the version change as a change of the inputs: %v", err)
	}
}
