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
