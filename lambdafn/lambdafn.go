package lambdafn

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/query/lambdainvoke"
	"github.com/scattergather/scattergather/job"
)

// Splitter runs the splitter function: it plans a job into chunks and writes
// the manifest. Like every function here, it registers jobs, makes the
// function's logger (awsrun.Logger) the default, reads its configuration from
// the environment the template sets, and serves invocations until the runtime
// stops it; a configuration error is logged and exits the process with status
// 1, which Lambda reports as an init error.
func Splitter(jobs ...job.Definition) {
	start("splitter", jobs, func(h *pipeline.Handler) any { return h.Plan })
}

// Mapper runs the mapper function: it maps one chunk and commits it, or, in
// query mode, answers with the chunk's partial.
func Mapper(jobs ...job.Definition) {
	start("mapper", jobs, func(h *pipeline.Handler) any { return h.HandleMapper })
}

// Reducer runs the reducer function: it gathers a job's committed partials
// into its output, in a tree of merges when there are many.
func Reducer(jobs ...job.Definition) {
	start("reducer", jobs, func(h *pipeline.Handler) any { return h.Gather })
}

// start is the splitter's, mapper's and reducer's main: entry picks the
// handler method that function serves.
func start(function string, jobs []job.Definition, entry func(*pipeline.Handler) any) {
	register(function, jobs)
	h := must(awsrun.Handler(context.Background(), function))
	lambda.Start(entry(h))
}

// API runs the api function: the HTTP API (POST /jobs, GET and DELETE
// /jobs/{id}, POST /query) and the S3 trigger on the input bucket.
func API(jobs ...job.Definition) {
	log := register("api", jobs)
	cfg := must(api.ConfigFromEnv(os.Getenv))
	c := must(awsrun.NewClients(context.Background(), "api", cfg.Table))
	svc := &api.Service{
		Config:  cfg,
		Starter: sfn.NewFromConfig(c.Config),
		Ledger:  c.Ledger,
		Store:   c.Store,
		Log:     log,
	}
	if fn := os.Getenv(api.EnvMapperFunction); fn != "" {
		svc.Mapper = &lambdainvoke.Lambda{Client: awslambda.NewFromConfig(c.Config), Function: fn, Store: svc.Store}
	}
	lambda.Start(svc.Handle)
}

// register adds the user's jobs to the built-in ones and makes function's
// logger the default, which it returns.
func register(function string, jobs []job.Definition) *slog.Logger {
	log := awsrun.Logger(function)
	slog.SetDefault(log)
	for _, d := range jobs {
		job.Register(d)
	}
	return log
}

// must returns v, or logs err and exits: a function that cannot start must
// fail its init phase, not serve.
func must[T any](v T, err error) T {
	if err != nil {
		slog.Error("init", "err", err)
		os.Exit(1)
	}
	return v
}
