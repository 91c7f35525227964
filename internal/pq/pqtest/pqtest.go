// Package pqtest has test helpers for Parquet reading: a store that counts
// the bytes and requests read through it, and a writer of test files.
package pqtest

import (
	"context"
	"io"
	"sync"

	"github.com/scattergather/scattergather/internal/blob"
)

// CountingStore is a blob.Store that counts what is read through Open.
type CountingStore struct {
	blob.Store

	mu    sync.Mutex
	bytes int64
	gets  int
	reads []Range
}

// Range is one ranged read: the key and the bytes read.
type Range struct {
	Key      string
	Off, Len int64
}

// NewCountingStore counts the reads of s.
func NewCountingStore(s blob.Store) *CountingStore { return &CountingStore{Store: s} }

// Open implements blob.Store, counting the bytes the caller reads.
func (c *CountingStore) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := c.Store.Open(ctx, key, off, n)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.gets++
	c.reads = append(c.reads, Range{Key: key, Off: off})
	idx := len(c.reads) - 1
	c.mu.Unlock()
	return &countingReader{ReadCloser: rc, c: c, idx: idx}, nil
}

// Bytes is the total bytes read.
func (c *CountingStore) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Gets is the number of Open calls.
func (c *CountingStore) Gets() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets
}

// Reads lists every ranged read, in order.
func (c *CountingStore) Reads() []Range {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Range(nil), c.reads...)
}

// Reset forgets what was counted.
func (c *CountingStore) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bytes, c.gets, c.reads = 0, 0, nil
}

type countingReader struct {
	io.ReadCloser
	c   *CountingStore
	idx int
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.c.mu.Lock()
	r.c.bytes += int64(n)
	r.c.reads[r.idx].Len += int64(n)
	r.c.mu.Unlock()
	return n, err
}
