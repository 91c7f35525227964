// Package api is the logic of the api function: it starts jobs from HTTP API requests and S3
// uploads under incoming/, and reports and cancels them through the ledger and Step Functions.
package api
