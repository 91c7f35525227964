// Package ledger tracks jobs and chunk commits with conditional writes, so that
// retries, duplicates and redrives never double count or lose a record.
package ledger
