// Command splitter is the scattergather splitter Lambda function (provided.al2023): it plans a job into chunks.
package main

import "github.com/scattergather/scattergather/lambdafn/taskfn"

func main() { taskfn.Splitter() }
