// Command api is the stack's api Lambda function, with the uniquevisitors job.
package main

import (
	"example.com/uniquevisitors/visits"

	"github.com/scattergather/scattergather/lambdafn"
)

func main() { lambdafn.API(visits.UniqueVisitors) }
