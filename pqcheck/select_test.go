package pqcheck

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestJobsOnEveryType: select over a file DuckDB wrote with every type
// (nulls, empty strings, quotes and newlines in strings) writes, byte for
// byte, what DuckDB's CSV writer writes for the same columns; a --where on
// each type (its row groups and pages pruned by statistics) keeps the rows
// it keeps on the same data as DuckDB's CSV, and groupby's sums over every
// numeric type are its sums over the CSV; a .parquet output reads back in
// DuckDB as the CSV output.
func TestJobsOnEveryType(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	pqPath, csvPath := filepath.Join(dir, "types.parquet"), filepath.Join(dir, "types.csv")
	writeTypes(t, db, pqPath, "snappy")
	// DuckDB's CSV writer also quotes a field holding '#' (its comment
	// character), which CSV output does not need (docs/jobs.md, CSV output):
	// the blob column, which holds some, is compared by value in TestDuckDBFiles.
	var cols []string
	for _, c := range columnNames(t, blob.NewMux(nil), pqPath) {
		if c != "bl" {
			cols = append(cols, c)
		}
	}
	exec(t, db, fmt.Sprintf(`COPY (SELECT "%s" FROM read_parquet('%s')) TO '%s' (HEADER)`, strings.Join(cols, `", "`), pqPath, csvPath))
	state := filepath.Join(dir, "state")
	n := 0
	run := func(in string, args ...string) []byte {
		t.Helper()
		n++
		out := filepath.Join(dir, "out", fmt.Sprintf("%d.csv", n))
		if strings.HasSuffix(args[len(args)-1], ".parquet") {
			out, args = args[len(args)-1], args[:len(args)-1]
		}
		runCLI(t, append([]string{"run", "--job", "select", "--input", in, "--output", out, "--state-dir", state}, args...)...)
		got := testutil.ReadFile(t, out)
		return got
	}
	t.Run("every column", func(t *testing.T) {
		want := testutil.ReadFile(t, csvPath)
		for _, size := range []string{"1GiB", "50KiB"} {
			got := run(pqPath, "--columns", strings.Join(cols, ","), "--chunk-size", size)
			if !bytes.Equal(got, want) {
				t.Fatalf("chunk size %s: select's output differs from DuckDB's CSV: %s", size, testutil.FirstLineDiff(got, want))
			}
		}
		if !bytes.Contains(want, []byte(`,"",`)) {
			t.Fatal(`DuckDB's CSV has no empty string ("") for the test to compare`)
		}
	})
	for _, where := range []string{
		"tiny > 50", "int32 >= 70000000", "big >= 4000000000", "ub < 9223372036854776000", "dbl < 3",
		"flt == 1000", "dec9 > 400.5", "dec18 < -400000", "dec38 >= 0", "d < '2001-01-01'",
		"ts > '2001-03-01'", "b == true", "s == 'str-7'", "s != ''", "id == 9999",
	} {
		t.Run(where, func(t *testing.T) {
			args := []string{"--where", where, "--columns", "id,s", "--chunk-size", "50KiB"}
			want := run(csvPath, args...)
			got := run(pqPath, args...)
			if !bytes.Equal(got, want) {
				t.Fatalf("Parquet output differs from the CSV one: %s", testutil.FirstLineDiff(got, want))
			}
			if bytes.Count(want, []byte("\n")) < 2 {
				t.Fatalf("the --where keeps no row: the case tests nothing")
			}
		})
	}
	for _, key := range []string{"s", "b"} {
		t.Run("groupby "+key, func(t *testing.T) {
			// sums exact over every numeric type (decimals of 38 digits,
			// UBIGINTs past int64, floats, doubles of 1e300); NULLs skipped
			// as the CSV's empty fields are
			args := []string{"--job", "groupby", "--key", key, "--agg", "sum:dec9,sum:dec38,sum:dec18,sum:tiny,avg:dbl,max:big,min:ub,sum:ub,sum:flt,max:int32,count:*", "--chunk-size", "50KiB"}
			out := func(in string) []byte {
				n++
				o := filepath.Join(dir, "out", fmt.Sprintf("%d.csv", n))
				runCLI(t, append([]string{"run", "--input", in, "--output", o, "--state-dir", state}, args...)...)
				got := testutil.ReadFile(t, o)
				return got
			}
			want, got := out(csvPath), out(pqPath)
			if !bytes.Equal(got, want) || bytes.Count(want, []byte("\n")) < 3 {
				t.Fatalf("Parquet output differs from the CSV one: %s", testutil.FirstLineDiff(got, want))
			}
		})
	}
	t.Run("parquet output", func(t *testing.T) {
		args := []string{"--where", "id < 3000", "--columns", "id,s,dec9,d,b", "--chunk-size", "50KiB"}
		want := run(pqPath, args...)
		out := filepath.Join(dir, "sel.parquet")
		run(pqPath, append(args, out)...)
		if got := duckCSVBytes(t, db, out, ""); !bytes.Equal(got, want) {
			t.Fatalf(".parquet output as DuckDB reads it differs from the CSV output: %s", testutil.FirstLineDiff(got, want))
		}
	})
}

// TestSQLOnEveryType: the sql job over DuckDB's every-type file answers as
// DuckDB answers over the same file, byte for byte: a DATE column is a DATE
// (date arithmetic), decimals exact, NULL apart from the empty string, and a
// DATE column holding dates before the year 1 is read as its text.
func TestSQLOnEveryType(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "types.parquet")
	writeTypes(t, db, file, "zstd")
	duckAgrees(t, db, file, "50KiB", []string{
		"SELECT b, count(*) AS n, sum(dec9) AS s9, sum(dec38) AS s38, min(d) AS md, count(s) AS cs, max(int32) AS mi FROM 'F' GROUP BY b ORDER BY b",
		"SELECT id, d + 30 AS later, d - DATE '2000-01-01' AS days, dec9 * 2 AS twice, tiny // 3 AS third FROM 'F' WHERE id < 300 AND d < DATE '2020-01-01' ORDER BY id",
		"SELECT s, count(*) AS n FROM 'F' WHERE s IS NULL OR s = '' GROUP BY s ORDER BY s NULLS FIRST",
		"SELECT id, oddd FROM 'F' WHERE id % 4 = 0 AND id < 40 ORDER BY id",
		// A number in quotes against a number column is that number.
		"SELECT id, small, dec9 FROM 'F' WHERE id >= '950' AND small > '-20000' AND dec9 <> '-12.50' AND id NOT IN ('960', '970') ORDER BY id",
	})
}
