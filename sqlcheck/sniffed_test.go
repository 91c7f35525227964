package sqlcheck

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestSniffedTypesAsDuckDB: over CSV columns DuckDB's sniffer reads as
// VARCHAR (numbers mixed with 1,234, with fields of only spaces, with
// words; zero-padded codes) or BOOLEAN (true and false in any case), the
// sql job, whose planner sniffs them alike, gives DuckDB's answers at
// every chunk size: min, max, ORDER BY and GROUP BY as text or as
// booleans, a comparison with a quoted literal as DuckDB casts it, and
// a comparison of a VARCHAR with a number refused as DuckDB refuses it.
func TestSniffedTypesAsDuckDB(t *testing.T) {
	db := openDuck(t)
	columns := []struct {
		name, duck string
		texts      []string
		queries    []string
	}{
		{"thousands", "VARCHAR", []string{`"1,234"`, "999", `"12,345.50"`, "7", "80"}, []string{"s = '999'", "s > '8'"}},
		{"spaces", "VARCHAR", []string{"7", "  ", "8", " ", "10"}, []string{"s = '7'", "s < '8'"}},
		{"codes", "VARCHAR", []string{"007", "010", "7", "10", "070"}, []string{"s = '7'", "s = '007'", "s < '07'"}},
		{"words", "VARCHAR", []string{"15", "015", "15.0", "x", "2"}, []string{"s = '15'", "s > '2'", "s IN ('15', 'x')"}},
		{"booleans", "BOOLEAN", []string{"True", "FALSE", "true", "false", "t", "no", "YES", "F"}, []string{"s = 'yes'", "s", "NOT s", "s = true"}},
	}
	var runners []*runner
	for _, chunk := range []int64{97, 1000, 1 << 20} {
		runners = append(runners, newRunner(t, chunk, 0))
	}
	for _, col := range columns {
		path := sniffedColumnFile(t, db, col.name, col.duck, col.texts)
		queries := []string{
			"SELECT min(s) AS lo, max(s) AS hi, count(s) AS n FROM 'F'",
			"SELECT id, s FROM 'F' ORDER BY s, id",
			"SELECT s, count(*) AS n FROM 'F' GROUP BY s ORDER BY s",
			"SELECT count(DISTINCT s) AS d FROM 'F'",
		}
		for _, w := range col.queries {
			queries = append(queries, "SELECT id, s FROM 'F' WHERE "+w+" ORDER BY id")
		}
		if col.duck == "VARCHAR" {
			queries = append(queries, "SELECT id FROM 'F' WHERE s > 5", "SELECT id FROM 'F' WHERE s = 2.5", "SELECT id FROM 'F' WHERE s < DATE '2020-01-01'")
		}
		for _, q := range queries {
			q := strings.ReplaceAll(q, "'F'", "'"+path+"'")
			want, werr := duckQuery(db, q)
			for _, r := range runners {
				t.Run(fmt.Sprintf("%s/%d/%s", col.name, r.chunkSize, strings.ReplaceAll(q, path, "F")), func(t *testing.T) {
					out, err := r.run(q, "")
					switch {
					case err != nil && werr != nil:
						return // both refuse
					case err != nil:
						t.Fatalf("we refuse (%v), DuckDB answers %v", err, want.rows)
					case werr != nil:
						t.Fatalf("DuckDB refuses (%v), we answer %s", werr, out)
					}
					got, err := parseCSV(out)
					if err != nil {
						t.Fatal(err)
					}
					if msg := diff(got, want, true); msg != "" {
						t.Errorf("%s\nours:\n%s\nDuckDB: %v", msg, out, want.rows)
					}
				})
			}
		}
	}
}

// sniffedColumnFile writes name.csv, an id column and a column s of 40
// values cycling through texts, and checks that DuckDB's read_csv sniffs s
// as duck (the type the test compares our answers under).
func sniffedColumnFile(t *testing.T, db *sql.DB, name, duck string, texts []string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,s\n")
	for i := range 40 {
		fmt.Fprintf(&b, "%d,%s\n", i, texts[i%len(texts)])
	}
	path := testutil.WriteFile(t, t.TempDir(), name+".csv", []byte(b.String()))
	typ, err := duckQuery(db, fmt.Sprintf("SELECT typeof(s) FROM '%s' LIMIT 1", path))
	if err != nil || len(typ.rows) != 1 || typ.rows[0][0] != duck {
		t.Fatalf("%s: DuckDB reads the column as %v (%v), want %s", name, typ.rows, err, duck)
	}
	return path
}
