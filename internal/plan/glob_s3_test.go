package plan

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/testutil/moto"
)

// flatS3Glob resolves an s3:// pattern as one flat listing of its longest
// fixed prefix would: the reference the levelled resolution must agree with.
func flatS3Glob(t *testing.T, store blob.Store, src string) []Object {
	t.Helper()
	bucket, key, _ := blob.ParseS3(src)
	pat, err := globSegments(key)
	if err != nil {
		t.Fatal(err)
	}
	var objs []Object
	root := blob.S3Location(bucket, "")
	if err := listS3Flat(context.Background(), store, root+fixedPrefix(key), root, pat, &objs); err != nil {
		t.Fatal(err)
	}
	return objs
}

// foldingStore hides its store's ListLevel, so that blob.ListLevel folds its
// flat listing.
type foldingStore struct{ blob.Store }

// TestS3GlobLevelsAgreeWithFlat: on random trees, random patterns resolve
// level by level to the objects one flat listing matches, through a store
// that lists a level itself (blob.FS) and one whose flat listing is folded.
func TestS3GlobLevelsAgreeWithFlat(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	names := []string{"a", "b", "ab", "ba", "a1", "b.c", ".h", "x[1]"}
	segs := []string{"*", "a*", "?", "[ab]", "*b", "a", "ab", "**", "[!a]*", "b.c", "?1", "x[[]1]"}
	for tree := 0; tree < 40; tree++ {
		dir := t.TempDir()
		for f := rng.Intn(30); f >= 0; f-- {
			var path []string
			for d := rng.Intn(4); d >= 0; d-- {
				path = append(path, names[rng.Intn(len(names))])
			}
			p := filepath.Join(dir, filepath.Join(path...))
			if os.MkdirAll(filepath.Dir(p), 0o755) == nil {
				_ = os.WriteFile(p, []byte(p), 0o644) // a name that is a directory already is skipped
			}
		}
		mux := blob.NewMux(nil)
		mux.Mount("b", blob.NewFS(dir))
		mux.Mount("f", foldingStore{blob.NewFS(dir)})
		for n := 0; n < 40; n++ {
			var pat []string
			for d := rng.Intn(4); d >= 0; d-- {
				if s := segs[rng.Intn(len(segs))]; s != crawl || !slices.Contains(pat, crawl) {
					pat = append(pat, s)
				}
			}
			if !IsGlob(strings.Join(pat, "/")) {
				pat = append(pat, "*")
			}
			for _, bucket := range []string{"b", "f"} {
				src := "s3://" + bucket + "/" + strings.Join(pat, "/")
				got, err := resolveS3Glob(context.Background(), mux, src)
				if err != nil {
					t.Fatalf("%s: %v", src, err)
				}
				if want := flatS3Glob(t, mux, src); !slices.Equal(got, want) {
					t.Fatalf("tree %d, %s: levels %v, flat listing %v", tree, src, got, want)
				}
			}
		}
	}
}

// TestS3GlobLevelsOnMoto: on S3 (moto), a pattern whose wildcard segment has
// a sibling subtree of 1,100 keys resolves to the keys one flat listing
// matches (a folder marker, tables/t1/, not among them) while listing a handful of keys and prefixes, where the flat
// listing pages through them all; a pattern with a "**" too, its levels
// before the "**" listed with Delimiter and only the subtrees they reach
// listed flat.
func TestS3GlobLevelsOnMoto(t *testing.T) {
	srv := moto.Start(t)
	client, requests := moto.CountRequests(srv.S3(t, "lake"))
	ctx := context.Background()
	keys := []string{"tables/t1/part.csv", "tables/t2/part.csv", "tables/t2/other.csv", "tables/t3/part.csv",
		"tables/t3/sub/part.csv", "tables/part.csv", "readme.txt", "tables/t1/",
		"tables/u1/x/p.json", "tables/u2/x/a/b/p.json", "tables/u2/x/a/q.csv", "tables/u3/y/p.json", "tables/x/p.json"}
	for i := 0; i < 1100; i++ {
		keys = append(keys, fmt.Sprintf("tables/big/k%04d.json", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(keys))
	work := make(chan string)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lake"), Key: aws.String(k), Body: bytes.NewReader([]byte(k))})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	store := &listingStore{Store: blob.NewS3(client, "lake")}
	mux := blob.NewMux(nil)
	mux.Mount("lake", store)
	for _, c := range []struct {
		src  string
		want []string
	}{
		{"s3://lake/tables/*/part.csv", []string{"tables/t1/part.csv", "tables/t2/part.csv", "tables/t3/part.csv"}},
		{"s3://lake/*/*/part.csv", []string{"tables/t1/part.csv", "tables/t2/part.csv", "tables/t3/part.csv"}},
		{"s3://lake/*/t?/*", []string{"tables/t1/part.csv", "tables/t2/other.csv", "tables/t2/part.csv", "tables/t3/part.csv"}},
		{"s3://lake/tables/[bt]*/p*.csv", []string{"tables/t1/part.csv", "tables/t2/part.csv", "tables/t3/part.csv"}},
		// The levels before a "**" are listed with Delimiter, each matching
		// prefix's subtree (tables/t1/x/, tables/big/x/, ...) then flat: the
		// 1,100 keys under tables/big/ are never listed.
		{"s3://lake/tables/*/x/**/*.json", []string{"tables/u1/x/p.json", "tables/u2/x/a/b/p.json"}},
		{"s3://lake/*/u?/**/*.json", []string{"tables/u1/x/p.json", "tables/u2/x/a/b/p.json", "tables/u3/y/p.json"}},
	} {
		store.prefixes, store.listed = nil, 0
		requests.Store(0)
		objs, err := Resolve(ctx, mux, []string{c.src})
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		levelled, sent := store.listed, requests.Load()
		var got []string
		for _, o := range objs {
			got = append(got, strings.TrimPrefix(o.URL, "s3://lake/"))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.src, got, c.want)
		}
		store.listed = 0
		requests.Store(0)
		flat := flatS3Glob(t, mux, c.src)
		if !slices.EqualFunc(flat, objs, func(a, b Object) bool { return a.URL == b.URL && a.Size == b.Size && a.ETag == b.ETag }) {
			t.Errorf("%s: levels %v, flat listing %v", c.src, objs, flat)
		}
		t.Logf("%s: levels listed %d keys and prefixes in %d requests (listings %q); flat %d keys in %d requests",
			c.src, levelled, sent, store.prefixes, store.listed, requests.Load())
		if levelled > 16 || store.listed < 1100 {
			t.Errorf("%s: levels listed %d keys and prefixes, flat %d: want at most 16 against the flat 1,100", c.src, levelled, store.listed)
		}
	}
}
