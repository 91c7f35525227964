package sqlcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestHivePartitionsAgreeWithDuckDB: over a Hive partitioned tree
// (key=value directories) of CSV and of Parquet files, a query sees the
// partition columns as DuckDB's read_csv and read_parquet do by default
// (detected, after the files' own columns, typed by hive_types_autocast:
// year BIGINT, month VARCHAR for its 01, d DATE, k VARCHAR URL-decoded) in
// SELECT *, WHERE and GROUP BY, and a WHERE on them, which prunes files,
// answers as DuckDB's does; read_csv's and read_parquet's
// hive_partitioning = false reads no partition column (a file's own
// column of a key's name keeps its values), true as detected.
func TestHivePartitionsAgreeWithDuckDB(t *testing.T) {
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	dir := t.TempDir()
	files := map[string]string{
		"csv/year=2023/month=12/p.csv":   "id,v\n1,10\n2,20\n",
		"csv/year=2024/month=01/p.csv":   "id,v\n3,30\n",
		"csv/year=2024/month=02/p0.csv":  "id,v\n4,40\n",
		"csv/year=2024/month=02/p1.csv":  "id,v\n5,50\n6,60\n",
		"csv/year=2025/month=NULL/p.csv": "id,v\n7,70\n",
		"dates/d=2024-01-02/p.csv":       "id\n1\n",
		"dates/d=2024-01-03/p.csv":       "id\n2\n",
		"dates/d=2024-01-04/p.csv":       "id\n3\n",
		"names/k=a%20b/p.csv":            "id,year\n1,1999\n",
		"names/k=plain/p.csv":            "id,year\n2,1999\n",
	}
	for name, text := range files {
		p := testutil.WriteFile(t, dir, name, []byte(text))
		if strings.HasPrefix(name, "csv/") {
			pq := filepath.Join(dir, "pq", strings.TrimSuffix(strings.TrimPrefix(name, "csv/"), ".csv")+".parquet")
			if err := os.MkdirAll(filepath.Dir(pq), 0o755); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("COPY (SELECT * FROM read_csv('" + p + "', hive_partitioning = false)) TO '" + pq + "' (FORMAT parquet)"); err != nil {
				t.Fatal(err)
			}
		}
	}
	tables := map[string]string{
		"csv": filepath.Join(dir, "csv/*/*/*.csv"), "pq": filepath.Join(dir, "pq/**/*.parquet"),
		"dates": filepath.Join(dir, "dates/*/p.csv"), "names": filepath.Join(dir, "names/*/*.csv"),
	}
	for _, q := range []string{
		"SELECT * FROM '{csv}' ORDER BY id",
		"SELECT * FROM '{pq}' ORDER BY id",
		"SELECT year, month, count(*) AS n, sum(v) AS s FROM '{csv}' GROUP BY year, month ORDER BY year, month",
		"SELECT year, month, count(*) AS n, sum(v) AS s FROM '{pq}' GROUP BY year, month ORDER BY year, month",
		"SELECT id, v FROM '{csv}' WHERE year = 2024 AND month = '02' ORDER BY id",
		"SELECT id, v FROM '{pq}' WHERE year = 2024 AND month = '02' ORDER BY id",
		"SELECT count(*) AS n, sum(v) AS s FROM '{csv}' WHERE year > 2023",
		"SELECT count(*) AS n, sum(v) AS s FROM '{pq}' WHERE year >= 2024 AND v > 35",
		"SELECT id FROM '{csv}' WHERE month >= '02' OR v > 65 ORDER BY id",
		"SELECT id, year, month FROM '{pq}' WHERE v > 35 ORDER BY id",
		"SELECT id, year FROM '{pq}' WHERE month IS NULL ORDER BY id",
		"SELECT count(*) AS n FROM '{csv}' WHERE year = 1999",
		"SELECT year + 1 AS y, upper(month) AS m FROM '{csv}' WHERE year BETWEEN 2024 AND 2024 ORDER BY id",
		"SELECT id, d FROM '{dates}' WHERE d >= DATE '2024-01-03' ORDER BY id",
		"SELECT d + 1 AS next, count(*) AS n FROM '{dates}' GROUP BY d ORDER BY 1",
		"SELECT * FROM '{names}' WHERE k = 'a b'",
		"SELECT k, year FROM '{names}' ORDER BY k",
		"SELECT * FROM read_csv('{names}', hive_partitioning = false) ORDER BY id",
		"SELECT * FROM read_parquet('{pq}', hive_partitioning = false) ORDER BY id",
		"SELECT count(*) AS n, sum(v) AS s FROM read_csv('{csv}', hive_partitioning = false) WHERE v > 15",
		"SELECT * FROM read_csv('{csv}', hive_partitioning = true) WHERE year = 2024 ORDER BY id",
		"SELECT year, count(*) AS n FROM read_parquet('{pq}', hive_partitioning = 1) GROUP BY year ORDER BY year",
	} {
		for name, path := range tables {
			q = strings.ReplaceAll(q, "{"+name+"}", path)
		}
		r.agrees(t, db, strings.ReplaceAll(q, dir+"/", ""), q, true)
	}
}
