// Command api is the scattergather api Lambda function (provided.al2023): it starts jobs
// from the HTTP API and from uploads to incoming/ in the input bucket, and reports them.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/query"
)

func main() {
	log := awsrun.Logger("api")
	slog.SetDefault(log)
	cfg, err := api.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Error("init", "err", err)
		os.Exit(1)
	}
	c, err := awsrun.NewClients(context.Background(), "api", cfg.Table)
	if err != nil {
		log.Error("init", "err", err)
		os.Exit(1)
	}
	svc := &api.Service{
		Config:  cfg,
		Starter: sfn.NewFromConfig(c.Config),
		Ledger:  c.Ledger,
		Store:   c.Store,
		Log:     log,
	}
	if fn := os.Getenv(api.EnvMapperFunction); fn != "" {
		svc.Mapper = &query.Lambda{Client: awslambda.NewFromConfig(c.Config), Function: fn, Store: svc.Store}
	}
	lambda.Start(svc.Handle)
}
