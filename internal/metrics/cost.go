package metrics

import "math"

// Prices in US dollars, us-east-1, on-demand, without free tiers, as published on the AWS
// pricing pages (aws.amazon.com/lambda/pricing, /step-functions/pricing,
// /dynamodb/pricing/on-demand, /s3/pricing) when this model was written. Check them before
// relying on an estimate; only these constants need to change.
const (
	// LambdaGBSecondARM is the price of one GB-second of an arm64 function (first tier).
	LambdaGBSecondARM = 0.0000133334
	// LambdaRequest is the price of one invocation ($0.20 per million).
	LambdaRequest = 0.20 / 1e6
	// StateTransition is the price of one Standard Workflow state transition ($0.025 per
	// thousand); retries are transitions too, and so is every state of a Distributed Map
	// child execution (the template runs them as STANDARD).
	StateTransition = 0.025 / 1e3
	// DynamoWrite and DynamoRead are the prices of one on-demand write and read request
	// unit ($0.625 and $0.125 per million). A refused conditional write still consumes one.
	DynamoWrite = 0.625 / 1e6
	DynamoRead  = 0.125 / 1e6
	// S3Put is the price of one PUT, COPY, POST or LIST request, S3Get of one GET (S3
	// Standard: $0.005 and $0.0004 per thousand). DELETE is free.
	S3Put = 0.005 / 1e3
	S3Get = 0.0004 / 1e3
)

// Usage counts what a job did, in the units AWS bills.
type Usage struct {
	// LambdaGBSeconds is the sum over invocations of billed seconds times memory in GB.
	LambdaGBSeconds float64 `json:"lambdaGbSeconds"`
	// LambdaRequests counts invocations of the splitter, mappers and reducer.
	LambdaRequests int64 `json:"lambdaRequests"`
	// StateTransitions counts the parent execution's and the map children's transitions.
	StateTransitions int64 `json:"stateTransitions"`
	// MapChildExecutions counts the Distributed Map's child executions (one per chunk).
	MapChildExecutions int64 `json:"mapChildExecutions"`
	// DynamoWrites and DynamoReads are request units.
	DynamoWrites int64 `json:"dynamoWrites"`
	DynamoReads  int64 `json:"dynamoReads"`
	// S3Puts counts PUT and LIST requests, S3Gets GET requests.
	S3Puts int64 `json:"s3Puts"`
	S3Gets int64 `json:"s3Gets"`
}

// Cost is an estimate in US dollars, by service.
type Cost struct {
	Lambda        float64 `json:"lambda"`
	StepFunctions float64 `json:"stepFunctions"`
	DynamoDB      float64 `json:"dynamodb"`
	S3            float64 `json:"s3"`
	Total         float64 `json:"total"`
	// Model names the price list: region and pricing basis.
	Model string `json:"model"`
}

// CostModel names the price list of Estimate.
const CostModel = "us-east-1 on-demand list prices, arm64 Lambda, no free tier (internal/metrics/cost.go)"

// Estimate prices u.
func Estimate(u Usage) Cost {
	c := Cost{
		Lambda:        u.LambdaGBSeconds*LambdaGBSecondARM + float64(u.LambdaRequests)*LambdaRequest,
		StepFunctions: float64(u.StateTransitions) * StateTransition,
		DynamoDB:      float64(u.DynamoWrites)*DynamoWrite + float64(u.DynamoReads)*DynamoRead,
		S3:            float64(u.S3Puts)*S3Put + float64(u.S3Gets)*S3Get,
		Model:         CostModel,
	}
	c.Total = c.Lambda + c.StepFunctions + c.DynamoDB + c.S3
	c.Lambda, c.StepFunctions, c.DynamoDB, c.S3, c.Total = round(c.Lambda), round(c.StepFunctions), round(c.DynamoDB), round(c.S3), round(c.Total)
	return c
}

// round keeps ten significant decimals of a dollar amount, so summaries stay readable.
func round(x float64) float64 { return math.Round(x*1e10) / 1e10 }

// GBSeconds is the billed GB-seconds of one invocation that ran ms milliseconds with
// memoryMB of memory: Lambda bills duration rounded up to the millisecond.
func GBSeconds(ms int64, memoryMB int) float64 {
	if ms < 1 {
		ms = 1
	}
	return float64(ms) / 1000 * float64(memoryMB) / 1024
}
