// Package record reads the records of the input formats a job can ask for:
// lines, CSV with a header row (columns by name), JSON Lines, and Parquet
// rows, handing a job each record's values for the columns it reads.
package record
