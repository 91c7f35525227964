package pqcheck

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/cli"
	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/testutil"
)

// runCLI runs one scatter command in this process.
func runCLI(t *testing.T, args ...string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := cli.Run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("scatter %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
}

// TestJobsOnDuckDBParquet: DuckDB writes the uservisits data as Parquet
// (small row groups, zstd and snappy), and every job gives the same output
// on it as on the CSV DuckDB reads it from; DuckDB then reads the Parquet
// outputs of groupby and sql with the values of their CSV outputs.
func TestJobsOnDuckDBParquet(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	if err := datagen.Kinds["uservisits"](&b, 600_000, 5); err != nil {
		t.Fatal(err)
	}
	raw := testutil.WriteFile(t, dir, "raw.csv", b.Bytes())
	db := openDB(t)
	// The CSV the jobs read is DuckDB's own writing of the table, so both
	// inputs print every value the same way.
	csvPath := filepath.Join(dir, "visits.csv")
	exec(t, db, fmt.Sprintf(`CREATE TABLE v AS SELECT * FROM read_csv('%s', header=true, types={'adRevenue': 'DOUBLE', 'visitDate': 'DATE', 'duration': 'BIGINT'})`, raw))
	exec(t, db, fmt.Sprintf(`COPY v TO '%s' (HEADER, DELIMITER ',')`, csvPath))
	state := filepath.Join(dir, "state")
	for _, codec := range []string{"zstd", "snappy"} {
		pqPath := filepath.Join(dir, "visits-"+codec+".parquet")
		exec(t, db, fmt.Sprintf(`COPY v TO '%s' (FORMAT parquet, COMPRESSION %s, ROW_GROUP_SIZE 2048)`, pqPath, codec))
		for name, args := range map[string][]string{
			"select":  {"--job", "select", "--where", "adRevenue > 500", "--columns", "sourceIP,visitDate,adRevenue"},
			"groupby": {"--job", "groupby", "--key", "countryCode", "--agg", "sum:adRevenue,count:*,min:duration"},
			// by batches filtered on their doubles, row groups pruned
			"groupby-where": {"--job", "groupby", "--key", "countryCode", "--agg", "sum:adRevenue,count:*,min:duration", "--where", "adRevenue > 500"},
			// a DATE and a BIGINT key, a --where on a BIGINT and on a DATE: by batches
			"groupby-date-where-int": {"--job", "groupby", "--key", "visitDate:7", "--agg", "sum:adRevenue,count:*", "--where", "duration > 50"},
			"groupby-int-where-date": {"--job", "groupby", "--key", "duration", "--agg", "sum:adRevenue,max:adRevenue", "--where", "visitDate >= '2000-01-01'"},
			"sql":                    {"--job", "sql", "--query", "SELECT languageCode, count(*) AS n, max(visitDate) AS last FROM 'x' GROUP BY 1 ORDER BY n DESC, 1"},
		} {
			t.Run(codec+"/"+name, func(t *testing.T) {
				out := func(in, size, ext string) []byte {
					o := filepath.Join(dir, "out", codec+name+size+ext)
					runCLI(t, append([]string{"run", "--input", in, "--output", o, "--chunk-size", size, "--state-dir", state}, args...)...)
					got := testutil.ReadFile(t, o)
					return got
				}
				want := out(csvPath, "1GiB", ".csv")
				for _, size := range []string{"1GiB", "40KiB"} {
					if got := out(pqPath, size, ".csv"); !bytes.Equal(got, want) {
						t.Fatalf("chunk size %s: the Parquet output differs from the CSV one:\n%.600s\nwant\n%.600s", size, got, want)
					}
				}
				if name == "groupby" || name == "sql" {
					// A .parquet output, read back by DuckDB, holds the CSV output's values.
					pqOut := filepath.Join(dir, "out", codec+name+".parquet")
					runCLI(t, append([]string{"run", "--input", pqPath, "--output", pqOut, "--chunk-size", "40KiB", "--state-dir", state}, args...)...)
					got := duckCSVBytes(t, db, pqOut, "")
					if !bytes.Equal(got, want) {
						t.Fatalf(".parquet output as DuckDB reads it:\n%.600s\nwant\n%.600s", got, want)
					}
				}
			})
		}
	}
}
