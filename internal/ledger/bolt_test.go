package ledger_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	bolt "go.etcd.io/bbolt"
)

func openBolt(t *testing.T, path string) *ledger.Bolt {
	t.Helper()
	b, err := ledger.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestBoltConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Ledger {
		return openBolt(t, filepath.Join(t.TempDir(), "state", "ledger.db"))
	})
}

func TestBoltLockedByAnotherHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	openBolt(t, path)
	_, err := ledger.OpenBolt(path)
	if err == nil {
		t.Fatal("second OpenBolt of a held file succeeded")
	}
	if !strings.Contains(err.Error(), "another process holds it") || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not say who holds which file", err)
	}
}

func TestBoltPersistsAndCountsWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	b, err := ledger.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(ctx, ledger.Job{ID: "j", Name: "grep", Chunks: 2}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		op   func() error
		want int64
	}{
		{"commit", func() error {
			_, _, err := b.Commit(ctx, ledger.Commit{JobID: "j", Chunk: 0, Partial: "p0"})
			return err
		}, 2},
		{"duplicate commit", func() error {
			_, _, err := b.Commit(ctx, ledger.Commit{JobID: "j", Chunk: 0, Partial: "p1"})
			return err
		}, 3},
		{"reads", func() error {
			if _, err := b.Chunks(ctx, "j"); err != nil {
				return err
			}
			_, err := b.Job(ctx, "j")
			return err
		}, 3},
		{"finish", func() error { _, err := b.Finish(ctx, "j", ledger.Succeeded, "out", ""); return err }, 4},
	}
	for _, st := range steps {
		if err := st.op(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := b.Writes(); got != st.want {
			t.Errorf("after %s: Writes = %d, want %d", st.name, got, st.want)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = openBolt(t, path)
	j, err := b.Job(ctx, "j")
	if err != nil || j.Status != ledger.Succeeded || j.Output != "out" {
		t.Errorf("after reopen Job = %+v, %v", j, err)
	}
	c, err := b.Chunk(ctx, "j", 0)
	if err != nil || c.Partial != "p0" {
		t.Errorf("after reopen Chunk = %+v, %v", c, err)
	}
	if _, err := b.Chunk(ctx, "j", 1); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("uncommitted chunk after reopen: %v", err)
	}
}

// TestBoltOpenWritesNothing: opening a ledger commits no transaction (a commit
// costs two fdatasyncs), and every read of a ledger that has had no write yet,
// so has no buckets, finds nothing rather than failing.
func TestBoltOpenWritesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	txID := func(path string) int {
		t.Helper()
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		id := 0
		if err := db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
			t.Fatal(err)
		}
		return id
	}
	fresh := txID(filepath.Join(dir, "fresh.db")) // a file bbolt created and nothing wrote to
	path := filepath.Join(dir, "ledger.db")
	b := openBolt(t, path)
	if _, err := b.Job(ctx, "j"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Job before any write = %v, want ErrNotFound", err)
	}
	if js, err := b.Jobs(ctx); err != nil || len(js) != 0 {
		t.Errorf("Jobs before any write = %v, %v; want none", js, err)
	}
	if _, err := b.Chunk(ctx, "j", 0); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Chunk before any write = %v, want ErrNotFound", err)
	}
	if cs, err := b.Chunks(ctx, "j"); err != nil || len(cs) != 0 {
		t.Errorf("Chunks before any write = %v, %v; want none", cs, err)
	}
	if cs, err := b.ChunkRange(ctx, "j", 0, 4); err != nil || len(cs) != 0 {
		t.Errorf("ChunkRange before any write = %v, %v; want none", cs, err)
	}
	if n, err := b.Count(ctx, "j"); err != nil || n != 0 {
		t.Errorf("Count before any write = %d, %v; want 0", n, err)
	}
	if _, err := b.Finish(ctx, "j", ledger.Succeeded, "out", ""); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Finish before any write = %v, want ErrNotFound", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := txID(path); got != fresh {
		t.Errorf("after OpenBolt, reads and a refused Finish the ledger is at transaction %d; a file nothing wrote to is at %d", got, fresh)
	}
	b = openBolt(t, path)
	if _, err := b.Open(ctx, ledger.Job{ID: "j", Name: "grep", Chunks: 1}); err != nil {
		t.Fatalf("the first write (which creates the buckets): %v", err)
	}
	if _, _, err := b.Commit(ctx, ledger.Commit{JobID: "j", Chunk: 0, Partial: "p0"}); err != nil {
		t.Fatal(err)
	}
	if n, err := b.Count(ctx, "j"); err != nil || n != 1 {
		t.Errorf("Count after a commit = %d, %v; want 1", n, err)
	}
}
