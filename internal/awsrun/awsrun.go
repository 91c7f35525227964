package awsrun

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/scattergather/scattergather/internal/awsx"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/metrics"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/statemachine"
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
	// EnvChildWorkflowType is the splitter's copy of the template's
	// ChildWorkflowType (STANDARD or EXPRESS), the limit its plan checks
	// a job's key ranges against (pipeline.Handler.ChildType).
	EnvChildWorkflowType = "CHILD_WORKFLOW_TYPE"
	EnvEndpoint          = "AWS_ENDPOINT_URL"
	// EnvMemorySize is the function's memory in MB, which Lambda sets in every
	// function's environment (a reserved variable:
	// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
	EnvMemorySize = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
)

// Required lists, per function, the variables it cannot start without.
var Required = map[string][]string{
	"splitter": {EnvTable, EnvWorkBucket},
	"mapper":   {EnvTable, EnvWorkBucket},
	"reducer":  {EnvTable, EnvWorkBucket},
}

// Logger is the logger of a Lambda function: log/slog through aws-lambda-go's
// lambdacontext handler, which adds each invocation's requestId and writes the format
// and level the template's LoggingConfig sets (Lambda passes them to a custom runtime
// as AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL:
// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html,
// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
// Outside Lambda, with neither set, it writes text at INFO. Handlers add the job and
// chunk IDs as attributes.
func Logger(function string) *slog.Logger {
	return lambdacontext.NewLogger().With("function", function)
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
		Log:           Logger(function),
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
	switch v := os.Getenv(EnvChildWorkflowType); v {
	case "", statemachine.Standard, statemachine.Express:
		h.ChildType = v
	default:
		return nil, fmt.Errorf("%s: %s=%q: want %s or %s", function, EnvChildWorkflowType, v, statemachine.Standard, statemachine.Express)
	}
	if err := setMemory(function, h.Log); err != nil {
		return nil, err
	}
	if h.FanIn > pipeline.MaxFanIn {
		return nil, fmt.Errorf("%s: %s=%d: at most %d (a merge holds every partial open, and a Lambda function has 1,024 file descriptors)", function, EnvFanIn, h.FanIn, pipeline.MaxFanIn)
	}
	c, err := NewClients(ctx, function, os.Getenv(EnvTable))
	if err != nil {
		return nil, err
	}
	h.Store, h.Ledger, h.Faults = c.Store, c.Ledger, c.Faults
	return h, nil
}

// setMemory fits the process to the function's memory (EnvMemorySize): the
// mapper's combine budget, and Go's soft memory limit at 90% of it unless the
// function's environment sets GOMEMLIMIT (jobs.SetMemory). Outside Lambda,
// without the variable, it changes nothing.
func setMemory(function string, log *slog.Logger) error {
	v := os.Getenv(EnvMemorySize)
	if v == "" {
		return nil
	}
	mb, err := strconv.Atoi(v)
	if err != nil || int64(mb) < jobs.MinMapperMemory>>20 {
		return fmt.Errorf("%s: %s=%q: want the function's memory in MB, at least %d", function, EnvMemorySize, v, jobs.MinMapperMemory>>20)
	}
	// Read as MiB: were Lambda's MB 10^6 bytes, the 10% that MemoryLimit
	// leaves would still cover the 4.6% difference.
	budget, limit := jobs.SetMemory(int64(mb)<<20, 1, true)
	log.Debug("memory", "functionMemoryMB", mb, "combineBudget", budget, "goMemoryLimit", limit)
	return nil
}

// Clients are a function's AWS configuration, store and ledger, with the
// faults of its environment (SCATTER_FAULTS) injected into both.
type Clients struct {
	Config aws.Config
	Store  blob.Store
	Ledger ledger.Ledger
	Faults *faults.Set // nil without SCATTER_FAULTS
}

// NewClients builds a function's Clients from its environment: the endpoint
// (AWS_ENDPOINT_URL, set for a local AWS), the ledger's table and the faults.
func NewClients(ctx context.Context, function, table string) (Clients, error) {
	endpoint := os.Getenv(EnvEndpoint)
	cfg, err := awsx.Config(ctx, endpoint, "")
	if err != nil {
		return Clients{}, fmt.Errorf("%s: aws config: %w", function, err)
	}
	s3c := awsx.S3Client(cfg, endpoint)
	c := Clients{
		Config: cfg,
		// On Lambda every location is s3://: a local path (of the function's own
		// filesystem) is refused, never read or written.
		Store:  blob.NewS3Mux(func(bucket string) (blob.Store, error) { return blob.NewS3(s3c, bucket), nil }),
		Ledger: ledger.NewDynamo(awsx.DynamoClient(cfg), table),
	}
	if c.Faults, err = faults.FromEnv(); err != nil {
		return Clients{}, fmt.Errorf("%s: %w", function, err)
	}
	if c.Faults != nil {
		c.Store = faults.Store{Store: c.Store, F: c.Faults}
		c.Ledger = faults.Ledger{Ledger: c.Ledger, F: c.Faults}
	}
	return c, nil
}
