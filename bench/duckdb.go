package main

import (
	"database/sql"
	"flag"
	"fmt"

	_ "github.com/duckdb/duckdb-go/v2"
)

// runDuckDB runs one SQL statement in an in-memory DuckDB with the given
// number of threads: the peer of groupby and select.
func runDuckDB(args []string) error {
	fs := flag.NewFlagSet("bench duckdb", flag.ContinueOnError)
	threads := fs.Int("threads", 2, "DuckDB worker threads")
	stmt := fs.String("sql", "", "the statement to run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("SET threads TO %d", *threads)); err != nil {
		return fmt.Errorf("set threads: %w", err)
	}
	if _, err := db.Exec(*stmt); err != nil {
		return fmt.Errorf("%s: %w", *stmt, err)
	}
	return nil
}
