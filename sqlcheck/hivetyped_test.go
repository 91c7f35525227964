package sqlcheck

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestHiveTreeOfDuckDBAgrees: a table DuckDB wrote with COPY ...
// PARTITION_BY (year, month, d, ts, k), in CSV and in Parquet, its NULL
// keys in __HIVE_DEFAULT_PARTITION__ directories, reads as DuckDB reads it
// back: the keys typed by hive_types_autocast (year and month BIGINT, d
// DATE, ts VARCHAR for its URL-encoded colons, k VARCHAR), the NULLs NULL,
// in SELECT *, WHERE (the comparisons that prune typed: year > 2019,
// month = 3, d >= DATE), GROUP BY and ORDER BY (numbers and dates by value,
// NULLs last).
func TestHiveTreeOfDuckDBAgrees(t *testing.T) {
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	dir := t.TempDir()
	src := `SELECT i AS id, i * 10 AS v,
		CASE WHEN i % 7 = 0 THEN NULL ELSE 2017 + i % 5 END AS year,
		CASE WHEN i % 11 = 0 THEN NULL ELSE 1 + i % 12 END AS month,
		DATE '2024-01-01' + (i % 4)::INTEGER AS d,
		TIMESTAMP '2024-01-01 10:00:00' + to_hours(i % 3) AS ts,
		CASE WHEN i % 5 = 0 THEN NULL ELSE ['a b', 'x', 'y/z', '9'][1 + i % 4] END AS k
		FROM range(1, 60) t(i)`
	for _, f := range []string{"csv", "parquet"} {
		if _, err := db.Exec("COPY (" + src + ") TO '" + filepath.Join(dir, f) + "' (FORMAT " + f + ", PARTITION_BY (year, month, d, ts, k))"); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		"SELECT * FROM '{t}' ORDER BY id",
		"SELECT year, month, count(*) AS n, sum(v) AS s FROM '{t}' GROUP BY year, month ORDER BY year, month",
		"SELECT id, year FROM '{t}' WHERE year > 2019 ORDER BY id",
		"SELECT id FROM '{t}' WHERE month = 3 ORDER BY id",
		"SELECT id FROM '{t}' WHERE month IN (1, 12) AND year <= 2018 ORDER BY id",
		"SELECT id, d FROM '{t}' WHERE d >= DATE '2024-01-03' ORDER BY id",
		"SELECT id FROM '{t}' WHERE year IS NULL OR k IS NULL ORDER BY id",
		"SELECT k, count(*) AS n FROM '{t}' GROUP BY k ORDER BY k",
		"SELECT ts, max(year) AS y, min(month) AS m FROM '{t}' GROUP BY ts ORDER BY ts",
		"SELECT id, year, month FROM '{t}' ORDER BY year DESC, month, id LIMIT 9",
		"SELECT year + month AS ym, d + 1 AS next FROM '{t}' WHERE k = 'a b' ORDER BY id",
		"SELECT DISTINCT year FROM '{t}' ORDER BY year",
	} {
		for _, f := range []string{"csv", "parquet"} {
			q := strings.ReplaceAll(q, "{t}", filepath.Join(dir, f, "*/*/*/*/*/*."+f))
			r.agrees(t, db, strings.ReplaceAll(q, dir+"/", ""), q, true)
		}
	}
}

