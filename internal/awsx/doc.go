// Package awsx builds the AWS SDK configuration and clients scattergather uses, optionally
// pointed at an S3- or DynamoDB-compatible endpoint; its SDK retryer is the one retry layer for SDK calls.
package awsx
