// Package straggler decides when an attempt has run long enough, next to its peers, to
// get a backup: the one policy behind the local engine's backup attempts and a query's hedges.
package straggler
