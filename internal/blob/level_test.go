package blob_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/testutil/moto"
)

// levelKeys is a tree with objects and prefixes side by side at each level.
var levelKeys = []string{"a.csv", "b/1", "b/2", "b/c/3", "b/d/4", "b/e/5", "b/f.csv", "b/g/6", "b/h/7/8", "b.csv", "c/", "c/x", "d/e/f/g"}

// levelPrefixes are the prefixes TestListLevel lists one level under.
var levelPrefixes = []string{"", "b", "b/", "b/c", "b/h/", "c/", "d/", "zz", "b/f"}

// checkLevels compares ListLevel under every levelPrefixes with the folded
// flat listing.
func checkLevels(t *testing.T, s blob.Store, l blob.LevelLister) {
	t.Helper()
	ctx := context.Background()
	for _, p := range levelPrefixes {
		infos, err := s.List(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		wantObjs, wantPrefixes := blob.FoldLevel(infos, p)
		objs, prefixes, err := l.ListLevel(ctx, p)
		if err != nil {
			t.Fatalf("list level %q: %v", p, err)
		}
		key := func(a, b blob.Info) bool { return a.Key == b.Key && a.Size == b.Size && a.ETag == b.ETag }
		if !slices.EqualFunc(objs, wantObjs, key) || !slices.Equal(prefixes, wantPrefixes) {
			t.Errorf("level %q: %v %q, want %v %q", p, objs, prefixes, wantObjs, wantPrefixes)
		}
	}
}

// TestListLevel: one level of S3 (moto, ListObjectsV2 with Delimiter "/",
// two keys or prefixes a page so that every level pages), of a local store
// and of a Mux over each is the flat listing folded at the next '/'.
func TestListLevel(t *testing.T) {
	srv := moto.Start(t)
	client, requests := moto.CountRequests(srv.S3(t, "levels"))
	ctx := context.Background()
	dir := t.TempDir()
	for _, k := range levelKeys {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("levels"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(k, "/") {
			continue // a folder marker: a directory on a filesystem
		}
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(k), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := blob.NewS3(client, "levels")
	blob.SetPageKeys(s, 2)
	requests.Store(0)
	objs, prefixes, err := s.ListLevel(ctx, "b/")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(objs) + len(prefixes); requests.Load() != int64(n+1)/2 {
		t.Errorf("listing a level of %d keys and prefixes sent %d requests, want %d pages of 2", n, requests.Load(), (n+1)/2)
	}
	t.Run("S3", func(t *testing.T) { checkLevels(t, s, s) })
	fs := blob.NewFS(dir)
	t.Run("FS", func(t *testing.T) { checkLevels(t, fs, fs) })
	mux := blob.NewMux(nil)
	mux.Mount("levels", s)
	t.Run("Mux", func(t *testing.T) {
		ctx := context.Background()
		for _, p := range levelPrefixes {
			objs, prefixes, err := mux.ListLevel(ctx, "s3://levels/"+p)
			if err != nil {
				t.Fatal(err)
			}
			wantObjs, wantPrefixes, _ := s.ListLevel(ctx, p)
			for i := range wantObjs {
				wantObjs[i].Key = "s3://levels/" + wantObjs[i].Key
			}
			for i := range wantPrefixes {
				wantPrefixes[i] = "s3://levels/" + wantPrefixes[i]
			}
			key := func(a, b blob.Info) bool { return a.Key == b.Key && a.ETag == b.ETag }
			if !slices.EqualFunc(objs, wantObjs, key) || !slices.Equal(prefixes, wantPrefixes) {
				t.Errorf("mux level %q: %v %q, want %v %q", p, objs, prefixes, wantObjs, wantPrefixes)
			}
		}
		local, prefixes, err := mux.ListLevel(ctx, dir+"/b/")
		if err != nil || len(local) != 3 || !slices.Equal(prefixes, []string{dir + "/b/c/", dir + "/b/d/", dir + "/b/e/", dir + "/b/g/", dir + "/b/h/"}) {
			t.Errorf("local level: %v %q %v", local, prefixes, err)
		}
	})
}
