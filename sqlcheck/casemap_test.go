package sqlcheck

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestCaseMappingAgreesWithDuckDB: upper, lower and length of every
// printable code point below U+20000 (one per row) are DuckDB's, which
// maps ß to ẞ where Unicode's simple mapping keeps ß.
func TestCaseMappingAgreesWithDuckDB(t *testing.T) {
	var b strings.Builder
	b.WriteString("cp,c\n")
	for r := rune(0x21); r < 0x20000; r++ {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || r == ',' || r == '"' {
			continue
		}
		fmt.Fprintf(&b, "%d,%c\n", r, r)
	}
	path := testutil.WriteFile(t, t.TempDir(), "cp.csv", []byte(b.String()))
	db := openDuck(t)
	want, err := duckQuery(db, fmt.Sprintf("SELECT cp::BIGINT AS cp, upper(c) AS u, lower(c) AS l, length(upper(c)) AS n FROM read_csv('%s', all_varchar=true, quote='\"') ORDER BY cp", path))
	if err != nil {
		t.Fatal(err)
	}
	if len(want.rows) < 50_000 {
		t.Fatalf("DuckDB returns %d rows: the file is not what the test wrote", len(want.rows))
	}
	got, _ := newRunner(t, 256<<10, 0).answer(t, fmt.Sprintf("SELECT cp, upper(c) AS u, lower(c) AS l, length(upper(c)) AS n FROM '%s' ORDER BY cp", path), "")
	if msg := diff(got, want, true); msg != "" {
		t.Error(msg)
	}
}
