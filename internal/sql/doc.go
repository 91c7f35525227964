// Package sql parses, checks and compiles the SQL subset of `scatter sql` (a part of DuckDB's
// dialect) into a plan of compiled expressions that the sql job runs per record and per group.
package sql
