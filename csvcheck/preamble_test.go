package csvcheck

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil"
)

// preambled are CSV files whose header follows a preamble that DuckDB's
// sniffer skips (its SkipRows): a title line, two lines and a blank one,
// Excel's "sep=;" line, a quoted title holding delimiters, a title of two
// fields before rows of four, CRLF rows, a byte order mark before the
// title, and a gzip file; the rows hold quoted delimiters and newlines.
func preambled(t *testing.T) map[string]string {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(append([]byte("Report generated 2026-01-01\n\n"), delimited(18, 300, ',', false)...)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFiles(t, map[string][]byte{
		"title.csv":         append([]byte("Report generated 2026-01-01\n"), delimited(11, 300, ',', false)...),
		"two-and-blank.csv": append([]byte("Report generated 2026-01-01\nby the finance team\n\n"), delimited(12, 300, ';', false)...),
		"excel-sep.csv":     append([]byte("sep=;\r\n"), delimited(13, 300, ';', true)...),
		"quoted-title.csv":  append([]byte("\"Sales, Q1; 2026 | all\"\n"), delimited(14, 300, '|', false)...),
		"two-fields.csv":    append([]byte("Report,2026\n"), delimited(15, 300, ',', false)...),
		"crlf.csv":          append([]byte("Exported\r\n"), delimited(16, 300, '\t', true)...),
		"bom.csv":           append([]byte("\ufeffExported 2026-12-07\n"), delimited(17, 300, ',', false)...),
		"gzip.csv.gz":       gz.Bytes(),
	})
}

// TestPreambleSniffedAsDuckDB: the planner's sniffing (plan.SniffDialect)
// finds the delimiter DuckDB's sniff_csv finds and the header after the
// lines it skips (SkipRows), where it refused such a file as ragged.
func TestPreambleSniffedAsDuckDB(t *testing.T) {
	db := openDuck(t)
	for name, file := range preambled(t) {
		if strings.HasSuffix(name, ".gz") {
			continue // sniffed decompressed; the jobs below check it
		}
		got := duck(t, db, fmt.Sprintf("SELECT Delimiter, SkipRows::VARCHAR, HasHeader::VARCHAR FROM sniff_csv('%s')", file))
		skip, _ := strconv.Atoi(got[0][1])
		if skip == 0 || got[0][2] != "true" {
			t.Fatalf("%s: DuckDB sniffs %q (delimiter, skipped lines, header): no preamble skipped", name, got)
		}
		data := testutil.ReadFile(t, file)
		header := 0
		for range skip {
			header += bytes.IndexByte(data[header:], '\n') + 1
		}
		d, err := plan.SniffDialect(data[:min(len(data), 64<<10)], len(data) <= 64<<10)
		if err != nil || string(d.Delim) != got[0][0] || d.Header != int64(header) {
			t.Errorf("%s: sniffed %q, header at byte %d (%v); DuckDB %q, skipping %d lines: byte %d", name, d.Delim, d.Header, err, got[0][0], skip, header)
		}
	}
}

// TestPreambleAsDuckDB: over each file of preambled, groupby, select and
// sql give DuckDB's read_csv answers (it skips the preamble and takes the
// next line as the header) at every chunk size, with chunks that end
// inside the preamble and the header.
func TestPreambleAsDuckDB(t *testing.T) {
	db := openDuck(t)
	for name, file := range preambled(t) {
		checkSniffedJobs(t, db, name, file)
	}
}

// TestPreambleGivenDelimAsDuckDB: with the delimiter given (--delim, or a
// tab for a .tsv name), a preamble is skipped as DuckDB's read_csv with
// that delim skips it, at chunk sizes 1 MiB and 97: sql's GROUP BY gives
// DuckDB's answer (where the title line was the header before).
func TestPreambleGivenDelimAsDuckDB(t *testing.T) {
	db := openDuck(t)
	files := preambled(t)
	crlf := testutil.ReadFile(t, files["crlf.csv"])
	files["crlf.tsv"] = writeFiles(t, map[string][]byte{"crlf.tsv": crlf})["crlf.tsv"]
	for name, file := range files {
		src := name
		if strings.HasSuffix(name, ".tsv") {
			src = "crlf.csv"
		}
		delim := duck(t, db, fmt.Sprintf("SELECT Delimiter FROM sniff_csv('%s')", files[src]))[0][0]
		params := jobs.Params{}
		if !strings.HasSuffix(name, ".tsv") {
			params["delim"] = delim
		}
		q := fmt.Sprintf("SELECT city, count(*) AS n, min(note) AS m FROM '%s' GROUP BY city ORDER BY city", file)
		dq := strings.Replace(q, "'"+file+"'", fmt.Sprintf("read_csv('%s', delim = '%s')", file, delim), 1)
		want, werr := duckResult(db, dq)
		if werr != nil {
			t.Fatalf("%s: %v", name, werr)
		}
		for _, chunk := range []int64{1 << 20, 97} {
			params["query"] = q
			got, gerr := ours(t, db, "sql", params, file, chunk)
			if msg := compare(got, gerr, want, werr, true); msg != "" {
				t.Errorf("%s with delimiter %q at chunk size %d: %s", name, delim, chunk, msg)
			}
		}
	}
}
