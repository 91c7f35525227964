// Command reducer is the scattergather reducer Lambda function (provided.al2023).
package main

import (
	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/pipeline"
)

func main() {
	awsrun.Start("reducer", func(h *pipeline.Handler) any { return h.Gather })
}
