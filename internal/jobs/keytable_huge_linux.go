package jobs

import (
	"syscall"
	"unsafe"
)

// hugePageSize is the size of a transparent huge page (amd64, arm64 with
// 4 KiB pages).
const hugePageSize = 2 << 20

// adviseHuge asks the kernel to back the whole huge pages within s's
// capacity by huge pages (madvise MADV_HUGEPAGE), for a slice of at least
// two of them. A key table's slots and entries are read at random, a row
// a slot and an entry: over 4 KiB pages nearly every read of a table of
// tens of MB also misses the TLB, and its page walk costs as much as the
// cache miss. The kernel's default (transparent_hugepage "madvise") gives
// huge pages only to memory that asks for them, and the Go runtime does
// not ask. The advice is a hint: an error (an older kernel, huge pages
// turned off) leaves the table on small pages, as before.
func adviseHuge[S ~[]E, E any](s S) {
	var e E
	n := uintptr(cap(s)) * unsafe.Sizeof(e)
	if n < 2*hugePageSize {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s[:cap(s)]))), n)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (p+hugePageSize-1)&^(hugePageSize-1) - p
	end := (p+n)&^(hugePageSize-1) - p
	if end <= start {
		return
	}
	_ = syscall.Madvise(b[start:end], syscall.MADV_HUGEPAGE)
}
