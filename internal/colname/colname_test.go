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
