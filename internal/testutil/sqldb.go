package testutil

import (
	"database/sql"
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
