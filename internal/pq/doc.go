// Package pq reads and writes Parquet for the jobs: footers and row groups for
// planning, column-pruned and statistics-pruned row reading, and job output.
package pq
