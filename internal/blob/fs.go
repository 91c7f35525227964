package blob

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// MaxKeyLen is the longest key FS accepts, in bytes (S3's limit).
const MaxKeyLen = 1024

// FS is a Store in a directory: a key is a slash-separated path relative to the root.
// Writes are atomic (temporary file, fsync, rename) and PutIfAbsent is atomic too
// (hard link), so FS keeps S3's semantics on one machine.
type FS struct {
	root string
}

var _ Store = (*FS)(nil)

// NewFS returns a store rooted at the directory root, which is created on the first write.
func NewFS(root string) *FS {
	return &FS{root: root}
}

// Root is the directory the store keeps its objects in.
func (s *FS) Root() string { return s.root }

// path checks key and returns its file's path.
func (s *FS) path(key string) (string, error) {
	if err := checkKey(key, false); err != nil {
		return "", err
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// checkKey refuses keys that could escape the root or alias another key: empty, absolute,
// with empty, "." or ".." segments, control characters, temporary-file names, or too long.
// A prefix is checked the same way except for its last segment, which only starts a name.
func checkKey(key string, prefix bool) error {
	reason := ""
	switch {
	case key == "" && !prefix:
		reason = "empty"
	case len(key) > MaxKeyLen:
		reason = fmt.Sprintf("longer than %d bytes", MaxKeyLen)
	case strings.HasPrefix(key, "/"):
		reason = "absolute"
	case strings.IndexFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		reason = "contains a control character"
	}
	if reason == "" && key != "" {
		segs := strings.Split(key, "/")
		for i, seg := range segs {
			if prefix && i == len(segs)-1 {
				break // the last segment of a prefix only starts a name
			}
			switch {
			case seg == "..":
				reason = `has a ".." segment`
			case seg == ".":
				reason = `has a "." segment`
			case seg == "":
				reason = "has an empty segment"
			case strings.HasPrefix(seg, tempPrefix):
				reason = fmt.Sprintf("has a segment starting %q (reserved for temporary files)", tempPrefix)
			}
			if reason != "" {
				break
			}
		}
	}
	if reason != "" {
		return fmt.Errorf("invalid key %q: %s", key, reason)
	}
	return nil
}

// Stat describes the object at key.
func (s *FS) Stat(ctx context.Context, key string) (Info, error) {
	p, err := s.path(key)
	if err != nil {
		return Info{}, fmt.Errorf("stat: %w", err)
	}
	return statPath(ctx, p, key)
}

// Open streams [off, off+n) of the object at key; n < 0 reads to the end.
func (s *FS) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return openPath(ctx, p, key, off, n)
}

// Put writes the object at key atomically.
func (s *FS) Put(ctx context.Context, key string, r io.Reader) error {
	p, err := s.path(key)
	if err != nil {
		return fmt.Errorf("put: %w", err)
	}
	return putPath(ctx, p, key, r)
}

// PutIfAbsent writes the object at key unless it exists (then the error wraps ErrExists).
func (s *FS) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	p, err := s.path(key)
	if err != nil {
		return fmt.Errorf("put: %w", err)
	}
	return putIfAbsentPath(ctx, p, key, r)
}

// List returns the objects whose keys start with prefix, sorted by key.
func (s *FS) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := checkKey(prefix, true); err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	dir := prefix[:strings.LastIndex(prefix, "/")+1]
	return listTree(ctx, filepath.Join(s.root, filepath.FromSlash(dir)), dir, prefix)
}

// ListLevel lists one level under prefix (LevelLister): it reads the one
// directory holding the prefix's last segment; a subdirectory is listed as
// a prefix without being entered.
func (s *FS) ListLevel(ctx context.Context, prefix string) ([]Info, []string, error) {
	if err := checkKey(prefix, true); err != nil {
		return nil, nil, fmt.Errorf("list: %w", err)
	}
	dir := prefix[:strings.LastIndex(prefix, "/")+1]
	return listLevel(ctx, filepath.Join(s.root, filepath.FromSlash(dir)), dir, prefix)
}

// Delete removes the object at key; a missing object is not an error.
func (s *FS) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	return deletePath(ctx, p, key)
}
