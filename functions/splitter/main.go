// Command splitter is the scattergather splitter Lambda function (provided.al2023).
package main

import (
	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/pipeline"
)

func main() {
	awsrun.Start("splitter", func(h *pipeline.Handler) any { return h.Plan })
}
