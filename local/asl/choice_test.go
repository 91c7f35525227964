package asl

import (
	"context"
	"testing"
)

// choiceMachine routes to Yes when rule matches, else to No (Default).
func choiceMachine(rule string) string {
	return `{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[` + rule + `],"Default":"No"},
		"Yes":{"Type":"Pass","Result":"yes","End":true},
		"No":{"Type":"Pass","Result":"no","End":true}}}`
}

func TestChoiceOperators(t *testing.T) {
	input := `{"s":"abc","n":10,"f":2.5,"big":12345678901234567890,"b":true,"t":"2016-08-18T17:33:00Z",
		"t2":"2016-08-18T17:33:00.5+01:00","nul":null,"obj":{"k":"v"},"arr":[1],
		"s2":"abd","n2":10.0,"b2":false,"star":"a*b","bs":"a\\b","file":"log-2024.txt"}`
	cases := []struct {
		rule string
		want bool
	}{
		{`{"Variable":"$.s","StringEquals":"abc","Next":"Yes"}`, true},
		{`{"Variable":"$.s","StringEquals":"abd","Next":"Yes"}`, false},
		{`{"Variable":"$.n","StringEquals":"10","Next":"Yes"}`, false}, // wrong type never matches
		{`{"Variable":"$.s","StringLessThan":"abd","Next":"Yes"}`, true},
		{`{"Variable":"$.s","StringLessThan":"abc","Next":"Yes"}`, false},
		{`{"Variable":"$.s","StringGreaterThan":"abb","Next":"Yes"}`, true},
		{`{"Variable":"$.s","StringLessThanEquals":"abc","Next":"Yes"}`, true},
		{`{"Variable":"$.s","StringGreaterThanEquals":"abd","Next":"Yes"}`, false},
		{`{"Variable":"$.s","StringEqualsPath":"$.s","Next":"Yes"}`, true},
		{`{"Variable":"$.s","StringLessThanPath":"$.s2","Next":"Yes"}`, true},
		{`{"Variable":"$.s","StringGreaterThanPath":"$.s2","Next":"Yes"}`, false},
		{`{"Variable":"$.s","StringLessThanEqualsPath":"$.s2","Next":"Yes"}`, true},
		{`{"Variable":"$.s2","StringGreaterThanEqualsPath":"$.s","Next":"Yes"}`, true},
		{`{"Variable":"$.file","StringMatches":"log-*.txt","Next":"Yes"}`, true},
		{`{"Variable":"$.file","StringMatches":"*.csv","Next":"Yes"}`, false},
		{`{"Variable":"$.file","StringMatches":"*","Next":"Yes"}`, true},
		{`{"Variable":"$.file","StringMatches":"log*20*4*","Next":"Yes"}`, true},
		{`{"Variable":"$.star","StringMatches":"a\\*b","Next":"Yes"}`, true},
		{`{"Variable":"$.s","StringMatches":"a\\*c","Next":"Yes"}`, false},
		{`{"Variable":"$.bs","StringMatches":"a\\\\b","Next":"Yes"}`, true},
		{`{"Variable":"$.n","NumericEquals":10,"Next":"Yes"}`, true},
		{`{"Variable":"$.n","NumericEquals":10.000,"Next":"Yes"}`, true},
		{`{"Variable":"$.big","NumericEquals":12345678901234567891,"Next":"Yes"}`, false}, // exact, not float64
		{`{"Variable":"$.big","NumericGreaterThan":12345678901234567889,"Next":"Yes"}`, true},
		{`{"Variable":"$.s","NumericEquals":10,"Next":"Yes"}`, false},
		{`{"Variable":"$.f","NumericLessThan":3,"Next":"Yes"}`, true},
		{`{"Variable":"$.f","NumericGreaterThan":2.5,"Next":"Yes"}`, false},
		{`{"Variable":"$.f","NumericLessThanEquals":2.5,"Next":"Yes"}`, true},
		{`{"Variable":"$.f","NumericGreaterThanEquals":2.51,"Next":"Yes"}`, false},
		{`{"Variable":"$.n","NumericEqualsPath":"$.n2","Next":"Yes"}`, true},
		{`{"Variable":"$.f","NumericLessThanPath":"$.n","Next":"Yes"}`, true},
		{`{"Variable":"$.f","NumericGreaterThanPath":"$.n","Next":"Yes"}`, false},
		{`{"Variable":"$.n","NumericLessThanEqualsPath":"$.n2","Next":"Yes"}`, true},
		{`{"Variable":"$.n","NumericGreaterThanEqualsPath":"$.f","Next":"Yes"}`, true},
		{`{"Variable":"$.b","BooleanEquals":true,"Next":"Yes"}`, true},
		{`{"Variable":"$.b","BooleanEquals":false,"Next":"Yes"}`, false},
		{`{"Variable":"$.s","BooleanEquals":true,"Next":"Yes"}`, false},
		{`{"Variable":"$.b","BooleanEqualsPath":"$.b2","Next":"Yes"}`, false},
		{`{"Variable":"$.t","TimestampEquals":"2016-08-18T17:33:00Z","Next":"Yes"}`, true},
		{`{"Variable":"$.t","TimestampEquals":"2016-08-18T18:33:00+01:00","Next":"Yes"}`, true},
		{`{"Variable":"$.t","TimestampLessThan":"2016-08-18T17:33:01Z","Next":"Yes"}`, true},
		{`{"Variable":"$.t","TimestampGreaterThan":"2016-08-18T17:33:00Z","Next":"Yes"}`, false},
		{`{"Variable":"$.t","TimestampLessThanEquals":"2016-08-18T17:33:00Z","Next":"Yes"}`, true},
		{`{"Variable":"$.t","TimestampGreaterThanEquals":"2016-08-19T00:00:00Z","Next":"Yes"}`, false},
		{`{"Variable":"$.s","TimestampEquals":"2016-08-18T17:33:00Z","Next":"Yes"}`, false},
		{`{"Variable":"$.t","TimestampEqualsPath":"$.t","Next":"Yes"}`, true},
		{`{"Variable":"$.t2","TimestampLessThanPath":"$.t","Next":"Yes"}`, true},
		{`{"Variable":"$.t2","TimestampGreaterThanPath":"$.t","Next":"Yes"}`, false},
		{`{"Variable":"$.t","TimestampLessThanEqualsPath":"$.t","Next":"Yes"}`, true},
		{`{"Variable":"$.t","TimestampGreaterThanEqualsPath":"$.t2","Next":"Yes"}`, true},
		{`{"Variable":"$.nul","IsNull":true,"Next":"Yes"}`, true},
		{`{"Variable":"$.s","IsNull":true,"Next":"Yes"}`, false},
		{`{"Variable":"$.s","IsNull":false,"Next":"Yes"}`, true},
		{`{"Variable":"$.s","IsPresent":true,"Next":"Yes"}`, true},
		{`{"Variable":"$.nul","IsPresent":true,"Next":"Yes"}`, true},
		{`{"Variable":"$.missing","IsPresent":true,"Next":"Yes"}`, false},
		{`{"Variable":"$.missing","IsPresent":false,"Next":"Yes"}`, true},
		{`{"Variable":"$.obj.k","IsPresent":true,"Next":"Yes"}`, true},
		{`{"Variable":"$.n","IsNumeric":true,"Next":"Yes"}`, true},
		{`{"Variable":"$.s","IsNumeric":true,"Next":"Yes"}`, false},
		{`{"Variable":"$.s","IsString":true,"Next":"Yes"}`, true},
		{`{"Variable":"$.n","IsString":false,"Next":"Yes"}`, true},
		{`{"Variable":"$.b","IsBoolean":true,"Next":"Yes"}`, true},
		{`{"Variable":"$.s","IsBoolean":true,"Next":"Yes"}`, false},
		{`{"Variable":"$.t","IsTimestamp":true,"Next":"Yes"}`, true},
		{`{"Variable":"$.s","IsTimestamp":true,"Next":"Yes"}`, false},
		{`{"Variable":"$.missing","IsString":true,"Next":"Yes"}`, false},
		{`{"And":[{"Variable":"$.n","NumericGreaterThan":5},{"Variable":"$.s","StringEquals":"abc"}],"Next":"Yes"}`, true},
		{`{"And":[{"Variable":"$.n","NumericGreaterThan":5},{"Variable":"$.s","StringEquals":"x"}],"Next":"Yes"}`, false},
		{`{"Or":[{"Variable":"$.n","NumericGreaterThan":50},{"Variable":"$.s","StringEquals":"abc"}],"Next":"Yes"}`, true},
		{`{"Or":[{"Variable":"$.n","NumericGreaterThan":50},{"Variable":"$.s","StringEquals":"x"}],"Next":"Yes"}`, false},
		{`{"Not":{"Variable":"$.s","StringEquals":"abc"},"Next":"Yes"}`, false},
		{`{"Not":{"Variable":"$.s","StringEquals":"x"},"Next":"Yes"}`, true},
		{`{"And":[{"Not":{"Variable":"$.missing","IsPresent":true}},{"Or":[{"Variable":"$.b","BooleanEquals":true}]}],"Next":"Yes"}`, true},
		{`{"Variable":"$$.Execution.Name","StringEquals":"run","Next":"Yes"}`, true},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			m := mustParse(t, choiceMachine(c.rule))
			out, err := m.Execute(context.Background(), raw(input), Options{ExecutionName: "run"})
			if err != nil {
				t.Fatal(err)
			}
			want := "no"
			if c.want {
				want = "yes"
			}
			if out != want {
				t.Errorf("went to %v, want %s", out, want)
			}
		})
	}
}

