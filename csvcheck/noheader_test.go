package csvcheck

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/plan"
)

// noHeaderShapes are CSV files whose first record DuckDB's sniffer may take
// for a row rather than a header (its HasHeader), each with the columns
// the checks use as DuckDB names them: numbers only; a text first column
// and numeric others; dates; one row of numbers; twelve columns (column00
// to column11); a byte order mark and CRLF; a preamble before the rows;
// a NULL in the first row of a typed column; a gzip file; booleans
// (True, FALSE: BOOLEAN, printed true and false) beside text of numbers and
// words (VARCHAR: min and max compare it as text), each the checked column
// once, typed as DuckDB types it (the planner's sniffed sql types). And files whose
// first record DuckDB keeps as the header: all text (the first row is not
// told from the others), one row of text, a first row of NULLs only, a
// first row of numbers over text, and a header over typed rows.
func noHeaderShapes(t *testing.T) []shape {
	t.Helper()
	cities := []string{"Oslo", "Rome", "Lima"}
	var nums, textFirst, dates, wide, allText, numsOverText, boolText strings.Builder
	bools := []string{"True", "FALSE", "true", "false"}
	for i := range 40 {
		fmt.Fprintf(&nums, "%d,%d.5,%d\n", i, i%7, i%3)
		fmt.Fprintf(&textFirst, "%s,%d,%d.25\n", cities[i%3], i, i%5)
		fmt.Fprintf(&dates, "2026-01-%02d,%s,%d\n", i%28+1, cities[i%3], i%9)
		for c := range 12 {
			fmt.Fprintf(&wide, "%d%s", i*c%11, map[bool]string{true: "\n", false: ","}[c == 11])
		}
		fmt.Fprintf(&allText, "%s,%s%d\n", cities[i%3], cities[(i+1)%3], i%4)
		fmt.Fprintf(&numsOverText, "%s,x%d\n", cities[i%3], i%5)
		word := fmt.Sprint(i * 7 % 13)
		if i%5 == 3 {
			word = cities[i%3]
		}
		fmt.Fprintf(&boolText, "%s,%s,%d\n", bools[i%4], word, i)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte(nums.String())); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	typedRows := strings.Replace(textFirst.String(), "Oslo,0,", "Oslo,,", 1)
	return []shape{
		{name: "numbers.csv", data: nums.String(), key: "column2", num: "column1"},
		{name: "text-first.csv", data: textFirst.String(), key: "column0", num: "column2"},
		{name: "dates.csv", data: dates.String(), key: "column1", num: "column2"},
		{name: "one-row.csv", data: "7,Oslo,2.5\n", key: "column1", num: "column2"},
		{name: "wide.csv", data: wide.String(), key: "column03", num: "column11"},
		{name: "bom-crlf.csv", data: "\ufeff" + strings.ReplaceAll(nums.String(), "\n", "\r\n"), key: "column2", num: "column0"},
		{name: "preamble.csv", data: "Report generated 2026-01-01\n" + nums.String(), key: "column2", num: "column1"},
		{name: "first-row-null.csv", data: typedRows, key: "column0", num: "column1"},
		{name: "numbers.csv.gz", data: gz.String(), key: "column2", num: "column1"},
		{name: "booleans.csv", data: boolText.String(), key: "column1", num: "column0"},
		{name: "text.csv", data: boolText.String(), key: "column0", num: "column1"},
		{name: "all-text.csv", data: allText.String(), key: "Oslo", num: "Rome0"},
		{name: "one-row-text.csv", data: "id,city,amount\n", key: "city", num: "amount"},
		{name: "first-row-nulls.csv", data: ",,\n" + nums.String(), key: "column2", num: "column1"},
		{name: "numbers-over-text.csv", data: "1,2\n" + numsOverText.String(), key: "1", num: "2"},
		{name: "header.csv", data: "id,amount,n\n" + nums.String(), key: "n", num: "amount"},
	}
}

// headerEdges are small files whose header decision turns on one rule of
// DuckDB's sniffer: a column NULL in every row but the first (SQLNULL,
// which the first row's text is not of), a DOUBLE over BIGINT rows, an
// integer over DOUBLE rows, booleans, integers with spaces before them,
// leading zeros (VARCHAR), one row of text and a number, one row of a
// number and NULLs, a quoted first row of numbers.
var headerEdges = map[string]string{
	"null-column.csv":     "1,x,2\n3,,4\n5,,6\n",
	"double-over-int.csv": "1.5,2\n3,4\n5,6\n",
	"int-over-double.csv": "1,2\n3.5,4\n5.5,6\n",
	"booleans.csv":        "true,1\nfalse,2\ntrue,3\n",
	"spaced-ints.csv":     " 7,1\n8,2\n 9,3\n",
	"leading-zeros.csv":   "007,1\n008,2\n009,3\n",
	"one-row-mixed.csv":   "Oslo,7\n",
	"one-row-nulls.csv":   "1,,\n",
	"quoted-numbers.csv":  "\"1\",\"2\"\n3,4\n5,6\n",
}

// TestNoHeaderSniffedAsDuckDB: the planner decides whether each file of
// noHeaderShapes and headerEdges has a header row (plan.SniffDialect's
// NoHeader) as DuckDB's sniff_csv does (HasHeader).
func TestNoHeaderSniffedAsDuckDB(t *testing.T) {
	db := openDuck(t)
	files := map[string][]byte{}
	for _, s := range noHeaderShapes(t) {
		if !strings.HasSuffix(s.name, ".gz") { // sniffed decompressed; TestNoHeaderAsDuckDB runs the jobs over it
			files[s.name] = []byte(s.data)
		}
	}
	for name, data := range headerEdges {
		files[name] = []byte(data)
	}
	for name, path := range writeFiles(t, files) {
		want := duck(t, db, fmt.Sprintf("SELECT HasHeader::VARCHAR FROM sniff_csv('%s')", path))[0][0]
		data := files[name]
		d, err := plan.SniffDialect(data[:min(len(data), 64<<10)], len(data) <= 64<<10)
		if got := fmt.Sprint(!d.NoHeader); err != nil || got != want {
			t.Errorf("%s: a header: %s (%v), DuckDB %s", name, got, err, want)
		}
	}
}

// TestNoHeaderAsDuckDB: over each file of noHeaderShapes, sql (SELECT *, a
// GROUP BY, min and max), select and groupby give DuckDB's answers at
// chunk sizes 1 MiB, 97 and 1000 (checkShape), the first row of a file
// without a header owned once at each, its columns named column0, ...
func TestNoHeaderAsDuckDB(t *testing.T) {
	db := openDuck(t)
	files := map[string][]byte{}
	for _, s := range noHeaderShapes(t) {
		files[s.name] = []byte(s.data)
	}
	paths := writeFiles(t, files)
	for _, s := range noHeaderShapes(t) {
		t.Run(s.name, func(t *testing.T) { checkShape(t, db, s, paths[s.name]) })
	}
}
