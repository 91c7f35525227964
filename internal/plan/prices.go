package plan

import (
	"github.com/scattergather/scattergather/internal/metrics"
	"github.com/scattergather/scattergather/internal/sfnquota"
)

// AWS list prices, limits and figures the cost model uses: us-east-1,
// on-demand, without free tiers. The per-request and per-unit prices that a
// run's summary also uses are internal/metrics' (so a prediction and the
// summary of a run price alike); the rest change here, and only here.
// PriceTable lists every one of them with the AWS page it comes from and
// what the stored copy of that page (read with the project's search tool on
// PricesRead) did and did not show; `scatter plan --prices` prints it.
const (
	PricesRead   = "2026-12-06"
	PricesRegion = "us-east-1"

	// Lambda, arm64 (the template's architecture).
	LambdaPerRequestUSD = metrics.LambdaRequest     // per invocation
	LambdaPerGBSecUSD   = metrics.LambdaGBSecondARM // per GB-second, arm64, first tier
	LambdaMBPerVCPU     = 1769.0                    // a function gets one vCPU per 1,769 MB of memory
	LambdaScalePer10s   = 1000                      // concurrency added per function every 10 seconds
	LambdaScaleInterval = 10.0                      // seconds
	LambdaMaxTimeoutSec = 900                       // a function's longest run (the template's Timeout)
	LambdaColdStartSec  = 0.15                      // a Go provided.al2023 cold start, amortized as every invocation's overhead
	DefaultLambdaMB     = 1769                      // the template's MapperMemory default: one full vCPU
	DefaultAWSMaxConc   = 1000                      // the default account concurrency limit

	// Step Functions.
	StepFunctionsPerTxn    = metrics.StateTransition // Standard workflows, per state transition
	ExpressPerRequestUSD   = 1.00 / 1e6              // Express workflows, per execution started
	ExpressPerGBSecUSD     = 0.00001667              // Express workflows, per GB-second of duration, first tier
	ExpressMemoryStepMB    = 64                      // Express memory is billed in 64 MB steps
	ExpressDurationStepSec = 0.1                     // Express duration is rounded up to 100 ms
	ExpressMaxSec          = 300                     // an Express execution's longest run, five minutes (service-quotas.html; asl.ExpressMaxDuration enforces it locally)
	MapMaxConcurrency      = 10000                   // a Distributed Map's parallel child executions
	ChildInputMaxBytes     = sfnquota.PayloadBytes   // a child execution's input (and so one batch's items)

	// DynamoDB on-demand, S3 Standard requests.
	DynamoWriteUSD = metrics.DynamoWrite // per write request unit
	DynamoReadUSD  = metrics.DynamoRead  // per read request unit (strongly consistent, up to 4 KB)
	S3GetUSD       = metrics.S3Get       // per GET (and HEAD)
	S3PutUSD       = metrics.S3Put       // per PUT, COPY, POST and LIST

	AthenaPerTBUSD = 5.0 // Athena, per TB scanned

	// Measured or assumed, not published by AWS.
	S3ReadMBps             = 90.0 // one function's sustained S3 GET bandwidth, MB/s
	StepTransitionSec      = 0.05 // latency Step Functions adds per state transition
	S3FirstByteSec         = 0.03 // latency to the first byte of a GET
	BytesPerTB             = 1e12
	DefaultGatherMergeMBps = 60.0 // the reducer's k-way merge of partials, MB/s of partial bytes
)

// Price is one AWS price or limit the model uses, with its source.
type Price struct {
	// Name says what is priced or limited.
	Name string `json:"name"`
	// Value is the figure, in Unit.
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// URL is the AWS pricing, quota or documentation page it comes from.
	URL string `json:"url"`
	// Checked says what the stored copy of that page showed: the figure
	// itself, or only its terms (the number not being in the stored text).
	Checked string `json:"checked"`
}

