package plan_test

import (
	"context"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestSniffHeader: whether the first record of a CSV start is a header, as
// DuckDB's sniffer decides (csvcheck's TestNoHeaderSniffedAsDuckDB checks
// against DuckDB's sniff_csv itself): not when its values are of the
// types the other records give their columns; a header when one is not,
// when every column is text, when every value of it is NULL; a one-record
// file types its columns by that record; a start of one record that the
// sample cuts keeps it as the header. Without a header, a byte order mark
// is skipped (Header 3), and after a preamble the first row is where the
// header would be.
func TestSniffHeader(t *testing.T) {
	for _, c := range []struct {
		name, data string
		eof        bool
		noHeader   bool
		header     int64
	}{
		{"numbers", "1,2.5\n3,4.5\n", true, true, 0},
		{"a header over numbers", "id,amount\n3,4.5\n5,6.5\n", true, false, 0},
		{"text and numbers", "Oslo,1\nRome,2\n", true, true, 0},
		{"all text", "Oslo,Norway\nRome,Italy\n", true, false, 0},
		{"numbers over text", "1,2\nOslo,Norway\n", true, false, 0},
		{"a double over integers", "1.5,2\n3,4\n", true, false, 0},
		{"an integer over doubles", "1,2\n3.5,4\n", true, true, 0},
		{"dates", "2026-01-01,x\n2026-01-02,y\n", true, true, 0},
		{"a NULL in a typed column", "1,\n2,3\n", true, true, 0},
		{"NULLs only", ",\n2,3\n", true, false, 0},
		{"a column NULL but in the first row", "1,x\n2,\n", true, false, 0},
		{"one row of numbers", "1,2\n", true, true, 0},
		{"one row of text", "id,amount\n", true, false, 0},
		{"one row, cut", "1,2\n3", false, false, 0},
		{"a byte order mark", "\ufeff1,2\n3,4\n", true, true, 3},
		{"a preamble", "Report\n1,2\n3,4\n", true, true, 7},
		{"a preamble and a header", "Report\na,b\n3,4\n", true, false, 7},
		{"CRLF", "1,2\r\n3,4\r\n", true, true, 0},
		{"semicolons", "1;x\n2;y\n", true, true, 0},
	} {
		d, err := plan.SniffDialect([]byte(c.data), c.eof)
		if err != nil || d.NoHeader != c.noHeader || d.Header != c.header {
			t.Errorf("%s: SniffDialect(%q) = %+v, %v; want NoHeader %v, Header %d", c.name, c.data, d, err, c.noHeader, c.header)
		}
	}
}

// TestResolveJobNoHeader: the planner records a CSV input's lack of a
// header row on the input (Object.NoHeader) and every chunk part of it,
// with a delimiter given too; an input with a header has none.
func TestResolveJobNoHeader(t *testing.T) {
	dir := t.TempDir()
	nums := testutil.WriteFile(t, dir, "nums.csv", []byte("1;2\n3;4\n5;6\n"))
	named := testutil.WriteFile(t, dir, "named.csv", []byte("a;b\n3;4\n"))
	for _, params := range []map[string]string{
		{"key": "column0", "agg": "count:column1"},
		{"key": "column0", "agg": "count:column1", "delim": ";"},
	} {
		objs, _, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "groupby", params, []string{nums, named})
		if err != nil {
			t.Fatal(err)
		}
		if !objs[0].NoHeader || objs[1].NoHeader {
			t.Errorf("%v: NoHeader %v %v, want true false", params, objs[0].NoHeader, objs[1].NoHeader)
		}
		for _, ch := range plan.Split(objs, 5) {
			for _, p := range ch.Parts {
				if p.NoHeader != (p.URL == objs[0].URL) {
					t.Errorf("%v: part %+v: NoHeader %v", params, p, p.NoHeader)
				}
			}
		}
	}
}
