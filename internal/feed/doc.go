// Package feed hands the records of a chunk to a job's mapper the way its
// Input asks: lines to a job.LineMapper, rows of a table format to a
// job.RowMapper, counting and skipping the records it cannot read.
package feed
