package cli

import (
	"io"
	"strings"
	"testing"
)

// TestEnvDefaults: $SCATTER_FAN_IN and $SCATTER_RETRY_SCALE are the defaults of --fan-in
// and --retry-scale, a flag on the command line wins over its variable, and a malformed
// variable is a usage error that names it.
func TestEnvDefaults(t *testing.T) {
	env := map[string]string{envFanIn: "3", envRetryScale: "0.01"}
	parse := func(args ...string) (runOptions, error) {
		var o runOptions
		fs := newFlagSet("test", io.Discard)
		o.define(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return o, applyEnvDefaults(fs, func(k string) string { return env[k] })
	}
	o, err := parse()
	if err != nil || o.fanIn != 3 || o.retryScale != 0.01 {
		t.Errorf("from the environment: fan-in %d, retry-scale %g, %v; want 3, 0.01", o.fanIn, o.retryScale, err)
	}
	o, err = parse("--fan-in", "7", "--retry-scale", "0.5")
	if err != nil || o.fanIn != 7 || o.retryScale != 0.5 {
		t.Errorf("flags over the environment: fan-in %d, retry-scale %g, %v; want 7, 0.5", o.fanIn, o.retryScale, err)
	}
	env = map[string]string{}
	if o, err = parse(); err != nil || o.fanIn != 0 || o.retryScale != 1 {
		t.Errorf("neither: fan-in %d, retry-scale %g, %v; want 0 (the default), 1", o.fanIn, o.retryScale, err)
	}
	env = map[string]string{envFanIn: "many"}
	if _, err = parse(); err == nil || !strings.Contains(err.Error(), envFanIn) || !strings.Contains(err.Error(), "--fan-in") {
		t.Errorf("malformed %s: %v, want a usage error naming it and --fan-in", envFanIn, err)
	}
}
