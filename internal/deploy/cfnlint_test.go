package deploy_test

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
	"time"
)

// TestCfnLint: cfn-lint (with the SAM translator) reports nothing on template.yaml.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatalf("cfn-lint is not on PATH: install it with `pip install cfn-lint` (it brings the SAM translator): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--", "template.yaml")
	cmd.Dir = repoRoot(t)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err != nil || out.Len() > 0 {
		t.Fatalf("cfn-lint template.yaml: %v\n%s", err, out.String())
	}
}
