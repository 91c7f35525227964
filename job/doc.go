// Package job is the contract between a scatter/gather job and the
// framework: a job maps the records of each chunk to a partial result, and
// merges partials into its output. The framework owns everything else:
// planning, attempts, commits, retries and the gather.
//
// Most jobs are written in the typed key/value form of package kv; this
// package is the full contract that form and the built-in jobs implement.
// The API is versioned with the module; docs/jobs.md says what is stable.
package job
