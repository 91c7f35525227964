package plan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/scattergather/scattergather/internal/blob"
)

// IsGlob reports whether a location is a pattern, as DuckDB tells one: it
// holds a '*', '?' or '['
// (https://duckdb.org/docs/stable/data/multiple_files/overview, "Glob Syntax").
func IsGlob(loc string) bool { return strings.ContainsAny(loc, "*?[") }

// crawl is the segment that matches any number of directories, none included.
const crawl = "**"

// globSegments splits a pattern (an s3:// location's key, or a local path)
// at its slashes, checks it and spells a final "**" as "**/*" (every file
// at any depth). More than one "**" is refused, as DuckDB refuses it, and
// so is a '[' never closed.
func globSegments(pattern string) ([]string, error) {
	segs := strings.Split(pattern, "/")
	crawls := 0
	for _, s := range segs {
		if s == crawl {
			crawls++
		}
		if !validSegment(s) {
			return nil, fmt.Errorf("pattern segment %q has a '[' that is never closed", s)
		}
	}
	if crawls > 1 {
		return nil, errors.New(`a pattern may hold one "**" segment only`)
	}
	if segs[len(segs)-1] == crawl {
		segs = append(segs, "*")
	}
	return segs, nil
}

// validSegment reports whether every '[' in a pattern segment is closed.
func validSegment(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '[' {
			end := classEnd(s, i)
			if end < 0 {
				return false
			}
			i = end
		}
	}
	return true
}

// classEnd is the index of the ']' that closes the character class opened
// at s[open], or -1. A ']' right after the '[' (or after "[!") is a member.
func classEnd(s string, open int) int {
	i := open + 1
	if i < len(s) && s[i] == '!' {
		i++
	}
	if i < len(s) && s[i] == ']' {
		i++
	}
	for ; i < len(s); i++ {
		if s[i] == ']' {
			return i
		}
	}
	return -1
}

