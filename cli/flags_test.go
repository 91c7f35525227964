package cli

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
)

// TestEnvDefaults: $SCATTER_FAN_IN, $SCATTER_RETRY_SCALE and $SCATTER_MEMORY are the
// defaults of --fan-in, --retry-scale and --memory, a flag on the command line wins over its variable, and a malformed
// variable is a usage error that names it.
func TestEnvDefaults(t *testing.T) {
	env := map[string]string{envFanIn: "3", envRetryScale: "0.01", envMemory: "512"}
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
	if err != nil || o.fanIn != 3 || o.retryScale != 0.01 || o.memoryMB != 512 {
		t.Errorf("from the environment: fan-in %d, retry-scale %g, memory %d, %v; want 3, 0.01, 512", o.fanIn, o.retryScale, o.memoryMB, err)
	}
	o, err = parse("--fan-in", "7", "--retry-scale", "0.5")
	if err != nil || o.fanIn != 7 || o.retryScale != 0.5 {
		t.Errorf("flags over the environment: fan-in %d, retry-scale %g, %v; want 7, 0.5", o.fanIn, o.retryScale, err)
	}
	env = map[string]string{}
	if o, err = parse(); err != nil || o.fanIn != 0 || o.retryScale != 1 || o.memoryMB != 128 {
		t.Errorf("neither: fan-in %d, retry-scale %g, memory %d, %v; want 0 (the default), 1, 128", o.fanIn, o.retryScale, o.memoryMB, err)
	}
	env = map[string]string{envFanIn: "many"}
	if _, err = parse(); err == nil || !strings.Contains(err.Error(), envFanIn) || !strings.Contains(err.Error(), "--fan-in") {
		t.Errorf("malformed %s: %v, want a usage error naming it and --fan-in", envFanIn, err)
	}
}

// TestMemoryBounds: --memory below Lambda's smallest function, or above the mapper
// function's MemorySize in the template (a mapper may not have more here than on AWS),
// is a usage error naming it.
func TestMemoryBounds(t *testing.T) {
	dir := t.TempDir()
	in := testutil.WriteFile(t, dir, "in.txt", []byte("a b\n"))
	fns, err := engine.Functions(nil)
	if err != nil {
		t.Fatal(err)
	}
	most := fns[engine.MapperFunction].MemoryMB
	for _, mb := range []int{64, most + 1} {
		flag := "--memory " + strconv.Itoa(mb)
		err := Run(context.Background(), []string{"run", "--job", "wordcount", "--input", in, "--output", dir + "/out", "--state-dir", dir + "/state", "--memory", strconv.Itoa(mb)}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), flag) || ExitCode(err) != 2 {
			t.Errorf("err %v (exit %d): want a usage error naming %s", err, ExitCode(err), flag)
		}
	}
	if err := Run(context.Background(), []string{"run", "--job", "wordcount", "--input", in, "--output", dir + "/out", "--state-dir", dir + "/state", "--memory", strconv.Itoa(most)}, io.Discard, io.Discard); err != nil {
		t.Errorf("--memory %d, the template's: %v", most, err)
	}
}
