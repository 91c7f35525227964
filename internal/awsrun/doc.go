// Package awsrun builds what a Lambda function runs, for package lambdafn: it reads the
// function's environment once and makes its logger, S3 and DynamoDB clients and handler.
package awsrun
