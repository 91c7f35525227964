package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// s3Scheme starts every S3 location.
const s3Scheme = "s3://"

// ParseS3 splits an s3://bucket/key location. ok is false for anything else, including
// a location without a bucket; the key may be empty (s3://bucket or s3://bucket/).
func ParseS3(loc string) (bucket, key string, ok bool) {
	rest, found := strings.CutPrefix(loc, s3Scheme)
	if !found {
		return "", "", false
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", false
	}
	return bucket, key, true
}

// IsS3 reports whether loc is an s3:// location.
func IsS3(loc string) bool {
	return strings.HasPrefix(loc, s3Scheme)
}

// S3Location returns the location s3://bucket/key.
func S3Location(bucket, key string) string {
	return s3Scheme + bucket + "/" + key
}

// Mux is a Store whose keys are locations: s3://bucket/key goes to the Store mounted for
// that bucket, or else to one the factory makes for it (once per bucket); anything else is
// a local filesystem path (absolute, or relative to the working directory), read and
// written directly with FS's atomic and conditional semantics.
type Mux struct {
	factory func(bucket string) (Store, error)
	s3Only  bool

	mu     sync.Mutex
	stores map[string]Store
}

var _ Store = (*Mux)(nil)

// NewMux returns a Mux that makes the Store of an unmounted bucket with factory (usually
// the S3 adapter). With a nil factory only mounted buckets and local paths work.
func NewMux(factory func(bucket string) (Store, error)) *Mux {
	return &Mux{factory: factory, stores: map[string]Store{}}
}

// ErrLocalPath is a local path given to a Mux that takes s3:// locations only.
var ErrLocalPath = errors.New("a local path where only s3:// locations are accepted")

// NewS3Mux is NewMux for a process that must not touch its own filesystem for a caller
// (a function on Lambda): a location that is not s3:// is an error wrapping ErrLocalPath,
// and LocalPaths reports false.
func NewS3Mux(factory func(bucket string) (Store, error)) *Mux {
	m := NewMux(factory)
	m.s3Only = true
	return m
}

// LocalPaths reports whether the Mux reads and writes local paths (see NewS3Mux).
func (m *Mux) LocalPaths() bool { return !m.s3Only }

// Mount routes s3://bucket/... locations to s.
func (m *Mux) Mount(bucket string, s Store) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stores[bucket] = s
}

// store returns the Store for bucket, making it with the factory on first use.
func (m *Mux) store(bucket, loc string) (Store, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.stores[bucket]; ok {
		return s, nil
	}
	if m.factory == nil {
		return nil, fmt.Errorf("%s needs an S3 endpoint or AWS credentials", loc)
	}
	s, err := m.factory(bucket)
	if err != nil {
		return nil, fmt.Errorf("%s: store for bucket %s: %w", loc, bucket, err)
	}
	m.stores[bucket] = s
	return s, nil
}

// route resolves loc to the bucket's Store and key, or to a local path (s == nil).
func (m *Mux) route(loc string) (s Store, key string, err error) {
	if !IsS3(loc) {
		if loc == "" {
			return nil, "", fmt.Errorf("empty location")
		}
		if m.s3Only {
			return nil, "", fmt.Errorf("%q: %w: a function on Lambda reads and writes s3://bucket/key locations only", loc, ErrLocalPath)
		}
		if strings.IndexByte(loc, 0) >= 0 {
			return nil, "", fmt.Errorf("invalid location %q: contains NUL", loc)
		}
		return nil, loc, nil
	}
	bucket, key, ok := ParseS3(loc)
	if !ok {
		return nil, "", fmt.Errorf("invalid location %q: want s3://bucket/key", loc)
	}
	s, err = m.store(bucket, loc)
	return s, key, err
}

// Stat describes the object at loc.
func (m *Mux) Stat(ctx context.Context, loc string) (Info, error) {
	s, key, err := m.route(loc)
	if err != nil {
		return Info{}, fmt.Errorf("stat: %w", err)
	}
	if s == nil {
		return statPath(ctx, key, loc)
	}
	info, err := s.Stat(ctx, key)
	if err != nil {
		return Info{}, err
	}
	info.Key = loc
	return info, nil
}

// Open streams [off, off+n) of the object at loc; n < 0 reads to the end.
func (m *Mux) Open(ctx context.Context, loc string, off, n int64) (io.ReadCloser, error) {
	s, key, err := m.route(loc)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	if s == nil {
		return openPath(ctx, key, loc, off, n)
	}
	return s.Open(ctx, key, off, n)
}

