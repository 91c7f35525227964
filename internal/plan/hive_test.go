package plan_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestResolveJobHivePartitions: over a Hive partitioned tree the planner
// sets the partition columns (hive-partitions) and their types in the
// schema, and leaves out the objects whose partition values a conjunct of
// the filter on partition columns alone rules out, counting them
// (hive-pruned): a left out object is not read at all, not even its
// Parquet footer. A conjunct that reads another column prunes nothing; a
// job of lines gets no partitions.
func TestResolveJobHivePartitions(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"t/year=2023/month=12/a.parquet", "t/year=2024/month=01/b.parquet", "t/year=2024/month=02/c.parquet"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		pqtest.WriteGo(t, p, [][]dated{{{D: 11000, N: 1}}})
	}
	fi, err := os.Stat(filepath.Join(dir, "t/year=2023/month=12/a.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	reads := pqtest.NewCountingStore(blob.NewFS(dir))
	mux := blob.NewMux(nil)
	mux.Mount("b", reads)
	ctx, src := context.Background(), []string{"s3://b/t/**/*.parquet"}
	const parts = `[{"name":"month","type":"VARCHAR"},{"name":"year","type":"BIGINT"}]`
	for _, c := range []struct {
		job    string
		params map[string]string
		kept   string
		pruned string
		schema string
	}{
		{"sql", map[string]string{"query": "SELECT n, month FROM 's3://b/t/**/*.parquet' WHERE year = 2024 AND n > 0"}, "b c", "1 " + strconv.FormatInt(fi.Size(), 10), `{"month":"VARCHAR","year":"BIGINT"}`},
		{"sql", map[string]string{"query": "SELECT count(*) FROM 's3://b/t/**/*.parquet' WHERE year = 2024 OR n > 0"}, "a b c", "", `{"month":"VARCHAR","year":"BIGINT"}`},
		{"sql", map[string]string{"query": "SELECT * FROM 's3://b/t/**/*.parquet' WHERE month >= '02' AND year > 2023", "schema": "n:BIGINT"}, "c", "2 ", `{"d":"DATE","month":"VARCHAR","n":"BIGINT","year":"BIGINT"}`},
		{"select", map[string]string{"where": "year < 2024", "columns": "n,month", "hive-pruned": "9 9"}, "a", "2 ", `{"month":"VARCHAR","year":"BIGINT"}`},
		{"groupby", map[string]string{"key": "month", "agg": "count:*"}, "a b c", "", ""},
	} {
		reads.Reset()
		objs, params, err := plan.ResolveJob(ctx, mux, c.job, c.params, src)
		if err != nil {
			t.Fatalf("%s %v: %v", c.job, c.params, err)
		}
		var names []string
		for i, o := range objs {
			names = append(names, strings.TrimSuffix(filepath.Base(o.URL), ".parquet"))
			if o.Ordinal != i {
				t.Errorf("%s: %s has ordinal %d at %d", c.job, o.URL, o.Ordinal, i)
			}
		}
		if got := strings.Join(names, " "); got != c.kept {
			t.Errorf("%s %v: kept %q, want %q", c.job, c.params, got, c.kept)
		}
		if params["hive-partitions"] != parts || !strings.HasPrefix(params["hive-pruned"], c.pruned) || (c.pruned == "") != (params["hive-pruned"] == "") {
			t.Errorf("%s %v: params %v, want partitions %s, pruned %q", c.job, c.params, params, parts, c.pruned)
		}
		if c.schema != "" && params["schema"] != c.schema {
			t.Errorf("%s: schema %q, want %q", c.job, params["schema"], c.schema)
		}
		for _, r := range reads.Reads() {
			if !strings.Contains(c.kept, strings.TrimSuffix(filepath.Base(r.Key), ".parquet")) {
				t.Errorf("%s %v: read %s, which it left out", c.job, c.params, r.Key)
			}
		}
	}
	_, params, err := plan.ResolveJob(ctx, mux, "wordcount", nil, src)
	if err != nil || params["hive-partitions"] != "" {
		t.Errorf("wordcount, a job of lines: params %v, %v; want no partitions", params, err)
	}
}

// TestResolveJobHivePartitioningOff: hive-partitioning false (the flag, or
// the query's read_csv(..., hive_partitioning = false)) reads no partition
// columns and prunes nothing, as DuckDB's option does; true refuses inputs
// whose keys differ, naming both, as DuckDB does; the query's option and a
// flag that differs are refused.
func TestResolveJobHivePartitioningOff(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"t/year=2023/a.csv", "t/year=2024/b.csv", "m/x=1/a.csv", "m/y=2/b.csv"} {
		testutil.WriteFile(t, dir, name, []byte("n\n1\n"))
	}
	ctx, src := context.Background(), []string{filepath.Join(dir, "t/*/*.csv")}
	q := "SELECT n FROM '" + src[0] + "' WHERE n = 1"
	for _, params := range []map[string]string{
		{"query": q, "hive-partitioning": "false"},
		{"query": "SELECT n FROM read_csv('" + src[0] + "', hive_partitioning = false) WHERE n = 1"},
		{"where": "n = 1", "columns": "n", "hive-partitioning": "false"},
	} {
		job := "sql"
		if params["query"] == "" {
			job = "select"
		}
		objs, got, err := plan.ResolveJob(ctx, blob.NewMux(nil), job, params, src)
		if err != nil {
			t.Fatalf("%v: %v", params, err)
		}
		if len(objs) != 2 || got["hive-partitions"] != "" || got["hive-pruned"] != "" || got["hive-partitioning"] != "false" {
			t.Errorf("%v: %d inputs, params %v; want 2, no partitions, hive-partitioning false", params, len(objs), got)
		}
	}
	if _, got, err := plan.ResolveJob(ctx, blob.NewMux(nil), "sql", map[string]string{"query": q, "hive-partitioning": "true"}, src); err != nil || got["hive-partitions"] == "" {
		t.Errorf("true over agreeing keys: params %v, %v; want partitions", got, err)
	}
	mixed := filepath.Join(dir, "m/*/*.csv")
	if _, got, err := plan.ResolveJob(ctx, blob.NewMux(nil), "sql", map[string]string{"query": "SELECT n FROM '" + mixed + "'"}, []string{mixed}); err != nil || got["hive-partitions"] != "" {
		t.Errorf("detected over keys that differ: params %v, %v; want none", got, err)
	}
	for _, c := range []struct {
		params map[string]string
		src    string
		want   string
	}{
		{map[string]string{"query": "SELECT n FROM read_csv('" + mixed + "', hive_partitioning = true)"}, mixed, `Hive partition mismatch between file "` + filepath.Join(dir, "m/x=1/a.csv") + `" and "` + filepath.Join(dir, "m/y=2/b.csv") + `": key "x" not found`},
		{map[string]string{"query": "SELECT n FROM read_csv('" + src[0] + "', hive_partitioning = true)", "hive-partitioning": "false"}, src[0], "hive_partitioning = true) and --hive-partitioning false differ"},
		{map[string]string{"query": q, "hive-partitioning": "no"}, src[0], `--hive-partitioning must be true or false, not "no"`},
	} {
		_, _, err := plan.ResolveJob(ctx, blob.NewMux(nil), "sql", c.params, []string{c.src})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.params, err, c.want)
		}
	}
}

