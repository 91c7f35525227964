package sqlcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBoolLiteralOnTextColumns: a string literal that reads as a boolean,
// compared with an untyped column, agrees with DuckDB on the type its CSV
// sniffer gives the column: on one it reads as BOOLEAN (true, false, t, f,
// yes, no in any case) the values compare as booleans; on one of codes it
// reads as VARCHAR (y, n, Y, N, 1, 0 are never its booleans) they compare
// as text with the literal's text.
func TestBoolLiteralOnTextColumns(t *testing.T) {
	literalsAgreeWithDuckDB(t, []sniffedColumn{
		{[]string{"true", "False", "t", "F", "yes", "NO", "TRUE", "f"}, "BOOLEAN",
			[]string{"s = 'yes'", "s = 't'", "s <> 'no'", "s IN ('y', 'no')", "s > 'f'"}},
		{[]string{"y", "n", "Y", "N", "U", "1", "0", "y"}, "VARCHAR",
			[]string{"s = 'y'", "s = 'Y'", "s <> 'n'", "s IN ('Y', 'U')", "s = 't'", "s = 'yes'", "s < 'N'", "s > 'f'", "s = '0'"}},
	})
}

// TestDateLiteralOnTextColumns: a string literal that reads as a date,
// compared with an untyped column, agrees with DuckDB on the type its CSV
// sniffer gives the column: on one of dates (here with slashes) or
// timestamps they compare as dates; on one whose dates have text after
// them, which it reads as VARCHAR, as text with the literal's text (where
// DuckDB's cast would read 2021-01-01x as a date).
func TestDateLiteralOnTextColumns(t *testing.T) {
	literalsAgreeWithDuckDB(t, []sniffedColumn{
		{[]string{"2021/01/01", "2020/12/31", "2021/01/02", "2021/02/01"}, "DATE",
			[]string{"s >= '2021-01-01'", "s = '2021/1/1'", "s < '2021-01-02'", "s BETWEEN '2020-01-01' AND '2021-01-31'", "s IN ('2021-01-02', '2020-12-31')"}},
		{[]string{"2021-01-01 10:00:00", "2021-01-01 00:00:00", "2020-12-31 23:59:59", "2021-01-02 00:00:00"}, "TIMESTAMP",
			[]string{"s = '2021-01-01'", "s > '2021-01-01'", "s >= '2021-01-01 10:00'", "s < '2021/01/02'"}},
		{[]string{"2021-01-01x", "2021-01-01 (AD)", "2020-12-31x", "2021-01-02 y", "n/a", "2021/01/01x"}, "VARCHAR",
			[]string{"s = '2021-01-01'", "s < '2021/01/01'", "s >= '2021-01-01'", "s > '2021-01-01'", "s IN ('2021-01-01', 'n/a')", "s <> '2021-01-01'"}},
	})
}

// sniffedColumn is a CSV column (id, s) of texts, the type DuckDB's CSV
// sniffer gives it, and the WHERE clauses to run on it.
type sniffedColumn struct {
	texts  []string
	duck   string
	wheres []string
}

// literalsAgreeWithDuckDB writes each column as a CSV (id, s) and runs
// SELECT id ... WHERE w by the job (untyped) and by DuckDB (read_csv's
// sniffing, checked to give the column's type), comparing the answers.
func literalsAgreeWithDuckDB(t *testing.T, columns []sniffedColumn) {
	t.Helper()
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	for i, col := range columns {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("b%d.csv", i))
		var b strings.Builder
		b.WriteString("id,s\n")
		for i, s := range col.texts {
			fmt.Fprintf(&b, "%d,%s\n", i, s)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		typ, err := duckQuery(db, fmt.Sprintf("SELECT typeof(s) FROM read_csv('%s') LIMIT 1", path))
		if err != nil || len(typ.rows) != 1 || typ.rows[0][0] != col.duck {
			t.Fatalf("%q: DuckDB reads the column as %v (%v), want %s", col.texts, typ.rows, err, col.duck)
		}
		for _, w := range col.wheres {
			t.Run(col.duck+" "+w, func(t *testing.T) {
				want, err := duckQuery(db, fmt.Sprintf("SELECT id::BIGINT AS id FROM read_csv('%s') WHERE %s ORDER BY id", path, w))
				if err != nil {
					t.Fatal(err)
				}
				got, out := r.answer(t, fmt.Sprintf("SELECT id FROM '%s' WHERE %s ORDER BY id", path, w), "")
				if msg := diff(got, want, true); msg != "" {
					t.Errorf("%s\nours:\n%s\nDuckDB: %v", msg, out, want.rows)
				}
			})
		}
	}
}
