package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// This file holds the filesystem operations shared by FS (keys under a root) and by Mux
// (local paths). Each takes the OS path of the object and the name to report in errors.

// tempPrefix starts the name of every temporary file a write creates; List skips such
// files and FS refuses keys with a segment that starts with it.
const tempPrefix = ".blobtmp-"

// statPath describes the regular file at path.
func statPath(ctx context.Context, path, name string) (Info, error) {
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", name, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", name, notFound(err))
	}
	if !fi.Mode().IsRegular() {
		return Info{}, fmt.Errorf("stat %s: not a regular file: %w", name, ErrNotFound)
	}
	return fileInfo(name, fi), nil
}

func fileInfo(key string, fi fs.FileInfo) Info {
	return Info{Key: key, Size: fi.Size(), ETag: FileETag(fi), ModTime: fi.ModTime()}
}

// FileETag identifies a file's version by its size and modification time.
func FileETag(fi fs.FileInfo) string {
	return strconv.FormatInt(fi.Size(), 16) + "-" + strconv.FormatInt(fi.ModTime().UnixNano(), 16)
}

// notFound maps a missing file to ErrNotFound and keeps other errors.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return ErrNotFound
	}
	return err
}

// openPath streams [off, off+n) of the file at path. The reader keeps the file it opened,
// so a concurrent Put (a rename) never shows it a mix of two versions.
func openPath(ctx context.Context, path, name string, off, n int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if off < 0 {
		return nil, fmt.Errorf("open %s: negative offset %d", name, off)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, notFound(err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("open %s: not a regular file: %w", name, ErrNotFound)
	}
	size := fi.Size()
	if off >= size {
		f.Close()
		return io.NopCloser(strings.NewReader("")), nil
	}
	if n < 0 || n > size-off {
		n = size - off
	}
	return &sectionFile{SectionReader: io.NewSectionReader(f, off, n), f: f}, nil
}

type sectionFile struct {
	*io.SectionReader
	f *os.File
}

func (s *sectionFile) Close() error { return s.f.Close() }

// putPath writes r to a temporary file beside path, syncs it and renames it over path.
// A path that exists and is not a regular file (a device such as /dev/null, a
// FIFO, a directory) is refused, not replaced: the rename would put a file in
// the device's place.
func putPath(ctx context.Context, path, name string, r io.Reader) error {
	if err := RegularOrAbsent(path); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	tmp, err := writeTemp(ctx, path, r)
	if err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	// A writer whose context ended while it synced (an attempt abandoned at its
	// Timeout) does not replace what a later attempt may already have written.
	if err := ctx.Err(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("put %s: %w", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("put %s: %w", name, err)
	}
	return nil
}

// putIfAbsentPath writes r to a temporary file and hard-links it to path, which fails
// atomically when path exists.
func putIfAbsentPath(ctx context.Context, path, name string, r io.Reader) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("put %s: %w", name, ErrExists)
	}
	tmp, err := writeTemp(ctx, path, r)
	if err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	defer os.Remove(tmp)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("put %s: %w", name, ErrExists)
		}
		return fmt.Errorf("put %s: %w", name, err)
	}
	return nil
}

// writeTemp copies r into a new synced temporary file in path's directory and returns its name.
func writeTemp(ctx context.Context, path string, r io.Reader) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, ctxReader{ctx: ctx, r: r})
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// deletePath removes the file at path; a missing file is not an error.
func deletePath(ctx context.Context, path, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(notFound(err), ErrNotFound) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// listTree lists the regular files under the directory dir whose names, spelled base +
// their slash-separated path below dir, start with prefix. Temporary files are skipped and
// directories that cannot hold a match are not entered. A missing dir lists nothing.
func listTree(ctx context.Context, dir, base, prefix string) ([]Info, error) {
	var out []Info
	var walk func(dir, base string) error
	walk = func(dir, base string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(notFound(err), ErrNotFound) {
				return nil
			}
			return err
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, tempPrefix) {
				continue
			}
			key := base + name
			switch {
			case e.IsDir():
				sub := key + "/"
				if strings.HasPrefix(sub, prefix) || strings.HasPrefix(prefix, sub) {
					if err := walk(filepath.Join(dir, name), sub); err != nil {
						return err
					}
				}
			case e.Type().IsRegular() && strings.HasPrefix(key, prefix):
				fi, err := e.Info()
				if err != nil {
					if errors.Is(err, fs.ErrNotExist) {
						continue // deleted while listing
					}
					return err
				}
				out = append(out, fileInfo(key, fi))
			}
		}
		return nil
	}
	if err := walk(dir, base); err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// listLevel lists the directory dir, whose entries are named base + their
// name, as one level under prefix (LevelLister): the regular files starting
// with prefix, and name + "/" of each directory starting with it. Temporary
// files are skipped; a missing dir lists nothing.
func listLevel(ctx context.Context, dir, base, prefix string) ([]Info, []string, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(notFound(err), ErrNotFound) {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	var objs []Info
	var prefixes []string
	for _, e := range entries {
		key := base + e.Name()
		switch {
		case strings.HasPrefix(e.Name(), tempPrefix) || !strings.HasPrefix(key, prefix):
		case e.IsDir():
			prefixes = append(prefixes, key+"/")
		case e.Type().IsRegular():
			fi, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted while listing
			} else if err != nil {
				return nil, nil, fmt.Errorf("list %s: %w", prefix, err)
			}
			objs = append(objs, fileInfo(key, fi))
		}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	sort.Strings(prefixes)
	return objs, prefixes, nil
}

// ErrNotRegular: a local object's path names something other than a regular
// file (a device, a FIFO, a directory), which a put would replace.
var ErrNotRegular = errors.New("not a regular file")

// RegularOrAbsent returns an error wrapping ErrNotRegular when path exists
// (through symbolic links) and is not a regular file: an output path the
// command checks before a job runs, and every local put.
func RegularOrAbsent(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil
	}
	kind := "a special file"
	switch t := fi.Mode().Type(); {
	case t&fs.ModeDir != 0:
		kind = "a directory"
	case t&fs.ModeDevice != 0:
		kind = "a device"
	case t&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case t&fs.ModeSocket != 0:
		kind = "a socket"
	}
	return fmt.Errorf("%s is %w (%s): it is not replaced", path, ErrNotRegular, kind)
}
