package sqlcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDateTextAgreesWithDuckDB: texts in a DATE column read as DuckDB casts
// them (TRY_CAST): other separators, text after the date, " (BC)" with one
// space or more, a trailing digit; the texts that are not dates are the
// rows the job skips and TRY_CAST makes NULL. The column as DuckDB's
// sniffer reads it, VARCHAR (so does the planner's), compared with a DATE
// is refused by both.
func TestDateTextAgreesWithDuckDB(t *testing.T) {
	texts := []string{
		"2020-01-01", "2020/01/02", "2020 01 03", `2020\01\04`, "2020-01-05x", "2020-01-06 12:00:00", "2020-01-07T12:00",
		"2020-1-8x", "2020-01-09-", "2020-01-10.5", "2020-01-11 (AD)", "2020-01-015", "2020-01/13", "2020.01.14",
		"+2020-01-15", "2020-001-16", "0044-03-15 (BC)", "0044-03-15  (BC)", "0044-03-15\t(BC)", "0044-03-15(BC)",
		"0044-03-15 (BC)x", "0044-03-15 (B C)", "2020-01-01 (bc)5", "0044-03-15 \t (BC)", "2024-02-29 (BC)",
		"-0001-02-29", "-0004-02-29", " 2020-01-01 ", "2020-01-01 (BC", "x2020-01-01", "2020-02-30",
	}
	textsAgreeWithDuckDB(t, texts, []textCase{
		{"SELECT id, s FROM '{f}' ORDER BY id", "SELECT id::BIGINT AS id, TRY_CAST(s AS DATE) AS s FROM {f} WHERE TRY_CAST(s AS DATE) IS NOT NULL ORDER BY id", "s:DATE"},
		{"SELECT id FROM '{f}' WHERE s = DATE '2020-01-01' ORDER BY id", sniffedRefusal, ""},
	})
}

// textCase is a query over a CSV of texts (id, s), as the job gets it with
// a schema and as DuckDB gets it; {f} stands for the file. A duck of
// sniffedRefusal: DuckDB, reading the file as its sniffer does (s
// VARCHAR), refuses ours, and so does the job.
type textCase struct{ ours, duck, schema string }

// sniffedRefusal is textCase's duck for a query both refuse.
const sniffedRefusal = "refused"

// textsAgreeWithDuckDB writes texts as the column s of a CSV (id, s) and
// runs each case by the job and by DuckDB (the file read all VARCHAR),
// comparing the answers.
func textsAgreeWithDuckDB(t *testing.T, texts []string, cases []textCase) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "t.csv")
	var b strings.Builder
	b.WriteString("id,s\n")
	for i, s := range texts {
		fmt.Fprintf(&b, "%d,\"%s\"\n", i, s)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	duckFrom := fmt.Sprintf("read_csv('%s', all_varchar=true)", path)
	for _, c := range cases {
		t.Run(c.ours, func(t *testing.T) {
			if c.duck == sniffedRefusal {
				q := strings.ReplaceAll(c.ours, "{f}", path)
				_, derr := duckQuery(db, q)
				_, err := r.run(q, c.schema)
				if derr == nil || err == nil {
					t.Fatalf("DuckDB: %v; ours: %v; want both to refuse", derr, err)
				}
				return
			}
			want, err := duckQuery(db, strings.ReplaceAll(c.duck, "{f}", duckFrom))
			if err != nil {
				t.Fatal(err)
			}
			if len(want.rows) < 2 {
				t.Fatalf("DuckDB returns %d rows: the query tests little", len(want.rows))
			}
			got, out := r.answer(t, strings.ReplaceAll(c.ours, "{f}", path), c.schema)
			if msg := diff(got, want, true); msg != "" {
				t.Errorf("%s\nours:\n%s\nDuckDB: %v", msg, out, want.rows)
			}
		})
	}
}
