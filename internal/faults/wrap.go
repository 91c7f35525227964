package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/ledger"
)

// The injected throttles, slowdowns and timeouts stand for the errors the AWS
// SDK's standard retryer absorbs (DynamoDB ProvisionedThroughputExceeded, S3 503
// SlowDown, a request timeout). They are injected above the adapters, so the
// wrappers retry them the way that retryer would (capped exponential backoff with
// full jitter, MaxAttempts tries) and only the last failure reaches the caller.
// A timeout after a write took effect is retried like the SDK retries it: the
// write is sent again, so conditional writes meet their own first write, which is
// the case the commit protocol must get right.
const (
	MaxAttempts = 8
	baseBackoff = 5 * time.Millisecond
	maxBackoff  = 200 * time.Millisecond
)

// retry runs op until it returns something other than an injected fault, or
// MaxAttempts tries have failed.
func retry(ctx context.Context, op func() error) error {
	var err error
	for attempt := 0; attempt < MaxAttempts; attempt++ {
		if attempt > 0 {
			d := min(maxBackoff, baseBackoff<<(attempt-1))
			t := time.NewTimer(rand.N(d) + time.Millisecond)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return errors.Join(err, ctx.Err())
			}
		}
		err = op()
		var inj *Injected
		if !errors.As(err, &inj) {
			return err
		}
	}
	return fmt.Errorf("after %d attempts: %w", MaxAttempts, err)
}

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

func (s Store) timeout(op, key string) error {
	if err := s.F.Err("blob.timeout", op+":"+key); err != nil {
		return fmt.Errorf("%s %s: request timeout: %w", op, key, err)
	}
	return nil
}

// read wraps a read: a slowdown or a timeout, then the call.
func (s Store) read(ctx context.Context, op, key string, call func() error) error {
	return retry(ctx, func() error {
		if err := s.before(op, key); err != nil {
			return err
		}
		if err := s.timeout(op, key); err != nil {
			return err
		}
		return call()
	})
}

func (s Store) Stat(ctx context.Context, key string) (info blob.Info, err error) {
	err = s.read(ctx, "stat", key, func() error {
		info, err = s.Store.Stat(ctx, key)
		return err
	})
	return info, err
}

func (s Store) Open(ctx context.Context, key string, off, n int64) (rc io.ReadCloser, err error) {
	err = s.read(ctx, "open", key, func() error {
		rc, err = s.Store.Open(ctx, key, off, n)
		return err
	})
	return rc, err
}

// rewindable returns a function that yields the body afresh for every try, as
// the SDK does with a seekable body; other readers are buffered once.
func rewindable(r io.Reader) (func() (io.Reader, error), error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		return func() (io.Reader, error) {
			_, err := rs.Seek(0, io.SeekStart)
			return rs, err
		}, nil
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return func() (io.Reader, error) { return bytes.NewReader(body), nil }, nil
}

func (s Store) put(ctx context.Context, key string, r io.Reader, write func(context.Context, string, io.Reader) error) error {
	body, err := rewindable(r)
	if err != nil {
		return err
	}
	return retry(ctx, func() error {
		if err := s.before("put", key); err != nil {
			return err
		}
		b, err := body()
		if err != nil {
			return err
		}
		if err := write(ctx, key, b); err != nil {
			return err
		}
		return s.timeout("put", key)
	})
}

func (s Store) Put(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, key, r, s.Store.Put)
}

func (s Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, key, r, s.Store.PutIfAbsent)
}

func (s Store) List(ctx context.Context, prefix string) (infos []blob.Info, err error) {
	err = retry(ctx, func() error {
		if err := s.before("list", prefix); err != nil {
			return err
		}
		infos, err = s.Store.List(ctx, prefix)
		return err
	})
	return infos, err
}

func (s Store) Delete(ctx context.Context, key string) error {
	return retry(ctx, func() error {
		if err := s.before("delete", key); err != nil {
			return err
		}
		return s.Store.Delete(ctx, key)
	})
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

// read wraps a read: a throttle or a timeout, then the call.
func (l Ledger) read(ctx context.Context, op, key string, call func() error) error {
	return retry(ctx, func() error {
		if err := l.throttle(op, key); err != nil {
			return err
		}
		if err := l.timeout(op, key); err != nil {
			return err
		}
		return call()
	})
}

// write wraps a write: a throttle, the call, then a timeout that hides its effect.
func (l Ledger) write(ctx context.Context, op, key string, call func() error) error {
	return retry(ctx, func() error {
		if err := l.throttle(op, key); err != nil {
			return err
		}
		if err := call(); err != nil {
			return err
		}
		return l.timeout(op, key)
	})
}

func (l Ledger) Open(ctx context.Context, j ledger.Job) (got ledger.Job, err error) {
	err = l.write(ctx, "open", j.ID, func() error {
		got, err = l.Ledger.Open(ctx, j)
		return err
	})
	return got, err
}

func (l Ledger) Reopen(ctx context.Context, id string) (got ledger.Job, err error) {
	err = l.write(ctx, "reopen", id, func() error {
		got, err = l.Ledger.Reopen(ctx, id)
		return err
	})
	return got, err
}

func (l Ledger) Job(ctx context.Context, id string) (got ledger.Job, err error) {
	err = l.read(ctx, "job", id, func() error {
		got, err = l.Ledger.Job(ctx, id)
		return err
	})
	return got, err
}

func (l Ledger) Commit(ctx context.Context, c ledger.Commit) (winner ledger.Commit, won bool, err error) {
	err = l.write(ctx, "commit", fmt.Sprintf("%s/%d", c.JobID, c.Chunk), func() error {
		winner, won, err = l.Ledger.Commit(ctx, c)
		return err
	})
	return winner, won, err
}

func (l Ledger) Chunk(ctx context.Context, id string, chunk int) (got ledger.Commit, err error) {
	err = l.read(ctx, "chunk", fmt.Sprintf("%s/%d", id, chunk), func() error {
		got, err = l.Ledger.Chunk(ctx, id, chunk)
		return err
	})
	return got, err
}

func (l Ledger) Chunks(ctx context.Context, id string) (got []ledger.Commit, err error) {
	err = l.read(ctx, "chunks", id, func() error {
		got, err = l.Ledger.Chunks(ctx, id)
		return err
	})
	return got, err
}

func (l Ledger) ChunkRange(ctx context.Context, id string, from, to int) (got []ledger.Commit, err error) {
	err = l.read(ctx, "chunks", id, func() error {
		got, err = l.Ledger.ChunkRange(ctx, id, from, to)
		return err
	})
	return got, err
}

func (l Ledger) Count(ctx context.Context, id string) (got int, err error) {
	err = l.read(ctx, "count", id, func() error {
		got, err = l.Ledger.Count(ctx, id)
		return err
	})
	return got, err
}

func (l Ledger) Finish(ctx context.Context, id string, st ledger.Status, output, msg string) (got ledger.Job, err error) {
	err = l.write(ctx, "finish", id, func() error {
		got, err = l.Ledger.Finish(ctx, id, st, output, msg)
		return err
	})
	return got, err
}
