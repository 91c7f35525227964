// Package blob is the object store scattergather reads inputs from and writes
// manifests, partial results and final outputs to: S3 on AWS, a directory locally.
package blob
