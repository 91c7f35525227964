package testutil

import (
	"maps"
	"slices"
	"testing"
)

// RunSuite runs a conformance suite: each test, by name in sorted order, as a subtest on
// a fresh subject from newSubject (an empty store, an empty ledger).
func RunSuite[S any](t *testing.T, newSubject func(t *testing.T) S, tests map[string]func(t *testing.T, s S)) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		t.Run(name, func(t *testing.T) { tests[name](t, newSubject(t)) })
	}
}
