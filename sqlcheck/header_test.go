package sqlcheck

import (
	"slices"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestHeaderNamesAgreeWithDuckDB: a CSV header whose names repeat, or differ only in
// case, gives the columns DuckDB's read_csv gives (a repeated name renamed name_N,
// ASCII case ignored, other letters not), so SELECT * answers every column with its own
// values and DuckDB's names, and a query can name each column, the renamed ones too.
func TestHeaderNamesAgreeWithDuckDB(t *testing.T) {
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	dir := t.TempDir()
	cases := []struct {
		header  string
		queries []string
	}{
		{"a,A,b,a", []string{"SELECT * FROM '%s'", "SELECT a_2, A_1, b FROM '%s'", "SELECT A, a_1 FROM '%s'",
			"SELECT * FROM '%s' WHERE a_2 > 5", "SELECT a_1, sum(a_2) AS s FROM '%s' GROUP BY a_1 ORDER BY a_1",
			"SELECT * FROM '%s' ORDER BY a_2 DESC LIMIT 2", "SELECT DISTINCT * FROM '%s'"}},
		{"x,X", []string{"SELECT * FROM '%s'", "SELECT X_1, x FROM '%s'"}},
		{"a,a_1,a", []string{"SELECT * FROM '%s'", "SELECT a_1_1 FROM '%s'"}},
		{"a,a,a_1", []string{"SELECT * FROM '%s'"}},
		{"a,A_1,a,a", []string{"SELECT * FROM '%s'"}},
		{"É,é", []string{"SELECT * FROM '%s'", "SELECT é, É FROM '%s'"}},
	}
	for i, c := range cases {
		n := strings.Count(c.header, ",") + 1
		var b strings.Builder
		b.WriteString(c.header + "\n")
		for row := 0; row < 6; row++ {
			for col := 0; col < n; col++ {
				if col > 0 {
					b.WriteByte(',')
				}
				b.WriteString(string(rune('1' + (row*n+col)%9)))
			}
			b.WriteByte('\n')
		}
		path := testutil.WriteFile(t, dir, string(rune('a'+i))+".csv", []byte(b.String()))
		for _, q := range c.queries {
			q := strings.Replace(q, "%s", path, 1)
			t.Run(c.header+": "+strings.Replace(q, path, "t", 1), func(t *testing.T) {
				want, err := duckQuery(db, q)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := r.answer(t, q, "")
				// The names as DuckDB answers them: a column named as it is renamed
				// (SELECT * and SELECT a_2), not as another spelling asks for it.
				if strings.HasPrefix(q, "SELECT *") || strings.HasPrefix(q, "SELECT DISTINCT *") || q == strings.Replace("SELECT a_2, A_1, b FROM '%s'", "%s", path, 1) {
					if !slices.Equal(got.names, want.names) {
						t.Fatalf("columns %q, DuckDB's %q", got.names, want.names)
					}
				}
				if msg := diff(got, want, strings.Contains(q, "ORDER BY")); msg != "" {
					t.Fatal(msg)
				}
			})
		}
	}
}
