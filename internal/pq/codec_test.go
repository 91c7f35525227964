package pq

import (
	"bytes"
	"compress/gzip"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/parquet-go/parquet-go/format"
)

// TestStreamedPageAllocatesWhatItHolds: a gzip or Brotli page whose header
// declares far more than its stream holds (a footer may overstate the
// chunk's total, and Brotli has no ratio bound) is refused having
// allocated about what it decompressed to, not the gigabyte it declared.
func TestStreamedPageAllocatesWhatItHolds(t *testing.T) {
	page := bytes.Repeat([]byte("parquet "), 1000)
	var gz, br bytes.Buffer
	zw := gzip.NewWriter(&gz)
	bw := brotli.NewWriter(&br)
	for _, w := range []io.WriteCloser{zw, bw} {
		if _, err := w.Write(page); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for codec, src := range map[format.CompressionCodec][]byte{format.Gzip: gz.Bytes(), format.Brotli: br.Bytes()} {
		if out, err := decodePage(codec, nil, src, len(page)); err != nil || !bytes.Equal(out, page) {
			t.Fatalf("%s: a page of its declared size: %v", codec, err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := decodePage(codec, nil, src, maxPageBytes)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "its header says") {
			t.Errorf("%s: a page declaring %d bytes, holding %d: %v, want it refused", codec, maxPageBytes, len(page), err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
			t.Errorf("%s: a page holding %d bytes, declaring %d, allocated %d", codec, len(page), maxPageBytes, n)
		}
	}
}
