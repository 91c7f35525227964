package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/datagen"
)

// TestGenCardinality: scatter gen writes what datagen writes for the
// --cardinality preset and --ips/--urls overrides, and refuses knobs that
// do not apply or are out of range, naming the flag.
func TestGenCardinality(t *testing.T) {
	dir := t.TempDir()
	gen := func(args ...string) (string, error) {
		out := filepath.Join(dir, "out")
		var o, e bytes.Buffer
		err := dispatch(context.Background(), append([]string{"gen", "--size", "64KiB", "--seed", "4", "--out", out}, args...), &o, &e)
		if err != nil {
			return e.String(), err
		}
		b, rerr := os.ReadFile(out)
		if rerr != nil {
			t.Fatal(rerr)
		}
		return string(b), nil
	}
	want := func(opts datagen.VisitOptions) string {
		var b bytes.Buffer
		if err := datagen.UserVisitsWith(&b, 64<<10, 4, opts); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, c := range []struct {
		args []string
		opts datagen.VisitOptions
	}{
		{[]string{"--kind", "uservisits"}, datagen.VisitOptions{}},
		{[]string{"--kind", "uservisits", "--cardinality", "low"}, datagen.Cardinalities["low"]},
		{[]string{"--kind", "uservisits", "--cardinality", "low", "--ips", "10"}, datagen.VisitOptions{IPs: 10, URLs: datagen.Cardinalities["low"].URLs}},
		{[]string{"--kind", "uservisits", "--urls", "7"}, datagen.VisitOptions{URLs: 7}},
	} {
		got, err := gen(c.args...)
		if err != nil {
			t.Fatalf("%v: %v: %s", c.args, err, got)
		}
		if got != want(c.opts) {
			t.Errorf("%v: the file differs from datagen's with %+v", c.args, c.opts)
		}
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--kind", "uservisits", "--cardinality", "medium"}, "--cardinality"},
		{[]string{"--kind", "text", "--ips", "5"}, "--kind text"},
		{[]string{"--kind", "uservisits", "--ips", "5000000000"}, "--ips"},
	} {
		if _, err := gen(c.args...); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: got %v, want an error naming %s", c.args, err, c.msg)
		}
	}
}
