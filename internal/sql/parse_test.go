package sql

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	cases := []struct{ in, want string }{
		{"select a from 'f.csv'", "SELECT a FROM 'f.csv'"},
		{"SELECT DISTINCT a AS x, b y FROM 'it''s.csv' t WHERE a = 1 AND NOT b <> 'q' OR c IS NOT NULL",
			"SELECT DISTINCT a AS \"x\", b AS \"y\" FROM 'it''s.csv' AS \"t\" WHERE (((a = 1) AND (NOT (b <> 'q'))) OR (c IS NOT NULL))"},
		{"SELECT a FROM 'f' WHERE a != 2 AND a == 3", "SELECT a FROM 'f' WHERE ((a <> 2) AND (a = 3))"},
		{"SELECT * FROM 's3://b/p/' WHERE d BETWEEN DATE '2020-01-01' AND DATE '2020-12-31'",
			"SELECT * FROM 's3://b/p/' WHERE (d BETWEEN CAST('2020-01-01' AS DATE) AND CAST('2020-12-31' AS DATE))"},
		{"SELECT a FROM 'f' WHERE a NOT IN (1, 2.5, 'x') AND b NOT LIKE 'a%' AND c NOT BETWEEN 1 AND 2",
			"SELECT a FROM 'f' WHERE (((a NOT IN (1, 2.5, 'x')) AND (b NOT LIKE 'a%')) AND (c NOT BETWEEN 1 AND 2))"},
		{"SELECT count(*), count(DISTINCT a), sum(a * 2 + 1) FROM 'f' GROUP BY b, 2 HAVING count(*) > 1 ORDER BY 1 DESC, b NULLS FIRST LIMIT 10;",
			"SELECT count(*), count(DISTINCT a), sum(((a * 2) + 1)) FROM 'f' GROUP BY b, 2 HAVING (count(*) > 1) ORDER BY 1 DESC, b NULLS FIRST LIMIT 10"},
		{"SELECT CAST(a AS DECIMAL(10, 2)), b::DATE, -a, - 1, 1e3, .5 FROM 'f'",
			"SELECT CAST(a AS DECIMAL(10,2)), CAST(b AS DATE), -(a), -(1), 1e3, .5 FROM 'f'"},
		{"SELECT \"weird \"\"name\"\"\" FROM 'f' -- comment\n /* block */", "SELECT \"weird \"\"name\"\"\" FROM 'f'"},
		{"SELECT a FROM 'f' WHERE (a + 1) * 2 // 3 % 4 - 5 / 6 > 0", "SELECT a FROM 'f' WHERE ((((((a + 1) * 2) // 3) % 4) - (5 / 6)) > 0)"},
		// DuckDB's table functions over a location.
		{"SELECT a FROM read_csv('data/*.csv', delim=';') t", "SELECT a FROM read_csv('data/*.csv', delim = ';') AS \"t\""},
		{"SELECT a FROM READ_CSV_AUTO('x.csv', SEP = '|')", "SELECT a FROM read_csv_auto('x.csv', delim = '|')"},
		{`SELECT a FROM read_csv('x.tsv', delim = '\t')`, `SELECT a FROM read_csv('x.tsv', delim = '\t')`},
		{"SELECT a FROM read_csv('x.csv', delim = 'tab')", `SELECT a FROM read_csv('x.csv', delim = '\t')`},
		{`SELECT a FROM read_csv('x.csv', ESCAPE = '\', quote = '''')`, `SELECT a FROM read_csv('x.csv', quote = '''', escape = '\')`},
		{`SELECT a FROM read_csv_auto('x.csv', quote = '"', sep = ';')`, `SELECT a FROM read_csv_auto('x.csv', delim = ';', quote = '"')`},
		{"SELECT a FROM read_csv('it''s.csv', delim = '''')", "SELECT a FROM read_csv('it''s.csv', delim = '''')"},
		{"SELECT a FROM read_csv('x.csv.gz')", "SELECT a FROM read_csv('x.csv.gz')"},
		{"SELECT a FROM read_csv('d/*/*.csv', HIVE_PARTITIONING = FALSE, delim = ';')", "SELECT a FROM read_csv('d/*/*.csv', delim = ';', hive_partitioning = false)"},
		{"SELECT a FROM read_parquet('d/', hive_partitioning = 1)", "SELECT a FROM read_parquet('d/', hive_partitioning = true)"},
		{"SELECT a FROM read_parquet('d/', hive_partitioning = 'false')", "SELECT a FROM read_parquet('d/', hive_partitioning = false)"},
		{"SELECT a FROM read_csv('d/*/*.csv', HIVE_TYPES = {month: 'int', \"Day\": 'date', 'y''s': 'decimal(5, 2)'}, hive_type_autocast = 0)",
			"SELECT a FROM read_csv('d/*/*.csv', hive_types = {'month': 'INT', 'Day': 'DATE', 'y''s': 'DECIMAL(5, 2)'}, hive_types_autocast = false)"},
		{"SELECT a FROM read_parquet('s3://b/p/') WHERE a > 1", "SELECT a FROM read_parquet('s3://b/p/') WHERE (a > 1)"},
		{"SELECT a FROM read_json_auto('x.jsonl')", "SELECT a FROM read_json_auto('x.jsonl')"},
		{"SELECT a FROM read_ndjson('x.ndjson')", "SELECT a FROM read_ndjson('x.ndjson')"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			q, err := Parse(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := q.String(); got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
			// The normal form parses to itself.
			q2, err := Parse(q.String())
			if err != nil || q2.String() != q.String() {
				t.Fatalf("normal form %q: %v, %v", q.String(), err, q2)
			}
		})
	}
}

