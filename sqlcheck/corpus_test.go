package sqlcheck

import (
	"bytes"
	"cmp"
	"context"
	gosql "database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/runs"
	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/local/engine"
)

// corpusQuery is one query of testdata/corpus.sql.
type corpusQuery struct {
	name, schema, text string
	// keys are the output columns (0-based) that ORDER BY sorts by, from
	// "-- keys: 1,2" (1-based): rows tied on them may come in any order, so
	// the rows are compared as a multiset and these columns in order.
	keys []int
}

func readCorpus(t *testing.T) []corpusQuery {
	t.Helper()
	data := testutil.ReadFile(t, "testdata/corpus.sql")
	var out []corpusQuery
	var cur *corpusQuery
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "-- name: "):
			out = append(out, corpusQuery{name: strings.TrimPrefix(line, "-- name: ")})
			cur = &out[len(out)-1]
		case cur != nil && strings.HasPrefix(line, "-- schema: "):
			cur.schema = strings.TrimPrefix(line, "-- schema: ")
		case cur != nil && strings.HasPrefix(line, "-- keys: "):
			for _, k := range strings.Split(strings.TrimPrefix(line, "-- keys: "), ",") {
				n, err := strconv.Atoi(strings.TrimSpace(k))
				if err != nil || n < 1 {
					t.Fatalf("%s: bad keys line %q", cur.name, line)
				}
				cur.keys = append(cur.keys, n-1)
			}
		case cur != nil && strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "--"):
			cur.text = strings.TrimSpace(cur.text + " " + line)
		}
	}
	return out
}

// data is the generated inputs, by placeholder.
type data struct {
	orders, ordersDir, ordersJSON, visits string
	// events has a TIMESTAMP column ts and columns named by SQL
	// keywords (select, order, group).
	events string
	// typed is a directory of orders files with a schema.json, whose
	// types the job takes as if given by --schema.
	typed string
}

// typedSchema is the schema.json of data.typed.
const typedSchema = `{"amount": "DECIMAL(10,2)", "qty": "VARCHAR", "orderDate": "DATE", "discount": "DOUBLE", "flag": "BOOLEAN"}`

