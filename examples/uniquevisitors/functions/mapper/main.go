// Command mapper is the stack's mapper Lambda function, with the uniquevisitors job.
package main

import (
	"example.com/uniquevisitors/visits"

	"github.com/scattergather/scattergather/lambdafn/taskfn"
)

func main() { taskfn.Mapper(visits.UniqueVisitors) }
