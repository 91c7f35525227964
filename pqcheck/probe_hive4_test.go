package pqcheck

import (
	"path/filepath"
	"testing"
	"os"
	"fmt"
)

func TestProbeHive4(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	for name, text := range map[string]string{
		"t/year=2019/month=03/day=2024-01-02/ts=2024-01-02 03:04:05/p.csv": "id,v\n1,10\n",
		"t/year=2020/month=03/day=2024-01-03/ts=2024-01-02 03:04:06/p.csv": "id,v\n2,20\n",
		"t/year=2020/month=11/day=2024-01-04/ts=2024-01-02 03:04:07/p.csv": "id,v\n3,30\n",
		"t/year=9/month=2/day=2024-02-01/ts=2024-01-02 03:04:08/p.csv":     "id,v\n4,40\n",
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(text), 0o644)
	}
	for name := range map[string]bool{"t/year=2019/month=03/day=2024-01-02/ts=2024-01-02 03:04:05/p.csv":true,
		"t/year=2020/month=03/day=2024-01-03/ts=2024-01-02 03:04:06/p.csv":true,
		"t/year=2020/month=11/day=2024-01-04/ts=2024-01-02 03:04:07/p.csv":true,
		"t/year=9/month=2/day=2024-02-01/ts=2024-01-02 03:04:08/p.csv":true} {
		p := filepath.Join(dir, name)
		q := filepath.Join(dir, "q", name[2:len(name)-4]+".parquet")
		os.MkdirAll(filepath.Dir(q), 0o755)
		exec(t, db, "COPY (SELECT * FROM read_csv('"+p+"', hive_partitioning=false)) TO '"+q+"' (FORMAT parquet)")
	}
	in := filepath.Join(dir, "q/*/*/*/*/*.parquet")
	sqlWritesAsDuckDB(t, db, dir, in, "'"+in+"'", "1MiB",
		"SELECT * FROM 'F' ORDER BY year, id",
		"SELECT year, day, ts, count(*) AS n FROM 'F' GROUP BY year, day, ts ORDER BY year, day",
		"SELECT year + 1 AS y, day + 1 AS d FROM 'F' ORDER BY y, d",
		"SELECT DISTINCT year FROM 'F' ORDER BY year",
		"SELECT year, max(month) AS m, min(ts) AS t, max(day) AS d FROM 'F' GROUP BY year ORDER BY year",
		"SELECT month, count(*) AS n FROM 'F' GROUP BY month ORDER BY month",
		"SELECT year, id FROM 'F' ORDER BY year DESC LIMIT 3",
	)
}

func TestProbeHive4b(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	for name, text := range map[string]string{
		"t/year=2019/month=03/day=2024-01-02/p.csv": "id,v\n1,10\n",
		"t/year=2020/month=03/day=2024-01-03/p.csv": "id,v\n2,20\n",
		"t/year=2020/month=11/day=2024-01-04/p.csv": "id,v\n3,30\n",
		"t/year=9/month=2/day=2024-02-01/p.csv":     "id,v\n4,40\n",
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(text), 0o644)
		q := filepath.Join(dir, "q", name[2:len(name)-4]+".parquet")
		os.MkdirAll(filepath.Dir(q), 0o755)
		exec(t, db, "COPY (SELECT * FROM read_csv('"+p+"', hive_partitioning=false)) TO '"+q+"' (FORMAT parquet)")
	}
	for _, in := range []string{filepath.Join(dir, "t/*/*/*/*.csv"), filepath.Join(dir, "q/*/*/*/*.parquet")} {
		for i, args := range [][]string{
			{"--job", "select", "--columns", "year,month,day,id"},
			{"--job", "groupby", "--key", "year", "--agg", "count:id,sum:v,max:day"},
			{"--job", "groupby", "--key", "day", "--agg", "count:id,max:year"},
			{"--job", "select", "--columns", "year,id", "--where", "year > 2019"},
		} {
			out := filepath.Join(dir, fmt.Sprintf("o%d.parquet", i))
			runCLI(t, append([]string{"run", "--input", in, "--output", out, "--state-dir", filepath.Join(dir, "state")}, args...)...)
			t.Logf("%v: %s", args, duckTypes(t, db, out))
			rows, _ := db.Query("SELECT * FROM '" + out + "'")
			for rows.Next() {
				var a, b, c, d any
				cols, _ := rows.Columns()
				ptr := []any{&a, &b, &c, &d}[:len(cols)]
				rows.Scan(ptr...)
				t.Logf("   %v %v %v %v", a, b, c, d)
			}
		}
	}
}
