package blob

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"
)

// ErrNotFound is returned (wrapped) when an object does not exist.
var ErrNotFound = errors.New("object not found")

// ErrExists is returned (wrapped) by PutIfAbsent when the object already exists.
var ErrExists = errors.New("object already exists")

// Info describes one stored object.
type Info struct {
	// Key is the object's key within its store (for a Mux, its full location).
	Key string `json:"key"`
	// Size is the object's length in bytes.
	Size int64 `json:"size"`
	// ETag identifies the object's content version (S3 ETag; size and mtime on a filesystem).
	ETag string `json:"etag"`
	// ModTime is when the object was last written.
	ModTime time.Time `json:"modTime"`
}

// Store is a flat key/value object store with S3's semantics: whole-object
// atomic writes, ranged streaming reads, listing by prefix.
type Store interface {
	// Stat describes the object at key, or returns an error wrapping ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// Open streams the bytes [off, off+n) of the object at key; n < 0 reads to the end.
	// An off at or past the end yields an empty reader.
	Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error)
	// Put writes the object at key atomically: readers see the old object or the whole new one.
	Put(ctx context.Context, key string, r io.Reader) error
	// PutIfAbsent writes like Put unless the key exists, in which case it returns an error wrapping ErrExists.
	PutIfAbsent(ctx context.Context, key string, r io.Reader) error
	// List returns the objects whose keys start with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]Info, error)
	// Delete removes the object at key; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
}

// LevelLister is a Store that lists one level of its key space, as S3's
// ListObjectsV2 does with Delimiter "/".
type LevelLister interface {
	// ListLevel returns, sorted, the objects whose keys start with prefix and
	// hold no '/' after it, and the distinct prefixes (each ending in '/')
	// that the other keys starting with prefix share up to their first '/'
	// after it.
	ListLevel(ctx context.Context, prefix string) (objs []Info, prefixes []string, err error)
}

// ListLevel lists one level of s under prefix (LevelLister.ListLevel): with
// s's own ListLevel, else by folding its flat listing.
func ListLevel(ctx context.Context, s Store, prefix string) ([]Info, []string, error) {
	if l, ok := s.(LevelLister); ok {
		return l.ListLevel(ctx, prefix)
	}
	infos, err := s.List(ctx, prefix)
	if err != nil {
		return nil, nil, err
	}
	objs, prefixes := FoldLevel(infos, prefix)
	return objs, prefixes, nil
}

// FoldLevel splits a sorted flat listing under prefix into one level of it
// (LevelLister.ListLevel): the objects with no '/' after prefix, and the
// prefixes the others share up to their first '/' after it.
func FoldLevel(infos []Info, prefix string) ([]Info, []string) {
	var objs []Info
	var prefixes []string
	for _, in := range infos {
		rest := in.Key[len(prefix):]
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			objs = append(objs, in)
			continue
		}
		if p := in.Key[:len(prefix)+i+1]; len(prefixes) == 0 || prefixes[len(prefixes)-1] != p {
			prefixes = append(prefixes, p)
		}
	}
	return objs, prefixes
}
