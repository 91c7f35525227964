package lambdafn_test

import (
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/lambdafn"
)

var myJob job.Definition // a user's job: see packages job and kv

// Each function of a user's stack is one call from its main, e.g.
// functions/mapper/main.go.
func ExampleMapper() {
	lambdafn.Mapper(myJob)
}