// PriceTable is every AWS price and limit the cost model uses, each with the
// page it comes from. Where the stored copy of AWS's page did not show the
// number (AWS renders its pricing tables in the browser, so the stored text
// of several pages holds the terms but not the figures), Checked says so:
// those figures are the ones in use and are not confirmed by an AWS page here.
var PriceTable = []Price{
	{"Step Functions Standard state transition", StepFunctionsPerTxn, "USD per transition",
		"https://aws.amazon.com/step-functions/pricing/",
		"shown: $0.025 per 1,000 state transitions, US East (N. Virginia) $0.0250; retries are transitions too"},
	{"Step Functions Express request", ExpressPerRequestUSD, "USD per execution",
		"https://aws.amazon.com/blogs/compute/building-cost-effective-aws-step-functions-workflows/",
		"shown by AWS's Compute Blog: $1.00 per million invocations (against $25 per million transitions for Standard); the stored pricing page shows the terms (a request per execution started) but not the number"},
	{"Step Functions Express duration", ExpressPerGBSecUSD, "USD per GB-second",
		"https://aws.amazon.com/step-functions/pricing/",
		"NOT shown by a stored AWS page: the pricing page's text gives the terms only (duration rounded up to 100 ms, memory billed in 64-MB chunks, from the definition, Map states and payload); the figure is the first tier's as published by third parties and AWS's Step Functions workshop ($0.0000001042 per 100 ms at 64 MB)"},
	{"Express billing steps", ExpressMemoryStepMB, "MB (and 100 ms)",
		"https://aws.amazon.com/step-functions/pricing/",
		"shown: duration rounded up to the nearest 100 ms, memory billed in 64-MB chunks"},
	{"Express maximum duration", ExpressMaxSec, "seconds",
		"https://aws.amazon.com/blogs/compute/building-cost-effective-aws-step-functions-workflows/",
		"shown: Express workflows run for at most 5 minutes; at-least-once execution (https://docs.aws.amazon.com/step-functions/latest/dg/express-at-least-once-execution.html)"},
	{"Distributed Map parallel child executions", MapMaxConcurrency, "executions",
		"https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html",
		"shown: without MaxConcurrency, 10,000 child workflow executions run in parallel"},
	{"Child execution input (one ItemBatcher batch)", ChildInputMaxBytes, "bytes",
		"https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html",
		"shown: a batch is one child's input, bounded by MaxInputBytesPerBatch within the 256 KiB input quota (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)"},
	{"Lambda request", LambdaPerRequestUSD, "USD per invocation",
		"https://aws.amazon.com/lambda/pricing/",
		"NOT shown by the stored AWS page (its rate table is rendered in the browser); $0.20 per million requests as published everywhere else"},
	{"Lambda duration, arm64", LambdaPerGBSecUSD, "USD per GB-second",
		"https://aws.amazon.com/lambda/pricing/",
		"NOT shown by the stored AWS page; its tiers are (https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/): this first-tier price holds to 7.5 billion arm64 GB-seconds a month"},
	{"Lambda account concurrency", DefaultAWSMaxConc, "executions",
		"https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html",
		"shown: 1,000 concurrent executions per Region by default, raisable"},
	{"Lambda scaling rate", LambdaScalePer10s, "environments per 10 s per function",
		"https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html",
		"shown: 1,000 execution environments every 10 seconds, per function"},
	{"Lambda timeout", LambdaMaxTimeoutSec, "seconds",
		"https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
		"the 900-second (15-minute) function timeout"},
	{"Lambda memory per vCPU", LambdaMBPerVCPU, "MB",
		"https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html",
		"shown: at 1,769 MB a function has the equivalent of one vCPU (one vCPU-second of credits per second)"},
	{"DynamoDB on-demand write request unit", DynamoWriteUSD, "USD per WRU",
		"https://aws.amazon.com/dynamodb/pricing/on-demand/",
		"NOT shown by the stored AWS page (terms only: a WRU writes up to 1 KB); $0.625 per million since AWS's November 2024 on-demand price cut"},
	{"DynamoDB on-demand read request unit", DynamoReadUSD, "USD per RRU",
		"https://aws.amazon.com/dynamodb/pricing/on-demand/",
		"NOT shown by the stored AWS page (terms only: a strongly consistent read of up to 4 KB is one RRU); $0.125 per million"},
	{"S3 Standard GET request", S3GetUSD, "USD per request",
		"https://aws.amazon.com/s3/pricing/",
		"NOT shown by the stored AWS page (its request table is rendered in the browser); $0.0004 per 1,000 GET, SELECT and other requests"},
	{"S3 Standard PUT, COPY, POST, LIST request", S3PutUSD, "USD per request",
		"https://aws.amazon.com/s3/pricing/",
		"NOT shown by the stored AWS page; $0.005 per 1,000"},
	{"Athena, per TB scanned (the comparison)", AthenaPerTBUSD, "USD per TB",
		"https://aws.amazon.com/athena/pricing/",
		"not checked against a stored AWS page: the issue's comparison figure, $5 per TB scanned"},
}

// RangeMaxPartitions bounds a gather by key ranges: each range is a part of
// the output's multipart upload, which has at most 10,000 parts
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html); the
// pipeline keeps to 1,000.
const RangeMaxPartitions = 1000

// DefaultRangeBytes is how many bytes of partials one range reducer merges
// when the gather chooses the partitions itself (partitions 0): partials
// that add up to less than two ranges gather through the tree.
const DefaultRangeBytes = 256 << 20

// MinRangeBytes is how many bytes of partials gather by two key ranges at
// least. One reducer merging them is a serial tail after the maps (about a
// second at 1 GiB of high-cardinality groupby, whose partials are 90 MB): two
// halve it. Measured on 2 cores, quiet (2026-12-06, docs/performance.md):
// 2.98-3.10 s against 3.20-3.38 s for that job, the same bytes out.
const MinRangeBytes = 64 << 20

// RangePartitions is how many key ranges a job whose partials are sorted runs
// is gathered in when it does not ask (partitions 0), for partials of
// partialBytes: one per DefaultRangeBytes, two at least from MinRangeBytes,
// at most RangeMaxPartitions; below that, the tree. The gather's plan step
// (on the partials' real sizes) and scatter plan's estimate (on the job's
// partial ratio) both choose with it.
func RangePartitions(partialBytes int64) int {
	p := int(min((partialBytes+DefaultRangeBytes-1)/DefaultRangeBytes, RangeMaxPartitions))
	if partialBytes >= MinRangeBytes {
		p = max(p, 2)
	}
	if p < 2 {
		return 0
	}
	return p
}
