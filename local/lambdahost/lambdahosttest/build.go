// Package lambdahosttest builds the bootstraps that tests run on a lambdahost.Host, as the
// Makefile builds the functions for the provided.al2023 runtime: a static Go binary
// (CGO_ENABLED=0) built with the lambda.norpc tag, which drops aws-lambda-go's RPC mode
// that the provided runtimes do not use
// (https://docs.aws.amazon.com/lambda/latest/dg/golang-package.html).
package lambdahosttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build compiles the Go package pkg (a path relative to dir, such as "./testdata/echo", or
// an import path) into a file named bootstrap in out, and returns its path. dir is where
// the go tool runs ("" for the current directory); the error carries the compiler's output.
func Build(dir, pkg, out string) (string, error) {
	bin := filepath.Join(out, "bootstrap")
	return bin, BuildTo(dir, pkg, bin)
}

// BuildTo compiles the Go package pkg into the file bin, as Build does.
func BuildTo(dir, pkg, bin string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("building %s needs the go tool on PATH: %w", pkg, err)
	}
	cmd := exec.Command(goTool, "build", "-tags", "lambda.norpc", "-o", bin, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// Main is the TestMain of a test package whose tests invoke one function's binary: it
// builds pkg (as Build does, from the current directory) into a temporary directory, sets
// *bin to the bootstrap's path, runs the tests and removes the directory. It returns the
// exit code for os.Exit; a failed build is reported on stderr and fails the package.
func Main(m *testing.M, pkg string, bin *string) int {
	dir, err := os.MkdirTemp("", "lambdahosttest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *bin, err = Build("", pkg, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
