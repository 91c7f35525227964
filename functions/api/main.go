// Command api is the scattergather api Lambda function (provided.al2023): it starts jobs
// from the HTTP API and from uploads to incoming/ in the input bucket, and reports them.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/awsx"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/query"
)

func main() {
	log := lambdacontext.NewLogger().With("function", "api")
	cfg, err := api.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Error("init", "err", err)
		os.Exit(1)
	}
	endpoint := os.Getenv(awsrun.EnvEndpoint)
	awsCfg, err := awsx.Config(context.Background(), endpoint, "")
	if err != nil {
		log.Error("init: aws config", "err", err)
		os.Exit(1)
	}
	s3c := awsx.S3Client(awsCfg, endpoint)
	svc := &api.Service{
		Config:  cfg,
		Starter: sfn.NewFromConfig(awsCfg),
		Ledger:  ledger.NewDynamo(awsx.DynamoClient(awsCfg), cfg.Table),
		Store:   blob.NewMux(func(bucket string) (blob.Store, error) { return blob.NewS3(s3c, bucket), nil }),
		Log:     log,
	}
	if fn := os.Getenv(api.EnvMapperFunction); fn != "" {
		svc.Mapper = &query.Lambda{Client: awslambda.NewFromConfig(awsCfg), Function: fn, Store: svc.Store}
	}
	slog.SetDefault(log)
	lambda.Start(svc.Handle)
}
