// Package blobtest is the conformance suite every blob.Store adapter passes: S3's
// semantics of atomic writes, conditional creates, ranged reads and sorted listing.
package blobtest
