package asl

import (
	"context"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	task := func(extra string) string {
		return single(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},` + extra + `"End":true}`)
	}
	cases := []struct {
		name string
		def  string
		subs map[string]string
		want []string // substrings of the error
	}{
		{"unknown placeholder", `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"${Fn}","End":true}}}`, nil, []string{"${Fn}"}},
		{"several unknown placeholders", `{"a":"${A}","b":"${B}","c":"${A}"}`, map[string]string{"C": "x"}, []string{"${A}", "${B}"}},
		{"not JSON", `{"StartAt":`, nil, []string{"not valid JSON"}},
		{"no StartAt", `{"States":{"S":{"Type":"Succeed"}}}`, nil, []string{"StartAt"}},
		{"StartAt not a state", `{"StartAt":"X","States":{"S":{"Type":"Succeed"}}}`, nil, []string{`"X"`}},
		{"unknown top-level field", `{"StartAt":"S","Foo":1,"States":{"S":{"Type":"Succeed"}}}`, nil, []string{`"Foo"`}},
		{"unknown state type", single(`{"Type":"Taks","End":true}`), nil, []string{`state "S"`, "Type", `"Taks"`}},
		{"missing Type", single(`{"End":true}`), nil, []string{`state "S"`, "Type"}},
		{"missing Next and End", single(`{"Type":"Pass"}`), nil, []string{`state "S"`, "Next", "End"}},
		{"both Next and End", `{"StartAt":"S","States":{"S":{"Type":"Pass","Next":"T","End":true},"T":{"Type":"Succeed"}}}`, nil, []string{`state "S"`, "Next", "End"}},
		{"Next to nowhere", `{"StartAt":"S","States":{"S":{"Type":"Pass","Next":"Nowhere"}}}`, nil, []string{`state "S"`, "Next", `"Nowhere"`}},
		{"field not valid for the type", single(`{"Type":"Pass","Resource":"x","End":true}`), nil, []string{`state "S"`, "Resource", "Pass"}},
		{"unknown field", task(`"Foo":1,`), nil, []string{`state "S"`, "Foo"}},
		{"JSONata machine", `{"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Succeed"}}}`, nil, []string{"QueryLanguage", "JSONata"}},
		{"JSONata state", single(`{"Type":"Pass","QueryLanguage":"JSONata","End":true}`), nil, []string{`state "S"`, "QueryLanguage", "JSONata"}},
		{"JSONata field", single(`{"Type":"Pass","Output":"{% $x %}","End":true}`), nil, []string{`state "S"`, "Output", "JSONata"}},
		{"Assign", single(`{"Type":"Pass","Assign":{"x":1},"End":true}`), nil, []string{`state "S"`, "Assign"}},
		{"unsupported resource", single(`{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","End":true}`), nil, []string{`state "S"`, "Resource", "dynamodb:putItem"}},
		{"waitForTaskToken", single(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","End":true}`), nil, []string{`state "S"`, "unsupported resource"}},
		{"lambda:invoke without FunctionName", single(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"$"},"End":true}`), nil, []string{`state "S"`, "FunctionName"}},
		{"bad path", single(`{"Type":"Pass","InputPath":"foo","End":true}`), nil, []string{`state "S"`, "InputPath", "$"}},
		{"ResultPath not a reference path", single(`{"Type":"Pass","ResultPath":"$.a[*]","End":true}`), nil, []string{`state "S"`, "ResultPath"}},
		{"ResultPath on the context", single(`{"Type":"Pass","ResultPath":"$$.a","End":true}`), nil, []string{`state "S"`, "ResultPath", "context"}},
		{"bad .$ value", single(`{"Type":"Pass","Parameters":{"a.$":"nope"},"End":true}`), nil, []string{`state "S"`, "Parameters", "a.$"}},
		{"Parameters not an object", single(`{"Type":"Pass","Parameters":"x","End":true}`), nil, []string{`state "S"`, "Parameters", "object"}},
		{".$ value not a string", single(`{"Type":"Pass","Parameters":{"a.$":1},"End":true}`), nil, []string{`state "S"`, "a.$"}},
		{"bad intrinsic", single(`{"Type":"Pass","Parameters":{"a.$":"States.Nope()"},"End":true}`), nil, []string{`state "S"`, "States.Nope"}},
		{"field clash", single(`{"Type":"Pass","Parameters":{"a":1,"a.$":"$"},"End":true}`), nil, []string{`state "S"`, `"a"`}},
		{"States.ALL not alone", task(`"Retry":[{"ErrorEquals":["States.ALL","E"]}],`), nil, []string{`state "S"`, "Retry[0]", "States.ALL"}},
		{"States.ALL not last", task(`"Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"},{"ErrorEquals":["E"],"Next":"S"}],`), nil, []string{`state "S"`, "Catch[0]", "States.ALL"}},
		{"empty ErrorEquals", task(`"Retry":[{"ErrorEquals":[]}],`), nil, []string{"Retry[0]", "ErrorEquals"}},
		{"BackoffRate below 1", task(`"Retry":[{"ErrorEquals":["E"],"BackoffRate":0.5}],`), nil, []string{"Retry[0]", "BackoffRate"}},
		{"bad JitterStrategy", task(`"Retry":[{"ErrorEquals":["E"],"JitterStrategy":"HALF"}],`), nil, []string{"Retry[0]", "JitterStrategy"}},
		{"IntervalSeconds 0", task(`"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":0}],`), nil, []string{"Retry[0]", "IntervalSeconds"}},
		{"negative MaxAttempts", task(`"Retry":[{"ErrorEquals":["E"],"MaxAttempts":-1}],`), nil, []string{"Retry[0]", "MaxAttempts"}},
		{"Catch without Next", task(`"Catch":[{"ErrorEquals":["E"]}],`), nil, []string{"Catch[0]", "Next"}},
		{"Catch to nowhere", task(`"Catch":[{"ErrorEquals":["E"],"Next":"X"}],`), nil, []string{`state "S"`, "Catch[0].Next", `"X"`}},
		{"TimeoutSeconds and TimeoutSecondsPath", task(`"TimeoutSeconds":5,"TimeoutSecondsPath":"$.t",`), nil, []string{`state "S"`, "TimeoutSeconds"}},
		{"TimeoutSeconds 0", task(`"TimeoutSeconds":0,`), nil, []string{`state "S"`, "TimeoutSeconds"}},
		{"Choice without Choices", single(`{"Type":"Choice"}`), nil, []string{`state "S"`, "Choices"}},
		{"Choice rule without Next", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true}]}}}`, nil, []string{`state "C"`, "Choices[0]", "Next"}},
		{"Choice rule with two operators", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"IsNull":true,"Next":"C"}]}}}`, nil, []string{"Choices[0]", "more than one"}},
		{"Choice rule unknown operator", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringContains":"x","Next":"C"}]}}}`, nil, []string{"Choices[0]", "StringContains"}},
		{"Choice rule bad operand type", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"1","Next":"C"}]}}}`, nil, []string{"Choices[0]", "NumericEquals", "number"}},
		{"Choice rule bad timestamp", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","TimestampEquals":"2020-01-01","Next":"C"}]}}}`, nil, []string{"Choices[0]", "timestamp"}},
		{"StringMatchesPath is not an operator", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringMatchesPath":"$.b","Next":"C"}]}}}`, nil, []string{"StringMatchesPath"}},
		{"nested rule with Next", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","IsPresent":true,"Next":"C"},"Next":"C"}]}}}`, nil, []string{"Choices[0].Not", "Next"}},
		{"Choice Default to nowhere", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"C"}],"Default":"X"}}}`, nil, []string{`state "C"`, "Default", `"X"`}},
		{"Wait with two durations", single(`{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}`), nil, []string{`state "S"`, "exactly one"}},
		{"Wait bad timestamp", single(`{"Type":"Wait","Timestamp":"tomorrow","End":true}`), nil, []string{`state "S"`, "Timestamp"}},
		{"Fail with Error and ErrorPath", single(`{"Type":"Fail","Error":"E","ErrorPath":"$.e"}`), nil, []string{`state "S"`, "ErrorPath"}},
		{"Map without ItemProcessor", single(`{"Type":"Map","End":true}`), nil, []string{`state "S"`, "ItemProcessor"}},
		{"Map inner state error", single(`{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass"}}},"End":true}`), nil, []string{`state "S"`, `state "P"`, "Next"}},
		{"Map bad Mode", single(`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"FAST"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "Mode"}},
		{"tolerance on an inline Map", single(`{"Type":"Map","ToleratedFailurePercentage":5,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "ToleratedFailurePercentage", "DISTRIBUTED"}},
		{"tolerance over 100", single(`{"Type":"Map","ToleratedFailurePercentage":101,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "ToleratedFailurePercentage"}},
		{"ItemReader on an inline Map", single(`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"}},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "ItemReader"}},
		{"ItemReader bad resource", single(`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"b"}},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "ItemReader", "listObjectsV2"}},
		{"ItemReader CSV", single(`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"k"}},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "InputType", "CSV"}},
		{"ItemBatcher", single(`{"Type":"Map","ItemBatcher":{"MaxItemsPerBatch":2},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "ItemBatcher"}},
		{"ResultWriter on an inline Map", single(`{"Type":"Map","ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"p"}},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "ResultWriter", "DISTRIBUTED"}},
		{"ResultWriter bad resource", single(`{"Type":"Map","ResultWriter":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b"}},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "ResultWriter", "s3:getObject"}},
		{"ResultWriter without Parameters", single(`{"Type":"Map","ResultWriter":{"Resource":"arn:aws:states:::s3:putObject"},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "ResultWriter", "Bucket"}},
		{"ResultWriter WriterConfig", single(`{"Type":"Map","ResultWriter":{"WriterConfig":{"Transformation":"COMPACT"}},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "WriterConfig"}},
		{"ItemReader unknown field", single(`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"},"Extra":1},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "field ItemReader", `unknown field "Extra"`}},
		{"ItemReader without Parameters", single(`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject"},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "ItemReader", "Parameters with Bucket and Key are required"}},
		{"ItemReader not an object", single(`{"Type":"Map","ItemReader":"s3","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "field ItemReader must be an object"}},
		{"ResultWriter without Resource", single(`{"Type":"Map","ResultWriter":{"Parameters":{"Bucket":"b"}},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "field ResultWriter: Resource is required"}},
		{"MaxConcurrency and its Path", single(`{"Type":"Map","MaxConcurrency":1,"MaxConcurrencyPath":"$.c","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), nil, []string{`state "S"`, "MaxConcurrency"}},
		{"Parallel branch error", single(`{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Nope"}}}],"End":true}`), nil, []string{`state "S"`, "Branches[0]", `state "B"`, `"Nope"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.def), c.subs)
			if err == nil {
				t.Fatal("no error")
			}
			if !containsAll(err.Error(), c.want...) {
				t.Errorf("error %q does not mention all of %q", err, c.want)
			}
		})
	}
}

func TestParseSubstitutions(t *testing.T) {
	def := `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"${Fn}","Parameters":{"n":${N}},"End":true}}}`
	m, err := Parse([]byte(def), map[string]string{"Fn": "arn:aws:lambda:us-east-1:0:function:f", "N": "42", "Unused": "x"})
	if err != nil {
		t.Fatal(err)
	}
	l := &lambdas{fns: map[string]func(context.Context, any) (any, error){"arn:aws:lambda:us-east-1:0:function:f": func(_ context.Context, p any) (any, error) { return p, nil }}}
	out, err := m.Execute(context.Background(), nil, Options{Lambda: l.invoke})
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, out, `{"n":42}`)
}

func TestExecuteNeedsOptions(t *testing.T) {
	cases := []struct {
		name, def, want string
	}{
		{"Lambda", single(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}`), "Options.Lambda"},
		{"GetObject", single(`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"}},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`), "Options.GetObject"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := mustParse(t, c.def).Execute(context.Background(), nil, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error naming %s", err, c.want)
			}
		})
	}
}
