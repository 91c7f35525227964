// Package codec names the compressed formats of inputs and outputs by their
// suffix, and opens readers and writers of them.
package codec

import (
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"path"

	"github.com/klauspost/compress/zstd"
)

// The formats, by name suffix.
const (
	Gzip  = "gzip"
	Zstd  = "zstd"
	Bzip2 = "bzip2"
)

var bySuffix = map[string]string{".gz": Gzip, ".zst": Zstd, ".bz2": Bzip2}

// Of returns the format of the object or path named name by its suffix, or
// "" for one read and written as it is.
func Of(name string) string { return bySuffix[path.Ext(name)] }

// Reader returns a reader of what r holds in format c.
func Reader(c string, r io.Reader) (io.ReadCloser, error) {
	switch c {
	case Gzip:
		return gzip.NewReader(r)
	case Zstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	case Bzip2:
		return io.NopCloser(bzip2.NewReader(r)), nil
	}
	return nil, fmt.Errorf("unknown compression %q", c)
}

// Writer returns a writer that compresses into w in format c; Close flushes
// it (and does not close w). bzip2 has no writer here.
func Writer(c string, w io.Writer) (io.WriteCloser, error) {
	switch c {
	case Gzip:
		return gzip.NewWriter(w), nil
	case Zstd:
		return zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
	}
	return nil, fmt.Errorf("cannot write %s: name the output .gz, .zst or without a compression suffix", c)
}
