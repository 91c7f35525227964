// Package fnstart is what every Lambda function's main does before it serves, shared by
// packages lambdafn and lambdafn/taskfn: register the user's jobs, make the function's
// logger the default, and fail the init phase on a configuration error.
package fnstart

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/job"
)

// Pipeline is the splitter's, mapper's and reducer's main: entry picks the handler
// method that function serves.
func Pipeline(function string, jobs []job.Definition, entry func(*pipeline.Handler) any) {
	Register(function, jobs)
	h := Must(awsrun.Handler(context.Background(), function))
	lambda.Start(entry(h))
}

// Register adds the user's jobs to the built-in ones and makes function's logger the
// default, which it returns.
func Register(function string, jobs []job.Definition) *slog.Logger {
	log := awsrun.Logger(function)
	slog.SetDefault(log)
	for _, d := range jobs {
		job.Register(d)
	}
	return log
}

// Must returns v, or logs err and exits with status 1, which Lambda reports as an init
// error: a function that cannot start must fail its init phase, not serve.
func Must[T any](v T, err error) T {
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	return v
}
