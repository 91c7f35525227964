// Command bench is the benchmark of `make bench`: scatter's jobs against
// wc, mawk, grep and DuckDB on the same generated files.
package main
