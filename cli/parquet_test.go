package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/duckfmt"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/testutil"
)

// uservisitsParquet writes the CSV data as a Parquet file with the
// Big Data Benchmark's types (adRevenue a DOUBLE), in row groups of
// rowGroup rows, and returns the same data as CSV with each double written
// as DuckDB prints it (shortest), and each column's values as text lines
// (for the line jobs' CSV-side twins).
func uservisitsParquet(t *testing.T, data []byte, path string, rowGroup int64) ([]byte, map[string][]byte) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rev := slices.Index(rows[0], "adRevenue")
	for _, row := range rows[1:] {
		v, err := strconv.ParseFloat(row[rev], 64)
		if err != nil {
			t.Fatal(err)
		}
		row[rev] = string(duckfmt.AppendFloat(nil, v, 64)) // 8e-05, 7.0: as DuckDB prints them
	}
	var normal bytes.Buffer
	cw := csv.NewWriter(&normal)
	if err := cw.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]pq.OutputColumn{
		"visitDate": {Kind: pq.OutDate}, "adRevenue": {Kind: pq.OutDouble}, "duration": {Kind: pq.OutInt64},
	}
	var cols []pq.OutputColumn
	for _, name := range rows[0] {
		c, ok := kinds[name]
		if !ok {
			c.Kind = pq.OutString
		}
		c.Name = name
		cols = append(cols, c)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pq.NewWriter(f, cols, parquet.MaxRowsPerRowGroup(rowGroup))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string][]byte{}
	for _, row := range rows[1:] {
		for c, v := range row {
			if err := w.Text(c, []byte(v)); err != nil {
				t.Fatal(err)
			}
			lines[rows[0][c]] = append(append(lines[rows[0][c]], v...), '\n')
		}
		if err := w.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return normal.Bytes(), lines
}

