package jobs_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/local/engine"
)

var updateVersions = flag.Bool("update", false, "TestOutputVersions: record the golden outputs of testdata/versions.golden anew (refused for a job whose output changed while its version did not)")

// goldenFile holds, per golden case, its job's version, a digest of what it
// runs (the job, its parameters, its inputs' names and bytes) and one of what
// it answers (the output and the summary's counts).
const goldenFile = "testdata/versions.golden"

// sqlCorpus is the sql job's query corpus (sqlcheck's, which DuckDB checks);
// each query is a golden case of the sql job.
const sqlCorpus = "../../sqlcheck/testdata/corpus.sql"

// versionCase is one golden case: a job's output over generated inputs.
type versionCase struct {
	name, job string
	params    jobs.Params
	inputs    []string // under the data directory
}

// versionData writes the golden cases' inputs (deterministic: datagen's
// generators from fixed seeds) under dir, with the names sqlCorpus's
// placeholders take.
func versionData(t *testing.T, dir string) {
	t.Helper()
	files := []struct {
		name, kind string
		size       int64
		seed       uint64
	}{
		{"text.txt", "text", 40_000, 1}, {"texts/a.txt", "text", 9_000, 2}, {"texts/b.txt", "text", 7_000, 3},
		{"visits.csv", "uservisits", 40_000, 3}, {"visits.jsonl", "jsonl", 30_000, 4},
		{"orders.csv", "orders", 40_000, 1}, {"orders.jsonl", "ordersjson", 30_000, 2},
		{"dir/a.csv", "orders", 15_000, 4}, {"dir/b.csv", "orders", 12_000, 5},
		{"typed/a.csv", "orders", 15_000, 6}, {"typed/b.csv", "orders", 10_000, 7},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := datagen.WriteFile(p, f.kind, f.size, f.seed); err != nil {
			t.Fatal(err)
		}
	}
	// sqlcheck's {events}, of its generator and seed.
	if err := os.WriteFile(filepath.Join(dir, "events.csv"), datagen.Events(3000, 8), 0o644); err != nil {
		t.Fatal(err)
	}
	// An empty CSV, which every job reads as one column, column0, of no rows.
	if err := os.WriteFile(filepath.Join(dir, "empty.csv"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "doubles.csv"), doubles(), 0o644); err != nil {
		t.Fatal(err)
	}
	schema := `{"amount": "DECIMAL(10,2)", "qty": "VARCHAR", "orderDate": "DATE", "discount": "DOUBLE", "flag": "BOOLEAN"}`
	if err := os.WriteFile(filepath.Join(dir, "typed", "schema.json"), []byte(schema), 0o644); err != nil {
		t.Fatal(err)
	}
}

// doubles is a CSV of k,v whose v summed as DOUBLE by k passes the
// largest double: group over in its running total only (1.5e308 twice, then
// -1.5e308: the exact sum 1.5e308, past the largest double in input order),
// inf and -inf in its exact sum too, and 2000 tenths (the exact sum 200.0,
// a running sum 199.99999999999292); the groups' rows are spread over ~40 KiB of filler rows, so the chunks of
// a 16 KiB chunk size split them.
func doubles() []byte {
	var b strings.Builder
	b.WriteString("k,v\n")
	for i := range 2000 {
		switch i {
		case 0, 1000:
			b.WriteString("over,1.5e308\ninf,1e308\nneginf,-1e308\n")
		case 1999:
			b.WriteString("over,-1.5e308\n")
		}
		fmt.Fprintf(&b, "tenths,0.1\nfiller,%d.25\n", i)
	}
	return []byte(b.String())
}

