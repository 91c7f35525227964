package jobs_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/sql"
)

// whereData has a NULL amount (row 2), a NULL day (row 4), a quoted name
// with a comma (row 5) and a non-number amount (row 6).
var whereData = []reference.Input{in("t.csv", "id,name,amount,day\n"+
	"1,Ann,10.50,2001-03-04\n"+
	"2,Bob,,2002-01-01\n"+
	"3,ann,-2,2001-12-31\n"+
	"4,Cid,100,\n"+
	"5,\"O'Neil, Jr\",7,2001-06-30\n"+
	"6,Dee,n/a,2003-02-01\n")}

// whereCases are --where conditions and the ids of the rows they keep (the
// same for select and groupby). Rows whose condition cannot be evaluated
// (row 6 under arithmetic on amount) are skipped as malformed.
var whereCases = []struct{ where, ids string }{
	// SQL expressions.
	{"amount > 5 AND name <> 'Cid'", "1 5 6"}, // an untyped 'n/a' compares with 5 as text
	{"amount BETWEEN -5 AND 20 OR name IN ('Bob')", "1 2 3 5"},
	{"amount NOT BETWEEN -5 AND 20", "4 6"}, // 'n/a' is text, compared as text with the bounds
	{"lower(name) LIKE 'a%'", "1 3"},
	{"name LIKE '%, J_'", "5"},
	{"name NOT LIKE '%n%'", "2 4 5 6"},
	{"amount IS NULL", "2"},
	{"day IS NOT NULL AND amount IS NOT NULL", "1 3 5 6"},
	{"NOT (amount < 50)", "4 6"},
	{"day BETWEEN DATE '2001-01-01' AND DATE '2001-12-31'", "1 3 5"},
	{"day >= DATE '2002-01-01' OR day IS NULL", "2 4 6"},
	{"amount = 10.5", "1"},        // SQL's =: numbers compare as numbers
	{"amount <> 10.5", "3 4 5 6"}, // and a NULL satisfies no comparison
	{"name = 'ann'", "3"},         // LIKE and = are case-sensitive
	{"upper(trim(name)) = 'ANN'", "1 3"},
	{"length(name) > 3 AND substr(name, 1, 1) = 'O'", "5"},
	{"id * 2 >= 8 AND id % 2 = 0", "4 6"},
	{"name NOT IN ('Ann', 'Bob') AND amount IS NOT NULL", "3 4 5 6"},
	{"(id = 1 OR id = 2) AND NOT name = 'Bob'", "1"},
	{"CAST(id AS BIGINT) IN (3, 4)", "3 4"},
	{"amount + 0 > 50", "4"}, // arithmetic needs a number: row 6 is malformed
	// The historical 'COL OP VALUE' keeps its meaning.
	{"amount != 10.5", "2 3 4 5 6"}, // an empty field compares as text
	{"amount == 10.5", "1"},
	{"name == Bob", "2"},   // a bare word is a value
	{`name == "ann"`, "3"}, // and so is a double-quoted one
	{"name>M", "3 5"},      // bytes: 'O' and 'a' are after 'M'
	{"amount < 0", "2 3"},  // '' < '0' as text, -2 < 0 as numbers
}

// TestWhereExpressions runs every case through select and through groupby
// (grouping by id) and checks the rows kept.
func TestWhereExpressions(t *testing.T) {
	for _, c := range whereCases {
		t.Run(c.where, func(t *testing.T) {
			ids := strings.Fields(c.ids)
			slices.Sort(ids) // one digit each: input order and key order are byte order
			sel, err := runWhole("select", jobs.Params{"where": c.where, "columns": "id"}, whereData)
			if err != nil {
				t.Fatal(err)
			}
			want := "id\n"
			for _, id := range ids {
				want += id + "\n"
			}
			if string(sel) != want {
				t.Errorf("select: got %q, want %q", sel, want)
			}
			grp, err := runWhole("groupby", jobs.Params{"where": c.where, "key": "id", "agg": "count:*"}, whereData)
			if err != nil {
				t.Fatal(err)
			}
			want = "key,count_*\n"
			for _, id := range ids {
				want += id + ",1\n"
			}
			if string(grp) != want {
				t.Errorf("groupby: got %q, want %q", grp, want)
			}
		})
	}
}

// TestGroupbyWhereBeforeAggregates: a row the condition drops is not
// aggregated, so its non-number is not a malformed record (with --strict it
// would fail the job); the groups are those of the rows kept.
func TestGroupbyWhereBeforeAggregates(t *testing.T) {
	p := jobs.Params{"key": "name:1", "agg": "sum:amount,count:*", "strict": "true"}
	if _, err := runWhole("groupby", p, whereData); err == nil {
		t.Fatal("without --where, the empty and n/a amounts should fail a strict groupby")
	}
	p["where"] = "amount IS NOT NULL AND id <> 6"
	got, err := runWhole("groupby", p, whereData)
	if err != nil {
		t.Fatal(err)
	}
	if want := "key,sum_amount,count_*\nA,10.50,1\nC,100,1\nO,7,1\na,-2,1\n"; string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	p["where"] = "amount + 1 > 0" // row 6's n/a is not a number: strict fails naming it
	_, err = runWhole("groupby", p, whereData)
	var re *jobs.RecordError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "amount") {
		t.Fatalf("strict: %v, want a RecordError naming column amount", err)
	}
}

