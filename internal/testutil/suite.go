package testutil

import (
	"maps"
	"slices"
	"sync"
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

// Race runs fn(0) to fn(n-1) in goroutines released together, as close to at once as
// the scheduler allows, and waits for all of them: the callers of a conditional write.
func Race(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}