// versionCases are the golden cases: each built-in job's over the generated
// inputs, and the sql job's over sqlcheck's corpus.
func versionCases(t *testing.T) []versionCase {
	t.Helper()
	text, texts := []string{"text.txt"}, []string{"texts"}
	visits, visitsJSON, orders, ordersJSON := []string{"visits.csv"}, []string{"visits.jsonl"}, []string{"orders.csv"}, []string{"orders.jsonl"}
	cases := []versionCase{
		{"wordcount/text", "wordcount", nil, text},
		{"wordcount/dir", "wordcount", nil, texts},
		{"wordcount/csv", "wordcount", nil, orders},
		{"grep/word", "grep", jobs.Params{"pattern": "ab"}, text},
		{"grep/anchors", "grep", jobs.Params{"pattern": `^[a-c]\w+ [d-f]|z$`}, texts},
		{"grep/csv", "grep", jobs.Params{"pattern": `(?i)mozilla.*USA`}, visits},
		{"search/text", "search", jobs.Params{"query": "lylnifz oqduep kigse", "k": "20"}, text},
		{"search/dir", "search", jobs.Params{"query": "ab", "k": "5"}, texts},
		{"select/where", "select", jobs.Params{"where": "adRevenue > 500", "columns": "sourceIP,destURL,adRevenue"}, visits},
		{"select/string", "select", jobs.Params{"where": "countryCode == USA", "columns": "userAgent,visitDate"}, visits},
		{"select/sql-where", "select", jobs.Params{"where": "customer LIKE '%a%' AND qty BETWEEN 3 AND 30", "columns": "id,customer,note,amount"}, orders},
		{"select/jsonl", "select", jobs.Params{"format": "jsonl", "where": "duration < 20", "columns": "destURL,userAgent,adRevenue"}, visitsJSON},
		{"select/jsonl-nulls", "select", jobs.Params{"format": "jsonl", "columns": "customer,qty,note,flag"}, ordersJSON},
		{"groupby/prefix", "groupby", jobs.Params{"key": "sourceIP:3", "agg": "count:*,sum:adRevenue,avg:duration,min:visitDate,max:adRevenue"}, visits},
		{"groupby/where", "groupby", jobs.Params{"key": "country", "agg": "sum:amount,avg:discount,count:qty", "where": "flag = true"}, orders},
		{"groupby/jsonl", "groupby", jobs.Params{"format": "jsonl", "key": "countryCode", "agg": "sum:adRevenue,max:duration"}, visitsJSON},
		{"groupby/strictless", "groupby", jobs.Params{"key": "customer", "agg": "sum:qty,min:orderDate"}, orders},
		{"groupby/empty-csv", "groupby", jobs.Params{"key": "column0", "agg": "count:column0"}, []string{"empty.csv"}},
		{"select/empty-csv", "select", jobs.Params{"columns": "column0"}, []string{"empty.csv"}},
		{"sql/empty-csv", "sql", jobs.Params{"query": "SELECT * FROM 'empty.csv'"}, nil},
		{"sql/empty-csv-group", "sql", jobs.Params{"query": "SELECT column0, count(*) AS n FROM 'empty.csv' GROUP BY column0"}, nil},
		{"sql/double-overflow", "sql", jobs.Params{"query": "SELECT k, sum(CAST(v AS DOUBLE)) AS s, avg(CAST(v AS DOUBLE)) AS a, count(*) AS n FROM 'doubles.csv' GROUP BY k ORDER BY k"}, nil},
	}
	data, err := os.ReadFile(sqlCorpus)
	if err != nil {
		t.Fatalf("the sql job's golden cases: %v", err)
	}
	var q *versionCase
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "-- name: "):
			cases = append(cases, versionCase{name: "sql/" + strings.TrimPrefix(line, "-- name: "), job: "sql", params: jobs.Params{}})
			q = &cases[len(cases)-1]
		case q != nil && strings.HasPrefix(line, "-- schema: "):
			q.params["schema"] = strings.TrimPrefix(line, "-- schema: ")
		case q != nil && strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "--"):
			q.params["query"] = strings.TrimSpace(q.params["query"] + " " + line)
		}
	}
	placeholders := strings.NewReplacer("{orders_typed}", "typed", "{orders_dir}", "dir", "{orders_json}", "orders.jsonl", "{orders}", "orders.csv", "{visits}", "visits.csv", "{events}", "events.csv")
	var out []versionCase
	for _, c := range cases {
		if c.job == "sql" {
			c.params["query"] = placeholders.Replace(c.params["query"])
			if strings.Contains(c.params["query"], "'{") { // an input of sqlcheck's this test does not generate
				t.Fatalf("%s: its input is not generated here (%s): generate it in versionData, as sqlcheck does, so that every corpus query is a golden case", c.name, c.params["query"])
			}
			if c.inputs, err = jobs.SQLInputs(c.params["query"]); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		out = append(out, c)
	}
	return out
}

// golden is one line of goldenFile.
type golden struct{ version, in, out string }

