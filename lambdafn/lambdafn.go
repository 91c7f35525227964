package lambdafn

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/query/lambdainvoke"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/lambdafn/internal/fnstart"
	"github.com/scattergather/scattergather/lambdafn/taskfn"
)

// Splitter runs the splitter function, as taskfn.Splitter does; a main that calls
// taskfn.Splitter instead does not link the api function's SDK clients, whose package
// init every cold start pays (package taskfn).
func Splitter(jobs ...job.Definition) { taskfn.Splitter(jobs...) }

// Mapper runs the mapper function, as taskfn.Mapper does (see Splitter).
func Mapper(jobs ...job.Definition) { taskfn.Mapper(jobs...) }

// Reducer runs the reducer function, as taskfn.Reducer does (see Splitter).
func Reducer(jobs ...job.Definition) { taskfn.Reducer(jobs...) }

// API runs the api function: the HTTP API (POST /jobs, GET and DELETE
// /jobs/{id}, POST /query) and the S3 trigger on the input bucket. Like every
// function, it registers jobs, makes the function's logger (log/slog through
// aws-lambda-go's lambdacontext handler, in the format and at the level of the
// template's LoggingConfig) the default, reads its configuration from the environment the template sets, and
// serves invocations until the runtime stops it; a configuration error is logged
// and exits the process with status 1, which Lambda reports as an init error.
func API(jobs ...job.Definition) {
	log := fnstart.Register("api", jobs)
	cfg := fnstart.Must(api.ConfigFromEnv(os.Getenv))
	c := fnstart.Must(awsrun.NewClients(context.Background(), "api", cfg.Table))
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
