// Command uniquevisitors is the scatter CLI with the uniquevisitors job
// added to the built-in ones: run, query, plan, report, local up, ...
//
//	uniquevisitors run --job uniquevisitors --input visits.csv --output out.csv
package main

import (
	"example.com/uniquevisitors/visits"

	"github.com/scattergather/scattergather/cli"
)

func main() { cli.Main(visits.UniqueVisitors) }
