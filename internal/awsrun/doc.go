// Package awsrun builds the pipeline handler a Lambda function runs: it reads
// the function's environment once and wires S3 and DynamoDB clients.
package awsrun
