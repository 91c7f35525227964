package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scattergather/scattergather"
	"github.com/scattergather/scattergather/statemachine"
)

// initFiles are what `scatter init` writes, by path under the directory.
var initFiles = map[string][]byte{
	"template.yaml":                        scattergather.Template,
	"statemachine/scatter-gather.asl.json": statemachine.Definition,
}

// cmdInit writes the stack's template and state machine definition into a
// user's module, for `sam build` and `sam deploy` there.
func cmdInit(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scatter init", stderr)
	dir := fs.String("dir", ".", "the module's directory")
	force := fs.Bool("force", false, "overwrite files that exist")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	for _, name := range []string{"template.yaml", "statemachine/scatter-gather.asl.json"} {
		path := filepath.Join(*dir, name)
		if _, err := os.Stat(path); err == nil && !*force {
			return fmt.Errorf("%s exists; --force overwrites it", path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, initFiles[name], 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	fmt.Fprintln(stdout, "the template builds each function with the Makefile target build-<LogicalId>: see docs/jobs.md, \"Deploy your own job\"")
	return nil
}
