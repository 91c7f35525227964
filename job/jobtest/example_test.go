package jobtest_test

import (
	"testing"

	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/job/jobtest"
)

var myJob job.Definition // a user's job: see package kv

// In a user's module, one test checks what the framework relies on.
func ExampleCheck() {
	_ = func(t *testing.T) {
		jobtest.Check(t, myJob,
			jobtest.Case{Name: "sample", Inputs: []jobtest.Input{{Name: "visits.csv", Data: []byte("destURL,sourceIP\n/a,1.2.3.4\n")}},
				Want: []byte("destURL,uniqueVisitors\n/a,1\n")},
			jobtest.Case{Name: "bad quoting", Inputs: []jobtest.Input{{Name: "v.csv", Data: []byte("destURL,sourceIP\n\"/b,1\n")}},
				BadRecord: "v.csv:17"},
		)
	}
}
