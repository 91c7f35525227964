package localaws

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/cfn"
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

// TestReservedConcurrencyFromTheTemplate: a function's ReservedConcurrentExecutions
// reaches the Lambda host, through the template's condition: none by default
// (MapperReservedConcurrency -1, AWS::NoValue), the parameter's value when set.
func TestReservedConcurrencyFromTheTemplate(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{{nil, "none"}, {map[string]string{"MapperReservedConcurrency": "2"}, "2"}} {
		ct, err := cfn.Load(filepath.Join("..", "..", "template.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		ct.Params = tc.params
		tmpl, err := newTemplate(ct)
		if err != nil {
			t.Fatal(err)
		}
		sawMapper := false
		for _, f := range tmpl.Functions() {
			got, want := "none", "none"
			if f.ReservedConcurrency != nil {
				got = strconv.Itoa(*f.ReservedConcurrency)
			}
			if f.Name == "MapperFunction" {
				want, sawMapper = tc.want, true
			}
			if got != want {
				t.Errorf("params %v: %s has a reserved concurrency of %s, want %s", tc.params, f.Name, got, want)
			}
		}
		if !sawMapper {
			t.Fatal("the template has no MapperFunction: the reservation was never checked")
		}
	}
}
