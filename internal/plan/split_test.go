package plan_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/codec"
	"github.com/scattergather/scattergather/internal/plan"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"4096": 4096, "256KiB": 256 << 10, "64MiB": 64 << 20, "1GiB": 1 << 30,
		"1KB": 1000, "1MB": 1_000_000, "2GB": 2_000_000_000, " 8 MiB ": 8 << 20, "512B": 512,
	} {
		got, err := plan.ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "1.5MiB", "12XB", "MiB", "1TiB", "99999999999GiB"} {
		if got, err := plan.ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", bad, got)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"4096", "256KiB", "1GB", "x", "-5MiB", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := plan.ParseSize(s)
		if err == nil && n <= 0 {
			t.Fatalf("ParseSize(%q) = %d without an error", s, n)
		}
	})
}

func TestValidateLocation(t *testing.T) {
	for _, ok := range []string{"in.txt", "/data/x.csv", "s3://bucket/key", "s3://bucket/prefix/", "s3://b/a..b/c"} {
		if err := plan.ValidateLocation(ok); err != nil {
			t.Errorf("ValidateLocation(%q) = %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"":                                    "empty",
		"s3://bucket/a/../b":                  `".."`,
		"s3:///key":                           "no bucket",
		"in\x00.txt":                          "0x00 at byte 2",
		"s3://b/k\x7f":                        "0x7f",
		"s3://b/" + strings.Repeat("k", 1020): "1024",
	} {
		err := plan.ValidateLocation(bad)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateLocation(%q) = %v, want an error with %q", bad, err, want)
		}
	}
}

func FuzzValidateLocation(f *testing.F) {
	for _, s := range []string{"s3://b/k", "a/../b", "s3://b/a/../b", "x\ty"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if plan.ValidateLocation(s) != nil {
			return
		}
		// Whatever it accepts is short, printable and free of ".." key segments.
		if len(s) == 0 || len(s) > 1024 || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("accepted %q", s)
		}
		if strings.HasPrefix(s, "s3://") && strings.Contains("/"+s[5:]+"/", "/../") {
			t.Fatalf("accepted a .. segment in %q", s)
		}
	})
}

func objects(sizes ...int64) []plan.Object {
	objs := make([]plan.Object, len(sizes))
	for i, n := range sizes {
		objs[i] = plan.Object{Source: fmt.Sprintf("f%d", i), URL: fmt.Sprintf("/d/f%d", i), Size: n, Ordinal: i}
	}
	return objs
}

// TestSplitCoversEveryByteOnce: the parts of a plan cover every byte of every
// object exactly once, in input order, at many chunk sizes.
func TestSplitCoversEveryByteOnce(t *testing.T) {
	objs := objects(0, 1, 10, 100, 1000, 7, 7, 7, 4096, 3)
	objs[5].URL += ".gz"
	objs[8].URL += ".zst"
	objs[9].URL += ".bz2"
	for _, size := range []int64{1, 3, 8, 64, 1000, 5000, 1 << 20} {
		chunks := plan.Split(objs, size)
		next := make(map[string]int64)
		lastOrd := -1
		for i, c := range chunks {
			if c.Index != i {
				t.Fatalf("size %d: chunk %d has index %d", size, i, c.Index)
			}
			if len(c.Parts) == 0 {
				t.Fatalf("size %d: chunk %d is empty", size, i)
			}
			for _, p := range c.Parts {
				if p.Ordinal < lastOrd {
					t.Fatalf("size %d: parts out of input order", size)
				}
				lastOrd = p.Ordinal
				if p.Start != next[p.URL] {
					t.Fatalf("size %d: %s part starts at %d, want %d", size, p.URL, p.Start, next[p.URL])
				}
				next[p.URL] = p.End
				if want := codec.Of(p.URL); p.Codec != want || p.Codec != "" && (p.Start != 0 || p.End != p.Size || len(c.Parts) != 1) {
					t.Fatalf("size %d: part %s [%d,%d) of %d in a chunk of %d parts, codec %q: want %q, a compressed object whole and alone", size, p.URL, p.Start, p.End, p.Size, len(c.Parts), p.Codec, want)
				}
			}
			if c.Bytes() > size && len(c.Parts) > 1 {
				t.Fatalf("size %d: chunk %d packs %d bytes", size, i, c.Bytes())
			}
		}
		for _, o := range objs {
			if next[o.URL] != o.Size {
				t.Fatalf("size %d: %s covered to %d of %d", size, o.URL, next[o.URL], o.Size)
			}
		}
	}
}

