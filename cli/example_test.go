package cli_test

import (
	"github.com/scattergather/scattergather/cli"
	"github.com/scattergather/scattergather/job"
)

var myJob job.Definition // a user's job: see packages job and kv

// A user's binary is the scatter CLI with its jobs added.
func ExampleMain() {
	cli.Main(myJob)
}
