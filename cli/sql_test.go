package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// TestSQLCommands: `scatter sql`, `scatter query --sql` and `scatter run
// --sql` give the answer the built-in groupby gives, with the query's own
// header; `scatter plan --sql` shows the stages; bad SQL is a usage error
// naming the position.
func TestSQLCommands(t *testing.T) {
	dir := t.TempDir()
	csv, _ := genFile(t, dir, "visits.csv", "uservisits", 200_000, 11)
	state := filepath.Join(dir, "state")
	run := func(args ...string) (string, error) { return runLogged(t, args...) }
	groupOut := filepath.Join(dir, "groupby.csv")
	if _, err := run("run", "--job", "groupby", "--key", "countryCode", "--agg", "count:*", "--input", csv,
		"--output", groupOut, "--chunk-size", "16KiB", "--state-dir", state); err != nil {
		t.Fatal(err)
	}
	want := testutil.ReadFile(t, groupOut)
	rows := func(s string) string { _, body, _ := strings.Cut(s, "\n"); return body }
	query := "SELECT countryCode, count(*) AS n FROM '" + csv + "' GROUP BY countryCode"
	for name, args := range map[string][]string{
		"sql":         {"sql", query, "--chunk-size", "16KiB", "--state-dir", state},
		"query --sql": {"query", "--sql", query, "--chunk-size", "16KiB"},
		// A deadline that every chunk meets: the whole answer, not a partial one.
		"query --sql --deadline": {"query", "--sql", query, "--chunk-size", "16KiB", "--deadline", "10m", "--allow-partial=false"},
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
	plan, err = run("plan", "--sql", query+" ORDER BY n DESC")
	if err != nil || !strings.Contains(plan, "by ranges of the group key") {
		t.Fatalf("plan --sql of groups sorted without LIMIT: %v\n%s", err, plan)
	}
	// Gathered by key ranges, the sort round is priced and shown.
	plan, err = run("plan", "--sql", query+" ORDER BY n DESC", "--partitions", "3")
	if err != nil || !strings.Contains(plan, "sort round: PlanSort, then 3 spans of the ORDER BY key") {
		t.Fatalf("plan --sql of groups sorted without LIMIT, 3 ranges: %v\n%s", err, plan)
	}
	var est struct {
		SortRound *struct {
			Spans       int     `json:"spans"`
			Invocations int64   `json:"lambdaInvocations"`
			USD         float64 `json:"usd"`
		} `json:"sortRound"`
	}
	runJSON(t, &est, "plan", "--sql", query+" ORDER BY n DESC", "--partitions", "3", "--json")
	if r := est.SortRound; r == nil || r.Spans != 3 || r.Invocations != 4 || r.USD <= 0 {
		t.Fatalf("plan --sql --json of groups sorted without LIMIT: sort round %+v, want 3 spans, 4 invocations", r)
	}
	est.SortRound = nil
	runJSON(t, &est, "plan", "--sql", query, "--partitions", "3", "--json")
	if est.SortRound != nil {
		t.Fatalf("plan --sql --json of groups without ORDER BY: sort round %+v, want none", est.SortRound)
	}
	_, err = run("sql", "SELECT countryCode FROM '"+csv+"' JOIN x ON 1")
	if err == nil || ExitCode(err) != 2 || !strings.Contains(strings.ToUpper(err.Error()), "JOIN") {
		t.Fatalf("a join: error %v, want one naming what is not supported", err)
	}
	if _, err := run("sql", "SELEC 1"); err == nil || !strings.Contains(err.Error(), "at column 1") {
		t.Fatalf("malformed SQL: error %v, want one naming the position", err)
	}
}

// TestSQLTypeErrorsCLI: from the command line, a value that is not of its
// column's type is skipped and counted under the column and the type (the
// --json summary's skipReasons, with the first such record in skipExamples
// naming the object, byte offset, column and value), or with --strict fails the job naming the
// object, the byte offset, the column and the value; select's --where takes
// --schema as sql does; a literal that is not of its column's type is refused
// before anything runs, naming the column, the value and the position.
func TestSQLTypeErrorsCLI(t *testing.T) {
	dir := t.TempDir()
	csv := testutil.WriteFile(t, dir, "t.csv", []byte("id,city,amount\n1,Paris,10.5\n2,Rome,x7\n3,,4\n"))
	state := filepath.Join(dir, "state")
	run := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := dispatch(context.Background(), append(args, "--state-dir", state), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, errOut, err := run("sql", "SELECT sum(amount) AS s FROM '"+csv+"'", "--schema", "amount:DECIMAL(10,2)", "--json", "--output", filepath.Join(dir, "s.csv"))
	if err != nil || !strings.Contains(out, `"sql: column amount is not a DECIMAL(10,2)": 1`) {
		t.Fatalf("default: %v\n%s\nwant one record skipped under the column and its type", err, out)
	}
	var sum struct{ SkipExamples map[string]string }
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if ex, want := sum.SkipExamples["sql: column amount is not a DECIMAL(10,2)"], csv+` at byte 28: sql: column amount: "x7" is not a DECIMAL(10,2)`; ex != want {
		t.Fatalf("the summary's skipExamples %q; want the reason's example %q", sum.SkipExamples, want)
	}
	if want := "scatter: 1 skipped: sql: column amount is not a DECIMAL(10,2) (first: " + csv + ` at byte 28: sql: column amount: "x7" is not a DECIMAL(10,2))`; !strings.Contains(errOut, want+"\n") {
		t.Fatalf("stderr:\n%s\nwant the line %q", errOut, want)
	}
	for _, args := range [][]string{
		{"sql", "SELECT sum(amount) FROM '" + csv + "'", "--schema", "amount:DECIMAL(10,2)", "--strict"},
		{"run", "--job", "select", "--input", csv, "--where", "amount > 5", "--schema", "amount:DECIMAL(10,2)", "--columns", "id", "--strict", "--output", filepath.Join(dir, "sel.csv")},
	} {
		_, _, err = run(args...)
		if err == nil || !strings.Contains(err.Error(), csv+" at byte 28") || !strings.Contains(err.Error(), `column amount: "x7" is not a DECIMAL(10,2)`) {
			t.Fatalf("%v: error %v, want one naming %s, byte 28, the column and the value", args, err, csv)
		}
	}
	_, _, err = run("sql", "SELECT id FROM '"+csv+"' WHERE amount > 'x'", "--schema", "amount:DECIMAL(10,2)")
	if err == nil || !strings.Contains(err.Error(), `'x' compared with column amount (DECIMAL(10,2)): "x" is not a DECIMAL(10,2)`) {
		t.Fatalf("amount > 'x': error %v, want a type error naming the column and the value", err)
	}
}

// TestSQLSortByRanges: `scatter sql` of an ORDER BY without LIMIT with
// --partitions 3 gathers by ranges of the ORDER BY key (the summary says how
// many) into the bytes one reducer writes (--partitions 1), and with
// --output-parts leaves ordered part files that are those bytes; `scatter
// plan --sql` shows the range stage and the P it prices; --output-parts
// without --output is refused.
func TestSQLSortByRanges(t *testing.T) {
	dir := t.TempDir()
	csv, _ := genFile(t, dir, "orders.csv", "orders", 300_000, 5)
	state := filepath.Join(dir, "state")
	run := func(args ...string) (string, error) { return runLogged(t, args...) }
	query := "SELECT id, customer, amount, qty FROM '" + csv + "' ORDER BY qty DESC NULLS FIRST, customer, amount DESC"
	summary := func(out string, extra ...string) (sum struct{ Partitions, Parts, Chunks int }) {
		t.Helper()
		runJSON(t, &sum, append([]string{"sql", query, "--output", out, "--chunk-size", "32KiB", "--state-dir", state, "--json"}, extra...)...)
		return sum
	}
	one, ranged := filepath.Join(dir, "one.csv"), filepath.Join(dir, "ranged.csv")
	if s := summary(one, "--partitions", "1"); s.Partitions != 0 || s.Chunks < 4 {
		t.Fatalf("--partitions 1: %+v, want one reducer over several chunks", s)
	}
	if s := summary(ranged, "--partitions", "3"); s.Partitions < 2 || s.Partitions > 3 {
		t.Fatalf("--partitions 3: the summary says %d ranges", s.Partitions)
	}
	want := sameByRanges(t, one, ranged, "id,customer,amount,qty\n", 1000)
	parts := filepath.Join(dir, "parts")
	s := summary(parts, "--partitions", "3", "--output-parts")
	joined := string(enginetest.ReadParts(t, parts, s.Parts))
	if s.Parts < 2 || joined != want {
		t.Fatalf("%d part files; joined they differ from the output", s.Parts)
	}
	plan, err := run("plan", "--sql", query, "--partitions", "3")
	if err != nil || !strings.Contains(plan, "sort plan") || !strings.Contains(plan, "by ranges of the ORDER BY key") || !strings.Contains(plan, "gather: 3 key ranges merged in parallel") {
		t.Fatalf("plan --sql --partitions 3: %v\n%s", err, plan)
	}
	if _, err := run("sql", query, "--output-parts", "--state-dir", state); err == nil || !strings.Contains(err.Error(), "--output") {
		t.Fatalf("--output-parts to stdout: %v, want a usage error", err)
	}
}

// sameByRanges reads the output one reducer wrote (one) and the one
// gathered by key ranges (ranged), fails the test unless the first starts
// with header and has at least lines lines and the second is its bytes,
// and returns the first.
func sameByRanges(t *testing.T, one, ranged, header string, lines int) string {
	t.Helper()
	want := string(testutil.ReadFile(t, one))
	if !strings.HasPrefix(want, header) || strings.Count(want, "\n") < lines {
		t.Fatalf("one reducer's output: %.200q", want)
	}
	if got := string(testutil.ReadFile(t, ranged)); got != want {
		t.Fatalf("by ranges: %d bytes differ from one reducer's %d", len(got), len(want))
	}
	return want
}

// TestSQLGroupSortByRanges: `scatter sql` of an aggregate with ORDER BY and
// without LIMIT, with --partitions 3, gathers by ranges of the group key
// (each range sorted), then by spans of the ORDER BY key (the sort round)
// into the bytes one reducer writes; with --output-parts the spans are part
// files that are those bytes. A run whose sort round's writers all die
// fails; `scatter resume` finishes it with the same bytes, reusing the first
// round's committed ranges (their objects are the same) and committing each
// span once (one object per span).
func TestSQLGroupSortByRanges(t *testing.T) {
	dir := t.TempDir()
	csv, _ := genFile(t, dir, "orders.csv", "orders", 300_000, 6)
	state := filepath.Join(dir, "state")
	query := "SELECT customer, qty, count(*) AS n, sum(amount) AS s FROM '" + csv + "' GROUP BY customer, qty HAVING count(*) > 1 ORDER BY n DESC, s"
	sqlRun := func(out string, extra ...string) (sum struct{ Partitions, Spans, Parts, Chunks int }, err error) {
		stdout, err := runLogged(t, append([]string{"sql", query, "--output", out, "--chunk-size", "32KiB", "--state-dir", state, "--json"}, extra...)...)
		if err == nil {
			err = json.Unmarshal([]byte(stdout), &sum)
		}
		return sum, err
	}
	one, ranged := filepath.Join(dir, "one.csv"), filepath.Join(dir, "ranged.csv")
	if s, err := sqlRun(one, "--partitions", "1"); err != nil || s.Partitions != 0 || s.Chunks < 4 {
		t.Fatalf("--partitions 1: %+v, %v; want one reducer over several chunks", s, err)
	}
	if s, err := sqlRun(ranged, "--partitions", "3"); err != nil || s.Partitions < 2 || s.Partitions > 3 || s.Spans < 1 {
		t.Fatalf("--partitions 3: %+v, %v; want 2 or 3 ranges, then the sort round's spans", s, err)
	}
	want := sameByRanges(t, one, ranged, "customer,qty,n,s\n", 50)
	parts := filepath.Join(dir, "parts")
	s, err := sqlRun(parts, "--partitions", "3", "--output-parts")
	joined := string(enginetest.ReadParts(t, parts, s.Parts))
	if err != nil || s.Parts < 1 || s.Parts != s.Spans || joined != want {
		t.Fatalf("--output-parts: %+v, %v; want a part file per span, joined the output", s, err)
	}

	resumed := filepath.Join(dir, "resumed.csv")
	_, err = sqlRun(resumed, "--partitions", "3", "--retry-scale", "0.001", "--faults", "reducer.sort.crash.mid-span=1")
	m := jobIDPattern.FindStringSubmatch(errString(err))
	if m == nil {
		t.Fatalf("a run whose sort round always dies: %v; want a failure naming the job", err)
	}
	objects := func(dir string) []string {
		found, _ := filepath.Glob(filepath.Join(state, "work", "jobs", m[1], dir, "0*", "*.part"))
		return found
	}
	ranges := objects("ranges")
	if len(ranges) < 2 || len(objects("ranges/sort")) != 0 {
		t.Fatalf("after the failed run: ranges %v, spans %v; want the first round's ranges committed and no span written", ranges, objects("ranges/sort"))
	}
	if _, stderr, err := runCLI(t, "resume", m[1], "--state-dir", state); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr)
	}
	if got := string(testutil.ReadFile(t, resumed)); got != want {
		t.Fatalf("the resumed job: %d bytes differ from one reducer's %d", len(got), len(want))
	}
	spans := objects("ranges/sort")
	if again := objects("ranges"); fmt.Sprint(again) != fmt.Sprint(ranges) || len(spans) < 1 {
		t.Fatalf("after resume: ranges %v (before %v), spans %v; want the same ranges and one object per span", again, ranges, spans)
	}
}

