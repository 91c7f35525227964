package split_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/codec"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/split"
)

// failingStore serves objects whose reads fail with errStore after half of them.
type failingStore struct{ blob.Store }

var errStore = errors.New("connection reset")

func (s failingStore) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := s.Store.Open(ctx, key, off, n)
	if err != nil {
		return nil, err
	}
	info, err := s.Store.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(rc, info.Size/2), errReader{}), rc}, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errStore }

// TestCompressedParts reads gzip and zstd objects whole, record for record;
// corrupt bytes are a *CorruptError (the input's fault), while a store that
// fails mid-object is its own error, not corruption, so it is retried.
func TestCompressedParts(t *testing.T) {
	var plain bytes.Buffer
	for i := range 20000 {
		plain.WriteString(string(rune('a'+i%26)) + " some words\n")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	enc, _ := zstd.NewWriter(nil)
	zst := enc.EncodeAll(plain.Bytes(), nil)
	enc.Close()

	dir := t.TempDir()
	fs := blob.NewFS(dir)
	ctx := context.Background()
	for _, c := range []struct {
		name, codec string
		data        []byte
	}{
		{"in.gz", "gzip", gz.Bytes()},
		{"in.zst", "zstd", zst},
		{"bad.gz", "gzip", []byte("not gzip at all\n")},
		{"bad.zst", "zstd", append(bytes.Clone(zst[:40]), bytes.Repeat([]byte{0xff}, 60)...)},
		{"old.gz", "gzip", gz.Bytes()}, // planned before Codec: {"gzip": true}
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := fs.Put(ctx, c.name, bytes.NewReader(c.data)); err != nil {
				t.Fatal(err)
			}
			part := plan.Part{Source: c.name, URL: c.name, End: int64(len(c.data)), Size: int64(len(c.data)), Codec: c.codec}
			if c.name == "old.gz" {
				part = plan.Part{}
				if err := json.Unmarshal([]byte(`{"src":"old.gz","url":"old.gz","start":0,"end":`+strconv.Itoa(len(c.data))+`,"size":`+strconv.Itoa(len(c.data))+`,"gzip":true}`), &part); err != nil || part.Codec != "" {
					t.Fatalf("old plan: %+v, %v", part, err)
				}
			}
			if got := codec.Of(c.name); got != c.codec {
				t.Fatalf("%s: codec %q by name, want %q", c.name, got, c.codec)
			}
			var got bytes.Buffer
			st, err := split.Part(ctx, fs, part, func(line []byte, off int64) error {
				if off != int64(got.Len()) {
					t.Fatalf("record at %d, want %d", off, got.Len())
				}
				got.Write(line)
				got.WriteByte('\n')
				return nil
			})
			var corrupt *split.CorruptError
			if c.name[:3] == "bad" {
				if !errors.As(err, &corrupt) || corrupt.Codec != c.codec || corrupt.Source != c.name {
					t.Fatalf("corrupt %s: error %v, want a *CorruptError naming %s and %s", c.codec, err, c.name, c.codec)
				}
				return
			}
			if err != nil || !bytes.Equal(got.Bytes(), plain.Bytes()) || st.BytesRead != int64(len(c.data)) || st.Records != 20000 {
				t.Fatalf("read %d bytes, %+v, %v; want the plain text, all %d compressed bytes read", got.Len(), st, err, len(c.data))
			}
			_, err = split.Part(ctx, failingStore{fs}, part, func([]byte, int64) error { return nil })
			if !errors.Is(err, errStore) || errors.As(err, &corrupt) {
				t.Fatalf("store failing mid-object: %v; want the store's error, not corruption", err)
			}
		})
	}
}
