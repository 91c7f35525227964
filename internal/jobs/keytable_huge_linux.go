package jobs

import (
	"runtime"
	"slices"
	"syscall"
	"unsafe"
)

// hugePageSize is the size of a transparent huge page (amd64, arm64 with
// 4 KiB pages).
const hugePageSize = 2 << 20

// hugeArrays is what a key table owns of memory advised to huge pages
// (madvise MADV_HUGEPAGE): the whole huge pages within its large arrays.
// A key table's slots and entries are read at random, a row a slot and an
// entry: over 4 KiB pages nearly every read of a table of tens of MB also
// misses the TLB, and its page walk costs as much as the cache miss. The
// kernel's default (transparent_hugepage "madvise") gives huge pages only
// to memory that asks for them, and the Go runtime does not ask.
//
// The advice marks the mapping, not the slice, and outlives the array: a
// freed advised range that the Go heap reuses, and whose pages its
// scavenger returns to the kernel, is filled again by khugepaged while Go
// counts it released (golang/go#61718, #64332). So no advised range ever
// goes back to the heap: before the table drops an array (growth, reset,
// the table's end) drop advises it MADV_NOHUGEPAGE, which khugepaged
// leaves alone, and MADV_DONTNEED, which returns its huge pages at once.
// A table that becomes garbage without Close (the pool of finished tables
// holds them weakly: tablePool) gives its ranges back from a cleanup
// (runtime.AddCleanup), which keeps its arrays alive until then.
type hugeArrays struct {
	ranges []hugeRange
}

// hugeRange is one advised array: its first byte (a pointer, which keeps
// the array alive while advised) and the advised bytes within it.
type hugeRange struct {
	base       unsafe.Pointer
	start, end uintptr // offsets from base, whole huge pages
}

// newHugeArrays returns the advised arrays of t, given back when t is
// collected.
func newHugeArrays[T any](t *T) *hugeArrays {
	h := &hugeArrays{}
	runtime.AddCleanup(t, (*hugeArrays).dropAll, h)
	return h
}

// adviseArray advises the whole huge pages within s's capacity, for a
// slice of at least two of them. The advice is a hint: an error (an older
// kernel, huge pages turned off) leaves the array on small pages.
func adviseArray[S ~[]E, E any](h *hugeArrays, s S) {
	var e E
	n := uintptr(cap(s)) * unsafe.Sizeof(e)
	if h == nil || n < 2*hugePageSize {
		return
	}
	base := unsafe.Pointer(unsafe.SliceData(s[:cap(s)]))
	p := uintptr(base)
	start := (p+hugePageSize-1)&^(hugePageSize-1) - p
	end := (p+n)&^(hugePageSize-1) - p
	if end <= start {
		return
	}
	if madvise(base, start, end, syscall.MADV_HUGEPAGE) == nil {
		h.ranges = append(h.ranges, hugeRange{base, start, end})
	}
}

// dropArray gives back the advice on s (one adviseArray advised), which
// the table is about to drop; its contents are gone.
func dropArray[S ~[]E, E any](h *hugeArrays, s S) {
	if h == nil || cap(s) == 0 {
		return
	}
	base := unsafe.Pointer(unsafe.SliceData(s[:cap(s)]))
	for i, r := range h.ranges {
		if r.base == base {
			r.drop()
			h.ranges = slices.Delete(h.ranges, i, i+1)
			return
		}
	}
}

// dropAll gives back every advised range.
func (h *hugeArrays) dropAll() {
	for _, r := range h.ranges {
		r.drop()
	}
	h.ranges = h.ranges[:0]
}

// drop advises r's range MADV_NOHUGEPAGE, so that khugepaged never fills
// it again, then MADV_DONTNEED, which frees its pages now. An error
// (neither can fail on a range of the process's own memory) is ignored:
// there is nothing else to do.
func (r hugeRange) drop() {
	_ = madvise(r.base, r.start, r.end, syscall.MADV_NOHUGEPAGE)
	_ = madvise(r.base, r.start, r.end, syscall.MADV_DONTNEED)
}

// madvise gives advice on the bytes [start, end) from base.
func madvise(base unsafe.Pointer, start, end uintptr, advice int) error {
	return syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, start)), end-start), advice)
}
