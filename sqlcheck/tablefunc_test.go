package sqlcheck

import (
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestReadCSVDelimAgreesWithDuckDB: FROM read_csv('PATH', delim = 'X') (and
// read_csv_auto, sep) reads the input with that delimiter, the one the
// sniffer would not pick (',' and ';' split every record alike, a tie to
// ','), and answers the same query text as DuckDB does; read_parquet over a
// CSV file, refused before anything runs, is an error in DuckDB too.
func TestReadCSVDelimAgreesWithDuckDB(t *testing.T) {
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	path := testutil.WriteFile(t, t.TempDir(), "f.csv", []byte("a,x;b\n1,2;3\n4,5;6\n7,8;9\n"))
	for _, q := range []string{
		"SELECT * FROM read_csv('%s', delim=';')",
		"SELECT \"a,x\", sum(b) AS s FROM read_csv('%s', delim = ';') GROUP BY \"a,x\" ORDER BY 1",
		"SELECT b FROM read_csv_auto('%s', sep=';') t WHERE t.b > 3 ORDER BY b DESC",
		"SELECT * FROM read_csv('%s', delim=',')",
		"SELECT count(*) FROM read_csv('%s')",
	} {
		q := strings.Replace(q, "%s", path, 1)
		r.agrees(t, db, strings.Replace(q, path, "f.csv", 1), q, strings.Contains(q, "ORDER BY"))
	}
	q := "SELECT * FROM read_parquet('" + path + "')"
	if _, err := duckQuery(db, q); err == nil {
		t.Errorf("DuckDB read %s as Parquet", path)
	}
	if _, err := r.run(q, ""); err == nil || !strings.Contains(err.Error(), "a .csv location is not read by read_parquet") {
		t.Errorf("%s: %v", q, err)
	}
}
