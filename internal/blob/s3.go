package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The transfer manager's successor (feature/s3/transfermanager) is still v0; the
// uploader stays until that is stable.
//
//lint:file-ignore SA1019 manager.Uploader is deprecated in favour of a v0 package

// S3 is a Store in one S3 bucket (or an S3-compatible server's). Reads stream ranged
// GetObject bodies; writes go through the transfer manager, so outputs larger than a part
// are streamed as multipart uploads, which S3 makes visible atomically on completion.
type S3 struct {
	client   *s3.Client
	bucket   string
	uploader *manager.Uploader
	// pageKeys is the MaxKeys of each listing request; 0 leaves S3's default (1,000).
	pageKeys int32
}

var _ Store = (*S3)(nil)

// NewS3 returns a store over bucket.
func NewS3(client *s3.Client, bucket string) *S3 {
	return &S3{client: client, bucket: bucket, uploader: manager.NewUploader(client)}
}

// Bucket is the bucket the store works in.
func (s *S3) Bucket() string { return s.bucket }

func (s *S3) loc(key string) string { return S3Location(s.bucket, key) }

// Stat describes the object at key with HeadObject.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", s.loc(key), s.mapErr(err))
	}
	return Info{
		Key:     key,
		Size:    aws.ToInt64(out.ContentLength),
		ETag:    strings.Trim(aws.ToString(out.ETag), `"`),
		ModTime: aws.ToTime(out.LastModified),
	}, nil
}

// Open streams [off, off+n) of the object at key with a ranged GetObject.
func (s *S3) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if off < 0 {
		return nil, fmt.Errorf("open %s: negative offset %d", s.loc(key), off)
	}
	if n == 0 {
		if _, err := s.Stat(ctx, key); err != nil {
			return nil, err
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: &key}
	switch {
	case n > 0 && n <= math.MaxInt64-off:
		in.Range = byteRange(off, n)
	case off > 0:
		in.Range = aws.String("bytes=" + strconv.FormatInt(off, 10) + "-")
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		if code, status := apiCode(err); code == "InvalidRange" || status == 416 {
			return io.NopCloser(strings.NewReader("")), nil // off at or past the end
		}
		return nil, fmt.Errorf("open %s: %w", s.loc(key), s.mapErr(err))
	}
	if want := aws.ToInt64(out.ContentLength); want > 0 {
		return &fullBody{ReadCloser: out.Body, left: want, loc: s.loc(key)}, nil
	}
	return out.Body, nil
}

// ErrCutShort is wrapped by a read of a GetObject body that ended before the
// Content-Length of its response: the connection broke off mid-stream, a
// transient fault, which reading the object again mends. It does not wrap
// io.ErrUnexpectedEOF, which readers of the store's objects take for bytes that
// are themselves short (a corrupt partial, an input that shrank), an input
// error no retry mends.
var ErrCutShort = errors.New("response body cut short")

// fullBody is a GetObject body that holds the response to its Content-Length
// ("Size of the body in bytes", of the range when one was asked for:
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html). The SDK
// returns the body once the headers are in and retries nothing read after that
// (https://github.com/aws/aws-sdk-go-v2/issues/31); it validates no length, and
// a checksum only when ChecksumMode is set and the response carries one, which a
// ranged GET's does not (service/internal/checksum, middleware_validate_output.go).
// net/http reports a body cut before its Content-Length as io.ErrUnexpectedEOF,
// indistinguishable from short content; fullBody makes it ErrCutShort.
type fullBody struct {
	io.ReadCloser
	left int64 // bytes the Content-Length still promises
	loc  string
}

func (b *fullBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left > 0 && (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)) {
		err = fmt.Errorf("read %s: %w with %d bytes of its Content-Length to come (transient: read it again)", b.loc, ErrCutShort, b.left)
	}
	return n, err
}

// Put writes the object at key; S3 makes it visible whole or not at all.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) error {
	_, err := s.uploader.Upload(ctx, &s3.PutObjectInput{Bucket: &s.bucket, Key: &key, Body: r})
	if err != nil {
		return fmt.Errorf("put %s: %w", s.loc(key), s.mapErr(err))
	}
	return nil
}

