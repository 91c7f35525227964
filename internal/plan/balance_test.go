package plan

import "testing"

// TestBalancedChunkSize: a job of a few default chunks is cut into even
// chunks, whole waves of them when there are more than mappers (up to eight
// waves); one of eight waves or more keeps the chunk size; one of a single
// chunk is cut in halves for several mappers when each is at least an eighth
// of the chunk size; no chunk passes 9/8 of it.
func TestBalancedChunkSize(t *testing.T) {
	const MiB = 1 << 20
	cases := []struct {
		total   int64
		workers int
		chunks  int // that Split makes of one object of total bytes
	}{
		{128*MiB + 1000, 2, 2}, // two even chunks, not two and a sliver
		{200 * MiB, 2, 4},      // three 64 MiB chunks would idle a core for the last third
		{300 * MiB, 2, 6},
		{500 * MiB, 2, 8},
		{652 * MiB, 2, 12}, // 11 chunks of 64 MiB would leave one core idle for the sixth wave
		{740 * MiB, 2, 12}, // not 11 of 64 MiB and one of 36
		{768 * MiB, 2, 12}, // whole waves already: kept
		{1 << 30, 2, 16},
		{1<<30 + 63, 2, 16},      // no 63-byte seventeenth chunk
		{1<<30 + 20*MiB, 2, 17},  // a last chunk of 20 MiB stays its own
		{1 << 40, 1000, 1 << 14}, // a terabyte on a wide Map: 64 MiB chunks
		{200 * MiB, 1000, 3},     // a wide Map: one wave already, three even chunks
		{10 * MiB, 2, 1},
		{16*MiB - 1, 2, 1},  // halves would be under an eighth of a chunk
		{16 * MiB, 2, 2},    // one chunk would leave the second mapper idle
		{31 * MiB, 2, 2},    // e.g. the two columns Q1 reads of a 51 MB Parquet file
		{70 * MiB, 2, 2},    // not one chunk of 70 MiB
		{70 * MiB, 1000, 2}, // a wide Map too
		{70 * MiB, 1, 1},    // one mapper: one chunk
		{31 * MiB, 1, 1},
		{0, 2, 0},
	}
	for _, c := range cases {
		size := BalancedChunkSize(c.total, DefaultChunkSize, c.workers)
		low := int64(DefaultChunkSize * 3 / 4)
		if c.chunks == 2 && c.total < DefaultChunkSize*9/8 {
			low = DefaultChunkSize / 8 // a job of one chunk cut in halves
		}
		if size > DefaultChunkSize*9/8+1 || size < low {
			t.Errorf("%d bytes, %d workers: chunk size %d is not within %d to 9/8 of %d", c.total, c.workers, size, low, DefaultChunkSize)
		}
		chunks := Split([]Object{{Source: "a", Size: c.total}}, size)
		if len(chunks) != c.chunks {
			t.Errorf("%d bytes, %d workers: chunk size %d makes %d chunks, want %d", c.total, c.workers, size, len(chunks), c.chunks)
		}
		if n := len(chunks); n > 1 && n < 8*c.workers {
			if n > c.workers && n%c.workers != 0 {
				t.Errorf("%d bytes, %d workers: %d chunks are not whole waves", c.total, c.workers, n)
			}
			first, last := chunks[0].Parts[0], chunks[n-1].Parts[0]
			if d := (first.End - first.Start) - (last.End - last.Start); d < 0 || d >= int64(n) {
				t.Errorf("%d bytes: first chunk %d bytes, last %d: uneven", c.total, first.End-first.Start, last.End-last.Start)
			}
		}
	}
}