func TestChoiceFlow(t *testing.T) {
	t.Run("first matching rule wins and paths apply", func(t *testing.T) {
		def := `{"StartAt":"C","States":{
			"C":{"Type":"Choice","InputPath":"$.in","OutputPath":"$.v","Choices":[
				{"Variable":"$.v","NumericGreaterThan":1,"Next":"A"},
				{"Variable":"$.v","NumericGreaterThan":0,"Next":"B"}]},
			"A":{"Type":"Pass","Parameters":{"went":"A","v.$":"$"},"End":true},
			"B":{"Type":"Pass","Parameters":{"went":"B","v.$":"$"},"End":true}}}`
		out, err := mustParse(t, def).Execute(context.Background(), raw(`{"in":{"v":5}}`), Options{})
		if err != nil {
			t.Fatal(err)
		}
		assertJSON(t, out, `{"went":"A","v":5}`)
	})
	t.Run("no match and no Default", func(t *testing.T) {
		def := `{"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":1,"Next":"A"}]},
			"A":{"Type":"Succeed"}}}`
		_, err := mustParse(t, def).Execute(context.Background(), raw(`{"v":2}`), Options{})
		if f := failureOf(t, err); f.Name != ErrNoChoiceMatched {
			t.Errorf("got %v, want %s", f, ErrNoChoiceMatched)
		}
	})
	t.Run("missing Variable is a runtime error", func(t *testing.T) {
		_, err := mustParse(t, choiceMachine(`{"Variable":"$.nope","StringEquals":"x","Next":"Yes"}`)).Execute(context.Background(), raw(`{}`), Options{})
		if f := failureOf(t, err); f.Name != ErrRuntime || !containsAll(f.Cause, "$.nope") {
			t.Errorf("got %v", f)
		}
	})
	t.Run("missing operand path is a runtime error", func(t *testing.T) {
		_, err := mustParse(t, choiceMachine(`{"Variable":"$.a","NumericEqualsPath":"$.nope","Next":"Yes"}`)).Execute(context.Background(), raw(`{"a":1}`), Options{})
		if f := failureOf(t, err); f.Name != ErrRuntime || !containsAll(f.Cause, "$.nope") {
			t.Errorf("got %v", f)
		}
	})
}

func TestStringMatches(t *testing.T) {
	cases := []struct {
		s, pattern string
		want       bool
	}{
		{"", "", true},
		{"", "*", true},
		{"abc", "", false},
		{"abc", "abc", true},
		{"abc", "a*", true},
		{"abc", "*c", true},
		{"abc", "*b*", true},
		{"abc", "a*b*c", true},
		{"abc", "a*c*", true},
		{"abc", "*d*", false},
		{"aaa", "a*aa", true},
		{"aa", "a*aa", false},
		{"a*c", `a\*c`, true},
		{"abc", `a\*c`, false},
		{`a\c`, `a\\c`, true},
		{`a\bc`, `a\\*`, true},
	}
	for _, c := range cases {
		t.Run(c.s+" ~ "+c.pattern, func(t *testing.T) {
			if got := stringMatches(c.s, c.pattern); got != c.want {
				t.Errorf("stringMatches(%q, %q) = %v, want %v", c.s, c.pattern, got, c.want)
			}
		})
	}
}
