package asl

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// single wraps one state named S into a machine.
func single(state string) string {
	return `{"StartAt":"S","States":{"S":` + state + `}}`
}

// TestInputOutputProcessing runs the documented examples of InputPath,
// Parameters, ResultSelector, ResultPath and OutputPath.
func TestInputOutputProcessing(t *testing.T) {
	hello := func(_ context.Context, p any) (any, error) {
		m, _ := p.(map[string]any)
		return "Hello, " + m["who"].(string) + "!", nil
	}
	echo := func(_ context.Context, p any) (any, error) { return p, nil }
	cases := []struct {
		name, state, input string
		fn                 func(context.Context, any) (any, error)
		want               string
	}{
		{
			name:  "InputPath ResultPath OutputPath (docs example)",
			state: `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:0:function:hello","InputPath":"$.lambda","ResultPath":"$.data.lambdaresult","OutputPath":"$.data","End":true}`,
			input: `{"comment":"An input comment.","data":{"val1":23,"val2":17},"extra":"foo","lambda":{"who":"AWS Step Functions"}}`,
			fn:    hello,
			want:  `{"val1":23,"val2":17,"lambdaresult":"Hello, AWS Step Functions!"}`,
		},
		{
			name:  "Parameters select and add (docs example)",
			state: `{"Type":"Pass","Parameters":{"comment":"Selecting what I care about.","MyDetails":{"size.$":"$.product.details.size","exists.$":"$.product.availability","StaticValue":"foo"}},"End":true}`,
			input: `{"comment":"Example for Parameters.","product":{"details":{"color":"blue","size":"small","material":"cotton"},"availability":"in stock","sku":"2317","cost":"$23"}}`,
			want:  `{"comment":"Selecting what I care about.","MyDetails":{"size":"small","exists":"in stock","StaticValue":"foo"}}`,
		},
		{
			name:  "Pass Result at ResultPath keeps exact numbers (docs example)",
			state: `{"Type":"Pass","Result":{"x-datum":0.381018,"y-datum":622.2269926397355},"ResultPath":"$.coords","End":true}`,
			input: `{"georefOf":"Home"}`,
			want:  `{"georefOf":"Home","coords":{"x-datum":0.381018,"y-datum":622.2269926397355}}`,
		},
		{
			name:  "ResultPath $ replaces the input",
			state: `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:0:function:hello","End":true}`,
			input: `{"who":"AWS Step Functions"}`,
			fn:    hello,
			want:  `"Hello, AWS Step Functions!"`,
		},
		{
			name:  "ResultPath null discards the result",
			state: `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:0:function:hello","ResultPath":null,"End":true}`,
			input: `{"who":"AWS Step Functions"}`,
			fn:    hello,
			want:  `{"who":"AWS Step Functions"}`,
		},
		{
			name:  "ResultPath replaces an existing node",
			state: `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:0:function:hello","InputPath":"$.master","ResultPath":"$.master.detail","End":true}`,
			input: `{"master":{"detail":[1,2,3],"who":"AWS Step Functions"}}`,
			fn:    hello,
			want:  `{"master":{"detail":"Hello, AWS Step Functions!","who":"AWS Step Functions"}}`,
		},
		{
			name:  "ResultPath creates nested fields",
			state: `{"Type":"Pass","Result":7,"ResultPath":"$.a.b['c d'].e","End":true}`,
			input: `{"x":1}`,
			want:  `{"x":1,"a":{"b":{"c d":{"e":7}}}}`,
		},
		{
			name:  "names with dashes in dot notation",
			state: `{"Type":"Pass","Parameters":{"t.$":"$.detail-type"},"ResultPath":"$.out-put.v","End":true}`,
			input: `{"detail-type":"Object Created"}`,
			want:  `{"detail-type":"Object Created","out-put":{"v":{"t":"Object Created"}}}`,
		},
		{
			name:  "ResultPath into an array element",
			state: `{"Type":"Pass","Result":"new","ResultPath":"$.list[1]","End":true}`,
			input: `{"list":["a","b","c"]}`,
			want:  `{"list":["a","new","c"]}`,
		},
		{
			name:  "ResultSelector on the lambda:invoke result",
			state: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","Payload":{"foo.$":"$.foo","n":1}},"ResultSelector":{"modifiedPayload.$":"$.Payload","code.$":"$.StatusCode","version.$":"$.ExecutedVersion"},"ResultPath":"$.taskresult","End":true}`,
			input: `{"foo":"bar"}`,
			fn:    echo,
			want:  `{"foo":"bar","taskresult":{"modifiedPayload":{"foo":"bar","n":1},"code":200,"version":"$LATEST"}}`,
		},
		{
			name:  "lambda:invoke result shape",
			state: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","Payload.$":"$"},"End":true}`,
			input: `{"big":12345678901234567890,"small":0.1}`,
			fn:    echo,
			want:  `{"ExecutedVersion":"$LATEST","Payload":{"big":12345678901234567890,"small":0.1},"StatusCode":200}`,
		},
		{
			name:  "InputPath null gives {}",
			state: `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:0:function:echo","InputPath":null,"ResultPath":"$.r","End":true}`,
			input: `{"a":1}`,
			fn:    echo,
			want:  `{"a":1,"r":{}}`,
		},
		{
			name:  "OutputPath null gives {}",
			state: `{"Type":"Pass","OutputPath":null,"End":true}`,
			input: `{"a":1}`,
			want:  `{}`,
		},
		{
			name:  "indefinite path gives a list",
			state: `{"Type":"Pass","Parameters":{"names.$":"$.people[*].name","adults.$":"$.people[?(@.age >= 18)].name"},"End":true}`,
			input: `{"people":[{"name":"a","age":17},{"name":"b","age":18},{"name":"c","age":40.5}]}`,
			want:  `{"names":["a","b","c"],"adults":["b","c"]}`,
		},
		{
			name:  "Parameters in arrays and nested objects",
			state: `{"Type":"Pass","Parameters":{"list":[{"v.$":"$.a"},"lit",{"w":{"x.$":"$.b"}}]},"End":true}`,
			input: `{"a":1,"b":[true,null]}`,
			want:  `{"list":[{"v":1},"lit",{"w":{"x":[true,null]}}]}`,
		},
		{
			name:  "null values are found",
			state: `{"Type":"Pass","Parameters":{"v.$":"$.a"},"End":true}`,
			input: `{"a":null}`,
			want:  `{"v":null}`,
		},
		{
			name:  "Succeed applies InputPath and OutputPath",
			state: `{"Type":"Succeed","InputPath":"$.a","OutputPath":"$.b"}`,
			input: `{"a":{"b":{"c":1}}}`,
			want:  `{"c":1}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mustParse(t, single(c.state))
			l := &lambdas{fns: map[string]func(context.Context, any) (any, error){
				"arn:aws:lambda:us-east-1:0:function:hello": c.fn,
				"arn:aws:lambda:us-east-1:0:function:echo":  c.fn,
				"echo": c.fn,
			}}
			out, err := m.Execute(context.Background(), raw(c.input), Options{Lambda: l.invoke})
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			assertJSON(t, out, c.want)
		})
	}
}

func TestInputOutputErrors(t *testing.T) {
	cases := []struct {
		name, state, input string
		wantErr            string
		wantCause          []string
	}{
		{"Parameters path matches nothing", `{"Type":"Pass","Parameters":{"v.$":"$.missing"},"End":true}`, `{"a":1}`, ErrRuntime, []string{"$.missing", "v.$"}},
		{"InputPath matches nothing", `{"Type":"Pass","InputPath":"$.missing","End":true}`, `{"a":1}`, ErrRuntime, []string{"$.missing", "InputPath"}},
		{"OutputPath matches nothing", `{"Type":"Pass","OutputPath":"$.missing","End":true}`, `{"a":1}`, ErrRuntime, []string{"$.missing", "OutputPath"}},
		{"ResultPath through a string", `{"Type":"Pass","Result":1,"ResultPath":"$.a.b","End":true}`, `{"a":"text"}`, ErrResultPathMatchFailure, []string{"$.a.b"}},
		{"ResultPath into a non-object input", `{"Type":"Pass","Result":1,"ResultPath":"$.a","End":true}`, `[1,2]`, ErrResultPathMatchFailure, []string{"$.a"}},
		{"ResultPath index out of range", `{"Type":"Pass","Result":1,"ResultPath":"$.a[5]","End":true}`, `{"a":[1]}`, ErrResultPathMatchFailure, []string{"out of range"}},
		{"context path matches nothing", `{"Type":"Pass","Parameters":{"v.$":"$$.Nope"},"End":true}`, `{}`, ErrRuntime, []string{"$$.Nope"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mustParse(t, single(c.state))
			_, err := m.Execute(context.Background(), raw(c.input), Options{})
			f := failureOf(t, err)
			if f.Name != c.wantErr || !containsAll(f.Cause, c.wantCause...) {
				t.Errorf("got %s: %s; want %s with %q", f.Name, f.Cause, c.wantErr, c.wantCause)
			}
			if !strings.Contains(err.Error(), `state "S"`) {
				t.Errorf("error %q does not name the state", err)
			}
		})
	}
}

func TestContextObject(t *testing.T) {
	def := `{"StartAt":"First","States":{
		"First":{"Type":"Pass","Next":"Ctx"},
		"Ctx":{"Type":"Pass","Parameters":{
			"name.$":"$$.Execution.Name","id.$":"$$.Execution.Id","input.$":"$$.Execution.Input",
			"start.$":"$$.Execution.StartTime","state.$":"$$.State.Name","entered.$":"$$.State.EnteredTime",
			"retry.$":"$$.State.RetryCount","sm.$":"$$.StateMachine.Id"},"End":true}}}`
	m := mustParse(t, def)
	out, err := m.Execute(context.Background(), map[string]any{"k": []int{1, 2}}, Options{ExecutionName: "exec-1"})
	if err != nil {
		t.Fatal(err)
	}
	got := out.(map[string]any)
	if got["name"] != "exec-1" || got["state"] != "Ctx" || got["retry"] != json.Number("0") {
		t.Errorf("context: %v", got)
	}
	assertJSON(t, got["input"], `{"k":[1,2]}`)
	for _, k := range []string{"id", "sm"} {
		if s, _ := got[k].(string); !strings.HasPrefix(s, "arn:aws:states:") {
			t.Errorf("%s = %v, want an ARN", k, got[k])
		}
	}
	if !strings.Contains(got["id"].(string), "exec-1") {
		t.Errorf("Execution.Id %v does not contain the name", got["id"])
	}
	for _, k := range []string{"start", "entered"} {
		if _, ok := parseTimestamp(got[k].(string)); !ok {
			t.Errorf("%s = %v, want a timestamp", k, got[k])
		}
	}

	// Without a name, the execution gets a UUID.
	out, err = m.Execute(context.Background(), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := out.(map[string]any)["name"].(string); len(n) != 36 || strings.Count(n, "-") != 4 {
		t.Errorf("default execution name %q is not a UUID", n)
	}
	assertJSON(t, out.(map[string]any)["input"], `{}`)
}

func TestExecuteInputForms(t *testing.T) {
	m := mustParse(t, single(`{"Type":"Pass","End":true}`))
	type custom struct {
		N int64  `json:"n"`
		S string `json:"s"`
	}
	cases := []struct {
		name  string
		input any
		want  string
	}{
		{"RawMessage", raw(`{"n":9007199254740993,"s":"x"}`), `{"n":9007199254740993,"s":"x"}`},
		{"bytes", []byte(`{"n":1.50,"s":"x"}`), `{"n":1.50,"s":"x"}`},
		{"map", map[string]any{"n": 2, "s": "x"}, `{"n":2,"s":"x"}`},
		{"struct", custom{N: 3, S: "x"}, `{"n":3,"s":"x"}`},
		{"nil", nil, `{}`},
		{"null text", raw(`null`), `null`},
		{"array", []any{"a", json.Number("1e3")}, `["a",1e3]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := m.Execute(context.Background(), c.input, Options{})
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, out, c.want)
		})
	}
	if _, err := m.Execute(context.Background(), raw(`{"a":`), Options{}); err == nil {
		t.Error("bad JSON input: no error")
	}
}

