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

// TestSQLCommands: `scatter sql`, `scatter query --sql` and `scatter run
// --sql` give the answer the built-in groupby gives, with the query's own
// header; `scatter plan --sql` shows the stages; bad SQL is a usage error
// naming the position.
func TestSQLCommands(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "visits.csv")
	if _, err := datagen.WriteFile(csv, "uservisits", 200_000, 11); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := dispatch(context.Background(), args, &out, &errOut)
		if err != nil {
			t.Logf("%v: %s", args, errOut.String())
		}
		return out.String(), err
	}
	groupOut := filepath.Join(dir, "groupby.csv")
	if _, err := run("run", "--job", "groupby", "--key", "countryCode", "--agg", "count:*", "--input", csv,
		"--output", groupOut, "--chunk-size", "16KiB", "--state-dir", state); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(groupOut)
	if err != nil {
		t.Fatal(err)
	}
	rows := func(s string) string { _, body, _ := strings.Cut(s, "\n"); return body }
	query := "SELECT countryCode, count(*) AS n FROM '" + csv + "' GROUP BY countryCode"
	for name, args := range map[string][]string{
		"sql":         {"sql", query, "--chunk-size", "16KiB", "--state-dir", state},
		"query --sql": {"query", "--sql", query, "--chunk-size", "16KiB"},
	} {
		got, err := run(args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasPrefix(got, "countryCode,n\n") || rows(got) != rows(string(want)) {
			t.Fatalf("%s: got\n%s\nwant the rows of groupby's\n%s", name, got, want)
		}
	}
	out := filepath.Join(dir, "run.csv")
	if _, err := run("run", "--sql", query, "--output", out, "--state-dir", state); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); rows(string(got)) != rows(string(want)) {
		t.Fatalf("run --sql: got\n%s", got)
	}
	plan, err := run("plan", "--sql", query)
	if err != nil || !strings.Contains(plan, "aggregate plan") || !strings.Contains(plan, "reads:  countryCode") {
		t.Fatalf("plan --sql: %v\n%s", err, plan)
	}
	_, err = run("sql", "SELECT countryCode FROM '"+csv+"' JOIN x ON 1")
	if err == nil || ExitCode(err) != 2 || !strings.Contains(strings.ToUpper(err.Error()), "JOIN") {
		t.Fatalf("a join: error %v, want one naming what is not supported", err)
	}
	if _, err := run("sql", "SELEC 1"); err == nil || !strings.Contains(err.Error(), "at column 1") {
		t.Fatalf("malformed SQL: error %v, want one naming the position", err)
	}
}
