package blobtest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/testutil"
)

// LargeSize is the size of the suite's large objects: above the S3 transfer manager's
// 5 MiB part size, so S3 adapters take the multipart path.
const LargeSize = 6<<20 + 123

// Run runs the conformance suite. newStore returns an empty store for one subtest.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	testutil.RunSuite(t, newStore, map[string]func(*testing.T, blob.Store){
		"PutStatOpen":           testPutStatOpen,
		"Overwrite":             testOverwrite,
		"PutIfAbsent":           testPutIfAbsent,
		"PutIfAbsentConcurrent": testPutIfAbsentConcurrent,
		"List":                  testList,
		"Delete":                testDelete,
		"NotFound":              testNotFound,
		"Large":                 testLarge,
		"Atomic":                testAtomic,
	})
}

func put(t *testing.T, s blob.Store, key, body string) {
	t.Helper()
	if err := s.Put(t.Context(), key, strings.NewReader(body)); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// ReadAll returns the object at key in s, failing t when it cannot be read.
func ReadAll(t testing.TB, s blob.Store, key string) []byte {
	t.Helper()
	return []byte(read(t, s, key, 0, -1))
}

func read(t testing.TB, s blob.Store, key string, off, n int64) string {
	t.Helper()
	rc, err := s.Open(t.Context(), key, off, n)
	if err != nil {
		t.Fatalf("Open(%q, %d, %d): %v", key, off, n, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q [%d,+%d): %v", key, off, n, err)
	}
	return string(b)
}

func testPutStatOpen(t *testing.T, s blob.Store) {
	const key, body = "in/data.txt", "0123456789abcdefghij"
	before := time.Now().Add(-time.Hour)
	put(t, s, key, body)
	info, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if info.Key != key || info.Size != int64(len(body)) || info.ETag == "" {
		t.Errorf("Stat = %+v, want key %q, size %d and an ETag", info, key, len(body))
	}
	if info.ModTime.Before(before) || info.ModTime.After(time.Now().Add(time.Hour)) {
		t.Errorf("ModTime %v is not about now", info.ModTime)
	}
	size := int64(len(body))
	cases := []struct {
		name   string
		off, n int64
		want   string
	}{
		{"whole", 0, -1, body},
		{"whole with exact n", 0, size, body},
		{"head", 0, 4, "0123"},
		{"middle", 5, 7, "56789ab"},
		{"tail to end", 15, -1, "fghij"},
		{"n past the end", 15, 100, "fghij"},
		{"last byte", size - 1, 1, "j"},
		{"n zero", 3, 0, ""},
		{"off at the end", size, -1, ""},
		{"off at the end with n", size, 5, ""},
		{"off past the end", size + 10, 5, ""},
		{"off past the end to end", size + 10, -1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := read(t, s, key, tc.off, tc.n); got != tc.want {
				t.Errorf("Open(%d, %d) read %q, want %q", tc.off, tc.n, got, tc.want)
			}
		})
	}
	t.Run("empty object", func(t *testing.T) {
		put(t, s, "empty", "")
		info, err := s.Stat(t.Context(), "empty")
		if err != nil || info.Size != 0 {
			t.Fatalf("Stat(empty) = %+v, %v; want size 0", info, err)
		}
		if got := read(t, s, "empty", 0, -1); got != "" {
			t.Errorf("read %q from the empty object", got)
		}
	})
}

func testOverwrite(t *testing.T, s blob.Store) {
	put(t, s, "k", "first version")
	first, err := s.Stat(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, "k", "second")
	if got := read(t, s, "k", 0, -1); got != "second" {
		t.Errorf("after overwrite read %q, want %q", got, "second")
	}
	second, err := s.Stat(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	if second.Size != int64(len("second")) {
		t.Errorf("size after overwrite = %d, want %d", second.Size, len("second"))
	}
	if second.ETag == first.ETag {
		t.Errorf("ETag %q did not change when the content did", second.ETag)
	}
}

func testPutIfAbsent(t *testing.T, s blob.Store) {
	if err := s.PutIfAbsent(t.Context(), "once/k", strings.NewReader("winner")); err != nil {
		t.Fatalf("first PutIfAbsent: %v", err)
	}
	err := s.PutIfAbsent(t.Context(), "once/k", strings.NewReader("loser"))
	if !errors.Is(err, blob.ErrExists) {
		t.Fatalf("second PutIfAbsent = %v, want ErrExists", err)
	}
	if !strings.Contains(err.Error(), "once/k") {
		t.Errorf("error %q does not name the key", err)
	}
	if got := read(t, s, "once/k", 0, -1); got != "winner" {
		t.Errorf("read %q, want the first write", got)
	}
	put(t, s, "once/k", "plain put overwrites")
	if got := read(t, s, "once/k", 0, -1); got != "plain put overwrites" {
		t.Errorf("read %q after Put", got)
	}
}

func testPutIfAbsentConcurrent(t *testing.T, s blob.Store) {
	const writers = 8
	errs := make([]error, writers)
	testutil.Race(writers, func(i int) {
		errs[i] = s.PutIfAbsent(t.Context(), "race", strings.NewReader(fmt.Sprintf("writer %d", i)))
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, blob.ErrExists):
			t.Errorf("writer %d: %v, want nil or ErrExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	if got, want := read(t, s, "race", 0, -1), fmt.Sprintf("writer %d", winner); got != want {
		t.Errorf("stored %q, want the winner's %q", got, want)
	}
}

func testList(t *testing.T, s blob.Store) {
	keys := []string{"data/part-2", "data/part-10", "data/part-1", "data/sub/x", "datafile", "dat.txt", "other/y"}
	for i, k := range keys {
		put(t, s, k, strings.Repeat("x", i+1))
	}
	sizes := map[string]int64{}
	for i, k := range keys {
		sizes[k] = int64(i + 1)
	}
	cases := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"dat.txt", "data/part-1", "data/part-10", "data/part-2", "data/sub/x", "datafile", "other/y"}},
		{"data/", []string{"data/part-1", "data/part-10", "data/part-2", "data/sub/x"}},
		{"data", []string{"data/part-1", "data/part-10", "data/part-2", "data/sub/x", "datafile"}},
		{"data/part-1", []string{"data/part-1", "data/part-10"}},
		{"data/sub/", []string{"data/sub/x"}},
		{"dat", []string{"dat.txt", "data/part-1", "data/part-10", "data/part-2", "data/sub/x", "datafile"}},
		{"other/y", []string{"other/y"}},
		{"zzz", nil},
		{"data/nope/", nil},
	}
	for _, tc := range cases {
		t.Run("prefix "+tc.prefix, func(t *testing.T) {
			infos, err := s.List(t.Context(), tc.prefix)
			if err != nil {
				t.Fatalf("List(%q): %v", tc.prefix, err)
			}
			var got []string
			for _, in := range infos {
				got = append(got, in.Key)
				if in.Size != sizes[in.Key] {
					t.Errorf("List(%q): %s has size %d, want %d", tc.prefix, in.Key, in.Size, sizes[in.Key])
				}
				if in.ETag == "" || in.ModTime.IsZero() {
					t.Errorf("List(%q): %s lacks ETag or ModTime: %+v", tc.prefix, in.Key, in)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
		})
	}
}

func testDelete(t *testing.T, s blob.Store) {
	put(t, s, "d/k", "doomed")
	put(t, s, "d/keep", "kept")
	if err := s.Delete(t.Context(), "d/k"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Stat(t.Context(), "d/k"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(t.Context(), "d/k"); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if err := s.Delete(t.Context(), "never/was"); err != nil {
		t.Errorf("Delete of a missing key: %v", err)
	}
	infos, err := s.List(t.Context(), "d/")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].Key != "d/keep" {
		t.Errorf("List after Delete = %+v, want only d/keep", infos)
	}
	if err := s.PutIfAbsent(t.Context(), "d/k", strings.NewReader("again")); err != nil {
		t.Errorf("PutIfAbsent after Delete: %v", err)
	}
}

func testNotFound(t *testing.T, s blob.Store) {
	put(t, s, "present", "x")
	cases := []struct {
		name string
		op   func(key string) error
	}{
		{"Stat", func(key string) error { _, err := s.Stat(t.Context(), key); return err }},
		{"Open", func(key string) error {
			rc, err := s.Open(t.Context(), key, 0, -1)
			if err == nil {
				rc.Close()
			}
			return err
		}},
		{"Open ranged", func(key string) error {
			rc, err := s.Open(t.Context(), key, 1, 2)
			if err == nil {
				rc.Close()
			}
			return err
		}},
		{"Open n zero", func(key string) error {
			rc, err := s.Open(t.Context(), key, 0, 0)
			if err == nil {
				rc.Close()
			}
			return err
		}},
	}
	for _, tc := range cases {
		for _, key := range []string{"missing", "missing/nested/key", "present/below-a-file"} {
			t.Run(tc.name+" "+key, func(t *testing.T) {
				err := tc.op(key)
				if !errors.Is(err, blob.ErrNotFound) {
					t.Fatalf("%s(%q) = %v, want ErrNotFound", tc.name, key, err)
				}
				if !strings.Contains(err.Error(), key) {
					t.Errorf("error %q does not name the key %q", err, key)
				}
			})
		}
	}
	infos, err := s.List(t.Context(), "missing")
	if err != nil || len(infos) != 0 {
		t.Errorf("List(missing) = %v, %v; want nothing", infos, err)
	}
}

// onlyReader hides any Seek or WriteTo method, so a store has to stream.
type onlyReader struct{ io.Reader }

func testLarge(t *testing.T, s blob.Store) {
	data := make([]byte, LargeSize)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	if err := s.Put(t.Context(), "big/object", onlyReader{bytes.NewReader(data)}); err != nil {
		t.Fatalf("Put large: %v", err)
	}
	info, err := s.Stat(t.Context(), "big/object")
	if err != nil || info.Size != LargeSize {
		t.Fatalf("Stat = %+v, %v; want size %d", info, err, LargeSize)
	}
	if got := read(t, s, "big/object", 0, -1); sha256.Sum256([]byte(got)) != sha256.Sum256(data) {
		t.Fatalf("large object does not round-trip (read %d bytes of %d)", len(got), len(data))
	}
	const off, n = 5<<20 - 10, 1000 // across the 5 MiB part boundary
	if got := read(t, s, "big/object", off, n); got != string(data[off:off+n]) {
		t.Errorf("ranged read across the part boundary differs")
	}
	if err := s.PutIfAbsent(t.Context(), "big/once", onlyReader{bytes.NewReader(data)}); err != nil {
		t.Fatalf("PutIfAbsent large: %v", err)
	}
	if err := s.PutIfAbsent(t.Context(), "big/once", onlyReader{bytes.NewReader(data)}); !errors.Is(err, blob.ErrExists) {
		t.Fatalf("second PutIfAbsent large = %v, want ErrExists", err)
	}
	if got := read(t, s, "big/once", 0, -1); sha256.Sum256([]byte(got)) != sha256.Sum256(data) {
		t.Errorf("large PutIfAbsent does not round-trip")
	}
}

// fill is a reader of n copies of one byte.
type fill struct {
	b byte
	n int64
}

func (f *fill) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), f.n)]
	for i := range p {
		p[i] = f.b
	}
	f.n -= int64(len(p))
	return len(p), nil
}

