package awsx

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// DefaultRegion is the region used when neither the caller nor the environment names one.
const DefaultRegion = "us-east-1"

// MaxAttempts and MaxBackoff configure the SDK's standard retryer: throttling and 5xx
// responses are retried with capped exponential backoff and jitter. This retryer is the
// only retry layer for SDK calls; callers must not wrap SDK calls in retry loops of their own.
const (
	MaxAttempts = 8
	MaxBackoff  = 5 * time.Second
)

// Config loads the default AWS configuration (environment, shared config, IMDS).
// A non-empty endpoint becomes the BaseEndpoint of every client made from it, for
// S3-compatible and DynamoDB-compatible servers such as moto or MinIO. An empty
// region falls back to the environment's, then to DefaultRegion.
func Config(ctx context.Context, endpoint, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = MaxAttempts
				o.MaxBackoff = MaxBackoff
			})
		}),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return cfg, nil
}

// S3Client returns an S3 client for cfg. With a custom endpoint it addresses
// buckets by path (http://host/bucket/key), which S3-compatible servers expect.
func S3Client(cfg aws.Config, endpoint string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.UsePathStyle = true
		}
		// Objects written without a checksum (every emulator's, older ones on S3)
		// would log a DEBUG line per GET.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

// DynamoClient returns a DynamoDB client for cfg.
func DynamoClient(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg)
}