func readGolden(t *testing.T) map[string]golden {
	t.Helper()
	f, err := os.Open(goldenFile)
	if os.IsNotExist(err) {
		return map[string]golden{}
	} else if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]golden{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := s.Text(); line != "" && !strings.HasPrefix(line, "#") {
			var name string
			var g golden
			if _, err := fmt.Sscan(line, &name, &g.version, &g.in, &g.out); err != nil {
				t.Fatalf("%s: %q: %v", goldenFile, line, err)
			}
			out[name] = g
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func digest(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil)[:10])
}

// runVersionCase runs c on the local engine (the whole pipeline: planning,
// record reading, mappers, gather) in the data directory (the working
// directory, so sources are named as given) and returns the digests of what
// it runs and what it answers.
func runVersionCase(t *testing.T, eng *engine.Engine, dir, outDir string, n int, c versionCase) golden {
	t.Helper()
	out := filepath.Join(outDir, fmt.Sprintf("out-%d", n))
	res, err := eng.Run(context.Background(), pipeline.PlanInput{Job: c.job, Params: c.params, Inputs: c.inputs, Output: out, ChunkSize: 16 << 10})
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	output, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	sumJSON, err := os.ReadFile(res.Gather.Summary)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	var sum pipeline.Summary
	if err := json.Unmarshal(sumJSON, &sum); err != nil {
		t.Fatalf("%s: summary: %v", c.name, err)
	}
	counts, _ := json.Marshal([]any{sum.RecordsIn, sum.RecordsOut, sum.Skipped, sum.SkipReasons, sum.SkipExamples})
	params, _ := json.Marshal(c.params) // map keys sorted
	what := [][]byte{[]byte(c.job), params}
	for _, src := range c.inputs {
		err := filepath.WalkDir(filepath.Join(dir, src), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			what = append(what, []byte(rel), b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	d, _ := jobs.Lookup(c.job)
	return golden{version: d.Version, in: digest(what...), out: digest(output, counts)}
}

// TestOutputVersions: a built-in job's output over its golden cases changes
// only with its version (internal/jobs/job.go's versions). The job ID covers
// the version, so a job whose output changed without a bump would be the old
// build's job, and a run in the same state (a --state-dir, a deployed stack's
// ledger) would answer with the old build's commits. A case that is new, or
// whose inputs or parameters changed, is recorded with -update; -update
// refuses a case whose output changed while its job's version did not.
func TestOutputVersions(t *testing.T) {
	dir, outDir := t.TempDir(), t.TempDir()
	goldenPath, err := filepath.Abs(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	want, cases := readGolden(t), versionCases(t)
	versionData(t, dir)
	t.Chdir(dir)
	local, err := engine.Open(context.Background(), filepath.Join(outDir, "state"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	eng := &engine.Engine{Handler: local.Handler, MaxParallel: 2}
	got := map[string]golden{}
	var bump, record []string
	for n, c := range cases {
		g := runVersionCase(t, eng, dir, outDir, n, c)
		got[c.name] = g
		w, ok := want[c.name]
		switch {
		case ok && w.in == g.in && w.version == g.version && w.out != g.out:
			bump = append(bump, fmt.Sprintf("%s (job %s, version %s)", c.name, c.job, g.version))
		case !ok || w != g:
			record = append(record, c.name)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			record = append(record, name+" (gone)")
		}
	}
	slices.Sort(bump)
	if len(bump) > 0 {
		t.Fatalf("the output of these golden cases changed while their job's version did not:\n  %s\n"+
			"bump the job's version in internal/jobs/job.go (versions), so that its jobs get new IDs and no run reuses the old build's commits; "+
			"then record the outputs: go test ./internal/jobs -run '^TestOutputVersions$' -update", strings.Join(bump, "\n  "))
	}
	if len(record) == 0 {
		return
	}
	if !*updateVersions {
		t.Fatalf("golden cases not recorded as they are now (new, gone, other inputs or a bumped version):\n  %s\nrecord them: go test ./internal/jobs -run '^TestOutputVersions$' -update", strings.Join(record, "\n  "))
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range got {
			if !yield(name) {
				return
			}
		}
	})
	var b strings.Builder
	b.WriteString("# name version inputs-digest output-digest: written by go test ./internal/jobs -run '^TestOutputVersions$' -update\n")
	for _, name := range names {
		g := got[name]
		fmt.Fprintf(&b, "%s %s %s %s\n", name, g.version, g.in, g.out)
	}
	if err := os.WriteFile(goldenPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d golden cases: %s", len(record), strings.Join(record, ", "))
}
