package blob_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/blob/blobtest"
)

// located runs the conformance suite on a Mux: every key becomes base+key, and List
// checks that the mux reports full locations before it strips them.
type located struct {
	t    *testing.T
	mux  *blob.Mux
	base string
}

func (l located) Stat(ctx context.Context, key string) (blob.Info, error) {
	info, err := l.mux.Stat(ctx, l.base+key)
	if err == nil {
		if info.Key != l.base+key {
			l.t.Errorf("Mux.Stat key = %q, want the location %q", info.Key, l.base+key)
		}
		info.Key = key
	}
	return info, err
}

func (l located) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	return l.mux.Open(ctx, l.base+key, off, n)
}

func (l located) Put(ctx context.Context, key string, r io.Reader) error {
	return l.mux.Put(ctx, l.base+key, r)
}

func (l located) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	return l.mux.PutIfAbsent(ctx, l.base+key, r)
}

func (l located) List(ctx context.Context, prefix string) ([]blob.Info, error) {
	infos, err := l.mux.List(ctx, l.base+prefix)
	for i, in := range infos {
		key, ok := strings.CutPrefix(in.Key, l.base)
		if !ok {
			l.t.Errorf("Mux.List(%q) returned %q, not a location under %q", l.base+prefix, in.Key, l.base)
		}
		infos[i].Key = key
	}
	return infos, err
}

func (l located) Delete(ctx context.Context, key string) error {
	return l.mux.Delete(ctx, l.base+key)
}