// matchSegment reports whether name (one path segment) matches the
// pattern segment pat: '*' matches any run of characters (none included,
// a leading '.' too), '?' any one character, "[abc]" one of a, b and c,
// "[a-z]" one in the range, "[!abc]" one not listed ('^' is a member, not a
// negation, as in DuckDB); "**" inside a segment is a '*'. Any other byte
// matches itself.
func matchSegment(pat, name string) bool {
	p, n := 0, 0
	starP, starN := -1, 0
	for n < len(name) {
		if p < len(pat) {
			switch c := pat[p]; c {
			case '*':
				for p < len(pat) && pat[p] == '*' {
					p++
				}
				starP, starN = p, n
				continue
			case '?':
				_, w := utf8.DecodeRuneInString(name[n:])
				p, n = p+1, n+w
				continue
			case '[':
				if end := classEnd(pat, p); end >= 0 {
					r, w := utf8.DecodeRuneInString(name[n:])
					if inClass(pat[p+1:end], r) {
						p, n = end+1, n+w
						continue
					}
				} else if name[n] == c {
					p, n = p+1, n+1
					continue
				}
			default:
				if name[n] == c {
					p, n = p+1, n+1
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last '*' take one more character and try again.
		_, w := utf8.DecodeRuneInString(name[starN:])
		starN += w
		p, n = starP, starN
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}

// inClass reports whether r is in the class body (between '[' and ']').
func inClass(body string, r rune) bool {
	negate := strings.HasPrefix(body, "!")
	if negate {
		body = body[1:]
	}
	in := false
	for len(body) > 0 {
		lo, w := utf8.DecodeRuneInString(body)
		body = body[w:]
		hi := lo
		if len(body) > 1 && body[0] == '-' {
			hi, w = utf8.DecodeRuneInString(body[1:])
			body = body[1+w:]
		}
		if lo <= r && r <= hi {
			in = true
		}
	}
	return in != negate
}

// matchPath reports whether the segments of a path match the pattern's.
func matchPath(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == crawl {
			for i := 0; i <= len(segs); i++ {
				if matchPath(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 || !matchSegment(pat[0], segs[0]) {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// fixedPrefix is the part of a pattern before its first '*', '?' or '['.
func fixedPrefix(pattern string) string {
	if i := strings.IndexAny(pattern, "*?["); i >= 0 {
		return pattern[:i]
	}
	return pattern
}

// resolveGlob resolves a pattern (IsGlob) to the files or objects it
// matches, sorted by path; one that matches nothing is an InputError naming
// it. A file or object whose name is the pattern itself (a key holding a
// '[', which an S3 trigger names) is that one input, whatever else the
// pattern matches.
func resolveGlob(ctx context.Context, store blob.Store, src string) ([]Object, error) {
	if blob.IsS3(src) {
		if bucket, _, _ := blob.ParseS3(src); IsGlob(bucket) {
			return nil, &InputError{Input: src, Err: errors.New("a pattern may not match bucket names")}
		}
		in, err := store.Stat(ctx, src)
		if err == nil {
			return []Object{{Source: src, URL: src, Size: in.Size, ETag: in.ETag}}, nil
		}
		if !errors.Is(err, blob.ErrNotFound) {
			return nil, storeError(src, err)
		}
		objs, err := resolveS3Glob(ctx, store, src)
		if err == nil && len(objs) == 0 {
			err = &InputError{Input: src, Err: errors.New("no object matches this pattern")}
		}
		return objs, err
	}
	if err := localPathsRead(store, src); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(src); err == nil && fi.Mode().IsRegular() {
		return []Object{localObject(src, src, fi)}, nil
	}
	objs, err := resolveLocalGlob(ctx, src)
	if err == nil && len(objs) == 0 {
		err = &InputError{Input: src, Err: errors.New("no file matches this pattern")}
	}
	return objs, err
}

// resolveS3Glob resolves an s3:// pattern level by level from its longest
// fixed directory: a segment that is a pattern and is followed by '/' is
// matched against one level's CommonPrefixes, listed with ListObjectsV2 and
// Delimiter "/" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html,
// "Delimiter", "CommonPrefixes"), and only the matching prefixes are
// descended into; the last segment is matched against one level's Contents.
// From a "**" segment on, the objects under the directory reached are listed
// flat (listS3Flat). Folder markers (keys ending in '/') are never inputs.
func resolveS3Glob(ctx context.Context, store blob.Store, src string) ([]Object, error) {
	bucket, key, _ := blob.ParseS3(src)
	pat, err := globSegments(key)
	if err != nil {
		return nil, &InputError{Input: src, Err: err}
	}
	var objs []Object
	if err := walkS3(ctx, store, blob.S3Location(bucket, ""), pat, &objs); err != nil {
		return nil, storeError(src, err)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].URL < objs[j].URL })
	return objs, nil
}

// walkS3 adds to objs the objects under dir (an s3:// location ending in
// '/', or the bucket's root) whose keys below it match pat.
func walkS3(ctx context.Context, store blob.Store, dir string, pat []string, objs *[]Object) error {
	for len(pat) > 1 && pat[0] != crawl && !IsGlob(pat[0]) {
		dir, pat = dir+pat[0]+"/", pat[1:]
	}
	if pat[0] == crawl {
		return listS3Flat(ctx, store, dir, dir, pat, objs)
	}
	// Every level's listing pages (blob.S3.ListLevel): S3 answers at most
	// MaxKeys keys and prefixes a request.
	infos, prefixes, err := blob.ListLevel(ctx, store, dir+fixedPrefix(pat[0]))
	if err != nil {
		return err
	}
	if len(pat) == 1 {
		for _, in := range infos {
			if !strings.HasSuffix(in.Key, "/") && matchSegment(pat[0], in.Key[len(dir):]) {
				*objs = append(*objs, Object{Source: in.Key, URL: in.Key, Size: in.Size, ETag: in.ETag})
			}
		}
		return nil
	}
	for _, p := range prefixes {
		if matchSegment(pat[0], p[len(dir):len(p)-1]) {
			if err := walkS3(ctx, store, p, pat[1:], objs); err != nil {
				return err
			}
		}
	}
	return nil
}

// listS3Flat lists the objects whose locations start with prefix, with one
// ListObjectsV2 listing by prefix (its "Prefix": keys that begin with it),
// and adds to objs those whose keys below dir match pat, segment by segment.
func listS3Flat(ctx context.Context, store blob.Store, prefix, dir string, pat []string, objs *[]Object) error {
	infos, err := store.List(ctx, prefix)
	if err != nil {
		return err
	}
	for _, in := range infos {
		if strings.HasSuffix(in.Key, "/") || !matchPath(pat, strings.Split(in.Key[len(dir):], "/")) {
			continue
		}
		*objs = append(*objs, Object{Source: in.Key, URL: in.Key, Size: in.Size, ETag: in.ETag})
	}
	return nil
}

// resolveLocalGlob walks the directories the pattern names, from its
// longest fixed directory, entering only those its segments can match, and
// returns the regular files (symbolic links to them included) it matches,
// sorted by path. A "**" does not enter symbolic links to directories.
func resolveLocalGlob(ctx context.Context, src string) ([]Object, error) {
	pat, err := globSegments(filepath.ToSlash(src))
	if err != nil {
		return nil, &InputError{Input: src, Err: err}
	}
	i := 0
	for i < len(pat)-1 && !IsGlob(pat[i]) {
		i++
	}
	base := strings.Join(pat[:i], "/")
	if base == "" && i > 0 {
		base = "/"
	}
	var objs []Object
	if err := walkGlob(ctx, base, pat[i:], &objs); err != nil {
		return nil, &InputError{Input: src, Err: err}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].URL < objs[j].URL })
	return objs, nil
}

// walkGlob adds to objs the files under dir ("" for the working directory)
// whose paths below it match pat.
func walkGlob(ctx context.Context, dir string, pat []string, objs *[]Object) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	seg, last := pat[0], len(pat) == 1
	if seg == crawl {
		if err := walkGlob(ctx, dir, pat[1:], objs); err != nil {
			return err
		}
	} else if !IsGlob(seg) {
		return walkEntry(ctx, filepath.Join(dir, seg), pat, objs)
	}
	entries, err := os.ReadDir(cmpDir(dir))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		switch {
		case seg == crawl:
			if e.IsDir() {
				if err := walkGlob(ctx, path, pat, objs); err != nil {
					return err
				}
			}
		case !matchSegment(seg, e.Name()):
		case last || e.IsDir():
			if err := walkEntry(ctx, path, pat, objs); err != nil {
				return err
			}
		}
	}
	return nil
}

// walkEntry goes on at path, which matched pat[0]: the file it names when
// pat[0] is the last segment, else the directory it names.
func walkEntry(ctx context.Context, path string, pat []string, objs *[]Object) error {
	if len(pat) > 1 {
		return walkGlob(ctx, path, pat[1:], objs)
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil // gone, or not a file: not a match
	}
	*objs = append(*objs, localObject(path, path, fi))
	return nil
}

// cmpDir is the directory os.ReadDir reads for dir: "." for "".
func cmpDir(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}
