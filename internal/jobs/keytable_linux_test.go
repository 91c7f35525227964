package jobs

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// TestKeyTableNoHugePageAdvice: no array of a key table (slots, entries,
// key bytes, each of several MB here) lies in memory advised to huge pages
// (madvise MADV_HUGEPAGE, "hg" in /proc/self/smaps' VmFlags). The advice
// is the mapping's, not the slice's: it outlives the table, and memory of
// that mapping that the Go runtime later returns to the kernel is filled
// again by khugepaged (2 MiB at a time, while Go counts it as released),
// which is why the runtime itself stopped giving that advice
// (https://github.com/golang/go/issues/61718, /issues/64332).
func TestKeyTableNoHugePageAdvice(t *testing.T) {
	tbl := newKeyTable()
	tbl.reserve(1<<20, 16<<20)
	for i := 0; i < 1<<20+1; i++ { // past the reserve: grows the slots and entries
		tbl.add(fmt.Appendf(nil, "key-%d", i))
	}
	const huge = 2 << 20
	for _, a := range []struct {
		name      string
		p, nbytes uintptr
	}{
		{"slots", uintptr(unsafe.Pointer(&tbl.slots[0])), uintptr(cap(tbl.slots)) * 4},
		{"entries", uintptr(unsafe.Pointer(&tbl.ents[0])), uintptr(cap(tbl.ents)) * uintptr(keyEntSize)},
		{"key bytes", uintptr(unsafe.Pointer(&tbl.arena[0])), uintptr(cap(tbl.arena))},
	} {
		at := (a.p + huge - 1) &^ (huge - 1) // the first whole huge page within
		if at+huge > a.p+a.nbytes {
			t.Fatalf("%s: %d bytes hold no whole huge page: the test checks nothing", a.name, a.nbytes)
		}
		if flags := vmFlags(t, at); strings.Contains(" "+flags+" ", " hg ") {
			t.Errorf("%s: the mapping at %#x is advised to huge pages (VmFlags %s)", a.name, at, flags)
		}
	}
}

// vmFlags returns the VmFlags of the mapping of /proc/self/smaps that
// holds address p.
func vmFlags(t *testing.T, p uintptr) string {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(l, "%x-%x ", &lo, &hi); n == 2 && !strings.HasPrefix(l, "VmFlags") {
			in = p >= lo && p < hi
			continue
		}
		if in && strings.HasPrefix(l, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmFlags:"))
		}
	}
	t.Fatalf("no mapping of /proc/self/smaps holds %#x", p)
	return ""
}
