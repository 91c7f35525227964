package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/duckfmt"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/internal/testutil"
)

// visitsParquet writes size bytes of generated uservisits (seed) as the
// Parquet file visits.parquet in dir, in row groups of rowGroup rows, and
// returns its path and uservisitsParquet's CSV and column lines.
func visitsParquet(t *testing.T, dir string, size int64, seed uint64, rowGroup int64) (string, []byte, map[string][]byte) {
	t.Helper()
	data, err := datagen.Bytes("uservisits", size, seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "visits.parquet")
	csvData, lines := uservisitsParquet(t, data, path, rowGroup)
	return path, csvData, lines
}

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
	lines := map[string][]byte{}
	pqtest.WriteOurs(t, path, cols, len(rows)-1, func(w *pq.Writer, i int) error {
		for c, v := range rows[i+1] {
			if err := w.Text(c, []byte(v)); err != nil {
				return err
			}
			lines[rows[0][c]] = append(append(lines[rows[0][c]], v...), '\n')
		}
		return nil
	}, parquet.MaxRowsPerRowGroup(rowGroup))
	return normal.Bytes(), lines
}

// TestParquetMatchesCSV: every job gives the same output on a Parquet file
// as on the same data in CSV (a line job over a column as over a text file of
// its values; search's places are row indexes), at several chunk sizes; an
// object without an extension is read as Parquet by its PAR1 magic; a
// --where no row group can satisfy reads no column data.
func TestParquetMatchesCSV(t *testing.T) {
	dir := t.TempDir()
	pqPath, csvData, lines := visitsParquet(t, dir, 400_000, 21, 700)
	csvPath := testutil.WriteFile(t, dir, "visits.csv", csvData)
	for _, col := range []string{"userAgent", "searchWord"} {
		testutil.WriteFile(t, dir, col+".txt", lines[col])
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
		got := testutil.ReadFile(t, out)
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
				if !bytes.Equal(got, want) && !sameNumbers(got, want) {
					t.Fatalf("chunk size %s: the Parquet output differs from the CSV one: %s", size, testutil.FirstLineDiff(got, want))
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
	t.Run("search", func(t *testing.T) { testSearchOverColumn(t, run, dir, pqPath, lines["userAgent"]) })
	t.Run("by the PAR1 magic", func(t *testing.T) {
		// An object whose name says no format is read as Parquet by its magic.
		whole := testutil.ReadFile(t, pqPath)
		noExt := testutil.WriteFile(t, dir, "visits-export", whole)
		args := []string{"--job", "groupby", "--key", "countryCode", "--agg", "sum:adRevenue,count:*", "--chunk-size", "64KiB"}
		want, _ := run(csvPath, args...)
		got, sum := run(noExt, args...)
		if !bytes.Equal(got, want) || sum.RowGroups == 0 {
			t.Fatalf("%d row groups read; output differs from the CSV one: %s", sum.RowGroups, testutil.FirstLineDiff(got, want))
		}
		// and a CSV without an extension is still CSV
		csvNoExt := testutil.WriteFile(t, dir, "visits-csv-export", csvData)
		if got, sum := run(csvNoExt, args...); !bytes.Equal(got, want) || sum.RowGroups != 0 {
			t.Fatalf("a CSV without an extension: %d row groups; output differs: %s", sum.RowGroups, testutil.FirstLineDiff(got, want))
		}
	})
	t.Run("bad input", func(t *testing.T) {
		whole, _ := os.ReadFile(pqPath)
		trunc := testutil.WriteFile(t, dir, "trunc.parquet", whole[:len(whole)/2])
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
	t.Run("damaged column data", func(t *testing.T) { testDamagedColumnData(t, dir, pqPath, state) })
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

// testSearchOverColumn is TestParquetMatchesCSV's search: over the Parquet
// column as over text, its values one a line.
func testSearchOverColumn(t *testing.T, run func(string, ...string) ([]byte, pipeline.Summary), dir, pqPath string, text []byte) {
	// A Parquet row's place is its index in the file; a text line's its
	// byte offset: the CSV-side output's places are turned into line numbers.
	args := []string{"--job", "search", "--query", "Mozilla Windows", "--k", "40", "--column", "userAgent"}
	txt := filepath.Join(dir, "userAgent.txt")
	want, _ := run(txt, append(args, "--chunk-size", "1GiB")...)
	lineOf := map[string]int{}
	for i, off := 0, 0; off < len(text); i++ {
		lineOf[strconv.Itoa(off)] = i
		off += bytes.IndexByte(text[off:], '\n') + 1
	}
	var renamed []byte
	for _, l := range strings.SplitAfter(string(want), "\n") {
		f := strings.SplitN(l, "\t", 3)
		if len(f) < 3 {
			continue
		}
		off := strings.TrimPrefix(f[1], txt+":")
		renamed = fmt.Appendf(renamed, "%s\t%s:%d\t%s", f[0], pqPath, lineOf[off], f[2])
	}
	if bytes.Count(renamed, []byte("\n")) != 40 {
		t.Fatalf("the text twin's search found %d lines, want 40:\n%s", bytes.Count(renamed, []byte("\n")), want)
	}
	for _, size := range []string{"1GiB", "9KiB"} {
		if got, _ := run(pqPath, append(args, "--chunk-size", size)...); !bytes.Equal(got, renamed) {
			t.Fatalf("chunk size %s: search over the Parquet column differs from over its text: %s", size, testutil.FirstLineDiff(got, renamed))
		}
	}
}

// testDamagedColumnData is TestParquetMatchesCSV's damaged column data.
func testDamagedColumnData(t *testing.T, dir, pqPath, state string) {
	// The last row group's adRevenue chunk starts with a broken page
	// header: the job fails naming the file, the row group and the
	// column; the chunks committed before stay committed, and no output
	// is written.
	whole := testutil.ReadFile(t, pqPath)
	f, err := pq.ReadFooter(context.Background(), blob.NewMux(nil), pqPath, pqPath, int64(len(whole)))
	if err != nil {
		t.Fatal(err)
	}
	last := len(f.RowGroups()) - 1
	start, _, ok := f.ChunkRange(last, "adRevenue")
	if !ok || last < 2 {
		t.Fatalf("%d row groups, adRevenue's chunk found %v", last+1, ok)
	}
	for i := start; i < start+16; i++ {
		whole[i] = 0xff
	}
	damaged := testutil.WriteFile(t, dir, "damaged.parquet", whole)
	out := filepath.Join(dir, "damaged.csv")
	var stdout, stderr bytes.Buffer
	err = dispatch(context.Background(), []string{"run", "--job", "select", "--where", "adRevenue > 1", "--columns", "sourceIP",
		"--input", damaged, "--output", out, "--state-dir", state, "--chunk-size", "9KiB", "--concurrency", "1"}, &stdout, &stderr)
	testutil.ErrorNames(t, err, "damaged.parquet", fmt.Sprintf("row group %d,", last), `column "adRevenue"`)
	if _, serr := os.Stat(out); serr == nil {
		t.Errorf("the failed job wrote %s", out)
	}
	id := regexp.MustCompile(`job (select-[0-9a-f]+)`).FindStringSubmatch(err.Error())
	if id == nil {
		t.Fatalf("no job ID in %v", err)
	}
	var rep bytes.Buffer
	if err := dispatch(context.Background(), []string{"report", "--state-dir", state, id[1]}, &rep, &stderr); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`FAILED, (\d+) chunks, (\d+) committed`).FindStringSubmatch(rep.String())
	if m == nil || m[2] == "0" || m[1] == m[2] {
		t.Fatalf("report: %s\nwant the job FAILED with the chunks before the damaged one committed", rep.String())
	}
}

// sameNumbers reports outputs whose fields are equal, or numbers of equal
// value ("11579.8063" and "11579.80630"): the sql job sums a Parquet DOUBLE
// column as doubles, as DuckDB does, and the same data in CSV, untyped, as
// exact decimals (docs/sql.md).
func sameNumbers(a, b []byte) bool {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	if len(la) != len(lb) {
		return false
	}
	for i := range la {
		fa, fb := strings.Split(la[i], ","), strings.Split(lb[i], ",")
		if len(fa) != len(fb) {
			return false
		}
		for j := range fa {
			x, errX := strconv.ParseFloat(fa[j], 64)
			y, errY := strconv.ParseFloat(fb[j], 64)
			if fa[j] != fb[j] && (errX != nil || errY != nil || x != y) {
				return false
			}
		}
	}
	return true
}
