package codec_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/codec"
)

func TestOf(t *testing.T) {
	for name, want := range map[string]string{
		"a.gz": codec.Gzip, "s3://b/logs/x.txt.zst": codec.Zstd, "/d/y.bz2": codec.Bzip2,
		"a.txt": "", "gz": "", "a.gz/b": "", "a.tgz": "",
	} {
		if got := codec.Of(name); got != want {
			t.Errorf("Of(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestRoundTrip writes and reads back every format that has a writer; bzip2
// has none and says which suffixes do.
func TestRoundTrip(t *testing.T) {
	plain := []byte(strings.Repeat("some words\nand more\n", 5000))
	for _, c := range []string{codec.Gzip, codec.Zstd} {
		var z bytes.Buffer
		w, err := codec.Writer(c, &z)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(plain); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if z.Len() >= len(plain)/10 {
			t.Errorf("%s: %d bytes from %d: not compressed", c, z.Len(), len(plain))
		}
		r, err := codec.Reader(c, &z)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%s: read back %d bytes (%v), want %d", c, len(got), err, len(plain))
		}
	}
	if _, err := codec.Writer(codec.Bzip2, io.Discard); err == nil || !strings.Contains(err.Error(), ".zst") {
		t.Fatalf("bzip2 writer: %v, want an error naming the formats it can write", err)
	}
	if _, err := codec.Reader("lz4", strings.NewReader("")); err == nil {
		t.Fatal("unknown format: no error")
	}
}
