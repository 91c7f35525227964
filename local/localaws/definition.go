package localaws

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"

	"github.com/scattergather/scattergather/local/asl"
)

// integerPercentage matches an integer ToleratedFailurePercentage literal.
var integerPercentage = regexp.MustCompile(`("ToleratedFailurePercentage"\s*:\s*)(-?[0-9]+)(\s*[,}\]])`)

// MotoSpelling re-spells a definition for moto's ASL parser without changing
// its value: moto's grammar (from LocalStack) accepts ToleratedFailurePercentage
// only as a decimal literal and refuses an integer such as 0 with "no viable
// alternative", so 0 is written 0.0, the same JSON number. SameDefinition
// checks that nothing else changed.
func MotoSpelling(def string) string {
	return integerPercentage.ReplaceAllString(def, "${1}${2}.0${3}")
}

// SameDefinition reports whether two ASL texts are the same JSON value
// (numbers compared by value, so 0 and 0.0 are equal).
func SameDefinition(a, b string) (bool, error) {
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		return false, fmt.Errorf("definition: %w", err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		return false, fmt.Errorf("definition: %w", err)
	}
	return reflect.DeepEqual(va, vb), nil
}

// motoDefinition is the definition moto runs: the shipped one with the
// template's substitutions, in moto's spelling, checked to be the same value.
func motoDefinition(def []byte, subs map[string]string) (string, error) {
	b, err := asl.Substitute(def, subs)
	if err != nil {
		return "", fmt.Errorf("state machine: %w", err)
	}
	shipped := string(b)
	moto := MotoSpelling(shipped)
	same, err := SameDefinition(shipped, moto)
	if err != nil {
		return "", err
	}
	if !same {
		return "", fmt.Errorf("state machine: re-spelling the definition for moto changed its value")
	}
	return moto, nil
}
