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
