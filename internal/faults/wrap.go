package faults

import (
	"context"
	"fmt"
	"io"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
)

// Store injects blob.slowdown and blob.timeout into a blob.Store. A slowdown is
// refused before the call; a timeout of a write happens after the write took
// effect, of a read before it.
type Store struct {
	blob.Store
	F *Set
}

var _ blob.Store = Store{}

func (s Store) before(op, key string) error {
	if err := s.F.Err("blob.slowdown", op+":"+key); err != nil {
		return fmt.Errorf("%s %s: 503 SlowDown: %w", op, key, err)
	}
	return nil
}

func (s Store) readTimeout(op, key string) error {
	if err := s.F.Err("blob.timeout", op+":"+key); err != nil {
		return fmt.Errorf("%s %s: request timeout: %w", op, key, err)
	}
	return nil
}

func (s Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	if err := s.before("stat", key); err != nil {
		return blob.Info{}, err
	}
	if err := s.readTimeout("stat", key); err != nil {
		return blob.Info{}, err
	}
	return s.Store.Stat(ctx, key)
}

func (s Store) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if err := s.before("open", key); err != nil {
		return nil, err
	}
	if err := s.readTimeout("open", key); err != nil {
		return nil, err
	}
	return s.Store.Open(ctx, key, off, n)
}

func (s Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := s.before("put", key); err != nil {
		return err
	}
	if err := s.Store.Put(ctx, key, r); err != nil {
		return err
	}
	if err := s.F.Err("blob.timeout", "put:"+key); err != nil {
		return fmt.Errorf("put %s: request timeout: %w", key, err)
	}
	return nil
}

func (s Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	if err := s.before("put", key); err != nil {
		return err
	}
	if err := s.Store.PutIfAbsent(ctx, key, r); err != nil {
		return err
	}
	if err := s.F.Err("blob.timeout", "put:"+key); err != nil {
		return fmt.Errorf("put %s: request timeout: %w", key, err)
	}
	return nil
}

func (s Store) List(ctx context.Context, prefix string) ([]blob.Info, error) {
	if err := s.before("list", prefix); err != nil {
		return nil, err
	}
	return s.Store.List(ctx, prefix)
}

func (s Store) Delete(ctx context.Context, key string) error {
	if err := s.before("delete", key); err != nil {
		return err
	}
	return s.Store.Delete(ctx, key)
}

// Ledger injects ledger.throttle (refused before the call) and ledger.timeout
// (a write that took effect, or a read that did not, reported as failed).
type Ledger struct {
	ledger.Ledger
	F *Set
}

var _ ledger.Ledger = Ledger{}

func (l Ledger) throttle(op, key string) error {
	if err := l.F.Err("ledger.throttle", op+":"+key); err != nil {
		return fmt.Errorf("ledger %s %s: ProvisionedThroughputExceededException: %w", op, key, err)
	}
	return nil
}

func (l Ledger) timeout(op, key string) error {
	if err := l.F.Err("ledger.timeout", op+":"+key); err != nil {
		return fmt.Errorf("ledger %s %s: request timeout: %w", op, key, err)
	}
	return nil
}

func (l Ledger) Open(ctx context.Context, j ledger.Job) (ledger.Job, error) {
	if err := l.throttle("open", j.ID); err != nil {
		return ledger.Job{}, err
	}
	got, err := l.Ledger.Open(ctx, j)
	if err == nil {
		err = l.timeout("open", j.ID)
	}
	return got, err
}

func (l Ledger) Job(ctx context.Context, id string) (ledger.Job, error) {
	if err := l.throttle("job", id); err != nil {
		return ledger.Job{}, err
	}
	if err := l.timeout("job", id); err != nil {
		return ledger.Job{}, err
	}
	return l.Ledger.Job(ctx, id)
}

func (l Ledger) Commit(ctx context.Context, c ledger.Commit) (ledger.Commit, bool, error) {
	key := fmt.Sprintf("%s/%d", c.JobID, c.Chunk)
	if err := l.throttle("commit", key); err != nil {
		return ledger.Commit{}, false, err
	}
	w, won, err := l.Ledger.Commit(ctx, c)
	if err == nil {
		err = l.timeout("commit", key)
	}
	return w, won, err
}

func (l Ledger) Chunk(ctx context.Context, id string, chunk int) (ledger.Commit, error) {
	key := fmt.Sprintf("%s/%d", id, chunk)
	if err := l.throttle("chunk", key); err != nil {
		return ledger.Commit{}, err
	}
	if err := l.timeout("chunk", key); err != nil {
		return ledger.Commit{}, err
	}
	return l.Ledger.Chunk(ctx, id, chunk)
}

func (l Ledger) Chunks(ctx context.Context, id string) ([]ledger.Commit, error) {
	if err := l.throttle("chunks", id); err != nil {
		return nil, err
	}
	if err := l.timeout("chunks", id); err != nil {
		return nil, err
	}
	return l.Ledger.Chunks(ctx, id)
}

func (l Ledger) Finish(ctx context.Context, id string, st ledger.Status, output, msg string) (ledger.Job, error) {
	if err := l.throttle("finish", id); err != nil {
		return ledger.Job{}, err
	}
	j, err := l.Ledger.Finish(ctx, id, st, output, msg)
	if err == nil {
		err = l.timeout("finish", id)
	}
	return j, err
}
