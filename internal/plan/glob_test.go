package plan

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestMatchSegment: one path segment against one pattern segment, as
// DuckDB's glob() answered for the same names (DuckDB 1.5): '*' takes a
// leading '.', "[!a]" negates, "[^a]" does not (it lists '^' and 'a'), and
// "**" inside a segment is a '*'.
func TestMatchSegment(t *testing.T) {
	for _, c := range []struct {
		pat, name string
		want      bool
	}{
		{"*", "a.csv", true},
		{"*", ".hidden.csv", true},
		{"*", "", true},
		{"*.csv", "a.csv", true},
		{"*.csv", "a.csv.gz", false},
		{"2024-*.csv", "2024-01.csv", true},
		{"2024-*.csv", "2023-01.csv", false},
		{"x?.csv", "x1.csv", true},
		{"x?.csv", "x.csv", false},
		{"x?.csv", "xé.csv", true},
		{"x[!a].csv", "x1.csv", true},
		{"x[!a].csv", "xa.csv", false},
		{"x[^a].csv", "xa.csv", true},
		{"x[^a].csv", "x^.csv", true},
		{"x[^a].csv", "x1.csv", false},
		{"x[a-c].csv", "xb.csv", true},
		{"x[a-c].csv", "xd.csv", false},
		{"x[abc]", "xc", true},
		{"x[]]", "x]", true},
		{"s**", "sub", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"part-*", "part-", true},
	} {
		if got := matchSegment(c.pat, c.name); got != c.want {
			t.Errorf("matchSegment(%q, %q) = %v, want %v", c.pat, c.name, got, c.want)
		}
	}
}

// globTree writes files (slash-separated paths) under a new directory.
func globTree(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		testutil.WriteFile(t, dir, f, []byte("v\n1\n"))
	}
	return dir
}

var globFiles = []string{"a.csv", ".hidden.csv", "sub/b.csv", "sub/.h/c.csv", "sub/deep/d.csv", "x1.csv", "x2.csv", "xa.csv", "a[1].txt", "a1.txt"}

// TestResolveLocalGlob: a local pattern resolves to the regular files it
// matches, sorted by path, as DuckDB's glob() lists them for the same tree
// (DuckDB 1.5): '*' matches no directory, "**" any number of them (none
// included), and a final "**" every file at any depth.
func TestResolveLocalGlob(t *testing.T) {
	dir := globTree(t, globFiles...)
	for _, c := range []struct {
		pattern string
		want    []string
	}{
		{"*", []string{".hidden.csv", "a.csv", "a1.txt", "a[1].txt", "x1.csv", "x2.csv", "xa.csv"}},
		{"*.csv", []string{".hidden.csv", "a.csv", "x1.csv", "x2.csv", "xa.csv"}},
		{"**", []string{".hidden.csv", "a.csv", "a1.txt", "a[1].txt", "sub/.h/c.csv", "sub/b.csv", "sub/deep/d.csv", "x1.csv", "x2.csv", "xa.csv"}},
		{"**/*.csv", []string{".hidden.csv", "a.csv", "sub/.h/c.csv", "sub/b.csv", "sub/deep/d.csv", "x1.csv", "x2.csv", "xa.csv"}},
		{"sub/**/*.csv", []string{"sub/.h/c.csv", "sub/b.csv", "sub/deep/d.csv"}},
		{"x[!a].csv", []string{"x1.csv", "x2.csv"}},
		{"x?.csv", []string{"x1.csv", "x2.csv", "xa.csv"}},
		{"s*/*", []string{"sub/b.csv"}},
		{"s**/*", []string{"sub/b.csv"}},
		{"*/deep/?.csv", []string{"sub/deep/d.csv"}},
		{"a[1].tx?", []string{"a1.txt"}},
		{"a[1].txt", []string{"a[1].txt"}}, // the file of that very name, not a1.txt
	} {
		objs, err := Resolve(context.Background(), blob.NewMux(nil), []string{filepath.Join(dir, c.pattern)})
		if err != nil {
			t.Errorf("%s: %v", c.pattern, err)
			continue
		}
		var got []string
		for i, o := range objs {
			rel, _ := filepath.Rel(dir, o.URL)
			got = append(got, filepath.ToSlash(rel))
			if o.Source != o.URL || o.Ordinal != i || o.Size != 4 || o.ETag == "" {
				t.Errorf("%s: object %+v", c.pattern, o)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.pattern, got, c.want)
		}
	}
}

