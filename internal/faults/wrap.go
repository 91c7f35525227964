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

// injector injects one adapter's two faults around its calls: a refusal before
// the call takes effect (a throttle, a slowdown), and a timeout that hides what the
// call did (a write that took effect, a read that did not). It retries them as
// the SDK would (retry).
type injector struct {
	f       *Set
	subject string // what the errors name before the operation: "" or "ledger "
	refusal string // the refusal's fault
	refused string // how the refusal reads in errors
	timeout string // the timeout's fault
}

func (in injector) refuse(op, key string) error {
	if err := in.f.Err(in.refusal, op+":"+key); err != nil {
		return fmt.Errorf("%s%s %s: %s: %w", in.subject, op, key, in.refused, err)
	}
	return nil
}

func (in injector) timeOut(op, key string) error {
	if err := in.f.Err(in.timeout, op+":"+key); err != nil {
		return fmt.Errorf("%s%s %s: request timeout: %w", in.subject, op, key, err)
	}
	return nil
}

// read wraps a read: a refusal or a timeout, then the call.
func (in injector) read(ctx context.Context, op, key string, call func() error) error {
	return retry(ctx, func() error {
		if err := in.refuse(op, key); err != nil {
			return err
		}
		if err := in.timeOut(op, key); err != nil {
			return err
		}
		return call()
	})
}

// write wraps a write: a refusal, the call, then a timeout that hides its effect.
func (in injector) write(ctx context.Context, op, key string, call func() error) error {
	return retry(ctx, func() error {
		if err := in.refuse(op, key); err != nil {
			return err
		}
		if err := call(); err != nil {
			return err
		}
		return in.timeOut(op, key)
	})
}

// refusable wraps a call that can be refused but does not time out here.
func (in injector) refusable(ctx context.Context, op, key string, call func() error) error {
	return retry(ctx, func() error {
		if err := in.refuse(op, key); err != nil {
			return err
		}
		return call()
	})
}

// Store injects blob.slowdown and blob.timeout into a blob.Store. A slowdown is
// refused before the call; a timeout of a write happens after the write took
// effect, of a read before it.
type Store struct {
	blob.Store
	F *Set
}

var _ blob.Store = Store{}

func (s Store) faults() injector {
	return injector{f: s.F, refusal: "blob.slowdown", refused: "503 SlowDown", timeout: "blob.timeout"}
}

func (s Store) Stat(ctx context.Context, key string) (info blob.Info, err error) {
	err = s.faults().read(ctx, "stat", key, func() error {
		info, err = s.Store.Stat(ctx, key)
		return err
	})
	return info, err
}

func (s Store) Open(ctx context.Context, key string, off, n int64) (rc io.ReadCloser, err error) {
	err = s.faults().read(ctx, "open", key, func() error {
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
	return s.faults().write(ctx, "put", key, func() error {
		b, err := body()
		if err != nil {
			return err
		}
		return write(ctx, key, b)
	})
}

func (s Store) Put(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, key, r, s.Store.Put)
}

func (s Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, key, r, s.Store.PutIfAbsent)
}

func (s Store) List(ctx context.Context, prefix string) (infos []blob.Info, err error) {
	err = s.faults().refusable(ctx, "list", prefix, func() error {
		infos, err = s.Store.List(ctx, prefix)
		return err
	})
	return infos, err
}

func (s Store) Delete(ctx context.Context, key string) error {
	return s.faults().refusable(ctx, "delete", key, func() error { return s.Store.Delete(ctx, key) })
}

// Ledger injects ledger.throttle (refused before the call) and ledger.timeout
// (a write that took effect, or a read that did not, reported as failed).
type Ledger struct {
	ledger.Ledger
	F *Set
}

var _ ledger.Ledger = Ledger{}

func (l Ledger) faults() injector {
	return injector{f: l.F, subject: "ledger ", refusal: "ledger.throttle", refused: "ProvisionedThroughputExceededException", timeout: "ledger.timeout"}
}

func (l Ledger) Open(ctx context.Context, j ledger.Job) (got ledger.Job, err error) {
	err = l.faults().write(ctx, "open", j.ID, func() error {
		got, err = l.Ledger.Open(ctx, j)
		return err
	})
	return got, err
}

func (l Ledger) Reopen(ctx context.Context, id string) (got ledger.Job, err error) {
	err = l.faults().write(ctx, "reopen", id, func() error {
		got, err = l.Ledger.Reopen(ctx, id)
		return err
	})
	return got, err
}

func (l Ledger) Job(ctx context.Context, id string) (got ledger.Job, err error) {
	err = l.faults().read(ctx, "job", id, func() error {
		got, err = l.Ledger.Job(ctx, id)
		return err
	})
	return got, err
}

func (l Ledger) Commit(ctx context.Context, c ledger.Commit) (winner ledger.Commit, won bool, err error) {
	err = l.faults().write(ctx, "commit", fmt.Sprintf("%s/%d", c.JobID, c.Chunk), func() error {
		winner, won, err = l.Ledger.Commit(ctx, c)
		return err
	})
	return winner, won, err
}

func (l Ledger) Chunk(ctx context.Context, id string, chunk int) (got ledger.Commit, err error) {
	err = l.faults().read(ctx, "chunk", fmt.Sprintf("%s/%d", id, chunk), func() error {
		got, err = l.Ledger.Chunk(ctx, id, chunk)
		return err
	})
	return got, err
}

func (l Ledger) Chunks(ctx context.Context, id string) (got []ledger.Commit, err error) {
	err = l.faults().read(ctx, "chunks", id, func() error {
		got, err = l.Ledger.Chunks(ctx, id)
		return err
	})
	return got, err
}

func (l Ledger) ChunkRange(ctx context.Context, id string, from, to int) (got []ledger.Commit, err error) {
	err = l.faults().read(ctx, "chunks", id, func() error {
		got, err = l.Ledger.ChunkRange(ctx, id, from, to)
		return err
	})
	return got, err
}

func (l Ledger) Count(ctx context.Context, id string) (got int, err error) {
	err = l.faults().read(ctx, "count", id, func() error {
		got, err = l.Ledger.Count(ctx, id)
		return err
	})
	return got, err
}

func (l Ledger) Finish(ctx context.Context, id string, st ledger.Status, output, msg string) (got ledger.Job, err error) {
	err = l.faults().write(ctx, "finish", id, func() error {
		got, err = l.Ledger.Finish(ctx, id, st, output, msg)
		return err
	})
	return got, err
}
