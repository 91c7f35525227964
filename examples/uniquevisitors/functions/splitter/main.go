// Command splitter is the stack's splitter Lambda function, with the uniquevisitors job.
package main

import (
	"example.com/uniquevisitors/visits"

	"github.com/scattergather/scattergather/lambdafn/taskfn"
)

func main() { taskfn.Splitter(visits.UniqueVisitors) }