// TestParseErrors: malformed SQL is ErrSyntax and unsupported SQL
// ErrUnsupported, each naming what and where.
func TestParseErrors(t *testing.T) {
	cases := []errorCase{
		{"", ErrSyntax, "empty query"},
		{"SELEC a FROM 'f'", ErrSyntax, "column 1: expected SELECT"},
		{"SELECT a 'f'", ErrSyntax, "column 10: expected FROM"},
		{"SELECT a FROM", ErrSyntax, "column 14: expected a quoted location"},
		{"SELECT a FROM 'f", ErrSyntax, "column 15: string literal is not closed"},
		{"SELECT a FROM 'f' WHERE", ErrSyntax, "expected an expression, found the end"},
		{"SELECT a FROM 'f' WHERE a = ", ErrSyntax, "column 29"},
		{"SELECT a, FROM 'f'", ErrSyntax, "column 11: expected a select item"},
		{"SELECT (a FROM 'f'", ErrSyntax, `expected ")"`},
		{"SELECT a FROM 'f' LIMIT x1", ErrUnsupported, "LIMIT with anything but a whole number"},
		{"SELECT a FROM 'f' LIMIT -1", ErrSyntax, "expected a number after LIMIT"},
		{"SELECT 12abc FROM 'f'", ErrSyntax, `malformed number "12a"`},
		{"SELECT a FROM 'f' WHERE a IS 3", ErrSyntax, "expected NULL after IS"},
		{"SELECT a FROM 'f' garbage here", ErrSyntax, `unexpected "here"`},
		{"SELECT a\nFROM 'f'\nWHERE a = = 1", ErrSyntax, "line 3, column 11"},
		{"SELECT CAST(a AS WHATEVER) FROM 'f'", ErrSyntax, `unknown type "WHATEVER"`},
		{"SELECT a FROM 'f' WHERE a = DATE '2020-02-30'", ErrType, "not a date"},
		{"SELECT a FROM 'f' /* open", ErrSyntax, "comment /* is not closed"},
		{"SELECT a + b || c FROM 'f'", ErrUnsupported, "column 14: string concatenation ||"},
		{"SELECT a || b FROM 'f'", ErrUnsupported, "column 10: string concatenation ||"},
		{"SELECT a FROM 'a.csv' JOIN 'b.csv' USING (id)", ErrUnsupported, "column 23: joins (JOIN)"},
		{"SELECT a FROM 'a.csv', 'b.csv'", ErrUnsupported, "column 22: joins (a second FROM item)"},
		{"SELECT a FROM 'a.csv' t LEFT JOIN 'b.csv' u ON t.id = u.id", ErrUnsupported, "joins (LEFT)"},
		{"SELECT a FROM (SELECT a FROM 'f')", ErrUnsupported, "subqueries (a query in FROM)"},
		{"SELECT a FROM 'f' WHERE a IN (SELECT b FROM 'g')", ErrUnsupported, "subqueries (IN (SELECT ...))"},
		{"SELECT (SELECT 1) FROM 'f'", ErrUnsupported, "column 9: subqueries"},
		{"SELECT a FROM 'f' WHERE EXISTS (SELECT 1)", ErrUnsupported, "EXISTS"},
		{"SELECT sum(a) OVER (PARTITION BY b) FROM 'f'", ErrUnsupported, "column 15: window functions (OVER)"},
		{"SELECT a FROM 'f' QUALIFY a > 1", ErrUnsupported, "QUALIFY"},
		{"WITH t AS (SELECT 1) SELECT * FROM t", ErrUnsupported, "WITH"},
		{"SELECT a FROM 'f' UNION SELECT b FROM 'g'", ErrUnsupported, "UNION (set operations)"},
		{"SELECT a FROM 'f' ORDER BY a OFFSET 3", ErrUnsupported, "OFFSET"},
		{"SELECT a FROM 'f' LIMIT 3 OFFSET 3", ErrUnsupported, "OFFSET"},
		{"SELECT a FROM visits", ErrUnsupported, "table visits: FROM takes a quoted location"},
		{"SELECT a FROM read_json('f')", ErrUnsupported, "column 15: table function read_json(...)"},
		{"SELECT a FROM read_csv('f', header = false)", ErrUnsupported, "column 29: read_csv option header: the options taken are delim (or sep), quote, escape, hive_partitioning, hive_types and hive_types_autocast"},
		{`SELECT a FROM read_json_auto('f', quote = '"')`, ErrUnsupported, "column 35: read_json_auto option quote"},
		{"SELECT a FROM read_csv('f', quote = 'ab')", ErrUnsupported, "column 37: read_csv quote: The quote option cannot exceed a size of 1 byte."},
		{"SELECT a FROM read_csv('f', escape = '')", ErrUnsupported, "column 38: read_csv escape: an empty escape is not supported"},
		{"SELECT a FROM read_csv('f', quote = '\n')", ErrUnsupported, "read_csv quote: the CSV quote cannot be"},
		{`SELECT a FROM read_csv('f', quote = '"', quote = '"')`, ErrSyntax, "read_csv: quote is given twice"},
		{"SELECT a FROM read_csv('f', quote = 1)", ErrSyntax, "expected a quoted character after quote ="},
		{"SELECT a FROM read_csv('f', delim = ';', quote = ';')", ErrUnsupported, "read_csv: QUOTE must not appear in the DELIMITER specification and vice versa"},
		{"SELECT a FROM read_csv('f', escape = '|', delim = '|')", ErrUnsupported, "read_csv: QUOTE must not appear in the DELIMITER specification and vice versa"},
		{"SELECT a FROM read_csv('f', escape = ',')", ErrUnsupported, "read_csv: ESCAPE must not appear in the DELIMITER specification and vice versa"},
		{"SELECT a FROM read_csv('f', columns = {'a': 'INT'})", ErrUnsupported, "column 29: read_csv option columns"},
		{"SELECT a FROM read_parquet('f.parquet', binary_as_string = true)", ErrUnsupported, "column 41: read_parquet option binary_as_string: the options taken are hive_partitioning, hive_types and hive_types_autocast"},
		{"SELECT a FROM read_csv('f', hive_partitioning = false, hive_partitioning = true)", ErrSyntax, "column 56: read_csv: hive_partitioning is given twice"},
		{"SELECT a FROM read_csv('f', hive_types = {'m': 'INTEGER'}, hive_partitioning = false)", ErrSyntax, "read_csv: cannot disable hive_partitioning when hive_types is enabled"},
		{"SELECT a FROM read_csv('f', hive_types = 'm')", ErrType, "'hive_types' only accepts a STRUCT('name':VARCHAR, ...)"},
		{"SELECT a FROM read_csv('f', hive_types = {'m': 5})", ErrType, "hive_types: m must be a VARCHAR"},
		{"SELECT a FROM read_csv('f', hive_types = {'m': 'INTEGER', m: 'DATE'})", ErrSyntax, `Duplicate struct entry name "m"`},
		{"SELECT a FROM read_parquet('f', hive_types = {'m': 'INTERVAL'})", ErrUnsupported, "hive_types: m: type INTERVAL for a partition column"},
		{"SELECT a FROM read_parquet('f', hive_types = {'m': 'TIME'})", ErrType, "hive_types: m:"},
		{"SELECT a FROM read_parquet('f', hive_types_autocast = maybe)", ErrSyntax, "expected true or false after hive_types_autocast ="},
		{"SELECT a FROM read_parquet('f', hive_partitioning = 'maybe')", ErrSyntax, "column 53: expected true or false after hive_partitioning ="},
		{"SELECT a FROM read_parquet('f', hive_partitioning = 2)", ErrSyntax, "column 53: expected true or false after hive_partitioning ="},
		{"SELECT a FROM read_csv('f', delim = ';', sep = ';')", ErrSyntax, "column 42: read_csv: the delimiter is given twice"},
		{"SELECT a FROM read_csv('f', delim = ';;')", ErrUnsupported, "column 37: read_csv delim: the CSV delimiter must be one byte"},
		{"SELECT a FROM read_csv('f', delim = 1)", ErrSyntax, "column 37: expected a quoted delimiter after delim ="},
		{"SELECT a FROM read_csv('f', ';')", ErrSyntax, "column 29: expected an option (name = value) in read_csv(...)"},
		{"SELECT a FROM read_csv('f' delim = ';')", ErrSyntax, `column 28: expected ","`},
		{"SELECT a FROM read_csv('f', delim ';')", ErrSyntax, `column 35: expected "="`},
		{"SELECT a FROM read_csv('f'", ErrSyntax, `column 27: expected ","`},
		{"SELECT a FROM read_csv(f)", ErrSyntax, "column 24: expected a quoted location in read_csv(...)"},
		{"SELECT a FROM read_csv('')", ErrSyntax, "column 24: read_csv(''): an empty location"},
		{"SELECT a FROM read_csv(['a.csv', 'b.csv'])", ErrUnsupported, "column 24: a list of locations in read_csv(...)"},
		{"SELECT a FROM read_csv('f.parquet')", ErrUnsupported, "column 24: read_csv over 'f.parquet': a .parquet location is not read by read_csv"},
		{"SELECT a FROM read_parquet('s3://b/f.csv.gz')", ErrUnsupported, "column 28: read_parquet over 's3://b/f.csv.gz': a .csv location"},
		{"SELECT a FROM read_ndjson('f.parquet')", ErrUnsupported, "read_ndjson over 'f.parquet'"},
		{"SELECT CASE WHEN a THEN 1 END FROM 'f'", ErrUnsupported, "CASE expressions"},
		{"SELECT a || b FROM 'f'", ErrUnsupported, "string concatenation ||"},
		{"SELECT a FROM 'f' WHERE a ILIKE 'x'", ErrUnsupported, "ILIKE (only LIKE)"},
		{"SELECT a FROM 'f' WHERE a LIKE 'x' ESCAPE '!'", ErrUnsupported, "LIKE ... ESCAPE"},
		{"SELECT a FROM 'f' WHERE a IS DISTINCT FROM b", ErrUnsupported, "IS [NOT] DISTINCT FROM"},
		{"SELECT a FROM 'f' GROUP BY ALL", ErrUnsupported, "GROUP BY ALL"},
		{"SELECT a FROM 'f' GROUP BY ROLLUP (a)", ErrUnsupported, "GROUP BY ROLLUP"},
		{"SELECT a FROM 'f' ORDER BY ALL", ErrUnsupported, "ORDER BY ALL"},
		{"SELECT DISTINCT ON (a) a FROM 'f'", ErrUnsupported, "DISTINCT ON"},
		{"SELECT * EXCLUDE (a) FROM 'f'", ErrUnsupported, "* EXCLUDE"},
		{"SELECT t.* FROM 'f' t", ErrUnsupported, "qualified star"},
		{"SELECT TIME '10:00' FROM 'f'", ErrUnsupported, "TIME values"},
		{"SELECT a FROM 'f' WHERE d >= DATE '2021-01-01' - INTERVAL 30 DAY", ErrUnsupported, "at column 50: INTERVAL values (for a range of days, subtract a number of days from a date: DATE '2021-01-01' - 30)"},
		{"SELECT CAST(a AS TIMESTAMPTZ) FROM 'f'", ErrUnsupported, "type TIMESTAMPTZ"},
		{"SELECT TIMESTAMP '2020-01-01 25:00' FROM 'f'", ErrType, "is not a timestamp"},
		{"SELECT TRY_CAST(a AS INT) FROM 'f'", ErrUnsupported, "TRY_CAST"},
		{"SELECT [1, 2] FROM 'f'", ErrUnsupported, "list literals"},
		{"SELECT a FROM 'f' WHERE a = ?", ErrUnsupported, "parameters"},
		{"SELECT a FROM ['a.csv', 'b.csv']", ErrUnsupported, "a list of locations"},
		{"SELECT a FROM 'f' USING SAMPLE 10%", ErrUnsupported, "sampling"},
		{"SELECT a FROM 'f' WHERE a = ANY (SELECT 1)", ErrUnsupported, "ANY (subquery comparisons)"},
		{"SELECT count(*) FILTER (WHERE a > 1) FROM 'f'", ErrUnsupported, "aggregate FILTER"},
		{"INSERT INTO t VALUES (1)", ErrUnsupported, "INSERT statements"},
		{"CREATE TABLE t (a INT)", ErrUnsupported, "CREATE statements"},
		{"SELECT 1 FROM 'f'; SELECT 2 FROM 'g'", ErrUnsupported, "several statements"},
		{"FROM 'f'", ErrUnsupported, "FROM-first"},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			_, err := Parse(c.q)
			c.check(t, err, "parsed")
		})
	}
}

