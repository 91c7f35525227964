// Command mapper is the scattergather mapper Lambda function (provided.al2023).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/scattergather/scattergather/internal/awsrun"
)

func main() {
	h, err := awsrun.Handler(context.Background(), "mapper")
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(h.HandleMapper)
}