func TestPaths(t *testing.T) {
	input := `{"x-datum":1,"a":[{"b":1,"c":{"d":"x"}},{"b":2}],"e":{"c":{"d":"y"}},"n":{"1.5":3},"sp ace":true}`
	cases := []struct {
		path  string
		want  string // "" when a definite path selects nothing
		found bool
	}{
		{"$", input, true},
		{"$.x-datum", `1`, true},
		{"$['x-datum']", `1`, true},
		{"$..x-datum", `[1]`, true},
		{"$.n['1.5']", `3`, true},
		{"$.e.c.d", `"y"`, true},
		{"$['sp ace']", `true`, true},
		{"$.a[0].b", `1`, true},
		{"$.a[1]", `{"b":2}`, true},
		{"$.a[-1].b", `2`, true},
		{"$.a[5]", ``, false},
		{"$.a.b", ``, false},
		{"$.missing", ``, false},
		{"$.a[*].b", `[1,2]`, true},
		{"$.a[0:1]", `[{"b":1,"c":{"d":"x"}}]`, true},
		{"$..d", `["x","y"]`, true},
		{"$.a[*].missing", `[]`, true},
		{"$.a[?(@.b > 1)].b", `[2]`, true},
		{"$.a[?(@.b == 1)].c.d", `["x"]`, true},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			p, err := compilePath(c.path)
			if err != nil {
				t.Fatal(err)
			}
			v, err := decodeJSON([]byte(input))
			if err != nil {
				t.Fatal(err)
			}
			got, found := p.get(&env{input: v})
			if found != c.found {
				t.Fatalf("found = %v, want %v (got %v)", found, c.found, got)
			}
			if c.found {
				if c.path == "$..d" { // descent order is not specified
					if a, ok := got.([]any); !ok || len(a) != 2 {
						t.Fatalf("got %v", got)
					}
					return
				}
				assertJSON(t, got, c.want)
			}
		})
	}
}
