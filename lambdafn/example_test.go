package lambdafn_test

import (
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/lambdafn"
)

var myJob job.Definition // a user's job: see packages job and kv

// The api function of a user's stack is one call from its main, e.g.
// functions/api/main.go; the splitter's, mapper's and reducer's are package
// lambdafn/taskfn's.
func ExampleAPI() {
	lambdafn.API(myJob)
}
