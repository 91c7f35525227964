package ledgertest

import (
	"path/filepath"
	"testing"

	"github.com/scattergather/scattergather/internal/ledger"
)

// OpenBolt opens a bbolt ledger in a fresh temporary directory of t and closes it when t
// ends: the ledger of a test that runs handlers without a DynamoDB.
func OpenBolt(t testing.TB) *ledger.Bolt {
	t.Helper()
	lg, err := ledger.OpenBolt(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lg.Close() })
	return lg
}
