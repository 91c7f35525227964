// Command reducer is the scattergather reducer Lambda function (provided.al2023): it gathers a job's partials.
package main

import "github.com/scattergather/scattergather/lambdafn/taskfn"

func main() { taskfn.Reducer() }
