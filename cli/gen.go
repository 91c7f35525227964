package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/plan"
)

// cmdGen is `scatter gen`: a file of generated data of one kind (datagen), the same
// bytes for the same seed, for tests and benchmarks.
func cmdGen(_ context.Context, args []string, _, stderr io.Writer) error {
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
	card := fs.String("cardinality", "high", "uservisits and jsonl: high (sourceIP over the whole IPv4 space, as the Big Data Benchmark's) or low (50,000 addresses, Zipf-skewed)")
	ips := fs.Uint64("ips", 0, "uservisits and jsonl: distinct sourceIP addresses, Zipf-skewed (0: the --cardinality preset's)")
	urls := fs.Uint64("urls", 0, "uservisits and jsonl: distinct destURLs (0: the --cardinality preset's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gen, ok := datagen.Kinds[*kind]
	if !ok {
		return usageError{fmt.Sprintf("--kind %q: want one of %s", *kind, strings.Join(kinds, ", "))}
	}
	opts, ok := datagen.Cardinalities[*card]
	if !ok {
		return usageError{fmt.Sprintf("--cardinality %q: want high or low", *card)}
	}
	if *ips > 0 {
		opts.IPs = *ips
	}
	if *urls > 0 {
		opts.URLs = *urls
	}
	if opts.IPs > 1<<32 {
		return usageError{fmt.Sprintf("--ips %d: IPv4 has only 2^32 addresses", opts.IPs)}
	}
	if visits, ok := datagen.VisitKinds[*kind]; ok {
		gen = func(w io.Writer, size int64, seed uint64) error { return visits(w, size, seed, opts) }
	} else if set := setFlags(fs); set["cardinality"] || set["ips"] || set["urls"] {
		return usageError{fmt.Sprintf("--cardinality, --ips and --urls apply to uservisits and jsonl, not --kind %s", *kind)}
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

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
