package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

// runDuckDB runs one SQL statement in an in-memory DuckDB with the given
// number of threads: the peer of groupby and select.
func runDuckDB(args []string) error {
	fs := flag.NewFlagSet("bench duckdb", flag.ContinueOnError)
	threads := fs.Int("threads", 2, "DuckDB worker threads")
	stmt := fs.String("sql", "", "the statement to run")
	ioOut := fs.String("io-out", "", "write the bytes the statement read (rchar of /proc/self/io) to this file")
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
	before, err := rchar()
	if err != nil {
		return err
	}
	if _, err := db.Exec(*stmt); err != nil {
		return fmt.Errorf("%s: %w", *stmt, err)
	}
	after, err := rchar()
	if err != nil || *ioOut == "" {
		return err
	}
	return os.WriteFile(*ioOut, []byte(strconv.FormatInt(after-before, 10)+"\n"), 0o644)
}

// rchar returns the bytes this process has read through read and pread,
// from the page cache or not (Linux's /proc/self/io).
func rchar() (int64, error) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "rchar: "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/self/io has no rchar")
}