// errorCase is a query that fails, the kind of its error (one of the Err* values) and what
// the error's message says.
type errorCase struct {
	q    string
	kind error
	want string
}

// check fails t unless err is of c's kind and says what c wants; done says what was done
// with the query (parsed, compiled) when err is nil.
func (c errorCase) check(t *testing.T, err error, done string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s; want an error", done)
	}
	if !errors.Is(err, c.kind) {
		t.Fatalf("error %v is not %v", err, c.kind)
	}
	if !strings.Contains(err.Error(), c.want) {
		t.Fatalf("error %q does not contain %q", err, c.want)
	}
}

// TestCompileErrors: a query that parses but does not type-check, or names
// what it may not, fails before anything runs, naming the column.
func TestCompileErrors(t *testing.T) {
	schema := Schema{"name": TVarchar, "qty": TBigint, "day": TDate, "price": Decimal(10, 2)}
	cases := []errorCase{
		{"SELECT sum(name) FROM 'f'", ErrType, "sum takes a number, and column name is VARCHAR"},
		{"SELECT lower(qty) FROM 'f'", ErrType, "lower takes VARCHAR, and column qty is BIGINT"},
		{"SELECT a FROM 'f' WHERE qty = 'seven'", ErrType, `at column 31: 'seven' compared with column qty (BIGINT): "seven" is not a BIGINT`},
		{"SELECT a FROM 'f' WHERE price > 'x'", ErrType, `at column 33: 'x' compared with column price (DECIMAL(10,2)): "x" is not a DECIMAL(10,2)`},
		{"SELECT a FROM 'f' WHERE 'x' < price", ErrType, `at column 25: 'x' compared with column price (DECIMAL(10,2)): "x" is not a DECIMAL(10,2)`},
		{"SELECT a FROM 'f' WHERE day > 5", ErrType, "cannot compare column day (DATE) with 5 (BIGINT)"},
		{"SELECT a FROM 'f' WHERE name > day", ErrType, "cannot compare column name (VARCHAR) with column day (DATE): an explicit CAST is required"},
		{"SELECT a FROM 'f' WHERE TIMESTAMP '2020-01-01 10:00:00' <= lower(name)", ErrType, "an explicit CAST is required"},
		{"SELECT a FROM 'f' WHERE day = '2020-13-01'", ErrType, `'2020-13-01' compared with column day (DATE): "2020-13-01" is not a DATE`},
		{"SELECT name + 1 FROM 'f'", ErrType, "column name is VARCHAR"},
		{"SELECT a FROM 'f' WHERE TIMESTAMP '2021-01-02 03:00:00' - day > 1", ErrUnsupported, "at column 57: TIMESTAMP - DATE: the difference of two timestamps is an INTERVAL, which is not supported"},
		{"SELECT a FROM 'f' WHERE TIMESTAMP '2021-01-02 03:00:00' + 1 > day", ErrType, "TIMESTAMP + BIGINT: arithmetic takes numbers"},
		{"SELECT a FROM 'f' WHERE name", ErrType, "WHERE takes BOOLEAN operands, not VARCHAR (column name)"},
		{"SELECT a FROM 'f' WHERE name LIKE qty", ErrUnsupported, "LIKE with a pattern that is not a constant"},
		{"SELECT CAST(day AS BIGINT) FROM 'f'", ErrType, "cannot cast column day (DATE) to BIGINT"},
		{"SELECT CAST('x' AS BIGINT) FROM 'f'", ErrType, `at column 13: "x" is not a BIGINT`},
		{"SELECT CAST(price AS DECIMAL(40, 2)) FROM 'f'", ErrType, "width must be 1 to 38"},
		{"SELECT substr(name) FROM 'f'", ErrType, "substr takes 2 or 3 arguments, not 1"},
		{"SELECT concat(a, b) FROM 'f'", ErrUnsupported, "function concat"},
		{"SELECT a FROM 'f' WHERE count(*) > 1", ErrName, "aggregate count is not allowed in WHERE"},
		{"SELECT a, count(*) FROM 'f'", ErrName, `column "a" must appear in the GROUP BY clause`},
		{"SELECT a, count(*) FROM 'f' GROUP BY b", ErrName, `column "a" must appear`},
		{"SELECT name IS NOT NULL, count(*) FROM 'f' GROUP BY name IS NULL", ErrName, `column "name" must appear`},
		{"SELECT qty + 2, count(*) FROM 'f' GROUP BY qty + 1", ErrName, `column "qty" must appear`},
		{"SELECT sum(count(*)) FROM 'f'", ErrName, "cannot be nested"},
		{"SELECT a FROM 'f' GROUP BY 3", ErrName, "GROUP BY 3: a position must be 1 to 1"},
		{"SELECT a FROM 'f' ORDER BY 0", ErrName, "ORDER BY 0"},
		{"SELECT x.a FROM 'f' t", ErrName, `no FROM item is named "x"`},
		{"SELECT sum(DISTINCT a) FROM 'f'", ErrUnsupported, "only count takes DISTINCT"},
		{"SELECT DISTINCT a, count(*) FROM 'f' GROUP BY a", ErrUnsupported, "SELECT DISTINCT with GROUP BY"},
		{"SELECT a // 1.5 FROM 'f'", ErrUnsupported, "integer division takes BIGINT"},
		{"SELECT * FROM 'f'", ErrName, "SELECT * needs the input's columns"},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			var header []string
			if !strings.Contains(c.q, "*") || strings.Contains(c.q, "count(*)") {
				header = nil
			}
			_, err := Compile(c.q, schema, header)
			c.check(t, err, "compiled")
		})
	}
}

