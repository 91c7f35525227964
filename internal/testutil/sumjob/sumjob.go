// Package sumjob is the keyed test job of the tests that gather by key ranges (the local
// engine's and the CLI's): the sum per key of "key number" lines, and the skewed inputs
// that exercise it with their reference outputs. Importing the package registers the job.
package sumjob

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/job/kv"
)

// Def sums the number after the space of each "key number" line, per key, and writes
// "key<TAB>sum" lines under the header "key<TAB>sum": a typed (keyed) job, so it may be
// gathered by key ranges. Its name is "rangetest-sum".
var Def = kv.Def[[]byte, int64]{
	Name: "rangetest-sum", Version: "1", Summary: "sum per key (a test job)",
	New: func(job.Params) (kv.Job[[]byte, int64], error) {
		return kv.Job[[]byte, int64]{
			Key: kv.Bytes, Value: kv.Varint,
			MapLine: func(line []byte, emit func([]byte, int64)) error {
				k, v, ok := bytes.Cut(line, []byte{' '})
				n, err := strconv.ParseInt(string(v), 10, 64)
				if !ok || err != nil {
					return kv.Skip("not a key and a number")
				}
				emit(k, n)
				return nil
			},
			Combine: func(a, b int64) int64 { return a + b },
			Header:  "key\tsum",
			Format: func(dst, k []byte, v int64) []byte {
				return strconv.AppendInt(append(append(dst, k...), '\t'), v, 10)
			},
		}, nil
	},
}.Definition()

func init() { job.Register(Def) }

// Skew is how SkewedInput draws its keys.
type Skew string

const (
	// HalfOneKey puts every other line under one key.
	HalfOneKey Skew = "half-one-key"
	// AllDistinct gives every line a key of its own.
	AllDistinct Skew = "all-distinct"
	// Pool draws the keys from a pool of up to 3000, with shared prefixes, varied
	// lengths and bytes above 0x7f, so byte order is not string length order.
	Pool Skew = "pool"
)

// Generate returns n "key number" lines, their keys drawn from rng as skew says, and the
// job's reference output for them: the header and one line per key in byte order.
func Generate(rng *rand.Rand, skew Skew, n int) (data, ref []byte) {
	sums := map[string]int64{}
	pool := make([]string, 1+rng.IntN(3000))
	for i := range pool {
		pool[i] = fmt.Sprintf("%s%x\xc3\xa9%d", []string{"a", "ab", "b", "zz"}[i%4], rng.Uint32()%uint32(1+i*7), i)
	}
	for i := range n {
		var k string
		switch skew {
		case HalfOneKey:
			if i%2 == 0 {
				k = "the-heavy-key"
			} else {
				k = pool[rng.IntN(len(pool))]
			}
		case AllDistinct:
			k = fmt.Sprintf("k%09d-%d", rng.Uint32(), i)
		case Pool:
			k = pool[rng.IntN(len(pool))]
		default:
			panic(fmt.Sprintf("sumjob: unknown skew %q", skew))
		}
		v := rng.Int64N(2000) - 1000
		sums[k] += v
		data = fmt.Appendf(data, "%s %d\n", k, v)
	}
	ref = []byte("key\tsum\n")
	for _, k := range slices.Sorted(maps.Keys(sums)) {
		ref = fmt.Appendf(ref, "%s\t%d\n", k, sums[k])
	}
	return data, ref
}

// SkewedInput writes the lines of Generate(rng, skew, n) to path and returns their
// reference output.
func SkewedInput(t testing.TB, rng *rand.Rand, path string, skew Skew, n int) []byte {
	t.Helper()
	data, ref := Generate(rng, skew, n)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return ref
}
