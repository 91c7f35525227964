package localaws

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/scattergather/scattergather/internal/awsrun"
)

// TestDefaultConcurrencyFitsTheHost: the functions that read DEFAULT_CONCURRENCY (the
// Distributed Map's MaxConcurrency for a job that names none) get at most HostInstances,
// though template.yaml's default is larger. More items in flight than the Lambda host has
// instances queue their invocations past the mapper Task's TimeoutSecondsPath: each
// timed-out item was retried while its first invocation stayed queued, and a 99-chunk job
// recorded about three mapper attempts a chunk (docs/quotas.md). Options.ExtraEnv still
// wins, for a test that wants the queueing.
func TestDefaultConcurrencyFitsTheHost(t *testing.T) {
	tmpl, err := LoadTemplate(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	readers := 0
	for _, f := range tmpl.Functions() {
		declared, ok := f.Env[awsrun.EnvDefaultConcurrency]
		if !ok {
			continue
		}
		readers++
		if n, err := strconv.Atoi(declared); err != nil || n <= HostInstances {
			t.Fatalf("%s: template's %s=%q: this test wants a default above the host's %d instances", f.Name, awsrun.EnvDefaultConcurrency, declared, HostInstances)
		}
		env := map[string]string{}
		addFunctionEnv(env, f, nil)
		if got, want := env[awsrun.EnvDefaultConcurrency], strconv.Itoa(HostInstances); got != want {
			t.Errorf("%s: %s=%q on the local host, want %q", f.Name, awsrun.EnvDefaultConcurrency, got, want)
		}
		env = map[string]string{}
		addFunctionEnv(env, f, map[string]string{awsrun.EnvDefaultConcurrency: "50"})
		if got := env[awsrun.EnvDefaultConcurrency]; got != "50" {
			t.Errorf("%s: ExtraEnv's %s=50 became %q", f.Name, awsrun.EnvDefaultConcurrency, got)
		}
	}
	if readers == 0 {
		t.Fatalf("no function in template.yaml sets %s", awsrun.EnvDefaultConcurrency)
	}
}
