package colname

import (
	"slices"
	"testing"
)

func TestUnique(t *testing.T) {
	cases := []struct{ in, want []string }{
		{[]string{"a", "b"}, []string{"a", "b"}},
		{[]string{"a", "A", "b", "a"}, []string{"a", "A_1", "b", "a_2"}},
		{[]string{"a", "a_1", "a"}, []string{"a", "a_1", "a_1_1"}},
		{[]string{"a", "a", "a_1"}, []string{"a", "a_1", "a_1_1"}},
		{[]string{"a", "A_1", "a", "a"}, []string{"a", "A_1", "a_1_1", "a_2"}},
		{[]string{"É", "é"}, []string{"É", "é"}},
	}
	for _, c := range cases {
		got := slices.Clone(c.in)
		Unique(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("Unique(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if !Equal("AbC", "aBc") || Equal("É", "é") || Equal("a", "ab") || Fold("AbÉ") != "abÉ" {
		t.Error("Equal or Fold does not compare ASCII letters only, ignoring their case")
	}
}

// TestHeader: names as DuckDB's read_csv gives them for a header's fields
// (csvcheck's TestShapesAsDuckDB and the cases DuckDB answered: ",a,b",
// "a,b,c,,e,...,l", "column1,,c", "a,\ta\t,c").
func TestHeader(t *testing.T) {
	cases := []struct{ in, want []string }{
		{[]string{"", "a", "b"}, []string{"column0", "a", "b"}},
		{[]string{" id ", " city ", "amount "}, []string{"id", "city", "amount"}},
		{[]string{"a", " ", "c"}, []string{"a", "column1", "c"}},
		{[]string{"a", "b", "c", "", "e", "f", "g", "h", "i", "j", "k", "l"}, []string{"a", "b", "c", "column03", "e", "f", "g", "h", "i", "j", "k", "l"}},
		{[]string{"column1", "", "c"}, []string{"column1", "column1_1", "c"}},
		{[]string{"x", "", "", "y"}, []string{"x", "column1", "column2", "y"}},
		{[]string{"a", "\ta\t", "c"}, []string{"a", "\ta\t", "c"}},
		{[]string{"a ", "a"}, []string{"a", "a_1"}},
	}
	for _, c := range cases {
		got := slices.Clone(c.in)
		Header(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("Header(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if Generated(1, 0) != "column0" || Generated(101, 7) != "column007" || Generated(10, 9) != "column9" {
		t.Error("Generated does not pad to the digits of n-1")
	}
}
