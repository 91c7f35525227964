// Package csvcheck runs the record-reading jobs over a corpus of awkward CSV files (quoted
// newlines, doubled quotes, CRLF, a byte order mark, numbers written with spaces, signs and
// exponents) through the local pipeline at several chunk sizes, and checks their answers
// against DuckDB's read_csv (its Go bindings, which only this test module depends on).
package csvcheck
