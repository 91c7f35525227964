// Package ledgertest is the conformance suite every ledger.Ledger adapter passes: job
// lifecycle, first-commit-wins under concurrency, sorted chunk listing and Finish
// transitions; and OpenBolt, the ledger of tests that run handlers without a DynamoDB.
package ledgertest