func testAtomic(t *testing.T, s blob.Store) {
	// Two versions that differ in every byte and in length: a reader that saw part of a
	// write, or a mix of both, finds a foreign byte or a wrong length.
	versions := []fill{{'a', LargeSize}, {'b', LargeSize + 4096}}
	putVersion := func(i int) error {
		v := versions[i]
		return s.Put(t.Context(), "atomic", &v)
	}
	if err := putVersion(0); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		var err error
		for i := 1; i <= 4 && err == nil; i++ {
			err = putVersion(i % 2)
		}
		done <- err
	}()
	reads := 0
	buf := make([]byte, 64<<10)
	for writing := true; writing || reads < 2; reads++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("writer: %v", err)
			}
			writing = false
		default:
		}
		rc, err := s.Open(t.Context(), "atomic", 0, -1)
		if err != nil {
			t.Fatalf("Open while writing: %v", err)
		}
		var first byte
		var total int64
		for {
			n, err := rc.Read(buf)
			for _, c := range buf[:n] {
				if total == 0 {
					first = c
				}
				if c != first {
					rc.Close()
					t.Fatalf("read %q at byte %d of an object that started with %q", c, total, first)
				}
				total++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				t.Fatalf("read while writing: %v", err)
			}
		}
		rc.Close()
		want := map[byte]int64{'a': versions[0].n, 'b': versions[1].n}[first]
		if total != want {
			t.Fatalf("read %d bytes of version %q, want %d", total, first, want)
		}
	}
}
