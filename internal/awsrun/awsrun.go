package awsrun

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/scattergather/scattergather/internal/awsx"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/metrics"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
)

// The environment variables the splitter, mapper and reducer read. The
// template sets them; the template test checks that it does.
const (
	EnvTable              = "TABLE_NAME"
	EnvWorkBucket         = "WORK_BUCKET"
	EnvTriggerBucket      = "INPUT_BUCKET"
	EnvDefaultChunkSize   = "DEFAULT_CHUNK_SIZE"
	EnvDefaultConcurrency = "DEFAULT_CONCURRENCY"
	EnvMaxChunks          = "MAX_CHUNKS"
	EnvFanIn              = "FAN_IN"
	EnvEndpoint           = "AWS_ENDPOINT_URL"
)

// Required lists, per function, the variables it cannot start without.
var Required = map[string][]string{
	"splitter": {EnvTable, EnvWorkBucket},
	"mapper":   {EnvTable, EnvWorkBucket},
	"reducer":  {EnvTable, EnvWorkBucket},
}

// Handler reads the environment of function and builds its handler; a missing
// or malformed variable is an error that names it.
func Handler(ctx context.Context, function string) (*pipeline.Handler, error) {
	for _, name := range Required[function] {
		if os.Getenv(name) == "" {
			return nil, fmt.Errorf("%s: environment variable %s is not set", function, name)
		}
	}
	h := &pipeline.Handler{
		WorkBucket:    os.Getenv(EnvWorkBucket),
		TriggerBucket: os.Getenv(EnvTriggerBucket),
		Log:           slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", function),
		Metrics:       metrics.NewWriter(os.Stdout),
	}
	var err error
	if v := os.Getenv(EnvDefaultChunkSize); v != "" {
		if h.DefaultChunkSize, err = plan.ParseSize(v); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", function, EnvDefaultChunkSize, err)
		}
	}
	for _, iv := range []struct {
		name string
		dst  *int
	}{{EnvDefaultConcurrency, &h.DefaultConcurrency}, {EnvMaxChunks, &h.MaxChunks}, {EnvFanIn, &h.FanIn}} {
		if v := os.Getenv(iv.name); v != "" {
			if *iv.dst, err = strconv.Atoi(v); err != nil || *iv.dst < 0 {
				return nil, fmt.Errorf("%s: %s=%q: want a non-negative integer", function, iv.name, v)
			}
		}
	}
	endpoint := os.Getenv(EnvEndpoint)
	cfg, err := awsx.Config(ctx, endpoint, "")
	if err != nil {
		return nil, fmt.Errorf("%s: aws config: %w", function, err)
	}
	s3c := awsx.S3Client(cfg, endpoint)
	h.Store = blob.NewMux(func(bucket string) (blob.Store, error) { return blob.NewS3(s3c, bucket), nil })
	h.Ledger = ledger.NewDynamo(awsx.DynamoClient(cfg), os.Getenv(EnvTable))
	fs, err := faults.FromEnv()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", function, err)
	}
	if fs != nil {
		h.Faults = fs
		h.Store = faults.Store{Store: h.Store, F: fs}
		h.Ledger = faults.Ledger{Ledger: h.Ledger, F: fs}
	}
	return h, nil
}
