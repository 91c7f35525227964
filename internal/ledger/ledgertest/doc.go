// Package ledgertest is the conformance suite every ledger.Ledger adapter passes: job
// lifecycle, first-commit-wins under concurrency, sorted chunk listing and Finish transitions.
package ledgertest
