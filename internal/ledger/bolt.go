package ledger

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// BoltLockTimeout is how long OpenBolt waits for another process to release the file.
const BoltLockTimeout = time.Second

var (
	jobsBucket   = []byte("jobs")
	chunksBucket = []byte("chunks")
)

// Bolt is the embedded Ledger: one bbolt file. Every method is one bbolt transaction and
// bbolt runs write transactions one at a time, so each conditional write is atomic.
type Bolt struct {
	db     *bolt.DB
	writes atomic.Int64
}

var _ Ledger = (*Bolt)(nil)

// OpenBolt opens (creating if needed) the ledger file at path. It fails with a clear
// error when another process holds the file for longer than BoltLockTimeout.
//
// Opening writes nothing: the ledger's two buckets are created by its first write
// transaction (see update), and a read of a ledger that has none finds nothing. A
// transaction of their own cost every command on the local state two fdatasyncs
// (bbolt syncs a commit's pages, then its meta page) before it did anything.
func OpenBolt(path string) (*Bolt, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open ledger %s: %w", path, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: BoltLockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open ledger %s: another process holds it (is another scatter command using this state directory?): %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	return &Bolt{db: db}, nil
}

// Close releases the file.
func (b *Bolt) Close() error {
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close ledger %s: %w", b.db.Path(), err)
	}
	return nil
}

// Writes counts the write transactions run so far.
func (b *Bolt) Writes() int64 { return b.writes.Load() }

func (b *Bolt) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.writes.Add(1)
	return b.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{jobsBucket, chunksBucket} {
			if tx.Bucket(name) == nil {
				if _, err := tx.CreateBucket(name); err != nil {
					return err
				}
			}
		}
		return fn(tx)
	})
}

func (b *Bolt) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.db.View(fn)
}

// Open creates the job if it is absent, reopens it if FAILED, and returns the stored item.
func (b *Bolt) Open(ctx context.Context, job Job) (Job, error) {
	if job.ID == "" {
		return Job{}, errors.New("open job: empty job ID")
	}
	var out Job
	err := b.update(ctx, func(tx *bolt.Tx) error {
		jobs := tx.Bucket(jobsBucket)
		stored, found, err := getJSON[Job](jobs, []byte(job.ID))
		if err != nil {
			return err
		}
		now := now()
		switch {
		case !found:
			out = job
			out.Status, out.Runs, out.Error, out.Output = Running, 1, "", ""
			out.Created, out.Updated = now, now
		case stored.Status == Failed:
			out = stored
			out.Status, out.Error, out.Updated = Running, "", now
			out.Runs++
		default:
			out = stored
			return nil
		}
		return putJSON(jobs, []byte(job.ID), out)
	})
	if err != nil {
		return Job{}, fmt.Errorf("open job %s: %w", job.ID, err)
	}
	return out, nil
}

// Reopen moves a FAILED job back to RUNNING; see Ledger.Reopen.
func (b *Bolt) Reopen(ctx context.Context, jobID string) (Job, error) {
	out, err := b.transition(ctx, jobID, func(j Job) (Job, bool, error) {
		if j.Status != Failed {
			return j, false, nil
		}
		j.Status, j.Error, j.Updated = Running, "", now()
		j.Runs++
		return j, true, nil
	})
	if err != nil {
		return Job{}, fmt.Errorf("reopen job %s: %w", jobID, err)
	}
	return out, nil
}

// transition reads job jobID and passes it to change in one update transaction; when
// change says to write, the item it returns replaces the stored one. It returns the item
// change returned, or ErrNotFound for a job that is not there.
func (b *Bolt) transition(ctx context.Context, jobID string, change func(stored Job) (next Job, write bool, err error)) (Job, error) {
	var out Job
	err := b.update(ctx, func(tx *bolt.Tx) error {
		jobs := tx.Bucket(jobsBucket)
		stored, err := getItem[Job](jobs, []byte(jobID))
		if err != nil {
			return err
		}
		next, write, err := change(stored)
		out = next
		if err != nil || !write {
			return err
		}
		return putJSON(jobs, []byte(jobID), next)
	})
	return out, err
}

