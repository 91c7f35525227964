package cli

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/scattergather/scattergather/internal/codec"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/testutil"
)

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstded(t *testing.T, data []byte) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll(data, nil)
}

// testdata reads a file of testdata/: words.txt.bz2 is words.txt compressed
// with the bzip2 tool (the standard library reads bzip2 but cannot write it).
func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b := testutil.ReadFile(t, filepath.Join("testdata", name))
	return b
}

// TestAwkwardInputsSucceed: inputs that are legal but awkward give the
// reference output whatever the chunk size.
func TestAwkwardInputsSucceed(t *testing.T) {
	dir := t.TempDir()
	long := bytes.Repeat([]byte("longword "), 400) // 3,600 bytes: longer than every chunk below
	var big bytes.Buffer
	for i := range 3000 {
		big.WriteString(strings.Repeat("z", i%13) + " gz\n")
	}
	words := testdata(t, "words.txt")
	for _, c := range []struct {
		name  string
		data  []byte
		args  []string
		file  string // the input's name; in.txt when empty
		plain []byte // what a compressed input holds
	}{
		{"empty input", nil, []string{"--job", "wordcount"}, "", nil},
		{"no final newline", []byte("a b\nc d e"), []string{"--job", "wordcount"}, "", nil},
		{"CRLF", []byte("a b\r\nc\r\n\r\nd a\r\n"), []string{"--job", "grep", "--pattern", "a"}, "", nil},
		{"record longer than the chunk", append(append([]byte("x y\n"), long...), "\nshort\n"...), []string{"--job", "wordcount"}, "", nil},
		{"NUL bytes and invalid UTF-8", []byte("a\x00b \xff\xfe c\n\x00\n\xc3\x28 ok\n"), []string{"--job", "wordcount"}, "", nil},
		{"gzip read whole", gzipped(t, big.Bytes()), []string{"--job", "wordcount"}, "in.txt.gz", big.Bytes()},
		{"zstd read whole", zstded(t, big.Bytes()), []string{"--job", "grep", "--pattern", "zz gz"}, "in.txt.zst", big.Bytes()},
		{"bzip2 read whole", testdata(t, "words.txt.bz2"), []string{"--job", "wordcount"}, "in.txt.bz2", words},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := cmp.Or(c.file, "in.txt")
			plain := c.data
			if c.plain != nil {
				plain = c.plain
			}
			in := testutil.WriteFile(t, t.TempDir(), name, c.data)
			job, p := params(t, c.args)
			want := referenceAnswer(t, job, p, []reference.Input{{Source: in, Data: plain}})
			for _, size := range []string{"16", "1KiB", "64MiB"} {
				out := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+"-"+size)
				args := append([]string{"run", "--input", in, "--output", out, "--chunk-size", size, "--state-dir", t.TempDir()}, c.args...)
				if _, stderr, err := runCLI(t, args...); err != nil {
					t.Fatalf("chunk size %s: %v\n%s", size, err, stderr)
				}
				if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
					t.Fatalf("chunk size %s: output %q, want %q", size, got, want)
				}
			}
		})
	}
}

// TestCompressedOutputs: an output named .gz or .zst is written compressed,
// by run and by query, and holds what the plain output holds; .bz2 (no
// writer) fails before any work, naming the output.
func TestCompressedOutputs(t *testing.T) {
	f := newFixture(t)
	want := runOnce(t, f, "wordcount")
	for _, sub := range []string{"run", "query"} {
		for _, name := range []string{"wc.tsv.gz", "wc.tsv.zst"} {
			out := filepath.Join(t.TempDir(), name)
			args := []string{sub, "--job", "wordcount", "--input", f.text, "--output", out, "--chunk-size", "16KiB"}
			if sub == "run" {
				args = append(args, "--state-dir", t.TempDir())
			}
			if _, stderr, err := runCLI(t, args...); err != nil {
				t.Fatalf("%s %s: %v\n%s", sub, name, err, stderr)
			}
			raw := testutil.ReadFile(t, out)
			r, err := codec.Reader(codec.Of(name), bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s %s: %v", sub, name, err)
			}
			got, err := io.ReadAll(r)
			if err != nil || string(got) != want || len(raw) >= len(want) {
				t.Fatalf("%s %s: %d compressed bytes holding %d (%v); want the %d bytes of the plain output", sub, name, len(raw), len(got), err, len(want))
			}
		}
		out := filepath.Join(t.TempDir(), "wc.bz2")
		args := []string{sub, "--job", "wordcount", "--input", f.text, "--output", out, "--state-dir", t.TempDir()}
		if sub == "query" {
			args = args[:len(args)-2]
		}
		if _, stderr, err := runCLI(t, args...); err == nil || !strings.Contains(err.Error()+stderr, out) || !strings.Contains(err.Error()+stderr, "bzip2") {
			t.Fatalf("%s to %s: err %v, stderr %q; want a failure naming the output and bzip2", sub, out, err, stderr)
		}
	}
}

