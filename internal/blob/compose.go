package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// Piece is one run of a composed object's bytes: N bytes of the object at
// Source from offset Off, or, with Source empty, the literal Data.
type Piece struct {
	Source string // an s3:// location
	Off, N int64
	Data   []byte
}

// ComposeStats say how a composed object was made.
type ComposeStats struct {
	Parts int `json:"parts"`
	// CopiedBytes were copied by the store itself (UploadPartCopy), never
	// read by the caller.
	CopiedBytes int64 `json:"copiedBytes"`
	// SentBytes were read (or given as Data) and uploaded by the caller.
	SentBytes int64 `json:"sentBytes"`
}

// Composer is a Store that writes an object from pieces of other objects
// without the caller reading the large ones.
type Composer interface {
	// Compose writes the object at key as the concatenation of pieces,
	// atomically like Put. It returns an error wrapping ErrCannotCompose,
	// having written nothing, when a location is not one it can copy from or to.
	Compose(ctx context.Context, key string, pieces []Piece) (ComposeStats, error)
}

// ErrCannotCompose: the store cannot compose these locations; write the object another way.
var ErrCannotCompose = errors.New("cannot compose these locations")

// S3's multipart limits: every part but the last holds at least 5 MiB, a part
// at most 5 GiB, an upload at most 10,000 parts.
const (
	MinPartSize = 5 << 20
	maxPartSize = 5 << 30
	maxParts    = 10_000
	// composeParallel is how many part uploads and copies run at once.
	composeParallel = 8
)

// Compose writes the object at key with a multipart upload: a piece of 5 MiB
// or more becomes UploadPartCopy calls that S3 serves from the source object;
// smaller pieces, and the bytes that bring a part up to 5 MiB, are read and
// uploaded as ordinary parts. Sources are s3:// locations, in any bucket this
// store's client can read.
func (s *S3) Compose(ctx context.Context, key string, pieces []Piece) (ComposeStats, error) {
	var total int64
	for _, p := range pieces {
		total += p.N + int64(len(p.Data))
		if p.Source != "" {
			if _, _, ok := ParseS3(p.Source); !ok {
				return ComposeStats{}, fmt.Errorf("compose %s: source %q: %w", s.loc(key), p.Source, ErrCannotCompose)
			}
		}
		if p.Off < 0 || p.N < 0 {
			return ComposeStats{}, fmt.Errorf("compose %s: piece of %s at %d+%d: bad range", s.loc(key), p.Source, p.Off, p.N)
		}
	}
	if total == 0 { // a multipart upload needs a part
		return ComposeStats{}, s.Put(ctx, key, bytes.NewReader(nil))
	}
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return ComposeStats{}, fmt.Errorf("compose %s: %w", s.loc(key), s.mapErr(err))
	}
	c := &composition{s: s, key: key, id: up.UploadId}
	c.g, c.gctx = errgroup.WithContext(ctx)
	c.g.SetLimit(composeParallel)
	err = c.run(pieces)
	if werr := c.g.Wait(); err == nil {
		err = werr
	}
	if err == nil {
		err = c.complete(ctx)
	}
	if err != nil {
		// A background context: the upload's parts cost storage until aborted.
		_, _ = s.client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: &key, UploadId: up.UploadId})
		return ComposeStats{}, fmt.Errorf("compose %s: %w", s.loc(key), err)
	}
	return c.stats, nil
}

// composition is one Compose call's multipart upload.
type composition struct {
	s    *S3
	key  string
	id   *string
	g    *errgroup.Group
	gctx context.Context
	buf  []byte // bytes of the next uploaded part

	mu    sync.Mutex
	parts []types.CompletedPart
	stats ComposeStats
	next  int32 // the next part number - 1
}

