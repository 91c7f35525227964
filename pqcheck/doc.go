// Package pqcheck checks the Parquet reader and writer of internal/pq against
// DuckDB: files DuckDB writes read as DuckDB prints them, and files we write read back in DuckDB.
package pqcheck