func generate(t *testing.T) data {
	t.Helper()
	dir := t.TempDir()
	write := func(name, kind string, size int64, seed uint64) string {
		var b bytes.Buffer
		if err := datagen.Kinds[kind](&b, size, seed); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	d := data{
		orders:     write("orders.csv", "orders", 120_000, 1),
		ordersJSON: write("orders.jsonl", "ordersjson", 80_000, 2),
		visits:     write("visits.csv", "uservisits", 120_000, 3),
	}
	write("dir/a.csv", "orders", 30_000, 4)
	write("dir/b.csv", "orders", 40_000, 5)
	d.ordersDir = filepath.Join(dir, "dir")
	write("typed/a.csv", "orders", 50_000, 6)
	write("typed/b.csv", "orders", 30_000, 7)
	if err := os.WriteFile(filepath.Join(dir, "typed", "schema.json"), []byte(typedSchema), 0o644); err != nil {
		t.Fatal(err)
	}
	d.typed = filepath.Join(dir, "typed")
	d.events = filepath.Join(dir, "events.csv")
	if err := os.WriteFile(d.events, datagen.Events(3000, 8), 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

// ours is the query as the sql job gets it.
func (d data) ours(q string) string {
	return strings.NewReplacer("{events}", d.events, "{orders_typed}", d.typed, "{orders_dir}", d.ordersDir, "{orders_json}", d.ordersJSON, "{orders}", d.orders, "{visits}", d.visits).Replace(q)
}

// duck is the query as DuckDB gets it: a directory as a glob, a schema as read_csv's types.
func (d data) duck(q, schema string) string {
	from := func(path string) string {
		if schema == "" {
			return "'" + path + "'"
		}
		var types []string
		for _, p := range strings.Split(splitSchema(schema), ";") {
			name, typ, _ := strings.Cut(p, ":")
			types = append(types, fmt.Sprintf("'%s': '%s'", name, typ))
		}
		return fmt.Sprintf("read_csv('%s', types={%s})", path, strings.Join(types, ", "))
	}
	// The schema.json of {orders_typed} is read_csv's types.
	typed := strings.NewReplacer(`{"`, "{'", `"}`, "'}", `": "`, "': '", `", "`, "', '").Replace(typedSchema)
	return strings.NewReplacer(
		"'{orders_typed}'", fmt.Sprintf("read_csv('%s', types=%s)", filepath.Join(d.typed, "*.csv"), typed),
		"'{orders_dir}'", from(filepath.Join(d.ordersDir, "*.csv")),
		"'{orders_json}'", from(d.ordersJSON),
		"'{orders}'", from(d.orders),
		"'{events}'", from(d.events),
		"'{visits}'", from(d.visits),
	).Replace(q)
}

// splitSchema turns name:TYPE,name:TYPE into name:TYPE;name:TYPE, keeping
// the commas of DECIMAL(w,s).
func splitSchema(s string) string {
	var b strings.Builder
	depth := 0
	for _, c := range s {
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			b.WriteRune(';')
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// runner runs sql jobs on the local engine with one chunk size, and, with
// partitions, gathers by that many key ranges (of the ORDER BY key, or of
// the group key).
type runner struct {
	local      *engine.Local
	chunkSize  int64
	partitions int
	n          int
	dir        string
}

func newRunner(t *testing.T, chunkSize int64, fanIn int) *runner {
	t.Helper()
	dir := t.TempDir()
	local, err := engine.Open(context.Background(), filepath.Join(dir, "state"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	local.Handler.FanIn = fanIn
	return &runner{local: local, chunkSize: chunkSize, dir: dir}
}

func (r *runner) run(query, schema string) ([]byte, error) {
	inputs, err := jobs.SQLInputs(query)
	if err != nil {
		return nil, err
	}
	r.n++
	out := filepath.Join(r.dir, fmt.Sprintf("out-%d.csv", r.n))
	params := jobs.Params{"query": query}
	if schema != "" {
		params["schema"] = schema
	}
	eng := &engine.Engine{Handler: r.local.Handler, MaxParallel: 2}
	res, err := eng.Run(context.Background(), pipeline.PlanInput{Job: "sql", Params: params, Inputs: inputs, Output: out, ChunkSize: r.chunkSize, Partitions: r.partitions})
	if err != nil {
		return nil, err
	}
	if r.partitions > 1 {
		b, err := os.ReadFile(res.Gather.Summary)
		if err != nil {
			return nil, err
		}
		var sum pipeline.Summary
		if err := json.Unmarshal(b, &sum); err != nil {
			return nil, err
		}
		if sum.Partitions < 2 {
			return nil, fmt.Errorf("asked for %d key ranges, gathered in %d", r.partitions, sum.Partitions)
		}
	}
	return os.ReadFile(out)
}

// keyedQuery reports a query whose partials are sorted runs that the
// gather can split by key ranges: ORDER BY without LIMIT (ranges of the
// ORDER BY key; over groups, of the group key), and GROUP BY or DISTINCT
// without LIMIT (ranges of the group key).
func keyedQuery(query, schema string) bool {
	params := jobs.Params{"query": query}
	if schema != "" {
		params["schema"] = schema
	}
	j, err := jobs.New("sql", params)
	if err != nil {
		return false
	}
	_, ok := j.(runs.Keyed)
	return ok
}

// answer runs query and parses its output; a failure of either fails t.
// It returns the output as well, for messages.
func (r *runner) answer(t *testing.T, query, schema string) (result, []byte) {
	t.Helper()
	out, err := r.run(query, schema)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseCSV(out)
	if err != nil {
		t.Fatal(err)
	}
	return got, out
}

// result is a query's answer: column names and rows of text cells ("" for NULL).
type result struct {
	names []string
	rows  [][]string
}

func parseCSV(b []byte) (result, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return result{}, err
	}
	if len(recs) > 0 && len(recs[0]) == 1 {
		// One column: a NULL is an empty line, which encoding/csv skips.
		recs = recs[:0]
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if strings.HasPrefix(line, `"`) {
				line = strings.ReplaceAll(line[1:len(line)-1], `""`, `"`)
			}
			recs = append(recs, []string{line})
		}
	}
	if len(recs) == 0 {
		return result{}, fmt.Errorf("no header row")
	}
	return result{names: recs[0], rows: recs[1:]}, nil
}

// duckQuery is DuckDB's answer to q, its values written as the sql job
// writes them (duckText; a TIMESTAMP as DuckDB prints it).
func duckQuery(db *gosql.DB, q string) (result, error) {
	names, rows, err := testutil.QueryStrings(db, q, func(v any, col *gosql.ColumnType) (string, error) {
		if ts, ok := v.(time.Time); ok && col.DatabaseTypeName() == "TIMESTAMP" {
			return duckTimestamp(ts), nil
		}
		return duckText(v), nil
	})
	return result{names: names, rows: rows}, err
}

// duckText writes a DuckDB value as the sql job writes it.
func duckText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case time.Time: // a DATE, printed as DuckDB prints it: years before 1 as "(BC)"
		if y := v.Year(); y <= 0 {
			return fmt.Sprintf("%04d-%02d-%02d (BC)", 1-y, int(v.Month()), v.Day())
		}
		return fmt.Sprintf("%04d-%02d-%02d", v.Year(), int(v.Month()), v.Day())
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case *big.Int:
		return v.String()
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}

// duckTimestamp writes a TIMESTAMP as DuckDB's CSV writer does: the date
// as a DATE is written, the time, and the fraction of a second without
// trailing zeros.
func duckTimestamp(ts time.Time) string {
	s := duckText(ts) + ts.Format(" 15:04:05.000000")
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// sameCell compares two cells: numbers as numbers (a relative difference
// of 1e-9 allowed, as DuckDB sums doubles in floating point and the job
// exactly), anything else as text.
func sameCell(a, b string) bool {
	if a == b {
		return true
	}
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA != nil || errB != nil {
		return false
	}
	if math.IsInf(x, 0) || math.IsInf(y, 0) || math.IsNaN(x) || math.IsNaN(y) {
		return x == y || math.IsNaN(x) && math.IsNaN(y)
	}
	return math.Abs(x-y) <= 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}

// compareCells orders cells numbers first, by value, then text.
func compareCells(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	switch {
	case errA == nil && errB == nil:
		if sameCell(a, b) {
			return 0
		}
		return cmp.Compare(x, y)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func sortRows(rows [][]string) {
	slices.SortStableFunc(rows, func(a, b []string) int {
		for i := range min(len(a), len(b)) {
			if c := compareCells(a[i], b[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(a), len(b))
	})
}

// diff returns what differs between our answer and DuckDB's, "" if nothing.
func diff(ours, duck result, ordered bool) string {
	if len(ours.names) != len(duck.names) {
		return fmt.Sprintf("columns: ours %q, DuckDB %q", ours.names, duck.names)
	}
	if len(ours.rows) != len(duck.rows) {
		return fmt.Sprintf("%d rows, DuckDB %d", len(ours.rows), len(duck.rows))
	}
	if !ordered {
		sortRows(ours.rows)
		sortRows(duck.rows)
	}
	for i := range ours.rows {
		for j := range ours.rows[i] {
			if !sameCell(ours.rows[i][j], duck.rows[i][j]) {
				return fmt.Sprintf("row %d column %s: ours %q, DuckDB %q\nours:  %q\nduck:  %q", i, duck.names[j], ours.rows[i][j], duck.rows[i][j], ours.rows[i], duck.rows[i])
			}
		}
	}
	return ""
}

// openDuck opens an in-memory DuckDB with 2 threads, closed at the test's end.
func openDuck(t *testing.T) *gosql.DB {
	t.Helper()
	db := testutil.OpenSQL(t, "duckdb", "")
	if _, err := db.Exec("SET threads TO 2"); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCorpusAgreesWithDuckDB runs every query of the corpus through the sql
// job at two chunk sizes (the small one gathering in a tree of merges) and
// through DuckDB, and compares the answers. A keyed query (an ORDER BY
// without LIMIT; a GROUP BY or DISTINCT without LIMIT) also runs gathered by
// 5, 2 and 3 key ranges (of the ORDER BY key; of the group key) at three
// more chunk sizes, each byte-identical to the first run's output.
func TestCorpusAgreesWithDuckDB(t *testing.T) {
	d := generate(t)
	db := openDuck(t)
	runners := map[string]*runner{
		"24KiB-fanin3": newRunner(t, 24<<10, 3),
		"1MiB":         newRunner(t, 1<<20, 0),
		// Keyed queries gathered by key ranges.
		"16KiB-p5":  newRunner(t, 16<<10, 0),
		"96KiB-p2":  newRunner(t, 96<<10, 0),
		"256KiB-p3": newRunner(t, 256<<10, 0),
	}
	runners["16KiB-p5"].partitions = 5
	runners["96KiB-p2"].partitions = 2
	runners["256KiB-p3"].partitions = 3
	sorts, groupSorts, starSorts, groups := 0, 0, 0, 0
	corpus := readCorpus(t)
	if len(corpus) < 90 {
		t.Fatalf("the corpus has %d queries; expected at least 90", len(corpus))
	}
	for _, q := range corpus {
		t.Run(q.name, func(t *testing.T) {
			want, err := duckQuery(db, d.duck(q.text, q.schema))
			if err != nil {
				t.Fatalf("DuckDB: %v\n%s", err, d.duck(q.text, q.schema))
			}
			if len(want.rows) == 0 && !strings.Contains(q.name, "zero") {
				t.Errorf("DuckDB answers no row: the query tests little on this data")
			}
			parsed, err := sql.Parse(q.text)
			if err != nil {
				t.Fatal(err)
			}
			ordered := len(parsed.OrderBy) > 0 || parsed.Limit >= 0 && !parsed.HasStar() && len(parsed.GroupBy) == 0 && !parsed.Distinct
			var first []byte
			names := []string{"24KiB-fanin3", "1MiB"}
			if keyedQuery(d.ours(q.text), q.schema) {
				names = append(names, "16KiB-p5", "96KiB-p2", "256KiB-p3")
				switch {
				case len(parsed.OrderBy) == 0:
					groups++
				case len(parsed.GroupBy) > 0 || parsed.Distinct:
					sorts++
					groupSorts++
				default:
					sorts++
				}
				if parsed.HasStar() {
					starSorts++
				}
			}
			for _, name := range names {
				out, err := runners[name].run(d.ours(q.text), q.schema)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if first == nil {
					first = out
				} else if !bytes.Equal(first, out) {
					t.Errorf("%s: the output differs from the 24KiB run's", name)
				}
				got, err := parseCSV(out)
				if err != nil {
					t.Fatalf("%s: output: %v", name, err)
				}
				if msg := diff(got, want, ordered && q.keys == nil); msg != "" {
					t.Errorf("%s: %s\nquery: %s", name, msg, q.text)
				}
				if q.keys != nil {
					if msg := diff(project(got, q.keys), project(want, q.keys), true); msg != "" {
						t.Errorf("%s: the ORDER BY columns' order: %s\nquery: %s", name, msg, q.text)
					}
				}
			}
			if t.Failed() {
				return
			}
			// Names: an alias as given, else DuckDB's name for the expression.
			got, _ := parseCSV(first)
			for i, n := range got.names {
				if !strings.EqualFold(n, want.names[i]) {
					t.Errorf("column %d is named %q, DuckDB names it %q", i, n, want.names[i])
				}
			}
		})
	}
	if sorts < 12 || groupSorts < 6 || starSorts < 3 || groups < 10 {
		t.Errorf("the corpus has %d ORDER BY queries without LIMIT run by key ranges (%d over groups, %d of *) and %d GROUP BY or DISTINCT without ORDER BY and LIMIT; expected at least 12 (6, 3) and 10", sorts, groupSorts, starSorts, groups)
	}
	t.Logf("run by key ranges: %d ORDER BY without LIMIT (%d over groups, %d of *), %d GROUP BY or DISTINCT without ORDER BY", sorts, groupSorts, starSorts, groups)
}

// project keeps the columns keys of every row.
func project(r result, keys []int) result {
	out := result{}
	for _, k := range keys {
		out.names = append(out.names, r.names[k])
	}
	for _, row := range r.rows {
		var p []string
		for _, k := range keys {
			p = append(p, row[k])
		}
		out.rows = append(out.rows, p)
	}
	return out
}

// agrees runs query as a subtest named name, through scatter and through
// DuckDB, and fails it when the column names or the rows differ (the rows
// in their order when ordered).
func (r *runner) agrees(t *testing.T, db *gosql.DB, name, query string, ordered bool) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		want, err := duckQuery(db, query)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := r.answer(t, query, "")
		if !slices.Equal(got.names, want.names) {
			t.Fatalf("columns %q, DuckDB's %q", got.names, want.names)
		}
		if msg := diff(got, want, ordered); msg != "" {
			t.Fatal(msg)
		}
	})
}