// PutIfAbsent writes the object at key with If-None-Match: * (on PutObject, or on
// CompleteMultipartUpload for a large object), so S3 itself refuses the write when the key
// exists and exactly one of concurrent writers wins.
func (s *S3) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	_, err := s.uploader.Upload(ctx, &s3.PutObjectInput{
		Bucket:      &s.bucket,
		Key:         &key,
		Body:        r,
		IfNoneMatch: aws.String("*"),
	})
	if err == nil {
		return nil
	}
	code, status := apiCode(err)
	switch {
	case code == "PreconditionFailed" || status == 412:
		return fmt.Errorf("put %s: %w", s.loc(key), ErrExists)
	case code == "ConditionalRequestConflict" || status == 409:
		// Another conditional write of the key was in flight. If it won, this one lost;
		// if it failed, nobody won and the caller may retry.
		if s.appears(ctx, key) {
			return fmt.Errorf("put %s: %w", s.loc(key), ErrExists)
		}
	}
	return fmt.Errorf("put %s: %w", s.loc(key), s.mapErr(err))
}

// appears reports whether the object at key exists within a few seconds.
func (s *S3) appears(ctx context.Context, key string) bool {
	for wait := 100 * time.Millisecond; wait < 4*time.Second; wait *= 2 {
		if _, err := s.Stat(ctx, key); err == nil {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
	return false
}

// List returns the objects whose keys start with prefix, sorted by key.
func (s *S3) List(ctx context.Context, prefix string) ([]Info, error) {
	objs, _, err := s.list(ctx, prefix, nil)
	return objs, err
}

// ListLevel lists one level under prefix (LevelLister) with ListObjectsV2 and
// Delimiter "/" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html):
// keys holding a '/' after the prefix are rolled up into CommonPrefixes (the
// prefix up to and including that first '/', each counted once against
// MaxKeys) and are not returned in Contents.
func (s *S3) ListLevel(ctx context.Context, prefix string) ([]Info, []string, error) {
	return s.list(ctx, prefix, aws.String("/"))
}

// list pages through the ListObjectsV2 answers for prefix and delimiter (nil
// for none), returning the objects and the common prefixes, each sorted. A
// truncated answer (IsTruncated) goes on with its NextContinuationToken as
// the next request's ContinuationToken, which the SDK's paginator sends,
// until the last page (the ListObjectsV2 reference above).
func (s *S3) list(ctx context.Context, prefix string, delimiter *string) ([]Info, []string, error) {
	var objs []Info
	var prefixes []string
	in := &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix, Delimiter: delimiter}
	if s.pageKeys > 0 {
		in.MaxKeys = aws.Int32(s.pageKeys)
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("list %s: %w", s.loc(prefix), err)
		}
		for _, o := range page.Contents {
			objs = append(objs, s3Info(o))
		}
		for _, c := range page.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(c.Prefix))
		}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	sort.Strings(prefixes)
	return objs, prefixes, nil
}

// s3Info describes a listed object.
func s3Info(o types.Object) Info {
	return Info{
		Key:     aws.ToString(o.Key),
		Size:    aws.ToInt64(o.Size),
		ETag:    strings.Trim(aws.ToString(o.ETag), `"`),
		ModTime: aws.ToTime(o.LastModified),
	}
}

// Delete removes the object at key; a missing object is not an error.
func (s *S3) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil && !errors.Is(s.mapErr(err), ErrNotFound) {
		return fmt.Errorf("delete %s: %w", s.loc(key), err)
	}
	return nil
}

// mapErr turns S3's "no such key" answers into ErrNotFound and keeps other errors.
func (s *S3) mapErr(err error) error {
	code, status := apiCode(err)
	switch {
	case code == "NoSuchBucket":
		return fmt.Errorf("bucket %s does not exist: %w", s.bucket, ErrNotFound)
	case code == "NoSuchKey" || code == "NotFound" || status == 404:
		return ErrNotFound
	}
	return err
}

// Permanent reports whether a store error is the caller's fault, which no
// retry mends: the object or bucket does not exist, or S3 refused the request
// with a 4xx other than 408 (timeout) and 429 (throttling), such as 403.
// Anything else (5xx, SlowDown, a reset connection, a timeout) may pass.
func Permanent(err error) bool {
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrLocalPath) {
		return true
	}
	code, status := apiCode(err)
	if code == "SlowDown" || code == "RequestTimeout" {
		return false
	}
	return status >= 400 && status < 500 && status != 408 && status != 429
}

// apiCode returns the error code and HTTP status of an S3 error ("" and 0 when absent).
func apiCode(err error) (code string, status int) {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	return code, status
}
