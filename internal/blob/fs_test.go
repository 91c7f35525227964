package blob_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/blob/blobtest"
)

func TestFSConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		return blob.NewFS(filepath.Join(t.TempDir(), "store"))
	})
}

func TestFSInvalidKeys(t *testing.T) {
	s := blob.NewFS(t.TempDir())
	ctx := context.Background()
	cases := []struct {
		name, key string
	}{
		{"empty", ""},
		{"absolute", "/etc/passwd"},
		{"parent", "../outside"},
		{"parent inside", "a/../../b"},
		{"parent at end", "a/.."},
		{"dot segment", "a/./b"},
		{"empty segment", "a//b"},
		{"trailing slash", "a/"},
		{"NUL", "a\x00b"},
		{"newline", "a\nb"},
		{"DEL", "a\x7fb"},
		{"temporary name", "a/.blobtmp-x"},
		{"too long", strings.Repeat("k", blob.MaxKeyLen+1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops := map[string]error{
				"Put":         s.Put(ctx, tc.key, strings.NewReader("x")),
				"PutIfAbsent": s.PutIfAbsent(ctx, tc.key, strings.NewReader("x")),
				"Delete":      s.Delete(ctx, tc.key),
			}
			_, ops["Stat"] = s.Stat(ctx, tc.key)
			_, ops["Open"] = s.Open(ctx, tc.key, 0, -1)
			for op, err := range ops {
				if err == nil {
					t.Errorf("%s(%q) succeeded, want an error", op, tc.key)
				} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.key)) {
					t.Errorf("%s error %q does not name the key", op, err)
				}
			}
		})
	}
	longest := strings.Repeat(strings.Repeat("k", 99)+"/", 10) + strings.Repeat("k", blob.MaxKeyLen-1000)
	if _, err := s.Stat(ctx, longest); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("a key of exactly %d bytes: %v, want ErrNotFound", blob.MaxKeyLen, err)
	}
	for _, prefix := range []string{"../", "/abs", "a/../"} {
		if _, err := s.List(ctx, prefix); err == nil {
			t.Errorf("List(%q) succeeded, want an error", prefix)
		}
	}
	for _, prefix := range []string{"", "a/", "a/.", "a/..b"} {
		if _, err := s.List(ctx, prefix); err != nil {
			t.Errorf("List(%q): %v", prefix, err)
		}
	}
}

func TestFSLayout(t *testing.T) {
	root := t.TempDir()
	s := blob.NewFS(root)
	ctx := context.Background()
	if err := s.Put(ctx, "dir/sub/obj", strings.NewReader("payload")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "dir", "sub", "obj"))
	if err != nil || string(b) != "payload" {
		t.Fatalf("file under root = %q, %v; want the object", b, err)
	}
	// Leftovers of an interrupted write, a symlink and a directory are not objects.
	if err := os.WriteFile(filepath.Join(root, "dir", ".blobtmp-obj-123"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "dir", "sub", "obj"), filepath.Join(root, "dir", "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "dir", "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	infos, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].Key != "dir/sub/obj" {
		t.Errorf("List = %+v, want only dir/sub/obj", infos)
	}
	entries, err := os.ReadDir(filepath.Join(root, "dir", "sub"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("write left %d files in its directory, want 1", len(entries))
	}
	if _, err := s.Stat(ctx, "dir/emptydir"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat of a directory = %v, want ErrNotFound", err)
	}
	if infos, err := blob.NewFS(filepath.Join(root, "nothing-here")).List(ctx, ""); err != nil || len(infos) != 0 {
		t.Errorf("List of a missing root = %v, %v; want nothing", infos, err)
	}
}

// FuzzFSKey checks that any key FS accepts stays under its root and round-trips through
// Stat and List under the same name.
func FuzzFSKey(f *testing.F) {
	for _, seed := range []string{"a", "a/b/c.txt", "../x", "a/../b", "/abs", "a//b", "./a", "a/.", "\x00", "é/ü", `a\b`, ".hidden/..x", "a/.blobtmp-1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		root := t.TempDir()
		s := blob.NewFS(filepath.Join(root, "store"))
		ctx := context.Background()
		if err := s.Put(ctx, key, strings.NewReader("x")); err != nil {
			return
		}
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if rel, _ := filepath.Rel(filepath.Join(root, "store"), p); !d.IsDir() && (rel == ".." || strings.HasPrefix(rel, "../")) {
				t.Errorf("key %q wrote %s, outside the store", key, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, key); err != nil {
			t.Errorf("Stat(%q) after Put: %v", key, err)
		}
		infos, err := s.List(ctx, "")
		if err != nil || len(infos) != 1 || infos[0].Key != key {
			t.Errorf("List after Put(%q) = %+v, %v", key, infos, err)
		}
	})
}
