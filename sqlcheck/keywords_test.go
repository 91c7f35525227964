package sqlcheck

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestKeywordsAgreeWithDuckDB: the keywords whose names the output header
// writes quoted inside an expression's name are DuckDB's.
func TestKeywordsAgreeWithDuckDB(t *testing.T) {
	db := openDuck(t)
	res, err := duckQuery(db, "SELECT keyword_name FROM duckdb_keywords() ORDER BY keyword_name")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, row := range res.rows {
		want = append(want, row[0])
	}
	slices.Sort(want)
	if got := sql.DuckKeywords(); !slices.Equal(got, want) {
		t.Errorf("%d keywords, DuckDB has %d", len(got), len(want))
		for _, k := range want {
			if !slices.Contains(got, k) {
				t.Errorf("missing %q", k)
			}
		}
	}
}

// TestKeywordColumnsAgreeWithDuckDB: CSV columns named by SQL keywords
// (select, order, group, and unreserved ones like name and value) can be
// read quoted, and the output's header line is the bytes DuckDB's CSV writer
// writes for the same query (COPY ... TO): a column alone under its name, an
// expression's name with the keyword quoted ("(""order"" + 1)"), a function
// whose name is a keyword as main."trim", a qualified name with its table.
func TestKeywordColumnsAgreeWithDuckDB(t *testing.T) {
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	dir := t.TempDir()
	data := "id,select,order,group,name,Value,A b\n1,x,3,g,n1,10,5\n2,y,1,h,n2,20,6\n3, z ,2,g,n3,30,7\n"
	path := testutil.WriteFile(t, dir, "k.csv", []byte(data))
	queries := []string{
		`SELECT * FROM '%s'`,
		`SELECT "select", "order", "group" FROM '%s' WHERE "order" > 1 ORDER BY "order"`,
		`SELECT "order" + 1, upper("group"), trim("select"), substring("select", 1, 1), substr("select", 1, 1), -"order", "Value" * 2, "A b" + 1, t."order" + 1, t."select" FROM '%s' t ORDER BY id`,
		`SELECT "order" IS NULL, "order" BETWEEN 1 AND 2, "order" IN (1, 2), "select" LIKE 'x%%', CAST("order" AS VARCHAR), length(name) FROM '%s' ORDER BY id`,
		`SELECT "group", sum("order"), count(DISTINCT "select"), min(name), max("Value"), avg("order") FROM '%s' GROUP BY "group" ORDER BY "group"`,
		`SELECT "group" AS "order", count(*) AS "select" FROM '%s' GROUP BY "group" ORDER BY "order"`,
	}
	for i, q := range queries {
		q := fmt.Sprintf(q, path)
		t.Run(strings.Replace(q, path, "k.csv", 1), func(t *testing.T) {
			copyTo := filepath.Join(dir, fmt.Sprintf("duck-%d.csv", i))
			if _, err := db.Exec(fmt.Sprintf("COPY (%s) TO '%s' (HEADER)", q, copyTo)); err != nil {
				t.Fatal(err)
			}
			want := testutil.ReadFile(t, copyTo)
			got, err := r.run(q, "")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("ours:\n%s\nDuckDB's:\n%s", got, want)
			}
		})
	}
}

// TestAggregateOrderByColumnRefused: a name in an aggregate query's ORDER BY
// expression that aliases a select item and is also an input column that is
// not a group key is the column in DuckDB, which refuses the query; so does
// the job (a name error, sql.ErrName, with DuckDB's reason, before
// anything runs), while HAVING and a bare ORDER
// BY name take the alias in both.
func TestAggregateOrderByColumnRefused(t *testing.T) {
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	path := testutil.WriteFile(t, t.TempDir(), "o.csv", []byte("country,qty\nUS,5\nDE,7\nUS,9\nFR,1\n"))
	const refused = "SELECT country, sum(qty) AS qty FROM '%s' GROUP BY country ORDER BY -qty"
	for _, q := range []string{refused,
		"SELECT country, sum(qty) AS qty FROM '%s' GROUP BY country HAVING qty > 5 ORDER BY country",
		"SELECT country, sum(qty) AS qty FROM '%s' GROUP BY country ORDER BY qty",
		"SELECT country, sum(qty) AS n FROM '%s' GROUP BY country ORDER BY -n",
	} {
		q := fmt.Sprintf(q, path)
		want, duckErr := duckQuery(db, q)
		_, err := r.run(q, "")
		switch {
		case duckErr != nil && !strings.Contains(duckErr.Error(), `column "qty" must appear in the GROUP BY clause`):
			t.Errorf("%s: DuckDB refuses it otherwise: %v", q, duckErr)
		case duckErr != nil && (err == nil || !strings.Contains(err.Error(), `name error`) || !strings.Contains(err.Error(), `column "qty" must appear in the GROUP BY clause`)):
			t.Errorf("%s: %v; DuckDB refuses it: %v", q, err, duckErr)
		case duckErr == nil && err != nil:
			t.Errorf("%s: %v; DuckDB answers %q", q, err, want.rows)
		case duckErr == nil:
			got, _ := r.answer(t, q, "")
			if msg := diff(got, want, true); msg != "" {
				t.Errorf("%s: %s", q, msg)
			}
		}
		if (duckErr != nil) != (q == fmt.Sprintf(refused, path)) {
			t.Errorf("%s: DuckDB's answer %v is not the one this test is about", q, duckErr)
		}
	}
}
