// Package csvline splits one CSV record (one line, RFC 4180 quoting) into fields
// without allocating, keeping each field's raw bytes and its decoded value, and finds
// where a record ends (End: a quoted field may hold newlines).
package csvline