// Put writes the object at loc atomically.
func (m *Mux) Put(ctx context.Context, loc string, r io.Reader) error {
	return m.put(ctx, loc, r, putPath, Store.Put)
}

// PutIfAbsent writes the object at loc unless it exists (then the error wraps ErrExists).
func (m *Mux) PutIfAbsent(ctx context.Context, loc string, r io.Reader) error {
	return m.put(ctx, loc, r, putIfAbsentPath, Store.PutIfAbsent)
}

// put writes r at loc with local, for a local path, or with remote, in loc's store.
func (m *Mux) put(ctx context.Context, loc string, r io.Reader,
	local func(ctx context.Context, path, name string, r io.Reader) error,
	remote func(s Store, ctx context.Context, key string, r io.Reader) error) error {
	s, key, err := m.route(loc)
	if err != nil {
		return fmt.Errorf("put: %w", err)
	}
	if s == nil {
		return local(ctx, key, loc, r)
	}
	return remote(s, ctx, key, r)
}

// List returns the objects whose locations start with prefix, sorted, with Info.Key set
// to the full location: s3://bucket/key, or the local path spelled from the prefix
// ("data/" lists data/a.txt, data/sub/b.txt; "" lists the working directory).
func (m *Mux) List(ctx context.Context, prefix string) ([]Info, error) {
	if !IsS3(prefix) {
		if m.s3Only {
			return nil, fmt.Errorf("list %q: %w: a function on Lambda reads and writes s3://bucket/key locations only", prefix, ErrLocalPath)
		}
		if strings.IndexByte(prefix, 0) >= 0 {
			return nil, fmt.Errorf("list: invalid location %q: contains NUL", prefix)
		}
		dir := prefix[:strings.LastIndex(prefix, "/")+1]
		walkDir := dir
		if walkDir == "" {
			walkDir = "."
		}
		return listTree(ctx, walkDir, dir, prefix)
	}
	s, key, err := m.route(prefix)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	bucket, _, _ := ParseS3(prefix)
	infos, err := s.List(ctx, key)
	if err != nil {
		return nil, err
	}
	for i := range infos {
		infos[i].Key = S3Location(bucket, infos[i].Key)
	}
	return infos, nil
}

// ListLevel lists one level under prefix (LevelLister), with Info.Key and the
// prefixes spelled as full locations: an s3:// prefix through its bucket's
// store (blob.ListLevel), a local one by folding List's answer.
func (m *Mux) ListLevel(ctx context.Context, prefix string) ([]Info, []string, error) {
	if !IsS3(prefix) {
		infos, err := m.List(ctx, prefix)
		if err != nil {
			return nil, nil, err
		}
		objs, prefixes := FoldLevel(infos, prefix)
		return objs, prefixes, nil
	}
	s, key, err := m.route(prefix)
	if err != nil {
		return nil, nil, fmt.Errorf("list: %w", err)
	}
	bucket, _, _ := ParseS3(prefix)
	objs, prefixes, err := ListLevel(ctx, s, key)
	if err != nil {
		return nil, nil, err
	}
	for i := range objs {
		objs[i].Key = S3Location(bucket, objs[i].Key)
	}
	for i := range prefixes {
		prefixes[i] = S3Location(bucket, prefixes[i])
	}
	return objs, prefixes, nil
}

// Delete removes the object at loc; a missing object is not an error.
func (m *Mux) Delete(ctx context.Context, loc string) error {
	s, key, err := m.route(loc)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if s == nil {
		return deletePath(ctx, key, loc)
	}
	return s.Delete(ctx, key)
}

var _ Composer = (*Mux)(nil)

// Compose writes the object at loc from pieces when the bucket's Store is a
// Composer; otherwise it returns an error wrapping ErrCannotCompose.
func (m *Mux) Compose(ctx context.Context, loc string, pieces []Piece) (ComposeStats, error) {
	s, key, err := m.route(loc)
	if err != nil {
		return ComposeStats{}, fmt.Errorf("compose: %w", err)
	}
	c, ok := s.(Composer)
	if !ok {
		return ComposeStats{}, fmt.Errorf("compose %s: %w", loc, ErrCannotCompose)
	}
	return c.Compose(ctx, key, pieces) // it refuses a source it cannot copy from
}
