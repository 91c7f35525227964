package cfn

import (
	"strings"
	"testing"
)

// TestEvalStrings: every value is evaluated and formatted as a string; a value that fails
// names its key, and of several the first key in order is the one named.
func TestEvalStrings(t *testing.T) {
	tmpl, err := Parse([]byte("Parameters:\n  Stage:\n    Type: String\n    Default: prod\nResources: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tmpl.EvalStrings(map[string]any{
		"STAGE":  map[string]any{"Ref": "Stage"},
		"REGION": map[string]any{"Fn::Sub": "${AWS::Region}-x"},
		"N":      7,
		"ON":     true,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"STAGE": "prod", "REGION": Region + "-x", "N": "7", "ON": "true"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	_, err = tmpl.EvalStrings(map[string]any{
		"B_BAD": map[string]any{"Ref": "Missing2"},
		"A_BAD": map[string]any{"Ref": "Missing1"},
		"OK":    "x",
	})
	if err == nil || !strings.HasPrefix(err.Error(), "A_BAD: ") || !strings.Contains(err.Error(), "Missing1") {
		t.Errorf("error %v, want one naming A_BAD and Missing1", err)
	}
}

// TestIntrinsics: the list intrinsics and Fn::If evaluate as CloudFormation's do (the
// examples of https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-join.html
// and .../intrinsic-function-reference-select.html), and a wrong argument list is an error
// that names the function and what it takes.
func TestIntrinsics(t *testing.T) {
	tmpl, err := Parse([]byte("Conditions:\n  Yes: !Equals [a, a]\nResources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: data\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		v    map[string]any
		want string // the value, or with err set a part of the error
		err  bool
	}{
		{"join", map[string]any{"Fn::Join": []any{"-", []any{"a", 1, map[string]any{"Ref": "AWS::Region"}}}}, "a-1-" + Region, false},
		{"select of split", map[string]any{"Fn::Select": []any{"1", map[string]any{"Fn::Split": []any{",", "x,y,z"}}}}, "y", false},
		{"if", map[string]any{"Fn::If": []any{"Yes", "then", "else"}}, "then", false},
		{"get att", map[string]any{"Fn::GetAtt": []any{"Data", "Arn"}}, "arn:aws:s3:::data", false},
		{"join of one", map[string]any{"Fn::Join": []any{"-"}}, "Fn::Join [-]: want [delimiter, list]", true},
		{"join of a string", map[string]any{"Fn::Join": []any{"-", "ab"}}, "Fn::Join: ab is not a list", true},
		{"select past the end", map[string]any{"Fn::Select": []any{"3", []any{"a"}}}, "Fn::Select 3 of [a]", true},
		{"select of a string", map[string]any{"Fn::Select": []any{"0", "ab"}}, "Fn::Select: ab is not a list", true},
		{"if of two", map[string]any{"Fn::If": []any{"Yes", "then"}}, "want [condition, then, else]", true},
		{"get att of one", map[string]any{"Fn::GetAtt": []any{"Data"}}, "want [resource, attribute]", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := tmpl.EvalString(c.v)
			switch {
			case c.err && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %q, %v; want an error with %q", got, err, c.want)
			case !c.err && (err != nil || got != c.want):
				t.Errorf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