// Job returns the job item.
func (b *Bolt) Job(ctx context.Context, jobID string) (Job, error) {
	var out Job
	err := b.view(ctx, func(tx *bolt.Tx) (err error) {
		out, err = getItem[Job](tx.Bucket(jobsBucket), []byte(jobID))
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("job %s: %w", jobID, err)
	}
	return out, nil
}

// Jobs returns every job item in the ledger, sorted by ID.
func (b *Bolt) Jobs(ctx context.Context) ([]Job, error) {
	var out []Job
	err := b.view(ctx, func(tx *bolt.Tx) (err error) {
		out, err = getRange[Job](tx.Bucket(jobsBucket), nil, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return out, nil // bbolt iterates keys in byte order
}

// Commit records the chunk's commit unless one is stored, and returns the winner.
func (b *Bolt) Commit(ctx context.Context, c Commit) (Commit, bool, error) {
	if err := checkCommit(c); err != nil {
		return Commit{}, false, err
	}
	if err := checkItemSize(commitItem{PK: c.JobID, SK: chunkSK(c.Chunk), Commit: c, ExpiresAt: 1}); err != nil {
		return Commit{}, false, fmt.Errorf("commit chunk %d of job %s: %w", c.Chunk, c.JobID, err)
	}
	var winner Commit
	var won bool
	err := b.update(ctx, func(tx *bolt.Tx) error {
		chunks, err := tx.Bucket(chunksBucket).CreateBucketIfNotExists([]byte(c.JobID))
		if err != nil {
			return err
		}
		key := chunkKey(c.Chunk)
		stored, found, err := getJSON[Commit](chunks, key)
		if err != nil || found {
			winner, won = stored, false
			return err
		}
		winner, won = c, true
		if winner.Committed.IsZero() {
			winner.Committed = now()
		}
		return putJSON(chunks, key, winner)
	})
	if err != nil {
		return Commit{}, false, fmt.Errorf("commit chunk %d of job %s: %w", c.Chunk, c.JobID, err)
	}
	return winner, won, nil
}

// Chunk returns one chunk's commit.
func (b *Bolt) Chunk(ctx context.Context, jobID string, chunk int) (Commit, error) {
	var out Commit
	err := b.view(ctx, func(tx *bolt.Tx) error {
		chunks := jobChunks(tx, jobID)
		if chunks == nil || chunk < 0 {
			return ErrNotFound
		}
		var err error
		out, err = getItem[Commit](chunks, chunkKey(chunk))
		return err
	})
	if err != nil {
		return Commit{}, fmt.Errorf("chunk %d of job %s: %w", chunk, jobID, err)
	}
	return out, nil
}

// Chunks returns every commit of the job, sorted by chunk index.
func (b *Bolt) Chunks(ctx context.Context, jobID string) ([]Commit, error) {
	var out []Commit
	err := b.view(ctx, func(tx *bolt.Tx) error {
		chunks := jobChunks(tx, jobID)
		if chunks == nil {
			return nil
		}
		var err error
		out, err = getRange[Commit](chunks, nil, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("chunks of job %s: %w", jobID, err)
	}
	return out, nil // chunk keys are big-endian indexes: bbolt iterates them in order
}

// ChunkRange returns the commits of chunks [from, to) of the job, sorted by chunk index.
func (b *Bolt) ChunkRange(ctx context.Context, jobID string, from, to int) ([]Commit, error) {
	var out []Commit
	err := b.view(ctx, func(tx *bolt.Tx) error {
		chunks := jobChunks(tx, jobID)
		if chunks == nil || from >= to {
			return nil
		}
		var err error
		out, err = getRange[Commit](chunks, chunkKey(max(from, 0)), chunkKey(to))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("chunks [%d,%d) of job %s: %w", from, to, jobID, err)
	}
	return out, nil
}

// Count returns how many chunks of the job are committed.
func (b *Bolt) Count(ctx context.Context, jobID string) (int, error) {
	n := 0
	err := b.view(ctx, func(tx *bolt.Tx) error {
		if chunks := jobChunks(tx, jobID); chunks != nil {
			n = chunks.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count chunks of job %s: %w", jobID, err)
	}
	return n, nil
}

// Finish moves a RUNNING job to status; see Ledger.Finish.
func (b *Bolt) Finish(ctx context.Context, jobID string, status Status, output, errMsg string) (Job, error) {
	if err := checkFinal(status); err != nil {
		return Job{}, fmt.Errorf("finish job %s: %w", jobID, err)
	}
	out, err := b.transition(ctx, jobID, func(j Job) (Job, bool, error) {
		switch {
		case j.Status == status:
			return j, false, nil
		case j.Status != Running:
			return j, false, fmt.Errorf("job is %s: %w", j.Status, ErrConflict)
		}
		return finished(j, status, output, errMsg, now()), true, nil
	})
	if err != nil {
		return Job{}, fmt.Errorf("finish job %s as %s: %w", jobID, status, err)
	}
	return out, nil
}

// jobChunks is the bucket of the job's commits, nil when it has none (or the
// ledger has had no write yet).
func jobChunks(tx *bolt.Tx, jobID string) *bolt.Bucket {
	chunks := tx.Bucket(chunksBucket)
	if chunks == nil {
		return nil
	}
	return chunks.Bucket([]byte(jobID))
}

// chunkKey orders chunks by index under bbolt's byte order.
func chunkKey(chunk int) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(chunk))
}

// getJSON decodes the item at key of b (nil: a bucket not created yet, which
// holds nothing).
func getJSON[T any](b *bolt.Bucket, key []byte) (T, bool, error) {
	var v T
	if b == nil {
		return v, false, nil
	}
	raw := b.Get(key)
	if raw == nil {
		return v, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, fmt.Errorf("decode item %x: %w", key, err)
	}
	return v, true, nil
}

// getItem is getJSON of an item that must be there: ErrNotFound when it is not.
func getItem[T any](b *bolt.Bucket, key []byte) (T, error) {
	v, found, err := getJSON[T](b, key)
	if err == nil && !found {
		err = ErrNotFound
	}
	return v, err
}

// getRange decodes the items of b with keys from from (nil: the first) up to, not
// including, to (nil: past the last), in bbolt's byte order of keys.
func getRange[T any](b *bolt.Bucket, from, to []byte) ([]T, error) {
	var out []T
	if b == nil {
		return nil, nil
	}
	cur := b.Cursor()
	k, raw := cur.First()
	if from != nil {
		k, raw = cur.Seek(from)
	}
	for ; k != nil && (to == nil || bytes.Compare(k, to) < 0); k, raw = cur.Next() {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("decode item %x: %w", k, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}