// TestResolveJobHivePrunesTyped: partition values are compared as their
// type, as DuckDB's filter pushdown compares them: year > 2019 over year
// BIGINT keeps 2020 and leaves out 9 (which as text is greater) and the
// NULL key of a __HIVE_DEFAULT_PARTITION__ directory (NULL in any type,
// so the column stays BIGINT); d >= DATE compares dates. The files left
// out are counted with their bytes and never read.
func TestResolveJobHivePrunesTyped(t *testing.T) {
	dir := t.TempDir()
	sizes := map[string]int64{}
	for _, name := range []string{
		"t/year=2019/d=2024-01-02/a.parquet", "t/year=2020/d=2024-01-03/b.parquet",
		"t/year=9/d=2024-1-9/c.parquet", "t/year=__HIVE_DEFAULT_PARTITION__/d=__HIVE_DEFAULT_PARTITION__/e.parquet",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		pqtest.WriteGo(t, p, [][]dated{{{D: 11000, N: 1}}})
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		sizes[strings.TrimSuffix(filepath.Base(p), ".parquet")] = fi.Size()
	}
	reads := pqtest.NewCountingStore(blob.NewFS(dir))
	mux := blob.NewMux(nil)
	mux.Mount("b", reads)
	ctx, src := context.Background(), []string{"s3://b/t/*/*/*.parquet"}
	const parts = `[{"name":"d","type":"DATE"},{"name":"year","type":"BIGINT"}]`
	for _, c := range []struct {
		where, kept string
	}{
		{"year > 2019", "b"},
		{"year < 2020", "a c"},
		{"year IS NULL", "e"},
		{"d >= DATE '2024-01-03'", "b c"},
		{"d = DATE '2024-01-09' OR year = 2019", "a c"},
	} {
		reads.Reset()
		objs, params, err := plan.ResolveJob(ctx, mux, "sql", map[string]string{"query": "SELECT n FROM '" + src[0] + "' WHERE " + c.where}, src)
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		var names []string
		for _, o := range objs {
			names = append(names, strings.TrimSuffix(filepath.Base(o.URL), ".parquet"))
		}
		var files int
		var bytes int64
		for name, size := range sizes {
			if !strings.Contains(c.kept, name) {
				files++
				bytes += size
			}
		}
		if got := strings.Join(names, " "); got != c.kept {
			t.Errorf("WHERE %s: kept %q, want %q", c.where, got, c.kept)
		}
		if want := strconv.Itoa(files) + " " + strconv.FormatInt(bytes, 10); params["hive-pruned"] != want || params["hive-partitions"] != parts {
			t.Errorf("WHERE %s: pruned %q, partitions %s; want %q, %s", c.where, params["hive-pruned"], params["hive-partitions"], want, parts)
		}
		for _, r := range reads.Reads() {
			if !strings.Contains(c.kept, strings.TrimSuffix(filepath.Base(r.Key), ".parquet")) {
				t.Errorf("WHERE %s: read %s, which it left out", c.where, r.Key)
			}
		}
	}
}

