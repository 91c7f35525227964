package jsonline

import (
	"errors"
	"strings"
	"testing"
)

func TestMembers(t *testing.T) {
	type member struct {
		key, value, text string
		kind             Kind
	}
	cases := []struct {
		name string
		line string
		want []member
		err  error
	}{
		{"empty object", `{}`, nil, nil},
		{"spaces and cr", " { \"a\" : 1 } \r", []member{{"a", "1", "1", Number}}, nil},
		{"kinds", `{"s":"x","n":-1.5e3,"t":true,"f":false,"z":null,"o":{"p":[1,{}]},"a":[]}`, []member{
			{"s", `"x"`, "x", String}, {"n", "-1.5e3", "-1.5e3", Number}, {"t", "true", "true", True},
			{"f", "false", "false", False}, {"z", "null", "null", Null},
			{"o", `{"p":[1,{}]}`, `{"p":[1,{}]}`, Object}, {"a", "[]", "[]", Array},
		}, nil},
		{"escapes", `{"k\u0065y":"a\"b\\c\/d\n\u00fc\ud83d\ude00"}`, []member{{"key", `"a\"b\\c\/d\n\u00fc\ud83d\ude00"`, "a\"b\\c/d\nü😀", String}}, nil},
		{"lone surrogate", `{"k":"\ud800x\udc00\ud800\u0041"}`, []member{{"k", `"\ud800x\udc00\ud800\u0041"`, "\uFFFDx\uFFFD\uFFFDA", String}}, nil},
		{"invalid utf8", "{\"k\":\"a\xffb\"}", []member{{"k", "\"a\xffb\"", "a\uFFFDb", String}}, nil},
		{"duplicates kept", `{"a":1,"a":2}`, []member{{"a", "1", "1", Number}, {"a", "2", "2", Number}}, nil},
		{"array", `[1,2]`, nil, ErrNotObject},
		{"string", `"x"`, nil, ErrNotObject},
		{"null", `null`, nil, ErrNotObject},
		{"empty", ``, nil, ErrSyntax},
		{"unclosed", `{"a":1`, nil, ErrSyntax},
		{"trailing comma", `{"a":1,}`, nil, ErrSyntax},
		{"leading zero", `{"a":01}`, nil, ErrSyntax},
		{"bare key", `{a:1}`, nil, ErrSyntax},
		{"single quotes", `{'a':1}`, nil, ErrSyntax},
		{"control char", "{\"a\":\"x\ty\"}", nil, ErrSyntax},
		{"bad escape", `{"a":"\x"}`, nil, ErrSyntax},
		{"short unicode", `{"a":"\u12"}`, nil, ErrSyntax},
		{"two values", `{} {}`, nil, ErrSyntax},
		{"garbage after", `{"a":1}x`, nil, ErrSyntax},
		{"bad literal", `{"a":tru}`, nil, ErrSyntax},
		{"number dot", `{"a":1.}`, nil, ErrSyntax},
		{"number exp", `{"a":1e}`, nil, ErrSyntax},
		{"plus", `{"a":+1}`, nil, ErrSyntax},
		{"not json", `{not json}`, nil, ErrSyntax},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line := []byte(c.line)
			ms, err := Members(nil, line)
			if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
				t.Fatalf("Members(%q) error %v, want %v", c.line, err, c.err)
			}
			if err != nil {
				return
			}
			if len(ms) != len(c.want) {
				t.Fatalf("Members(%q) = %d members, want %d", c.line, len(ms), len(c.want))
			}
			var scratch []byte
			for i, m := range ms {
				w := c.want[i]
				ok, _ := m.KeyEquals(line, w.key, nil)
				if !ok {
					t.Errorf("member %d key %q, want %q", i, m.Key(line), w.key)
				}
				if string(m.Value(line)) != w.value || m.Kind != w.kind {
					t.Errorf("member %d value %q kind %d, want %q kind %d", i, m.Value(line), m.Kind, w.value, w.kind)
				}
				var text []byte
				text, scratch = m.Text(line, scratch)
				if string(text) != w.text {
					t.Errorf("member %d text %q, want %q", i, text, w.text)
				}
			}
		})
	}
}

func TestDepth(t *testing.T) {
	deep := func(n int) []byte {
		return []byte(`{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "}")
	}
	if _, err := Members(nil, deep(MaxDepth)); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
	if _, err := Members(nil, deep(MaxDepth+1)); !errors.Is(err, ErrSyntax) {
		t.Fatalf("depth %d: error %v, want ErrSyntax", MaxDepth+1, err)
	}
}

func TestBlank(t *testing.T) {
	for in, want := range map[string]bool{"": true, " \t\r": true, " x ": false, "{}": false} {
		if got := Blank([]byte(in)); got != want {
			t.Errorf("Blank(%q) = %v, want %v", in, got, want)
		}
	}
}