// TestSQLTypedByInputs: a query that type-checks only with the types the
// inputs give (the schema.json beside them) runs with `scatter sql` and
// `scatter query --sql`; without them it fails, naming the type error.
func TestSQLTypedByInputs(t *testing.T) {
	dir := t.TempDir()
	csv := testutil.WriteFile(t, dir, "t.csv", []byte("id,d\n1,2000-01-05\n2,2001-01-01\n"))
	q := "SELECT id, d - DATE '2000-01-01' AS days FROM '" + csv + "'"
	run := func(args ...string) (string, error) {
		if args[0] == "sql" {
			args = append(args, "--state-dir", filepath.Join(dir, "state"))
		}
		var out, errOut bytes.Buffer
		err := dispatch(context.Background(), args, &out, &errOut)
		return out.String(), err
	}
	if _, err := run("sql", q); err == nil || !strings.Contains(err.Error(), "DECIMAL - DATE") {
		t.Fatalf("without a schema: %v, want the type error", err)
	}
	testutil.WriteFile(t, dir, "schema.json", []byte(`{"d": "DATE"}`))
	want := "id,days\n1,4\n2,366\n"
	if out, err := run("sql", q); err != nil || out != want {
		t.Fatalf("scatter sql with schema.json: %v %q, want %q", err, out, want)
	}
	if out, err := run("query", "--sql", q); err != nil || out != want {
		t.Fatalf("scatter query --sql with schema.json: %v %q, want %q", err, out, want)
	}
}
