// Command reducer is the stack's reducer Lambda function, with the uniquevisitors job.
package main

import (
	"example.com/uniquevisitors/visits"

	"github.com/scattergather/scattergather/lambdafn/taskfn"
)

func main() { taskfn.Reducer(visits.UniqueVisitors) }
