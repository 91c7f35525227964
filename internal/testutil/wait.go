package testutil

import (
	"testing"
	"time"
)

// WaitFor polls done until it holds, and fails t, naming what it waited for, once timeout
// has passed. The timeout only matters when the behaviour is broken and done never holds,
// so give it room for a loaded machine. It polls every 5 ms at first and backs off to
// every 150 ms, so a quick condition is seen at once and an expensive one (a request to a
// local server) is not asked hundreds of times a second.
func WaitFor(t testing.TB, timeout time.Duration, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for pause := 5 * time.Millisecond; !done(); pause = min(2*pause, 150*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(pause)
	}
}