// TestGroupKeyMatching: a select item matches its GROUP BY expression whatever the case
// of its column names and whether they are qualified, predicates (IS NULL, BETWEEN, IN,
// LIKE, NOT) as much as calls and operations, as DuckDB matches them; TestCompileErrors
// has items that differ from their GROUP BY and are refused.
func TestGroupKeyMatching(t *testing.T) {
	schema := Schema{"name": TVarchar, "qty": TBigint}
	for _, q := range []string{
		"SELECT lower(NAME), count(*) FROM 'f' GROUP BY lower(name)",
		"SELECT QTY + 1, count(*) FROM 'f' GROUP BY qty + 1",
		"SELECT t.qty + 1, count(*) FROM 'f' AS t GROUP BY qty + 1",
		"SELECT NAME IS NULL, count(*) FROM 'f' GROUP BY name IS NULL",
		"SELECT QTY BETWEEN 1 AND 3, count(*) FROM 'f' GROUP BY qty BETWEEN 1 AND 3",
		"SELECT QTY IN (1, 2), count(*) FROM 'f' GROUP BY qty IN (1, 2)",
		"SELECT NAME LIKE 'x%', count(*) FROM 'f' GROUP BY name LIKE 'x%'",
		"SELECT NOT (QTY > 1), count(*) FROM 'f' GROUP BY NOT (qty > 1)",
	} {
		if _, err := Compile(q, schema, nil); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// mustSchema is the schema s, failing t if it does not parse.
func mustSchema(t testing.TB, s string) Schema {
	t.Helper()
	schema, err := ParseSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	return schema
}

func TestParseSchema(t *testing.T) {
	s, err := ParseSchema("a:VARCHAR, b:decimal(10,2),c:INTEGER,d:date")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.String(); got != "a:VARCHAR,b:DECIMAL(10,2),c:BIGINT,d:DATE" {
		t.Fatalf("got %s", got)
	}
	j, err := ParseSchema(`{"a": "DOUBLE", "b": "DECIMAL(5,1)"}`)
	if err != nil || j.String() != "a:DOUBLE,b:DECIMAL(5,1)" {
		t.Fatalf("json: %v %v", j, err)
	}
	for _, bad := range []string{"a", "a:", "a:BLOB", "a:INT,a:INT", "a:DECIMAL(3,4)", `{"a": 1}`} {
		if _, err := ParseSchema(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzParse: the parser never panics, and what it accepts prints as a
// query it parses to the same text.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT a, b AS c FROM 'f.csv' WHERE a > 1 AND b LIKE 'x%' OR NOT c IS NULL",
		"SELECT count(*), sum(x), count(DISTINCT y) FROM 's3://b/k' GROUP BY z HAVING count(*) > 1 ORDER BY 1 DESC LIMIT 5",
		"SELECT CAST(a AS DECIMAL(10,2)), substr(b, 1, 3), -c, d::DATE FROM 'x' t WHERE t.a IN (1, 'a', DATE '2020-01-01')",
		"SELECT * FROM 'x' WHERE a BETWEEN 1 AND 2 -- c\n",
		"SELECT \"q\"\"x\" FROM 'it''s' /* c */ ORDER BY a NULLS FIRST",
		"SELECT 1e5, .5, 5., 1_000 FROM 'x'",
		"SELECT a FROM read_csv('d/*.csv', delim = ';') t",
		"SELECT a FROM read_parquet('x.parquet')",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			_ = e.Error()
			return
		}
		norm := q.String()
		q2, err := Parse(norm)
		if err != nil {
			t.Fatalf("%q parsed, its normal form %q does not: %v", s, norm, err)
		}
		if q2.String() != norm {
			t.Fatalf("normal form changes: %q then %q", norm, q2.String())
		}
		// Analysis and evaluation never panic either.
		p, err := Analyze(q, Schema{"a": TBigint, "b": TVarchar}, []string{"a", "b"})
		if err != nil {
			return
		}
		g := p.NewProgram()
		for _, vals := range [][]string{{"1", "x"}, {"", "-2.5e3"}, {"9223372036854775807", ""}, {"abc", "2020-01-01"}} {
			for i := range g.Row.Text {
				v := vals[i%len(vals)]
				g.Row.Text[i], g.Row.Null[i] = []byte(v), v == ""
			}
			g.Reset()
			g.Match()
			g.AppendRow(nil)
			if p.Kind == Aggregate {
				key := g.AppendGroupKey(nil)
				st := g.NewStates()
				g.Check()
				g.Fold(st)
				enc := g.AppendStates(nil, st)
				if err := g.DecodeStates(enc, st); err != nil {
					t.Fatalf("states do not decode: %v", err)
				}
				if err := g.LoadGroup(key, st); err != nil {
					t.Fatalf("group key does not decode: %v", err)
				}
				g.Having()
				g.AppendRow(nil)
			}
			g.AppendOrderKey(nil)
		}
	})
}

// TestSchemaTypeFoldsASCII: a schema names a column as a query does, ignoring the case of
// ASCII letters only (colname.Fold): "É" types the column É, not é, which DuckDB reads as
// another column.
func TestSchemaTypeFoldsASCII(t *testing.T) {
	s := Schema{"Amount": TBigint, "É": TBigint}
	for name, want := range map[string]bool{"amount": true, "AMOUNT": true, "Amount": true, "É": true, "é": false} {
		if _, ok := s.Type(name); ok != want {
			t.Errorf("Type(%q): %v, want %v", name, ok, want)
		}
	}
	p, err := Compile("SELECT é, É FROM 'f'", s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.ColumnTypes; len(got) != 2 || got[0] != TText || got[1] != TBigint {
		t.Errorf("SELECT é, É with the schema É:BIGINT: column types %v, want [untyped BIGINT]", got)
	}
}

// TestDuckDBNames: unaliased items are named as DuckDB 1.x names them
// (TestColumnNamesAgreeWithDuckDB in sqlcheck checks these against it).
// NOT of a comparison or of IN is the rewrite DuckDB's parser makes (the
// opposite comparison, NOT IN), and NOT of anything else, NOT IN among
// them, stays (NOT x): DuckDB turns only IN into NOT IN
// (transform_bool_expr.cpp). A CAST is named by DuckDB's name for the type
// as written: TINYINT quoted as DOUBLE and DATE are, CHAR as VARCHAR(1).
func TestDuckDBNames(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{"NOT id > 1", "(id <= 1)"},
		{"NOT (NOT (id > 1))", "(id > 1)"},
		{"NOT (NOT (NOT (id > 1)))", "(id <= 1)"},
		{"NOT (id IN (1, 2))", "(id NOT IN (1, 2))"},
		{"NOT (id NOT IN (1, 2))", "(NOT (id NOT IN (1, 2)))"},
		{"NOT (NOT (id IN (1)))", "(NOT (id NOT IN (1)))"},
		{"NOT (NOT (id NOT IN (1)))", "(NOT (NOT (id NOT IN (1))))"},
		{"NOT (id NOT BETWEEN 1 AND 2)", "(NOT (NOT (id BETWEEN 1 AND 2)))"},
		{"NOT (s NOT LIKE 'x%')", "(NOT (s !~~ 'x%'))"},
		{"NOT (id IS NOT NULL)", "(NOT (id IS NOT NULL))"},
		{"CAST(id AS TINYINT)", `CAST(id AS "TINYINT")`},
		{"id::int1", `CAST(id AS "TINYINT")`},
		{"CAST(id AS CHAR)", "CAST(id AS VARCHAR(1))"},
		{"CAST(id AS BPCHAR)", "CAST(id AS VARCHAR)"},
		{"CAST(id AS SMALLINT)", "CAST(id AS SMALLINT)"},
		{"CAST(id AS double precision)", `CAST(id AS "DOUBLE")`},
		{"CAST(id AS NUMERIC(10,2))", "CAST(id AS DECIMAL(10, 2))"},
	} {
		e, err := ParseExpr(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if got := e.String(); got != c.want {
			t.Errorf("%s: named %q, DuckDB names it %q", c.expr, got, c.want)
		}
	}
}

// TestStarNamesOutsideHeader: with *, the plan's columns are the header's,
// and a name of the query that is not one of them is an ErrName at its
// position (it used to become a column past the header's, which the mapper
// read past the row); one that matches a header name ignoring ASCII case is
// that column. An empty header (the check of all but what * stands for)
// takes any name.
func TestStarNamesOutsideHeader(t *testing.T) {
	header := []string{"id", "country"}
	for _, c := range []struct {
		q, err string
	}{
		{"SELECT * FROM 'f' WHERE nope > 1", `at column 25: column "nope" is not in the input (its columns: id, country)`},
		{"SELECT *, upper(y) FROM 'f'", `at column 17: column "y"`},
		{"SELECT * FROM 'f' ORDER BY z", `column "z"`},
		{"SELECT * FROM 'f' WHERE COUNTRY = 'x'", ""},
	} {
		_, err := Compile(c.q, nil, header)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.q, err)
		case c.err != "" && (!errors.Is(err, ErrName) || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: %v, want ErrName %q", c.q, err, c.err)
		}
		if _, err := Compile(c.q, nil, []string{}); err != nil {
			t.Errorf("%s, empty header: %v", c.q, err)
		}
	}
}

// TestMissingColumn: MissingColumn names the first column of the plan that
// the input lacks, at its first reference in the text (the WHERE binds
// before the select list), with the input's columns.
func TestMissingColumn(t *testing.T) {
	q := "SELECT id, upper(name)\nFROM 'f' WHERE name > 'a' AND zz = 1"
	p, err := Compile(q, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.MissingColumn(q, []string{"ID", "name", "zz"}); err != nil {
		t.Errorf("all present (ignoring case): %v", err)
	}
	err = p.MissingColumn(q, []string{"id", "zz"})
	if want := `at column 18: column "name" is not in the input (its columns: id, zz)`; !errors.Is(err, ErrName) || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want ErrName %q", err, want)
	}
	err = p.MissingColumn(q, []string{"id", "name"})
	if want := `at line 2, column 31: column "zz"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestStarPositions: ORDER BY and GROUP BY positions count the columns *
// stands for (DuckDB's ORDER BY 1 after SELECT * is the first column); the
// check made before the header is known (an empty header) takes any
// position, which the header then checks.
func TestStarPositions(t *testing.T) {
	header := []string{"a", "c"}
	for _, q := range []string{"SELECT * FROM 'f' ORDER BY 1", "SELECT *, a FROM 'f' ORDER BY 3 DESC, 2"} {
		if _, err := Compile(q, nil, []string{}); err != nil {
			t.Errorf("%s, empty header: %v", q, err)
		}
		if _, err := Compile(q, nil, header); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := Compile("SELECT * FROM 'f' ORDER BY 3", nil, header); !errors.Is(err, ErrName) || !strings.Contains(err.Error(), "a position must be 1 to 2") {
		t.Errorf("ORDER BY 3 over 2 columns: %v, want ErrName", err)
	}
}