// TestMalformedRecordsSkippedAndCounted: bad CSV and JSON lines are skipped and
// counted in the summary by default; --strict fails naming the source and offset.
func TestMalformedRecordsSkippedAndCounted(t *testing.T) {
	dir := t.TempDir()
	csv := testutil.WriteFile(t, dir, "bad.csv", []byte("a,b\n1,x\n2,\"open\n3,y\n"))
	jsonl := testutil.WriteFile(t, dir, "bad.jsonl", []byte("{\"a\":1,\"b\":\"x\"}\n{\"a\":\n{\"a\":3,\"b\":\"y\"}\n"))
	for _, c := range []struct {
		name, input string
		args        []string
		offset      string
	}{
		{"csv", csv, []string{"--job", "select", "--where", "a > 0", "--columns", "a,b"}, "byte 8"},
		{"jsonl", jsonl, []string{"--job", "select", "--format", "jsonl", "--where", "a > 0", "--columns", "a,b"}, "byte 16"},
		{"groupby non-numeric", testutil.WriteFile(t, dir, "nan.csv", []byte("k,v\nx,1\nx,abc\ny,2\n")), []string{"--job", "groupby", "--key", "k", "--agg", "sum:v"}, "byte 8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.csv")
			stdout, stderr, err := runCLI(t, append([]string{"run", "--input", c.input, "--output", out, "--state-dir", t.TempDir(), "--json"}, c.args...)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var sum struct {
				Skipped int64 `json:"skipped"`
			}
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil || sum.Skipped != 1 {
				t.Fatalf("summary %s (%v): want 1 skipped record", stdout, err)
			}
			_, _, err = runCLI(t, append([]string{"run", "--strict", "--input", c.input, "--output", out + ".strict", "--state-dir", t.TempDir()}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.input) || !strings.Contains(err.Error(), c.offset) {
				t.Fatalf("--strict: %v, want an error naming %s and %s", err, c.input, c.offset)
			}
		})
	}
}

// TestBadInputFails: every bad input fails with a one-line error naming it, and
// a failed job leaves an earlier output at the same place untouched.
func TestBadInputFails(t *testing.T) {
	dir := t.TempDir()
	text := []byte(strings.Repeat("some words here\n", 200))
	good := testutil.WriteFile(t, dir, "good.txt", text)
	truncated := gzipped(t, bytes.Repeat([]byte("many many words\n"), 20000))
	big := testutil.WriteFile(t, dir, "big.txt", bytes.Repeat([]byte("x\n"), 60_000))
	for _, c := range []struct {
		name  string
		args  []string
		wants []string
	}{
		{"missing object", []string{"--input", filepath.Join(dir, "nope.txt")}, []string{"nope.txt"}},
		{"corrupt gzip", []string{"--input", testutil.WriteFile(t, dir, "corrupt.gz", []byte("this is not gzip\n"))}, []string{"corrupt.gz", "gzip"}},
		{"truncated gzip", []string{"--input", testutil.WriteFile(t, dir, "trunc.gz", truncated[:len(truncated)/2])}, []string{"trunc.gz", "corrupt gzip"}},
		{"corrupt zstd", []string{"--input", testutil.WriteFile(t, dir, "corrupt.zst", []byte("this is not zstd\n"))}, []string{"corrupt.zst", "corrupt zstd"}},
		{"truncated zstd", []string{"--input", testutil.WriteFile(t, dir, "trunc.zst", zstded(t, text)[:20])}, []string{"trunc.zst", "corrupt zstd"}},
		{"corrupt bzip2", []string{"--input", testutil.WriteFile(t, dir, "corrupt.bz2", []byte("this is not bzip2\n"))}, []string{"corrupt.bz2", "corrupt bzip2"}},
		{"plan over the chunk cap", []string{"--input", big, "--chunk-size", "1"}, []string{"over the cap"}},
		{"dot-dot key", []string{"--input", "s3://bucket/a/../b.txt"}, []string{`".."`, "s3://bucket/a/../b.txt"}},
		{"control character", []string{"--input", good + "\x01x"}, []string{"control character"}},
		{"key over 1024 bytes", []string{"--input", "s3://bucket/" + strings.Repeat("k", 1100)}, []string{"1024"}},
		{"output overwrites input", []string{"--input", good, "--output", good}, []string{"overwrite", good}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := testutil.WriteFile(t, t.TempDir(), "out.tsv", []byte("an earlier job's output\n"))
			args := append([]string{"run", "--job", "wordcount", "--output", out, "--state-dir", t.TempDir()}, c.args...)
			_, _, err := runCLI(t, args...)
			if err == nil {
				t.Fatalf("want an error naming %q, got success", c.wants)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("the error is not one line: %q", msg)
			}
			for _, w := range c.wants {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not name %q", msg, w)
				}
			}
			if got, _ := os.ReadFile(out); string(got) != "an earlier job's output\n" {
				t.Errorf("the failed job changed the earlier output: %q", got)
			}
			if got, _ := os.ReadFile(good); !bytes.Equal(got, text) {
				t.Error("the failed job changed an input")
			}
		})
	}
}
