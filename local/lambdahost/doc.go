// Package lambdahost runs provided.al2023 Lambda functions (real bootstrap binaries) as local
// processes behind the Lambda Runtime API and serves the Lambda Invoke API, like sam local start-lambda without Docker.
package lambdahost