// TestHiveTypesOptionAgrees: read_csv's and read_parquet's hive_types
// ({'key': 'TYPE'}: the column of that key, matched exactly, read as that
// type; implies hive_partitioning) and hive_types_autocast = false (every
// other key VARCHAR) answer as DuckDB's: month=03 read as INTEGER equals 3,
// sorts and prunes as a number; a value that is not of the type, a key
// that is no partition, and hive_types with hive_partitioning = false are
// refused as DuckDB refuses them (the value that is not of the type where
// the query reads the column and the file is not pruned: DuckDB casts
// only the columns it reads, where the job refuses it whatever the query
// reads).
func TestHiveTypesOptionAgrees(t *testing.T) {
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	dir := t.TempDir()
	for name, text := range map[string]string{
		"csv/year=2019/month=03/p.csv": "id,v\n1,10\n",
		"csv/year=2020/month=3/p.csv":  "id,v\n2,20\n",
		"csv/year=2020/month=11/p.csv": "id,v\n3,30\n",
		"csv/year=9/month=NULL/p.csv":  "id,v\n4,40\n",
		"bad/year=2019/month=03/p.csv": "id,v\n1,10\n",
		"bad/year=x/month=04/p.csv":    "id,v\n2,20\n",
	} {
		p := testutil.WriteFile(t, dir, name, []byte(text))
		if strings.HasPrefix(name, "csv/") {
			pq := filepath.Join(dir, "pq", strings.TrimSuffix(strings.TrimPrefix(name, "csv/"), ".csv")+".parquet")
			testutil.WriteFile(t, filepath.Dir(pq), filepath.Base(pq), nil)
			if _, err := db.Exec("COPY (SELECT * FROM read_csv('" + p + "', hive_partitioning = false)) TO '" + pq + "' (FORMAT parquet)"); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, q := range []string{
		"SELECT * FROM {csv}, hive_types = {'month': 'INTEGER'}) ORDER BY id",
		"SELECT * FROM {pq}, hive_types = {month: 'int'}) ORDER BY id",
		"SELECT id FROM {csv}, hive_types = {'month': 'INTEGER'}) WHERE month = 3 ORDER BY id",
		"SELECT id FROM {pq}, hive_types = {'month': 'INTEGER'}) WHERE month > 2 AND year < 2020 ORDER BY id",
		"SELECT month, count(*) AS n, sum(v) AS s FROM {csv}, hive_types = {'month': 'INTEGER'}) GROUP BY month ORDER BY month",
		"SELECT month, year FROM {pq}, hive_types = {'month': 'DOUBLE', 'year': 'VARCHAR'}) ORDER BY year, month",
		"SELECT month * 2 AS m2 FROM {csv}, hive_types = {'month': 'DECIMAL(5,2)'}) ORDER BY id",
		"SELECT * FROM {csv}, hive_types_autocast = false) ORDER BY year, id",
		"SELECT year, count(*) AS n FROM {pq}, hive_types_autocast = 0) GROUP BY year ORDER BY year",
		"SELECT * FROM {csv}, hive_types = {'month': 'BIGINT'}, hive_types_autocast = false) WHERE month < 4 ORDER BY year",
		"SELECT id FROM {bad}, hive_types = {'year': 'INTEGER'}) WHERE month = '03'",
	} {
		q = strings.ReplaceAll(q, "{csv}", "read_csv('"+filepath.Join(dir, "csv/*/*/*.csv")+"'")
		q = strings.ReplaceAll(q, "{pq}", "read_parquet('"+filepath.Join(dir, "pq/*/*/*.parquet")+"'")
		q = strings.ReplaceAll(q, "{bad}", "read_csv('"+filepath.Join(dir, "bad/*/*/*.csv")+"'")
		r.agrees(t, db, strings.ReplaceAll(q, dir+"/", ""), q, true)
	}
	loc := "read_csv('" + filepath.Join(dir, "bad/*/*/*.csv") + "'"
	for _, c := range []struct{ q, duck, ours string }{
		{"SELECT id, year FROM " + loc + ", hive_types = {'year': 'INTEGER'})", "Unable to cast 'x' (from hive partition column 'YEAR') to: 'INTEGER'", "Unable to cast 'x' (from hive partition column 'YEAR') to: 'INTEGER'"},
		{"SELECT id FROM " + loc + ", hive_types = {'Year': 'INTEGER'})", `Unknown hive_type: "Year" does not appear to be a partition`, `Unknown hive_type: "Year" does not appear to be a partition`},
		{"SELECT id FROM " + loc + ", hive_types = {'month': 'INTEGER'}, hive_partitioning = false)", "cannot disable hive_partitioning when hive_types is enabled", "cannot disable hive_partitioning when hive_types is enabled"},
		{"SELECT id FROM " + loc + ", hive_types = {'month': 5})", "must be a VARCHAR", "must be a VARCHAR"},
		{"SELECT id FROM " + loc + ", hive_types = {'month': 'nope'})", "Type with name nope does not exist", `unknown type "nope"`},
	} {
		if _, err := duckQuery(db, c.q); err == nil || !strings.Contains(err.Error(), c.duck) {
			t.Errorf("DuckDB: %s: %v, want %q", c.q, err, c.duck)
		}
		if _, err := r.run(c.q, ""); err == nil || !strings.Contains(err.Error(), c.ours) {
			t.Errorf("%s: %v, want %q", c.q, err, c.ours)
		}
	}
}
