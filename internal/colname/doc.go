// Package colname compares column names and makes a header's names unique as DuckDB
// does, for the CSV reader (package record) and the SQL binder (internal/sql) alike.
package colname
