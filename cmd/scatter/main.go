// Command scatter runs scatter/gather jobs on this machine with the same
// handlers and state machine definition that run on AWS, and drives a
// deployed stack.
package main

import "github.com/scattergather/scattergather/cli"

func main() { cli.Main() }
