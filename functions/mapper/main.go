// Command mapper is the scattergather mapper Lambda function (provided.al2023).
package main

import (
	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/pipeline"
)

func main() {
	awsrun.Start("mapper", func(h *pipeline.Handler) any { return h.HandleMapper })
}
