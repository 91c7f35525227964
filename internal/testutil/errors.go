package testutil

import (
	"strings"
	"testing"
)

// ErrorNames fails t (and goes on) unless err is an error whose message contains each of
// parts: the check of an error that must name what was wrong and where.
func ErrorNames(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want one naming %q", parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not name %q", err, p)
		}
	}
}
