// Command mapper is the scattergather mapper Lambda function (provided.al2023): it maps one chunk.
package main

import "github.com/scattergather/scattergather/lambdafn/taskfn"

func main() { taskfn.Mapper() }