// TestResolveGlobErrors: a pattern that matches nothing, holds two "**" or
// an unclosed '[' is an InputError naming it.
func TestResolveGlobErrors(t *testing.T) {
	dir := globTree(t, globFiles...)
	mux := blob.NewMux(nil)
	mux.Mount("b", blob.NewFS(dir))
	for _, c := range []struct{ src, want string }{
		{filepath.Join(dir, "nothing*.csv"), "no file matches this pattern"},
		{filepath.Join(dir, "nowhere/*/*.csv"), "no file matches this pattern"},
		{"s3://b/nothing*.csv", "no object matches this pattern"},
		{filepath.Join(dir, "**/x/**/*.csv"), `one "**" segment only`},
		{"s3://b/x[1.csv", "never closed"},
		{"s3://b*/x.csv", "bucket names"},
	} {
		_, err := Resolve(context.Background(), mux, []string{c.src})
		var ie *InputError
		if !errors.As(err, &ie) || ie.Input != c.src || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an input error naming it: %s", c.src, err, c.want)
		}
	}
}

// listingStore records the listings it is asked for ("list P" flat, "level P"
// one level) and counts the keys and prefixes they answer.
type listingStore struct {
	blob.Store
	prefixes []string
	listed   int
}

func (s *listingStore) List(ctx context.Context, prefix string) ([]blob.Info, error) {
	s.prefixes = append(s.prefixes, "list "+prefix)
	infos, err := s.Store.List(ctx, prefix)
	s.listed += len(infos)
	return infos, err
}

func (s *listingStore) ListLevel(ctx context.Context, prefix string) ([]blob.Info, []string, error) {
	s.prefixes = append(s.prefixes, "level "+prefix)
	infos, prefixes, err := blob.ListLevel(ctx, s.Store, prefix)
	s.listed += len(infos) + len(prefixes)
	return infos, prefixes, err
}

// TestResolveS3Glob: an s3:// pattern lists level by level, descending only
// into the prefixes its segments match, and from a "**" on lists flat; it
// keeps the keys that match, segment by segment, sorted.
func TestResolveS3Glob(t *testing.T) {
	dir := globTree(t, "events/2024-01/a.parquet", "events/2024-01/b.csv", "events/2024-02/c.parquet",
		"events/2024-02/deep/d.parquet", "events/2023-12/e.parquet", "other/f.parquet", "other/x[1].csv", "other/x1.csv")
	store := &listingStore{Store: blob.NewFS(dir)}
	mux := blob.NewMux(nil)
	mux.Mount("b", store)
	for _, c := range []struct {
		src      string
		listings []string
		want     []string
	}{
		{"s3://b/events/2024-*/*.parquet", []string{"level events/2024-", "level events/2024-01/", "level events/2024-02/"},
			[]string{"events/2024-01/a.parquet", "events/2024-02/c.parquet"}},
		{"s3://b/events/**/*.parquet", []string{"list events/"},
			[]string{"events/2023-12/e.parquet", "events/2024-01/a.parquet", "events/2024-02/c.parquet", "events/2024-02/deep/d.parquet"}},
		{"s3://b/*/*/*.parquet", []string{"level ", "level events/", "level events/2023-12/", "level events/2024-01/", "level events/2024-02/", "level other/"},
			[]string{"events/2023-12/e.parquet", "events/2024-01/a.parquet", "events/2024-02/c.parquet"}},
		{"s3://b/*/*.parquet", []string{"level ", "level events/", "level other/"}, []string{"other/f.parquet"}},
		{"s3://b/other/x?.csv", []string{"level other/x"}, []string{"other/x1.csv"}},
		{"s3://b/events/202?-0[2-9]/*", []string{"level events/202", "level events/2024-02/"}, []string{"events/2024-02/c.parquet"}},
		{"s3://b/*/2024-01/b.csv", []string{"level ", "level events/2024-01/b.csv", "level other/2024-01/b.csv"}, []string{"events/2024-01/b.csv"}},
		{"s3://b/e*/*/**/d.parquet", []string{"level e", "level events/", "list events/2023-12/", "list events/2024-01/", "list events/2024-02/"},
			[]string{"events/2024-02/deep/d.parquet"}},
	} {
		store.prefixes = nil
		objs, err := Resolve(context.Background(), mux, []string{c.src})
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		var got []string
		for _, o := range objs {
			if o.Source != o.URL || o.ETag == "" {
				t.Errorf("%s: object %+v", c.src, o)
			}
			got = append(got, strings.TrimPrefix(o.URL, "s3://b/"))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.src, got, c.want)
		}
		if !slices.Equal(store.prefixes, c.listings) {
			t.Errorf("%s listed %q, want %q", c.src, store.prefixes, c.listings)
		}
	}
	// An object whose key is the pattern itself is that input, unlisted.
	store.prefixes = nil
	objs, err := Resolve(context.Background(), mux, []string{"s3://b/other/x[1].csv"})
	if err != nil || len(objs) != 1 || objs[0].URL != "s3://b/other/x[1].csv" || store.prefixes != nil {
		t.Errorf("s3://b/other/x[1].csv: %+v, %v (listed %q), want that object", objs, err, store.prefixes)
	}
}
