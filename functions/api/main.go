// Command api is the scattergather api Lambda function (provided.al2023): it starts jobs from the HTTP API and from uploads to incoming/ in the input bucket, and reports them.
package main

import "github.com/scattergather/scattergather/lambdafn"

func main() { lambdafn.API() }
