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
	columns := []struct {
		texts  []string
		duck   string // the type DuckDB's sniffer gives the column
		wheres []string
	}{
		{[]string{"true", "False", "t", "F", "yes", "NO", "TRUE", "f"}, "BOOLEAN",
			[]string{"s = 'yes'", "s = 't'", "s <> 'no'", "s IN ('y', 'no')", "s > 'f'"}},
		{[]string{"y", "n", "Y", "N", "U", "1", "0", "y"}, "VARCHAR",
			[]string{"s = 'y'", "s = 'Y'", "s <> 'n'", "s IN ('Y', 'U')", "s = 't'", "s = 'yes'", "s < 'N'", "s > 'f'", "s = '0'"}},
	}
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
