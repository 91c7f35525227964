package plan

import (
	"testing"

	"github.com/scattergather/scattergather/internal/jobs/csvline"

	"github.com/scattergather/scattergather/internal/pq"
)

// TestSniffCSVTypes: the sample's columns are typed by their values as
// DuckDB's sniffer types them: empty fields (quoted or not) are NULL and
// type nothing, a quoted field is its text, the header past a preamble
// names the columns (one that repeats renamed, as DuckDB does), and a record the
// sample cuts is not read.
func TestSniffCSVTypes(t *testing.T) {
	sample := "title line\n" +
		"id,flag,amount,word,dup,DUP,date\n" +
		"1,True,\"1,234\",x,1,2,2001-01-01\n" +
		"2,FALSE,999,,1,2,\n" +
		"3,,\"\",7,1,2,2001-01-03\n" +
		"4,t,5,8,1,2,2001-01-0" // cut: not read
	names, cols := sniffCSVTypes([]byte(sample), false, int64(len("title line\n")), false, ',', csvline.RFC4180)
	want := map[string]pq.OutputKind{"id": pq.OutInt64, "flag": pq.OutBoolean, "amount": pq.OutString, "word": pq.OutString, "dup": pq.OutInt64, "DUP_1": pq.OutInt64, "date": pq.OutDate}
	if len(names) != len(want) {
		t.Fatalf("names %q, want those of %v", names, want)
	}
	for i, n := range names {
		if k, ok := want[n]; !ok || cols[i].Kind != k {
			t.Errorf("column %s: %v, want %v", n, cols[i].Kind, want[n])
		}
	}
	// The whole object: its last record, without a newline, is read.
	names, cols = sniffCSVTypes([]byte("a,b\n1,x\n2,true"), true, 0, false, ',', csvline.RFC4180)
	if len(names) != 2 || cols[0].Kind != pq.OutInt64 || cols[1].Kind != pq.OutString {
		t.Errorf("%q %v, want a BIGINT and a VARCHAR", names, cols)
	}
	// Without a header row (after a byte order mark): the first record is
	// a row, typed with the others, the columns column0, column1, ...
	names, cols = sniffCSVTypes([]byte("\ufeffTrue,x,1\nFALSE,10,2\n"), true, 3, true, ',', csvline.RFC4180)
	if len(names) != 3 || names[0] != "column0" || names[2] != "column2" ||
		cols[0].Kind != pq.OutBoolean || cols[1].Kind != pq.OutString || cols[2].Kind != pq.OutInt64 {
		t.Errorf("%q %v, want column0 BOOLEAN, column1 VARCHAR, column2 BIGINT", names, cols)
	}
	// A file's sniffed quoting (here MySQL's: '"' escaped with a
	// backslash) reads its records: amount is a BIGINT, as DuckDB types it
	// (with '"' doubled the first record is bad quoting, nothing is
	// sampled and every column is VARCHAR).
	mysql := "id,city,amount\n1,\"Say \\\"hi\\\", Oslo\",7\n2,\"a\\\\\",80\n3,Lima,9\n"
	names, cols = sniffCSVTypes([]byte(mysql), true, 0, false, ',', csvline.Quoting{Quote: '"', Escape: '\\'})
	if len(names) != 3 || cols[0].Kind != pq.OutInt64 || cols[1].Kind != pq.OutString || cols[2].Kind != pq.OutInt64 {
		t.Errorf("%q %v, want a BIGINT, a VARCHAR and a BIGINT", names, cols)
	}
}