func (c *composition) run(pieces []Piece) error {
	for _, p := range pieces {
		if p.Source == "" {
			c.buf = append(c.buf, p.Data...)
			if err := c.flush(false); err != nil {
				return err
			}
			continue
		}
		off, n := p.Off, p.N
		if len(c.buf) > 0 {
			// Fill the pending part to the minimum from this piece; all of it
			// when what would remain is too small to copy.
			take := n
			if need := int64(MinPartSize - len(c.buf)); need > 0 && n-need >= MinPartSize {
				take = need
			} else if need <= 0 {
				take = 0
			}
			if err := c.read(p.Source, off, take); err != nil {
				return err
			}
			off, n = off+take, n-take
			if err := c.flush(n > 0); err != nil {
				return err
			}
		}
		if n == 0 {
			continue
		}
		if n < MinPartSize {
			if err := c.read(p.Source, off, n); err != nil {
				return err
			}
			continue
		}
		// Copy parts of at most maxPartSize, none smaller than the minimum.
		k := (n + maxPartSize - 1) / maxPartSize
		for i := int64(0); i < k; i++ {
			a, b := off+n*i/k, off+n*(i+1)/k
			if err := c.copy(p.Source, a, b-a); err != nil {
				return err
			}
		}
	}
	return c.flush(true)
}

// read appends n bytes of src from off to the pending part.
func (c *composition) read(src string, off, n int64) error {
	if n == 0 {
		return nil
	}
	bucket, key, _ := ParseS3(src)
	out, err := c.s.client.GetObject(c.gctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, Range: byteRange(off, n)})
	if err != nil {
		return fmt.Errorf("read %s: %w", src, c.s.mapErr(err))
	}
	defer out.Body.Close()
	start := len(c.buf)
	c.buf = append(c.buf, make([]byte, n)...)
	if _, err := io.ReadFull(out.Body, c.buf[start:]); err != nil {
		return fmt.Errorf("read %s at %d: %w", src, off, err)
	}
	return nil
}

// flush uploads the pending part when it has the minimum size, or when force
// is set and it holds anything (a part before a copy, or the last).
func (c *composition) flush(force bool) error {
	if len(c.buf) == 0 || (len(c.buf) < MinPartSize && !force) {
		return nil
	}
	num, err := c.number()
	if err != nil {
		return err
	}
	body := c.buf
	c.buf = nil
	c.g.Go(func() error {
		out, err := c.s.client.UploadPart(c.gctx, &s3.UploadPartInput{
			Bucket: &c.s.bucket, Key: &c.key, UploadId: c.id, PartNumber: &num, Body: bytes.NewReader(body),
		})
		if err != nil {
			return fmt.Errorf("upload part %d: %w", num, c.s.mapErr(err))
		}
		c.done(num, out.ETag, 0, int64(len(body)))
		return nil
	})
	return nil
}

// copy adds a part that S3 copies from n bytes of src at off.
func (c *composition) copy(src string, off, n int64) error {
	num, err := c.number()
	if err != nil {
		return err
	}
	bucket, key, _ := ParseS3(src)
	c.g.Go(func() error {
		out, err := c.s.client.UploadPartCopy(c.gctx, &s3.UploadPartCopyInput{
			Bucket: &c.s.bucket, Key: &c.key, UploadId: c.id, PartNumber: &num,
			CopySource:      aws.String(copySource(bucket, key)),
			CopySourceRange: byteRange(off, n),
		})
		if err != nil {
			return fmt.Errorf("copy %s [%d,%d) to part %d: %w", src, off, off+n, num, c.s.mapErr(err))
		}
		c.done(num, out.CopyPartResult.ETag, n, 0)
		return nil
	})
	return nil
}

// number returns the next part number, or an error past S3's limit.
func (c *composition) number() (int32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.next == maxParts {
		return 0, fmt.Errorf("more than %d parts", maxParts)
	}
	c.next++
	return c.next, nil
}

func (c *composition) done(num int32, etag *string, copied, sent int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parts = append(c.parts, types.CompletedPart{PartNumber: aws.Int32(num), ETag: etag})
	c.stats.Parts++
	c.stats.CopiedBytes += copied
	c.stats.SentBytes += sent
}

// complete finishes the upload.
func (c *composition) complete(ctx context.Context) error {
	slices.SortFunc(c.parts, func(a, b types.CompletedPart) int { return int(*a.PartNumber - *b.PartNumber) })
	_, err := c.s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &c.s.bucket, Key: &c.key, UploadId: c.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: c.parts},
	})
	if err != nil {
		return fmt.Errorf("complete: %w", c.s.mapErr(err))
	}
	return nil
}

// copySource is UploadPartCopy's bucket/key, URL-encoded as S3 requires.
func copySource(bucket, key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return bucket + "/" + strings.Join(segs, "/")
}

// byteRange is an HTTP Range (and x-amz-copy-source-range) of n bytes from off.
func byteRange(off, n int64) *string {
	return aws.String("bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(off+n-1, 10))
}
