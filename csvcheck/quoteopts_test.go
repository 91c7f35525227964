package csvcheck

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
)

// quoted are CSV files whose sniffed quoting the user's quote or escape
// changes: one quoting its cities with '\” (sniffed so; quote = '"'
// keeps the apostrophes), one quoting with '"' and ending cities in two
// backslashes (sniffed '"' doubled: c1\\; escape = '\' reads c1\).
func quoted(t *testing.T) map[string]string {
	t.Helper()
	var apos, back strings.Builder
	apos.WriteString("city,note,amount\n")
	back.WriteString("city,note,amount\n")
	for i := range 600 {
		fmt.Fprintf(&apos, "'c%d','n %d',%d\n", i%7, i, i)
		fmt.Fprintf(&back, "\"c%d\\\\\",\"n, %d\",%d\n", i%7, i, i)
	}
	return writeFiles(t, map[string][]byte{"apostrophes.csv": []byte(apos.String()), "backslashes.csv": []byte(back.String())})
}

// TestGivenQuotingAsDuckDB: a quote or escape given (the query's
// read_csv(..., quote = ..., escape = ...), or --quote/--escape beside FROM
// 'PATH', with and without --delim) overrides the sniffed one as DuckDB's
// read_csv options do: sql's GROUP BY gives DuckDB's answer at chunk sizes
// 97, 1000 and 1 MiB.
func TestGivenQuotingAsDuckDB(t *testing.T) {
	db := openDuck(t)
	files := quoted(t)
	cases := []struct {
		file, opts string
		params     jobs.Params
	}{
		{"apostrophes.csv", `quote = '"'`, jobs.Params{"quote": `"`}},
		{"apostrophes.csv", `quote = '"', delim = ','`, jobs.Params{"quote": `"`, "delim": ","}},
		{"backslashes.csv", `escape = '\'`, jobs.Params{"escape": `\`}},
		{"backslashes.csv", `quote = '"', escape = '\'`, jobs.Params{"quote": `"`, "escape": `\`, "delim": ","}},
	}
	for _, c := range cases {
		file := files[c.file]
		sel := "SELECT city, count(*) AS n, min(note) AS m, sum(amount)::VARCHAR AS s FROM %s GROUP BY city ORDER BY city"
		fromFunc := fmt.Sprintf("read_csv('%s', %s)", file, c.opts)
		want, werr := duckResult(db, fmt.Sprintf(sel, fromFunc))
		if werr != nil {
			t.Fatalf("%s with %s: %v", c.file, c.opts, werr)
		}
		sniffed, _ := duckResult(db, fmt.Sprintf(sel, fmt.Sprintf("'%s'", file)))
		if msg := compare(sniffed, nil, want, nil, true); msg == "" {
			t.Fatalf("%s: DuckDB answers alike with %s and sniffing: no test", c.file, c.opts)
		}
		for _, chunk := range []int64{97, 1000, 1 << 20} {
			got, gerr := ours(t, db, "sql", jobs.Params{"query": fmt.Sprintf(sel, fromFunc)}, file, chunk)
			if msg := compare(got, gerr, want, werr, true); msg != "" {
				t.Errorf("%s with %s at chunk size %d: %s", c.file, c.opts, chunk, msg)
			}
			params := jobs.Params{"query": fmt.Sprintf(sel, fmt.Sprintf("'%s'", file))}
			for k, v := range c.params {
				params[k] = v
			}
			got, gerr = ours(t, db, "sql", params, file, chunk)
			if msg := compare(got, gerr, want, werr, true); msg != "" {
				t.Errorf("%s with %v at chunk size %d: %s", c.file, c.params, chunk, msg)
			}
		}
	}
}

// TestGivenQuotingRefusedAsDuckDB: a quote or escape DuckDB's read_csv
// refuses (more than one byte, the delimiter) is refused, in its words.
func TestGivenQuotingRefusedAsDuckDB(t *testing.T) {
	db := openDuck(t)
	file := quoted(t)["apostrophes.csv"]
	for _, opts := range []string{`quote = 'ab'`, `escape = '\\'`, `quote = ';', delim = ';'`, `delim = '|', escape = '|'`, `escape = ','`} {
		q := fmt.Sprintf("SELECT count(*) AS n FROM read_csv('%s', %s)", file, opts)
		_, werr := duckResult(db, q)
		if werr == nil {
			t.Fatalf("DuckDB reads %s", opts)
		}
		_, gerr := ours(t, db, "sql", jobs.Params{"query": q}, file, 1<<20)
		msg := strings.SplitN(werr.Error(), "\n", 2)[0]
		msg = msg[strings.Index(msg, ": ")+2:]
		if gerr == nil || !strings.Contains(gerr.Error(), msg) {
			t.Errorf("%s: we say %v, DuckDB %q", opts, gerr, msg)
		}
	}
}
