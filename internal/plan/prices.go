package plan

// AWS list prices the cost model uses: us-east-1, on-demand, read from the
// public pricing pages on PricesRead. Change them here, and only here.
const (
	PricesRead   = "2026-06-01"
	PricesRegion = "us-east-1"

	// Lambda, arm64 (the template's architecture).
	LambdaPerRequestUSD    = 0.20 / 1e6    // per invocation
	LambdaPerGBSecUSD      = 0.0000133334  // per GB-second, arm64
	LambdaMBPerVCPU        = 1769.0        // a function gets one vCPU per 1,769 MB of memory
	LambdaScalePer10s      = 1000          // concurrency added per function every 10 seconds
	LambdaScaleInterval    = 10.0          // seconds
	LambdaColdStartSec     = 0.15          // a Go provided.al2023 cold start, amortized as every invocation's overhead
	StepFunctionsPerTxn    = 0.025 / 1000  // Standard workflows, per state transition
	DynamoWriteUSD         = 0.625 / 1e6   // on-demand, per write request unit
	DynamoReadUSD          = 0.125 / 1e6   // on-demand, per read request unit (strongly consistent)
	S3GetUSD               = 0.0004 / 1000 // per GET (and HEAD)
	S3PutUSD               = 0.005 / 1000  // per PUT, COPY, POST and LIST
	S3ReadMBps             = 90.0          // one function's sustained S3 GET bandwidth, MB/s
	AthenaPerTBUSD         = 5.0           // Athena, per TB scanned
	StepTransitionSec      = 0.05          // latency Step Functions adds per state transition
	S3FirstByteSec         = 0.03          // latency to the first byte of a GET
	DefaultLambdaMB        = 1769          // the template's MapperMemory default: one full vCPU
	DefaultAWSMaxConc      = 1000          // the default account concurrency limit
	BytesPerTB             = 1e12
	DefaultGatherMergeMBps = 60.0 // the reducer's k-way merge of partials, MB/s of partial bytes
)
