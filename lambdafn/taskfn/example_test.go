package taskfn_test

import (
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/lambdafn/taskfn"
)

var myJob job.Definition // a user's job: see packages job and kv

// The mapper function of a user's stack is one call from its main, e.g.
// functions/mapper/main.go; the api function's is lambdafn.API.
func ExampleMapper() {
	taskfn.Mapper(myJob)
}
