package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/local/localaws"
)

// localFlags are the flags of `scatter local up` and `scatter local invoke`.
type localFlags struct {
	template  string
	binDir    string
	verbose   bool
	faults    string
	faultSeed uint64
	noIAM     bool
	noLimits  bool
}

func (l *localFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&l.template, "template", "template.yaml", "the SAM template whose resources and functions to bring up")
	fs.StringVar(&l.binDir, "bin-dir", "bin/lambda", "host-architecture Lambda binaries, as DIR/<LogicalId>/bootstrap ('make build-local')")
	fs.BoolVar(&l.verbose, "v", false, "copy the functions' and the emulator's logs to stderr")
	fs.StringVar(&l.faults, "faults", "", "inject faults into the functions: NAME=P[,NAME=P...]")
	fs.Uint64Var(&l.faultSeed, "fault-seed", 1, "seed of the fault injection")
	fs.BoolVar(&l.noIAM, "no-iam", false, "run every function and the state machine unchecked, instead of with its own role from the template (docs/quotas.md)")
	fs.BoolVar(&l.noLimits, "no-limits", false, "do not enforce Lambda's quotas on the functions' processes: memory, file descriptors, /tmp (docs/quotas.md)")
}

func (l *localFlags) up(ctx context.Context, stderr io.Writer) (*localaws.Stack, error) {
	o := localaws.Options{Template: l.template, BinDir: l.binDir, ExtraEnv: map[string]string{}, NoIAM: l.noIAM, NoLimits: l.noLimits}
	if l.verbose {
		o.Logs = stderr
	}
	if l.faults != "" {
		if _, err := parseFaults(l.faults, l.faultSeed); err != nil {
			return nil, err
		}
		o.ExtraEnv[faults.EnvFaults] = l.faults
		o.ExtraEnv[faults.EnvSeed] = fmt.Sprint(l.faultSeed)
	}
	return localaws.Up(ctx, o)
}

func cmdLocal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"usage: scatter local up | scatter local invoke FUNCTION --event FILE"}
	}
	switch args[0] {
	case "up":
		return cmdLocalUp(ctx, args[1:], stdout, stderr)
	case "invoke":
		return cmdLocalInvoke(ctx, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown command 'local %s'", args[0])}
}

// cmdLocalUp runs the local AWS in the foreground until SIGINT or SIGTERM.
func cmdLocalUp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter local up", stderr)
	var lf localFlags
	lf.define(fs)
	fs.String("state-dir", ".scatter", "accepted for symmetry; the emulator keeps its state in memory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	stack, err := lf.up(ctx, stderr)
	if err != nil {
		return err
	}
	defer stack.Close()
	for _, kv := range stack.Exports() {
		fmt.Fprintf(stdout, "export %s=%s\n", kv[0], kv[1])
	}
	fmt.Fprintln(stdout, "ready")
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "scatter: stopping the local AWS")
	return nil
}

// cmdLocalInvoke is `sam local invoke` without Docker: it invokes one function
// with an event file and prints the response, on a running `scatter local up`
// with --endpoint, else on a local AWS it brings up for the call, seeded with the
// objects under seed/ beside the event file (the samples' input).
func cmdLocalInvoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var function string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		function, args = args[0], args[1:]
	}
	fs := newFlagSet("scatter local invoke", stderr)
	var lf localFlags
	lf.define(fs)
	event := fs.String("event", "", "a JSON file with the event")
	endpoint := fs.String("endpoint", "", "the AWS_ENDPOINT_URL of a running 'scatter local up' to invoke on; empty brings up a local AWS for this call")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if function == "" && fs.NArg() > 0 {
		function = fs.Arg(0)
	}
	if function == "" || *event == "" {
		return usageError{"usage: scatter local invoke FUNCTION --event FILE [--endpoint URL]"}
	}
	payload, err := os.ReadFile(*event)
	if err != nil {
		return fmt.Errorf("--event: %w", err)
	}
	tmpl, err := localaws.LoadTemplate(lf.template)
	if err != nil {
		return fmt.Errorf("--template: %w", err)
	}
	name, err := tmpl.FunctionName(function)
	if err != nil {
		return usageError{err.Error()}
	}
	var ans localaws.Answer
	if *endpoint != "" {
		if ans, err = localaws.InvokeAt(ctx, *endpoint, name, payload); err != nil {
			return err
		}
	} else {
		stack, err := lf.up(ctx, stderr)
		if err != nil {
			return err
		}
		defer stack.Close()
		// The objects the sample events name live beside them, under seed/.
		seeded, err := stack.Seed(ctx, filepath.Join(filepath.Dir(*event), "seed"))
		if err != nil {
			return err
		}
		if len(seeded) > 0 {
			fmt.Fprintf(stderr, "scatter: seeded %d object(s) of %s into s3://%s\n", len(seeded), filepath.Join(filepath.Dir(*event), "seed"), stack.InputBucket)
		}
		res, err := stack.Invoke(ctx, name, payload)
		if err != nil {
			return fmt.Errorf("invoke %s: %w", name, err)
		}
		ans = localaws.Answer{Payload: res.Payload, FunctionError: res.FunctionError}
		fmt.Fprintf(stderr, "scatter: %s: %v, peak memory %d KiB\n", name, res.Duration, res.PeakRSSKB)
	}
	fmt.Fprintf(stdout, "%s\n", ans.Payload)
	return ans.Err(name)
}
