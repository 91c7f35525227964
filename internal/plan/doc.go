// Package plan turns a job's inputs (files, directories, S3 objects and prefixes)
// into a manifest of record-aligned byte-range chunks, and derives the job ID.
package plan
