package testutil

import (
	"database/sql"
	"fmt"
	"testing"
)

// OpenSQL opens a database/sql database of a driver the test binary registers (DuckDB in
// the modules that check our answers against it, which keeps cgo out of this one) and
// closes it when t ends.
func OpenSQL(t testing.TB, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s database: %v", driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// QueryStrings runs q on db and returns the names of its answer's columns and its rows, each
// value written as text by text (given the value as the driver returns it, nil for NULL, and
// its column), or, for text nil, by SQLText. The DuckDB checks read DuckDB's answers with it,
// each writing the types it compares as it needs (sqlcheck a TIMESTAMP as DuckDB prints it).
func QueryStrings(db *sql.DB, q string, text func(v any, col *sql.ColumnType) (string, error)) (names []string, rows [][]string, err error) {
	if text == nil {
		text = SQLText
	}
	rs, err := db.Query(q)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	if names, err = rs.Columns(); err != nil {
		return nil, nil, err
	}
	cols, err := rs.ColumnTypes()
	if err != nil {
		return nil, nil, err
	}
	vals, ptrs := make([]any, len(names)), make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			if row[i], err = text(v, cols[i]); err != nil {
				return nil, nil, fmt.Errorf("column %s: %w", names[i], err)
			}
		}
		rows = append(rows, row)
	}
	return names, rows, rs.Err()
}

// SQLText is v as database/sql converts a value to a string (a float64 shortest, a bool true
// or false, a time.Time in RFC 3339), NULL as "": QueryStrings's text by default.
func SQLText(v any, _ *sql.ColumnType) (string, error) {
	var s sql.NullString
	err := s.Scan(v)
	return s.String, err
}