// TestResolveJobHiveTypes: the query's hive_types types a partition column
// (hive-partitions and the schema say INTEGER) and the pruning compares
// its values as that type: month = 3 keeps month=03 and month=3, prunes
// month=11; hive_types_autocast = false makes the other columns VARCHAR. A
// value not of the type, in a file not pruned, is refused with DuckDB's
// words; hive_types with --hive-partitioning false too.
func TestResolveJobHiveTypes(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"t/year=2019/month=03/a.csv", "t/year=2020/month=3/b.csv", "t/year=2020/month=11/c.csv", "t/year=x/month=x/d.csv"} {
		testutil.WriteFile(t, dir, name, []byte("n\n1\n"))
	}
	ctx, src := context.Background(), []string{filepath.Join(dir, "t/*/*/*.csv")}
	from := "read_csv('" + src[0] + "', hive_types = {'month': 'INTEGER'}"
	good := []string{filepath.Join(dir, "t/year=20*/*/*.csv")}
	objs, params, err := plan.ResolveJob(ctx, blob.NewMux(nil), "sql", map[string]string{"query": "SELECT n FROM read_csv('" + good[0] + "', hive_types = {'month': 'INTEGER'}, hive_types_autocast = false) WHERE month = 3"}, good)
	if err != nil {
		t.Fatal(err)
	}
	const parts = `[{"name":"month","type":"INTEGER"},{"name":"year","type":"VARCHAR"}]`
	if len(objs) != 2 || params["hive-partitions"] != parts || params["hive-pruned"] != "1 4" || params["schema"] != `{"month":"INTEGER","year":"VARCHAR"}` {
		t.Errorf("%d inputs, params %v; want a.csv and b.csv, partitions %s, c.csv (4 B) pruned, schema month INTEGER, year VARCHAR", len(objs), params, parts)
	}
	for _, c := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"query": "SELECT n FROM " + from + ")"}, `Unable to cast 'x' (from hive partition column 'MONTH') to: 'INTEGER'`},
		{map[string]string{"query": "SELECT n FROM " + from + ") WHERE month = 3"}, `Unable to cast 'x' (from hive partition column 'MONTH') to: 'INTEGER'`},
		{map[string]string{"query": "SELECT n FROM read_csv('" + src[0] + "', hive_types = {'Month': 'INTEGER'})"}, `Unknown hive_type: "Month" does not appear to be a partition`},
		{map[string]string{"query": "SELECT n FROM " + from + ")", "hive-partitioning": "false"}, "cannot disable hive_partitioning when hive_types is enabled"},
	} {
		if _, _, err := plan.ResolveJob(ctx, blob.NewMux(nil), "sql", c.params, src); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.params, err, c.want)
		}
	}
	if objs, _, err := plan.ResolveJob(ctx, blob.NewMux(nil), "sql", map[string]string{"query": "SELECT n FROM " + from + ") WHERE year = '2020'"}, src); err != nil || len(objs) != 2 {
		t.Errorf("the file of month=x pruned: %d inputs, %v; want 2, no error (it is not read)", len(objs), err)
	}
}