// TestParquetMatchesCSV: every job gives the same output on a Parquet file
// as on the same data in CSV (a line job over a column as over a text file of
// its values), at several chunk sizes; a --where no row group can satisfy
// reads no column data.
func TestParquetMatchesCSV(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	if err := datagen.Kinds["uservisits"](&b, 400_000, 21); err != nil {
		t.Fatal(err)
	}
	csvPath, pqPath := filepath.Join(dir, "visits.csv"), filepath.Join(dir, "visits.parquet")
	csvData, lines := uservisitsParquet(t, b.Bytes(), pqPath, 700)
	if err := os.WriteFile(csvPath, csvData, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"userAgent", "searchWord"} {
		if err := os.WriteFile(filepath.Join(dir, col+".txt"), lines[col], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := filepath.Join(dir, "state")
	n := 0
	run := func(input string, args ...string) ([]byte, pipeline.Summary) {
		t.Helper()
		n++
		out := filepath.Join(dir, "out", strings.Repeat("o", n))
		var stdout, stderr bytes.Buffer
		args = append(args, "--input", input, "--output", out, "--state-dir", state, "--json")
		if err := dispatch(context.Background(), append([]string{"run"}, args...), &stdout, &stderr); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
		var sum pipeline.Summary
		if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return got, sum
	}
	cases := []struct {
		name     string
		args     []string
		csvInput string // the CSV-side input, when not visits.csv
	}{
		{"select", []string{"--job", "select", "--where", "adRevenue > 500", "--columns", "sourceIP,visitDate,adRevenue,duration"}, ""},
		// doubles tested before printing (pq.FloatPredicate): VALUEs a double
		// holds exactly, one it does not, and one of more digits than a double has
		{"select-le", []string{"--job", "select", "--where", "adRevenue <= 100.25", "--columns", "adRevenue"}, ""},
		{"select-eq", []string{"--job", "select", "--where", "adRevenue == 0.1", "--columns", "sourceIP,adRevenue"}, ""},
		{"select-long", []string{"--job", "select", "--where", "adRevenue < 250.00000000000000001", "--columns", "adRevenue"}, ""},
		{"select-ne", []string{"--job", "select", "--where", "adRevenue != 7", "--columns", "adRevenue"}, ""},
		{"groupby", []string{"--job", "groupby", "--key", "sourceIP:6", "--agg", "sum:adRevenue,count:*,max:duration,avg:adRevenue"}, ""},
		// no min or max: the mapper takes column batches (feed.ColumnMapper)
		{"groupby-batches", []string{"--job", "groupby", "--key", "sourceIP:6", "--agg", "sum:adRevenue,count:*,avg:adRevenue,sum:duration"}, ""},
		{"sql", []string{"--job", "sql", "--query", "SELECT countryCode, sum(adRevenue) AS rev, count(*) AS n, min(visitDate) AS first FROM 'x' WHERE duration BETWEEN 3 AND 9 GROUP BY countryCode ORDER BY rev DESC"}, ""},
		{"grep", []string{"--job", "grep", "--pattern", "Linux|Mac", "--column", "userAgent"}, "userAgent.txt"},
		{"wordcount", []string{"--job", "wordcount", "--column", "searchWord"}, "searchWord.txt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := csvPath
			if c.csvInput != "" {
				in = filepath.Join(dir, c.csvInput)
			}
			want, wantSum := run(in, append(c.args, "--chunk-size", "1GiB")...)
			for _, size := range []string{"1GiB", "64KiB", "9KiB"} {
				got, sum := run(pqPath, append(c.args, "--chunk-size", size)...)
				if !bytes.Equal(got, want) {
					t.Fatalf("chunk size %s: the Parquet output differs from the CSV one: %s", size, firstDiff(got, want))
				}
				// rows of pruned row groups are not read, so not counted in
				if sum.Skipped != wantSum.Skipped || sum.RecordsOut != wantSum.RecordsOut ||
					(sum.RowGroupsPruned == 0 && sum.RecordsIn != wantSum.RecordsIn) {
					t.Fatalf("chunk size %s: %d records in, %d skipped, %d out; from CSV %d, %d, %d", size, sum.RecordsIn, sum.Skipped, sum.RecordsOut, wantSum.RecordsIn, wantSum.Skipped, wantSum.RecordsOut)
				}
				if sum.RowGroups == 0 {
					t.Fatalf("chunk size %s: the summary counts no row groups: %+v", size, sum)
				}
			}
		})
	}
	t.Run("bad input", func(t *testing.T) {
		trunc := filepath.Join(dir, "trunc.parquet")
		whole, _ := os.ReadFile(pqPath)
		if err := os.WriteFile(trunc, whole[:len(whole)/2], 0o644); err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]struct {
			input string
			args  []string
			want  []string
		}{
			"sum over a string":   {pqPath, []string{"--job", "groupby", "--key", "countryCode", "--agg", "sum:userAgent"}, []string{"visits.parquet", `"userAgent"`, "VARCHAR"}},
			"missing column":      {pqPath, []string{"--job", "select", "--columns", "nope"}, []string{"visits.parquet", "nope"}},
			"truncated file":      {trunc, []string{"--job", "select", "--columns", "sourceIP"}, []string{"trunc.parquet"}},
			"line job, no column": {pqPath, []string{"--job", "grep", "--pattern", "x"}, []string{"visits.parquet", "--column"}},
		} {
			var stdout, stderr bytes.Buffer
			args := append([]string{"run", "--input", c.input, "--output", filepath.Join(dir, "bad.csv"), "--state-dir", state}, c.args...)
			err := dispatch(context.Background(), args, &stdout, &stderr)
			t.Run(name, func(t *testing.T) { testutil.ErrorNames(t, err, c.want...) })
		}
	})
	t.Run("pruning", func(t *testing.T) {
		_, sum := run(pqPath, "--job", "select", "--where", "duration > 1000000", "--columns", "sourceIP", "--chunk-size", "64KiB")
		if sum.RowGroupsPruned != sum.RowGroups || sum.RecordsIn != 0 {
			t.Fatalf("a --where no row group satisfies: %d of %d row groups pruned, %d records read", sum.RowGroupsPruned, sum.RowGroups, sum.RecordsIn)
		}
		fi, _ := os.Stat(pqPath)
		if sum.BytesRead*5 > fi.Size() {
			t.Fatalf("read %d bytes of a %d-byte file for a --where no row group satisfies: want footers only", sum.BytesRead, fi.Size())
		}
	})
}

// firstDiff names the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < min(len(g), len(w)); i++ {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d is %q, want %q (%d lines, want %d)", i+1, g[i], w[i], len(g), len(w))
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}
