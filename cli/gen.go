package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/plan"
)

func cmdGen(args []string, stderr io.Writer) error {
	fs := newFlagSet("scatter gen", stderr)
	var kinds []string
	for k := range datagen.Kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	kind := fs.String("kind", "text", "what to generate: "+strings.Join(kinds, ", "))
	size := fs.String("size", "16MiB", "about how many bytes")
	seed := fs.Uint64("seed", 1, "random seed: the same seed writes the same bytes")
	out := fs.String("out", "", "the file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gen, ok := datagen.Kinds[*kind]
	if !ok {
		return usageError{fmt.Sprintf("--kind %q: want one of %s", *kind, strings.Join(kinds, ", "))}
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	n, err := plan.ParseSize(*size)
	if err != nil {
		return usageError{"--size: " + err.Error()}
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := gen(f, n, *seed); err != nil {
		f.Close()
		return fmt.Errorf("generate %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, *out)
}
