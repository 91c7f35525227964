// Package jobs holds the scatter/gather jobs (wordcount, grep, select, groupby,
// search) behind one small interface, and the registry the CLI and handlers use.
package jobs
