// Package csvcheck runs the record-reading jobs over a corpus of awkward CSV files (quoted
// newlines, doubled quotes, CRLF, a byte order mark, numbers written with spaces, signs and
// exponents) through the local pipeline at several chunk sizes, and checks their answers
// against DuckDB's read_csv (its Go bindings, which only this test module depends on).
// Values are compared byte for byte: a "\r\n" inside a quoted field is kept by DuckDB's
// read_csv (checked: its value holds "\r\n") and by scatter, so the outputs are read back with
// DuckDB, not with Go's encoding/csv, which would turn it into "\n".
package csvcheck