// TestWhereErrors: a bad condition is refused when the job is made, with
// its kind and the column of the text where it goes wrong.
func TestWhereErrors(t *testing.T) {
	cases := []struct {
		where string
		kind  error
		want  string
	}{
		{"amount > 1 AND", sql.ErrSyntax, "column 15"},
		{"amount BETWEEN 1", sql.ErrSyntax, "column 17"},
		{"name IN ('a', 'b'", sql.ErrSyntax, "column 18"},
		{"amount > 1 OR OR name = 'x'", sql.ErrSyntax, "column 15"},
		{"name = 'unterminated", sql.ErrSyntax, "column 8"},
		{"sum(amount) > 1", sql.ErrName, "column 1"},
		{"name LIKE 'a%' ESCAPE '!'", sql.ErrUnsupported, "column 16"},
		{"id IN (SELECT 1)", sql.ErrUnsupported, "column 8"},
		{"lower(id + 1) = 'x'", sql.ErrType, "column 1"},
		{"day > DATE '2001-13-01'", sql.ErrType, "column 12"},
		{"day > DATE '2001-01-01' AND DATE '2001-01-01' > 5", sql.ErrType, "column 47"},
		{"day > DATE '2001-02-30' OR id > 1", sql.ErrType, "column 12"},
		{"nosuchfn(id) = 1", sql.ErrUnsupported, "column 1"},
	}
	for _, c := range cases {
		for _, job := range []string{"select", "groupby"} {
			t.Run(job+"/"+c.where, func(t *testing.T) {
				p := jobs.Params{"where": c.where, "columns": "id"}
				if job == "groupby" {
					p = jobs.Params{"where": c.where, "key": "id", "agg": "count:*"}
				}
				_, err := jobs.New(job, p)
				if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--where") {
					t.Fatalf("error %v, want %v at %s naming --where", err, c.kind, c.want)
				}
			})
		}
	}
	// Neither form: the error says what both want, and where SQL stopped.
	if _, err := jobs.New("select", jobs.Params{"where": "name ~ 'x'", "columns": "id"}); err == nil || !strings.Contains(err.Error(), "COLUMN OP VALUE") || !strings.Contains(err.Error(), `column 6: unexpected "~"`) {
		t.Fatalf("error %v, want one naming both forms and column 6", err)
	}
}

// TestWhereSchema: --schema types the columns of select's and groupby's
// --where as the sql job's schema does, so typed and untyped answers differ:
// a DECIMAL(10,0) rounds 10.50 to 11, and a value that is not of its
// column's type is a malformed record (skipped, or under --strict a failure
// naming the column, the value and its offset) where untyped text would
// compare as text.
func TestWhereSchema(t *testing.T) {
	cases := []struct{ where, schema, ids string }{
		{"amount > 5", "", "1 4 5 6"},                       // 'n/a' > '5' as text
		{"amount > 5", "amount:DECIMAL(10,2)", "1 4 5"},     // 'n/a' is not a DECIMAL: skipped
		{"amount == 11", "", ""},                            // 10.50 is not 11
		{"amount == 11", "amount:DECIMAL(10,0)", "1"},       // 10.50 reads as 11, as DuckDB casts it
		{"amount = 11", `{"AMOUNT": "DECIMAL(10,0)"}`, "1"}, // JSON form, names matched case-insensitively
		{"amount BETWEEN 5 AND 20 OR id = 2", "amount:DOUBLE,id:BIGINT", "1 2 5"},
		{"day < '2001-12-31'", "day:DATE", "1 5"},
		{"name == ann", "name:VARCHAR", "3"}, // a bare word is still a value, of the column's type
	}
	for _, c := range cases {
		t.Run(c.where+"/"+c.schema, func(t *testing.T) {
			ids := strings.Fields(c.ids)
			want, wantG := "id\n", "key,count_*\n"
			for _, id := range ids {
				want += id + "\n"
				wantG += id + ",1\n"
			}
			got, err := runWhole("select", jobs.Params{"where": c.where, "schema": c.schema, "columns": "id"}, whereData)
			if err != nil || string(got) != want {
				t.Errorf("select: got %q, %v; want %q", got, err, want)
			}
			got, err = runWhole("groupby", jobs.Params{"where": c.where, "schema": c.schema, "key": "id", "agg": "count:*"}, whereData)
			if err != nil || string(got) != wantG {
				t.Errorf("groupby: got %q, %v; want %q", got, err, wantG)
			}
		})
	}
	// Under --strict, the value that is not of its type fails the job,
	// named with its column and offset.
	for _, job := range []string{"select", "groupby"} {
		p := jobs.Params{"where": "amount > 5", "schema": "amount:DECIMAL(10,2)", "strict": "true", "columns": "id", "key": "id", "agg": "count:*"}
		if job == "select" {
			delete(p, "key")
			delete(p, "agg")
		} else {
			delete(p, "columns")
		}
		_, err := runWhole(job, p, whereData)
		var re *jobs.RecordError
		if !errors.As(err, &re) || re.Source != "t.csv" || re.Offset != 119 || !strings.Contains(re.Reason, `column amount: "n/a" is not a DECIMAL(10,2)`) {
			t.Errorf("%s strict: %v, want a RecordError in t.csv at byte 119 naming amount and n/a", job, err)
		}
	}
	// A bad schema is refused when the job is made.
	if _, err := jobs.New("select", jobs.Params{"where": "amount > 5", "schema": "amount:MONEY", "columns": "id"}); err == nil || !strings.Contains(err.Error(), "--schema") {
		t.Errorf("bad schema: %v, want an error naming --schema", err)
	}
	// A literal that does not read as the typed column's type is a type error.
	if _, err := jobs.New("select", jobs.Params{"where": "amount > x", "schema": "amount:BIGINT", "columns": "id"}); !errors.Is(err, sql.ErrType) {
		t.Errorf("amount:BIGINT > x: %v, want sql.ErrType", err)
	}
}