func TestMuxConformance(t *testing.T) {
	cases := []struct {
		name  string
		store func(t *testing.T) blob.Store
	}{
		{"absolute local path", func(t *testing.T) blob.Store {
			return located{t, blob.NewMux(nil), filepath.Join(t.TempDir(), "out") + "/"}
		}},
		{"relative local path", func(t *testing.T) blob.Store {
			t.Chdir(t.TempDir())
			return located{t, blob.NewMux(nil), "rel/dir/"}
		}},
		{"mounted bucket", func(t *testing.T) blob.Store {
			m := blob.NewMux(nil)
			m.Mount("work", blob.NewFS(t.TempDir()))
			return located{t, m, "s3://work/"}
		}},
		{"bucket from the factory", func(t *testing.T) blob.Store {
			root := t.TempDir()
			m := blob.NewMux(func(bucket string) (blob.Store, error) {
				return blob.NewFS(filepath.Join(root, bucket)), nil
			})
			return located{t, m, "s3://made/jobs/"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { blobtest.Run(t, tc.store) })
	}
}

func TestParseS3(t *testing.T) {
	cases := []struct {
		loc         string
		bucket, key string
		ok          bool
	}{
		{"s3://b/k", "b", "k", true},
		{"s3://bucket/dir/sub/key.txt", "bucket", "dir/sub/key.txt", true},
		{"s3://bucket/prefix/", "bucket", "prefix/", true},
		{"s3://bucket/", "bucket", "", true},
		{"s3://bucket", "bucket", "", true},
		{"s3://", "", "", false},
		{"s3:///key", "", "", false},
		{"/local/path", "", "", false},
		{"relative/path", "", "", false},
		{"S3://upper/k", "", "", false},
		{"s3:/one-slash/k", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.loc, func(t *testing.T) {
			bucket, key, ok := blob.ParseS3(tc.loc)
			if bucket != tc.bucket || key != tc.key || ok != tc.ok {
				t.Errorf("ParseS3(%q) = %q, %q, %v; want %q, %q, %v", tc.loc, bucket, key, ok, tc.bucket, tc.key, tc.ok)
			}
			if got, want := blob.IsS3(tc.loc), strings.HasPrefix(tc.loc, "s3://"); got != want {
				t.Errorf("IsS3(%q) = %v, want %v", tc.loc, got, want)
			}
		})
	}
}

func TestMuxRouting(t *testing.T) {
	ctx := context.Background()
	t.Run("nil factory", func(t *testing.T) {
		m := blob.NewMux(nil)
		_, err := m.Stat(ctx, "s3://elsewhere/key")
		if err == nil || !strings.Contains(err.Error(), "s3://elsewhere/key needs an S3 endpoint or AWS credentials") {
			t.Errorf("Stat on an unmounted bucket = %v, want the needs-an-endpoint error", err)
		}
	})
	t.Run("factory once per bucket", func(t *testing.T) {
		root := t.TempDir()
		var calls atomic.Int32
		m := blob.NewMux(func(bucket string) (blob.Store, error) {
			calls.Add(1)
			if bucket == "broken" {
				return nil, errors.New("no credentials")
			}
			return blob.NewFS(filepath.Join(root, bucket)), nil
		})
		for i := range 3 {
			if err := m.Put(ctx, fmt.Sprintf("s3://one/k%d", i), strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Put(ctx, "s3://two/k", strings.NewReader("y")); err != nil {
			t.Fatal(err)
		}
		if got := calls.Load(); got != 2 {
			t.Errorf("factory called %d times for two buckets, want 2", got)
		}
		if _, err := os.Stat(filepath.Join(root, "one", "k2")); err != nil {
			t.Errorf("object not in the bucket's store: %v", err)
		}
		_, err := m.Stat(ctx, "s3://broken/k")
		if err == nil || !strings.Contains(err.Error(), "no credentials") || !strings.Contains(err.Error(), "s3://broken/k") {
			t.Errorf("factory error = %v, want it with the location", err)
		}
		infos, err := m.List(ctx, "s3://one/")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, in := range infos {
			keys = append(keys, in.Key)
		}
		if want := "s3://one/k0,s3://one/k1,s3://one/k2"; strings.Join(keys, ",") != want {
			t.Errorf("List = %q, want %s", keys, want)
		}
	})
	t.Run("mount wins over factory", func(t *testing.T) {
		m := blob.NewMux(func(string) (blob.Store, error) { return nil, errors.New("factory used") })
		m.Mount("work", blob.NewFS(t.TempDir()))
		if err := m.Put(ctx, "s3://work/a", strings.NewReader("x")); err != nil {
			t.Errorf("Put to a mounted bucket: %v", err)
		}
	})
	t.Run("local paths", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		m := blob.NewMux(nil)
		for _, p := range []string{"in/a.txt", "in/sub/b.txt", "inside.txt", filepath.Join(dir, "abs/c.txt")} {
			if err := m.Put(ctx, p, strings.NewReader(p)); err != nil {
				t.Fatalf("Put(%q): %v", p, err)
			}
		}
		cases := []struct {
			prefix string
			want   string
		}{
			{"in/", "in/a.txt,in/sub/b.txt"},
			{"./in/", "./in/a.txt,./in/sub/b.txt"},
			{"in", "in/a.txt,in/sub/b.txt,inside.txt"},
			{dir + "/abs/", dir + "/abs/c.txt"},
			{"missing/", ""},
		}
		for _, tc := range cases {
			infos, err := m.List(ctx, tc.prefix)
			if err != nil {
				t.Fatalf("List(%q): %v", tc.prefix, err)
			}
			var keys []string
			for _, in := range infos {
				keys = append(keys, in.Key)
			}
			if strings.Join(keys, ",") != tc.want {
				t.Errorf("List(%q) = %q, want %s", tc.prefix, keys, tc.want)
			}
		}
		if _, err := m.Stat(ctx, ""); err == nil {
			t.Error("Stat of an empty location succeeded")
		}
	})
}

// TestMuxPutRefusesNonRegular: a put to a local path that names a FIFO (as
// /dev/null names a device) is refused and leaves it in place, where the
// rename of the finished file would have put a regular file there; a
// regular file is still replaced.
func TestMuxPutRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	m := blob.NewMux(nil)
	ctx := context.Background()
	err := m.Put(ctx, fifo, strings.NewReader("out"))
	if !errors.Is(err, blob.ErrNotRegular) || !strings.Contains(err.Error(), fifo) {
		t.Fatalf("put over a FIFO: %v, want ErrNotRegular naming %s", err, fifo)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode().Type() != os.ModeNamedPipe {
		t.Fatalf("the FIFO was replaced: %v, %v", fi.Mode(), err)
	}
	file := filepath.Join(dir, "out.csv")
	for _, body := range []string{"a", "b"} {
		if err := m.Put(ctx, file, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := os.ReadFile(file); string(got) != "b" {
		t.Fatalf("regular file holds %q, want b", got)
	}
}
