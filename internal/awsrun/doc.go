// Package awsrun is what a Lambda function's main calls: it reads the function's environment
// once, builds its logger, S3 and DynamoDB clients and handler, and starts it.
package awsrun
