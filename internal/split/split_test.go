package split_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/split"
)

type record struct {
	off  int64
	line string
}

// expected splits data the obvious way: every "\n"-terminated line, and a
// final unterminated one.
func expected(data []byte) []record {
	var out []record
	var off int64
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, record{off, string(data)})
			break
		}
		out = append(out, record{off, string(data[:i])})
		data = data[i+1:]
		off += int64(i + 1)
	}
	return out
}

// readAll reads every part of a plan of the object and concatenates the
// records in chunk order. It reads each part twice, record by record and in
// blocks, and fails when the two differ.
func readAll(t *testing.T, store blob.Store, key string, size int64, cuts []int64) []record {
	t.Helper()
	var got, blocks []record
	start := int64(0)
	for _, end := range append(cuts, size) {
		p := plan.Part{Source: key, URL: key, Start: start, End: end, Size: size}
		st, err := split.Part(context.Background(), store, p, func(line []byte, off int64) error {
			got = append(got, record{off, string(line)})
			return nil
		})
		if err != nil {
			t.Fatalf("part [%d,%d): %v", start, end, err)
		}
		oneByOne := func(line []byte, off int64) error {
			blocks = append(blocks, record{off, string(line)})
			return nil
		}
		bst, err := split.PartBlocks(context.Background(), store, p, oneByOne, func(data []byte, off int64, n int) error {
			if n < 1 || data[len(data)-1] != '\n' || bytes.Count(data, []byte("\n")) != n {
				t.Fatalf("part [%d,%d): block %q at %d with n=%d", start, end, data, off, n)
			}
			for len(data) > 0 {
				i := bytes.IndexByte(data, '\n')
				blocks = append(blocks, record{off, string(data[:i])})
				data, off = data[i+1:], off+int64(i+1)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("part [%d,%d) in blocks: %v", start, end, err)
		}
		if bst.Records != st.Records {
			t.Fatalf("part [%d,%d): %d records in blocks, %d one by one", start, end, bst.Records, st.Records)
		}
		start = end
	}
	if fmt.Sprint(blocks) != fmt.Sprint(got) {
		t.Fatalf("cuts %v: records in blocks\n%v\nrecords one by one\n%v", cuts, blocks, got)
	}
	return got
}

func randomData(r *rand.Rand) []byte {
	var b strings.Builder
	n := r.IntN(60)
	for i := 0; i < n; i++ {
		switch r.IntN(10) {
		case 0: // empty line
		case 1: // long line
			b.WriteString(strings.Repeat("x", 50+r.IntN(200)))
		default:
			for j := r.IntN(12); j > 0; j-- {
				const alphabet = "ab \t\x00\xffz"
				b.WriteByte(alphabet[r.IntN(len(alphabet))])
			}
		}
		if r.IntN(4) == 0 {
			b.WriteString("\r\n")
		} else {
			b.WriteByte('\n')
		}
	}
	if r.IntN(3) == 0 { // no final newline
		b.WriteString("tail")
	}
	return []byte(b.String())
}

// TestEveryRecordOnce is the record-ownership property: for random inputs and
// random chunk boundaries (1-byte chunks, CRLF, no final newline, records longer
// than a chunk), the records of all chunks are exactly the records of the input.
func TestEveryRecordOnce(t *testing.T) {
	store := blob.NewFS(t.TempDir())
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 300; iter++ {
		data := randomData(r)
		key := fmt.Sprintf("in/%d.txt", iter)
		if err := store.Put(context.Background(), key, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		size := int64(len(data))
		var cuts []int64
		switch iter % 3 {
		case 0: // 1-byte chunks
			for c := int64(1); c < size; c++ {
				cuts = append(cuts, c)
			}
		default:
			for c := int64(0); c < size; {
				c += 1 + r.Int64N(40)
				if c < size {
					cuts = append(cuts, c)
				}
			}
		}
		want := expected(data)
		got := readAll(t, store, key, size, cuts)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("iteration %d, cuts %v:\n got %v\nwant %v", iter, cuts, got, want)
		}
	}
}

// TestLongLineAcrossBuffer covers a record longer than the read buffer.
func TestLongLineAcrossBuffer(t *testing.T) {
	store := blob.NewFS(t.TempDir())
	long := strings.Repeat("y", 3<<20+17)
	data := []byte("a\n" + long + "\nb\n")
	if err := store.Put(context.Background(), "f", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	size := int64(len(data))
	for _, cuts := range [][]int64{nil, {1}, {3}, {2 << 20}, {size - 2}} {
		got := readAll(t, store, "f", size, cuts)
		want := expected(data)
		if len(got) != len(want) {
			t.Fatalf("cuts %v: got %d records, want %d", cuts, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("cuts %v: record %d differs at offset %d/%d", cuts, i, got[i].off, want[i].off)
			}
		}
	}
}

func FuzzOwnership(f *testing.F) {
	f.Add([]byte("a\nb\r\nc"), uint8(1), uint8(3))
	f.Add([]byte("\n\n\n"), uint8(1), uint8(2))
	f.Add([]byte("no newline"), uint8(4), uint8(9))
	dir := f.TempDir()
	store := blob.NewFS(dir)
	n := 0
	f.Fuzz(func(t *testing.T, data []byte, a, b uint8) {
		n++
		key := fmt.Sprintf("f%d", n)
		if err := store.Put(context.Background(), key, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		size := int64(len(data))
		var cuts []int64
		for _, c := range []int64{int64(a), int64(a) + int64(b)} {
			if c > 0 && c < size && (len(cuts) == 0 || c > cuts[len(cuts)-1]) {
				cuts = append(cuts, c)
			}
		}
		if fmt.Sprint(readAll(t, store, key, size, cuts)) != fmt.Sprint(expected(data)) {
			t.Fatalf("cuts %v of %q: records differ", cuts, data)
		}
	})
}

// TestReadsAreBounded: a small chunk of a large object fetches its range and a
// little more, not the rest of the object, and says so in BytesRead.
func TestReadsAreBounded(t *testing.T) {
	store := blob.NewFS(t.TempDir())
	data := bytes.Repeat([]byte("0123456789 abcdefghi\n"), 100_000) // 2.1 MB of 21-byte lines
	if err := store.Put(context.Background(), "f", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	size := int64(len(data))
	for _, c := range []struct{ start, end int64 }{{0, 1000}, {50_000, 51_000}, {size - 500, size}, {1 << 20, 1<<20 + 200_000}} {
		p := plan.Part{Source: "f", URL: "f", Start: c.start, End: c.end, Size: size}
		st, err := split.Part(context.Background(), store, p, func([]byte, int64) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		span := c.end - c.start
		if limit := span + max(span/64, 4<<10) + 1; st.BytesRead > limit || st.BytesRead < span {
			t.Errorf("part [%d,%d): read %d bytes, want between %d and %d", c.start, c.end, st.BytesRead, span, limit)
		}
	}
}
