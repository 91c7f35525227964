package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCommandDependencies keeps AWS SDK service packages out of binaries that do not
// call them. Go runs the package init of every package a binary links, whether or not
// the command run uses it, and the SDK's service packages fill the heap at init (their
// schemas and endpoint rules: some 0.1-0.7 MB each), which every run of the scatter
// command and every cold start of a Lambda function pays (docs/performance.md, "A small
// run's fixed cost").
func TestCommandDependencies(t *testing.T) {
	const sdk = "github.com/aws/aws-sdk-go-v2/service/"
	for _, c := range []struct {
		pkg       string
		forbidden []string // why: the package that needs it, and which binary does
	}{
		// service/lambda: the API function's invoker of the mapper (internal/query/lambdainvoke);
		// service/iam: scatter local up creates its roles through the Query API (local/localaws/iamquery.go).
		{"github.com/scattergather/scattergather/cmd/scatter", []string{sdk + "lambda", sdk + "iam"}},
		// service/sfn and service/lambda: only the api function starts executions and invokes
		// the mapper (lambdafn.API); the others' mains are package lambdafn/taskfn's.
		{"github.com/scattergather/scattergather/functions/splitter", []string{sdk + "lambda", sdk + "sfn", sdk + "iam"}},
		{"github.com/scattergather/scattergather/functions/mapper", []string{sdk + "lambda", sdk + "sfn", sdk + "iam"}},
		{"github.com/scattergather/scattergather/functions/reducer", []string{sdk + "lambda", sdk + "sfn", sdk + "iam"}},
		{"github.com/scattergather/scattergather/functions/api", []string{sdk + "iam"}},
	} {
		out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", c.pkg).Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr // why go list failed: Output keeps it there
			}
			t.Fatalf("go list -deps %s: %v: %s", c.pkg, err, stderr)
		}
		deps := map[string]bool{}
		for _, p := range strings.Fields(string(out)) {
			deps[p] = true
		}
		for _, f := range c.forbidden {
			if deps[f] {
				t.Errorf("%s links %s, whose package init every run pays", c.pkg, f)
			}
		}
	}
}
