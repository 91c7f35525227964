package jobs

import (
	"os"
	"runtime/debug"
	"sync/atomic"
	"unsafe"
)

// How a process spends its memory. A mapper's combiner (wordcount's,
// groupby's and SQL's tables, grep's and select's output) spills to a
// temporary file before it holds more than the combine budget, counting
// everything it has allocated and what its next growth and its spill's sort
// order will allocate (keyTable.memory); the budget comes from the memory of
// one mapper, which is the mapper function's memory on AWS and --memory
// locally. Go's garbage collector is given a soft limit (GOMEMLIMIT) a little
// under the process's memory, so that it collects before the process grows
// past it instead of letting the heap reach twice the live data (GOGC=100).

// DefaultMapperMemory is the memory of one mapper when nothing says it (a
// local run without --memory): with two mappers at once a local process stays
// under 256 MiB.
const DefaultMapperMemory = 128 << 20

// MinMapperMemory is the least memory a mapper can be given: Lambda's smallest
// function size, 128 MB (function memory, 128 MB to 10,240 MB:
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
const MinMapperMemory = 128 << 20

// memoryBase is what a mapper holds besides its combiner: the runtime, the
// reads of its chunk, the partial's and the spills' write buffers.
const memoryBase = 16 << 20

// MemoryLimit is the Go soft memory limit of a process of mem bytes: 90% of
// it, leaving the rest to what Go's limit does not count (the binary's code,
// memory outside the Go heap).
func MemoryLimit(mem int64) int64 { return mem / 10 * 9 }

// CombineBudget is the combine budget of a mapper of mem bytes: half of what
// its soft memory limit leaves after memoryBase, so that the collector keeps
// room to work without running all the time. 128 MiB gives 49.6 MiB; the
// template's 1769 MB mapper 788 MiB.
func CombineBudget(mem int64) int64 {
	return max((MemoryLimit(mem)-memoryBase)/2, 1<<20)
}

// combineBudget is how many bytes a combiner holds before it spills to a
// temporary file, so a mapper's memory does not grow with its chunk. Set once
// when the process starts (SetMemory); tests force spills with a small one.
var combineBudget atomic.Int64

func init() { combineBudget.Store(CombineBudget(DefaultMapperMemory)) }

// SetMemory sets how the process uses memory, given the memory of one mapper
// (bytes) and how many mappers it runs at once: the combine budget of each
// mapper (CombineBudget), and, when limit is true and the environment does
// not set GOMEMLIMIT itself, Go's soft memory limit
// (runtime/debug.SetMemoryLimit) to MemoryLimit of mappers times the memory.
// It returns the budget and the limit in force (math.MaxInt64: none).
func SetMemory(mapperMem int64, mappers int, limit bool) (budget, memLimit int64) {
	budget = CombineBudget(mapperMem)
	combineBudget.Store(budget)
	if limit && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit(mapperMem * int64(max(mappers, 1))))
	}
	return budget, debug.SetMemoryLimit(-1)
}

const sortKeySize = int64(unsafe.Sizeof(sortKey{}))

// keyCost is what one more key of keyLen bytes in the arena costs t when it
// has room for it: its entry, its bytes, its sort keys and its sorted order
// (sorted, sortedKeys; none when it sorts in place) and at most four slots
// (half load at most, a power of two).
func (t *keyTableOf[S]) keyCost(keyLen int64) int64 {
	c := t.entSize() + keyLen + 4*4
	if !t.inPlace() {
		c += 2*sortKeySize + 4
	}
	return c
}

// memory is the most the table will have allocated once next more keys are
// in and it is sorted for a spill: what it holds now (the capacity of its
// entries, key bytes, slots, spare slots and kept sort keys, not only their
// length), what inserting next keys allocates when a slice must grow (a new
// slice twice the size, while the old one is still held; keys as long as
// the longest so far), and what sorting them all allocates (sortedKeys' two
// arrays and radix counts, sorted's order; nothing for a table sorted in
// place: inPlace). A combiner that checks memory
// every next new keys and spills once it passes the budget therefore never
// holds more than the budget, however its table grows.
func (t *keyTableOf[S]) memory(next int) int64 {
	n, k, entSize := int64(len(t.ents)), int64(next), t.entSize()
	held := int64(cap(t.ents))*entSize + int64(cap(t.arena)) + int64(len(t.slots)+len(t.spare))*4
	var sorting int64
	if t.inPlace() {
		// Sorted in place (its wideCounts from radixWide keys, the rest on
		// the stack) unless sortedKeys' arrays fit (sortsInPlace): what
		// they hold once made.
		if t.wide != nil || n+k >= radixWide {
			sorting = wideCountsSize
		}
		sorting += 2 * int64(cap(t.sort[0])) * sortKeySize
		if t.counts != nil {
			sorting += radixCountsSize
		}
	} else {
		sortKeys := max(n+k, int64(cap(t.sort[0])))
		sorting = 2*sortKeys*sortKeySize + (n+k)*4
		if t.counts != nil || n+k >= radixMin {
			sorting += radixCountsSize
		}
	}
	var growth int64
	if n+k > int64(cap(t.ents)) {
		growth += 2 * max(n, k) * entSize
	}
	if (n+k)*2 > int64(len(t.slots)) {
		growth += 2 * int64(len(t.slots)) * 4
	}
	var longest int64 // of a key in the arena: one of up to 16 bytes is not
	if t.longest > 16 {
		longest = int64(t.longest)
	}
	if more := k * longest; int64(cap(t.arena)-len(t.arena)) < more {
		growth += 2*int64(len(t.arena)) + more
	}
	return held + growth + sorting
}

// sliceMemory is what a slice of elements of size bytes holds, plus, when
// fewer than n more fit, the twice larger slice grow2 would allocate.
func sliceMemory[E any](s []E, n int, size int64) int64 {
	m := int64(cap(s)) * size
	if len(s)+n > cap(s) {
		m += 2 * int64(max(len(s), n)) * size
	}
	return m
}

// CurrentCombineBudget is the combine budget in force.
func CurrentCombineBudget() int64 { return combineBudget.Load() }
