package plan

import "github.com/scattergather/scattergather/internal/metrics"

// AWS list prices and figures the cost model uses: us-east-1, on-demand, read
// from the public pricing pages on PricesRead. The per-request and per-unit
// prices are internal/metrics' (the summaries' price list), so the prediction
// and the summary of a run price alike; the rest change here, and only here.
const (
	PricesRead   = "2026-06-01"
	PricesRegion = "us-east-1"

	// Lambda, arm64 (the template's architecture).
	LambdaPerRequestUSD    = metrics.LambdaRequest     // per invocation
	LambdaPerGBSecUSD      = metrics.LambdaGBSecondARM // per GB-second, arm64
	LambdaMBPerVCPU        = 1769.0                    // a function gets one vCPU per 1,769 MB of memory
	LambdaScalePer10s      = 1000                      // concurrency added per function every 10 seconds
	LambdaScaleInterval    = 10.0                      // seconds
	LambdaColdStartSec     = 0.15                      // a Go provided.al2023 cold start, amortized as every invocation's overhead
	StepFunctionsPerTxn    = metrics.StateTransition   // Standard workflows, per state transition
	DynamoWriteUSD         = metrics.DynamoWrite       // on-demand, per write request unit
	DynamoReadUSD          = metrics.DynamoRead        // on-demand, per read request unit (strongly consistent)
	S3GetUSD               = metrics.S3Get             // per GET (and HEAD)
	S3PutUSD               = metrics.S3Put             // per PUT, COPY, POST and LIST
	S3ReadMBps             = 90.0                      // one function's sustained S3 GET bandwidth, MB/s
	AthenaPerTBUSD         = 5.0                       // Athena, per TB scanned
	StepTransitionSec      = 0.05                      // latency Step Functions adds per state transition
	S3FirstByteSec         = 0.03                      // latency to the first byte of a GET
	DefaultLambdaMB        = 1769                      // the template's MapperMemory default: one full vCPU
	DefaultAWSMaxConc      = 1000                      // the default account concurrency limit
	BytesPerTB             = 1e12
	DefaultGatherMergeMBps = 60.0 // the reducer's k-way merge of partials, MB/s of partial bytes
)
