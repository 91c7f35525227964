// Package sqlcheck runs the sql job's query corpus through the local engine and through DuckDB
// (its Go bindings, which only this test module depends on) and checks that the answers agree.
package sqlcheck
