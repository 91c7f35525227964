// Package duckfmt writes values as DuckDB prints them (its CSV writer and
// its casts to VARCHAR): doubles, dates, timestamps and times, so that the
// Parquet reader and the sql job answer with DuckDB's text.
package duckfmt