// TestSmallFilesArePacked: many small objects share chunks.
func TestSmallFilesArePacked(t *testing.T) {
	sizes := make([]int64, 100)
	for i := range sizes {
		sizes[i] = 100
	}
	if got := len(plan.Split(objects(sizes...), 1000)); got != 10 {
		t.Fatalf("100 objects of 100 bytes at 1000-byte chunks: %d chunks, want 10", got)
	}
}

// TestManyTinyObjectsMakeBoundedItems: 30,000 small objects in one directory, which the
// default chunk size would pack into one chunk (a manifest item of megabytes), make chunks
// whose JSON stays within MaxChunkJSON, each as full as that allows, covering every object
// once in order.
func TestManyTinyObjectsMakeBoundedItems(t *testing.T) {
	const n = 30_000
	objs := make([]plan.Object, n)
	for i := range objs {
		name := fmt.Sprintf("s3://a-bucket-of-logs/2026/12/05/host-%05d/part-%06d.log", i%97, i)
		objs[i] = plan.Object{Source: name, URL: name, Size: 120, Ordinal: i, ETag: "e"}
	}
	chunks := plan.Split(objs, plan.DefaultChunkSize)
	if len(chunks) < 2 {
		t.Fatalf("%d small objects made %d chunk", n, len(chunks))
	}
	next := 0
	for i, c := range chunks {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > plan.MaxChunkJSON {
			t.Fatalf("chunk %d of %d parts encodes to %d bytes, over %d", i, len(c.Parts), len(b), plan.MaxChunkJSON)
		}
		if i < len(chunks)-1 && len(b) < plan.MaxChunkJSON*9/10 {
			t.Errorf("chunk %d encodes to %d bytes: packed too loosely", i, len(b))
		}
		for _, p := range c.Parts {
			if p.Ordinal != next {
				t.Fatalf("chunk %d has object %d, want %d", i, p.Ordinal, next)
			}
			next++
		}
	}
	if next != n {
		t.Fatalf("the chunks cover %d of %d objects", next, n)
	}
}

// TestJobID: the same submission is one job; anything that changes the answer
// is another.
func TestJobID(t *testing.T) {
	objs := objects(10, 20)
	base := plan.JobID("grep", map[string]string{"pattern": "a", "strict": "false"}, objs, 100, "out")
	same := plan.JobID("grep", map[string]string{"strict": "false", "pattern": "a"}, objs, 100, "out")
	if base != same {
		t.Fatal("parameter order changed the job ID")
	}
	if !strings.HasPrefix(base, "grep-") || len(base) != len("grep-")+24 {
		t.Fatalf("job ID %q: want grep-<24 hex>", base)
	}
	if plan.JobID("wordcount", nil, objs, 100, "out") != plan.JobID("wordcount", map[string]string{}, objs, 100, "out") {
		t.Fatal("no parameters and empty parameters made two jobs")
	}
	changed := objects(10, 20)
	changed[1].ETag = "v2"
	for name, id := range map[string]string{
		"job":        plan.JobID("wordcount", map[string]string{"pattern": "a", "strict": "false"}, objs, 100, "out"),
		"params":     plan.JobID("grep", map[string]string{"pattern": "b", "strict": "false"}, objs, 100, "out"),
		"input etag": plan.JobID("grep", map[string]string{"pattern": "a", "strict": "false"}, changed, 100, "out"),
		"chunk size": plan.JobID("grep", map[string]string{"pattern": "a", "strict": "false"}, objs, 200, "out"),
		"output":     plan.JobID("grep", map[string]string{"pattern": "a", "strict": "false"}, objs, 100, "out2"),
	} {
		if id == base {
			t.Errorf("a different %s made the same job ID", name)
		}
	}
}

// TestChunkSizeOr: the size a job asks for wins, else the configured default,
// else DefaultChunkSize.
func TestChunkSizeOr(t *testing.T) {
	for _, c := range []struct{ asked, configured, want int64 }{
		{0, 0, plan.DefaultChunkSize},
		{0, -1, plan.DefaultChunkSize},
		{0, 5 << 20, 5 << 20},
		{7 << 20, 5 << 20, 7 << 20},
		{7 << 20, 0, 7 << 20},
	} {
		if got := plan.ChunkSizeOr(c.asked, c.configured); got != c.want {
			t.Errorf("ChunkSizeOr(%d, %d) = %d, want %d", c.asked, c.configured, got, c.want)
		}
	}
}
