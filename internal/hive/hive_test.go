package hive

import (
	"slices"
	"testing"
)

// TestParse: a path's key=value directories as DuckDB's
// HivePartitioning::Parse finds them: sorted by key, the file's own name
// never, a segment of two '=' never, a key's first value kept.
func TestParse(t *testing.T) {
	for _, c := range []struct {
		path string
		want []Pair
	}{
		{"tbl/year=2024/month=01/p.csv", []Pair{{"month", "01"}, {"year", "2024"}}},
		{"s3://b/t/z=1/a=2/f.parquet", []Pair{{"a", "2"}, {"z", "1"}}},
		{"t/a=1/b=2=3/f.csv", []Pair{{"a", "1"}}},
		{"t/k=1/k=2/f.csv", []Pair{{"k", "1"}}},
		{"t/k=/f.csv", []Pair{{"k", ""}}},
		{"t/=1/f.csv", nil},
		{"t/x=1.csv", nil},
		{"t/a=1/x?b=2/f.csv", []Pair{{"a", "1"}}},
	} {
		if got := Parse(c.path); !slices.Equal(got, c.want) {
			t.Errorf("Parse(%q) = %v, want %v", c.path, got, c.want)
		}
	}
}

// TestTypeOf: the types DuckDB 1.5's hive_types_autocast gave the same
// values (read_csv over k=VALUE directories, typeof(k)), and the values it
// read them as.
func TestTypeOf(t *testing.T) {
	for _, c := range []struct{ v, typ, text string }{
		{"01", "VARCHAR", "01"},
		{"2", "BIGINT", "2"},
		{"+5", "VARCHAR", "+5"},
		{"-5", "BIGINT", "-5"},
		{" 5", "BIGINT", "5"},
		{"5 ", "BIGINT", "5"},
		{"-0", "BIGINT", "0"},
		{"1e3", "VARCHAR", "1e3"},
		{"1.5", "VARCHAR", "1.5"},
		{"1_000", "VARCHAR", "1_000"},
		{"true", "VARCHAR", "true"},
		{"20240102", "BIGINT", "20240102"},
		{"9223372036854775808", "VARCHAR", "9223372036854775808"},
		{"2024-1-2", "DATE", "2024-01-02"},
		{"2024-02-30", "VARCHAR", "2024-02-30"},
		{"2024-01-02T03:04:05", "TIMESTAMP", "2024-01-02 03:04:05"},
		{"2024-01-02 03:04", "TIMESTAMP", "2024-01-02 03:04:00"},
		{"2024-01-02 03:04:05.5", "TIMESTAMP", "2024-01-02 03:04:05.5"},
		{"2024-01-02T03:04:05Z", "TIMESTAMP", "2024-01-02 03:04:05"},
		{"2024-01-02 03:04:05.5-05:30", "TIMESTAMP", "2024-01-02 03:04:05.5"},
		{"2024-01-02 03:04:05+0530", "TIMESTAMP", "2024-01-02 03:04:05"},
		{"2024-01-02T03:04Z", "VARCHAR", "2024-01-02T03:04Z"},
		{"2024-01-02 03:04:05.1234567", "TIMESTAMP", "2024-01-02 03:04:05.123456"},
		{"2024-01-02%2003%3A04%3A05", "VARCHAR", "2024-01-02 03:04:05"},
		{"", "VARCHAR", ""},
		{"a%20b", "VARCHAR", "a b"},
	} {
		typ := TypeOf(c.v)
		text, null := Value(c.v, typ)
		if typ != c.typ || text != c.text || null {
			t.Errorf("%q: %s %q (null %v), want %s %q", c.v, typ, text, null, c.typ, c.text)
		}
	}
	for _, v := range []string{"NULL", "null", "__HIVE_DEFAULT_PARTITION__"} {
		for _, typ := range []string{"BIGINT", "VARCHAR"} {
			if _, null := Value(v, typ); !null {
				t.Errorf("%q is not NULL in %s", v, typ)
			}
		}
	}
	if _, null := Value("__hive_default_partition__", "VARCHAR"); null {
		t.Error("__hive_default_partition__ is NULL: only the upper case one is")
	}
	if _, null := Value("", "BIGINT"); !null {
		t.Error("an empty BIGINT is not NULL")
	}
}

// TestDetect: DuckDB's auto-detection: partitions only when every path
// has the same keys; a column's type the one its values agree on, NULL
// aside, else VARCHAR.
func TestDetect(t *testing.T) {
	for _, c := range []struct {
		paths []string
		want  []Column
	}{
		{[]string{"t/year=2024/month=01/a.csv", "t/year=2025/month=2/b.csv"}, []Column{{"month", "VARCHAR"}, {"year", "BIGINT"}}},
		{[]string{"t/k=2024/a.csv", "t/k=NULL/b.csv"}, []Column{{"k", "BIGINT"}}},
		{[]string{"t/k=2024/a.csv", "t/k=/b.csv"}, []Column{{"k", "VARCHAR"}}},
		{[]string{"t/d=2024-01-02/a.csv", "t/d=2024-01-03 10:00:00/b.csv"}, []Column{{"d", "VARCHAR"}}},
		{[]string{"t/d=2024-01-02/a.csv", "t/d=2024-01-03/b.csv"}, []Column{{"d", "DATE"}}},
		{[]string{"t/k=1/a.csv", "t/k=2/x/b.csv"}, []Column{{"k", "BIGINT"}}},
		{[]string{"t/k=1/a.csv", "t/other/b.csv"}, nil},
		{[]string{"t/k=1/a.csv", "t/j=1/b.csv"}, nil},
		{[]string{"t/a.csv", "t/k=1/b.csv"}, nil},
		{[]string{"t/k=NULL/a.csv"}, []Column{{"k", "VARCHAR"}}},
	} {
		if got := Detect(c.paths); !slices.Equal(got, c.want) {
			t.Errorf("Detect(%q) = %v, want %v", c.paths, got, c.want)
		}
	}
}
