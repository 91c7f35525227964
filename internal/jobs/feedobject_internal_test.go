package jobs

import (
	"testing"

	"github.com/scattergather/scattergather/internal/feed"
)

// feedObject maps in, one object named "x", through a new feed of j's
// mapper and returns the feed, its partial still to be written (Finish).
func feedObject(t *testing.T, j Job, in []byte) *feed.Feeder {
	t.Helper()
	f, err := feed.New(j, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Object(Part{Source: "x"}, in); err != nil {
		t.Fatal(err)
	}
	return f
}
