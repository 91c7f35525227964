package jobs

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// tableArray is one of a key table's arrays: its name, first byte and size.
type tableArray struct {
	name      string
	p, nbytes uintptr
}

// tableArrays returns t's slots, entries and key bytes.
func tableArrays(t *keyTable) []tableArray {
	return []tableArray{
		{"slots", uintptr(unsafe.Pointer(&t.slots[0])), uintptr(cap(t.slots)) * 4},
		{"entries", uintptr(unsafe.Pointer(&t.ents[:1][0])), uintptr(cap(t.ents)) * uintptr(keyEntSize)},
		{"key bytes", uintptr(unsafe.Pointer(&t.arena[:1][0])), uintptr(cap(t.arena))},
	}
}

// TestKeyTableHugePagesGivenBack: a key table's large arrays are advised to
// huge pages (madvise MADV_HUGEPAGE, "hg" in /proc/self/smaps' VmFlags)
// while the table holds them, and no array it drops (growth, reset, the
// table's end) keeps the advice or a huge page: the advice is the
// mapping's, not the slice's, and memory of an advised range that the Go
// runtime returns to the kernel is filled again by khugepaged (2 MiB at a
// time, while Go counts it as released; golang/go#61718, #64332).
func TestKeyTableHugePagesGivenBack(t *testing.T) {
	if b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || strings.Contains(string(b), "[never]") {
		t.Skipf("no transparent huge pages here (%q, %v)", b, err)
	}
	tbl := newKeyTable()
	tbl.reserve(1<<20, 16<<20)
	held := tableArrays(tbl)
	for _, a := range held {
		if flags, _ := smapsAt(t, wholeHugePage(t, a)); !hasFlag(flags, "hg") {
			t.Errorf("%s held: not advised to huge pages (VmFlags %s)", a.name, flags)
		}
	}
	for i := 0; i < 1<<20+1; i++ { // past the reserve: grows the slots and entries
		tbl.add(fmt.Appendf(nil, "key-%d", i))
	}
	checkDropped(t, "grown", held[:2])
	grown := tableArrays(tbl)
	tbl.reset() // the slots are kept, advised, as the spare for the next sizing
	if flags, _ := smapsAt(t, wholeHugePage(t, grown[0])); !hasFlag(flags, "hg") {
		t.Errorf("slots reset, kept as the spare: not advised to huge pages (VmFlags %s)", flags)
	}
	tbl.reserve(1<<19, 0) // slots of another size: the spare stays
	spare := tableArrays(tbl)[0]
	tbl.reset() // these slots replace the spare, which is dropped
	checkDropped(t, "reset, then replaced as the spare", grown[:1])
	kept := append(tableArrays(tbl)[1:], spare)
	tbl.huge.dropAll() // what the table's cleanup does once it is garbage
	checkDropped(t, "collected", kept)
}

// checkDropped fails t when an array of as, which a table dropped, is
// still advised to huge pages or holds one.
func checkDropped(t *testing.T, when string, as []tableArray) {
	t.Helper()
	for _, a := range as {
		flags, huge := smapsAt(t, wholeHugePage(t, a))
		if hasFlag(flags, "hg") || huge != 0 {
			t.Errorf("%s %s: still advised to huge pages (VmFlags %s) or holding %d kB of them", a.name, when, flags, huge)
		}
	}
}

// wholeHugePage returns the first whole huge page within a.
func wholeHugePage(t *testing.T, a tableArray) uintptr {
	at := (a.p + hugePageSize - 1) &^ (hugePageSize - 1)
	if at+hugePageSize > a.p+a.nbytes {
		t.Fatalf("%s: %d bytes hold no whole huge page: the test checks nothing", a.name, a.nbytes)
	}
	return at
}

// hasFlag reports whether VmFlags flags has flag.
func hasFlag(flags, flag string) bool { return strings.Contains(" "+flags+" ", " "+flag+" ") }

// smapsAt returns the VmFlags and the AnonHugePages (kB) of the mapping of
// /proc/self/smaps that holds address p.
func smapsAt(t *testing.T, p uintptr) (flags string, hugeKB int) {
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
		if n, _ := fmt.Sscanf(l, "%x-%x ", &lo, &hi); n == 2 && !strings.HasSuffix(strings.Fields(l)[0], ":") {
			in = p >= lo && p < hi
			continue
		}
		switch {
		case in && strings.HasPrefix(l, "AnonHugePages:"):
			fmt.Sscanf(strings.TrimPrefix(l, "AnonHugePages:"), "%d", &hugeKB)
		case in && strings.HasPrefix(l, "VmFlags:"):
			return strings.TrimSpace(strings.TrimPrefix(l, "VmFlags:")), hugeKB
		}
	}
	t.Fatalf("no mapping of /proc/self/smaps holds %#x", p)
	return "", 0
}

// TestKeyTableCleanupGivesBack: a key table that becomes garbage without
// dropping its arrays (a pooled table the collector takes: tablePool) gives back
// their huge pages from its cleanup. The cleanup runs only when nothing it
// is given reaches the table (runtime.AddCleanup): one that did would
// never run, and the table's arrays, kept alive by their advised ranges,
// would leak with their huge pages.
func TestKeyTableCleanupGivesBack(t *testing.T) {
	if b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || strings.Contains(string(b), "[never]") {
		t.Skipf("no transparent huge pages here (%q, %v)", b, err)
	}
	held := func() []tableArray { // the table is unreachable once this returns
		tbl := newKeyTable()
		tbl.reserve(1<<20, 16<<20)
		return tableArrays(tbl)
	}()
	advised := func() bool {
		for _, a := range held {
			if flags, _ := smapsAt(t, wholeHugePage(t, a)); hasFlag(flags, "hg") {
				return true
			}
		}
		return false
	}
	if !advised() {
		t.Skip("the table's arrays were not advised: the test checks nothing")
	}
	// The cleanup runs on its own goroutine after a collection finds the
	// table unreachable: collect until it has, within a bound far beyond
	// what it needs.
	for i := 0; i < 200 && advised(); i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if advised() {
		t.Fatal("a collected table's arrays are still advised to huge pages: its cleanup never ran")
	}
}

// TestPooledTableDiscarded: a pooled table that the next mapper cannot use
// (entries of the other kind) gives back its huge pages at once (discard),
// not from its cleanup, which runs only after a collection finds the table
// unreachable and keeps its arrays alive through the next one: the sql
// job's mapper (pooledTable) and groupby's (NewMapper).
func TestPooledTableDiscarded(t *testing.T) {
	drainGroupTables()
	sums := newKeyTableOf[inlineSum]()
	sums.reserve(1<<20, 16<<20)
	if len(sums.huge.ranges) == 0 {
		t.Skip("no array advised (madvise refused): the test checks nothing")
	}
	groupTables.Put(&groupTable{keys: sums})
	pooledTable[struct{}]() // a sql mapper whose states are apart
	if n := len(sums.huge.ranges); n != 0 {
		t.Errorf("sql: the pooled table of the other kind still holds %d advised ranges", n)
	}
	plain := newKeyTable()
	plain.reserve(1<<20, 16<<20)
	groupTables.Put(&groupTable{keys: plain})
	j, err := New("groupby", Params{"key": "k", "agg": "sum:r"}) // states in the entries
	if err != nil {
		t.Fatal(err)
	}
	j.NewMapper()
	if n := len(plain.huge.ranges); n != 0 {
		t.Errorf("groupby: the pooled table of the other kind still holds %d advised ranges", n)
	}
}

// TestKeyTableGrowsAdvised: a table whose arrays are advised to huge pages
// keeps every key and count through its growth, which gives back the old
// arrays' pages (MADV_DONTNEED: their contents are gone) only after
// copying them.
func TestKeyTableGrowsAdvised(t *testing.T) {
	tbl := newKeyTable()
	tbl.reserve(1<<19, 8<<20)
	if len(tbl.huge.ranges) == 0 {
		t.Skip("no array advised (madvise refused): the test checks nothing")
	}
	const n = 1<<19 + 1<<18 // past the reserve: the slots, entries and key bytes grow
	var k []byte
	for i := range n {
		k = fmt.Appendf(k[:0], "key-%d", i)
		if g := tbl.add(k); g != int32(i) {
			t.Fatalf("key %d is new as entry %d", i, g)
		}
	}
	for i := range n {
		k = fmt.Appendf(k[:0], "key-%d", i)
		if g := tbl.add(k); g != int32(i) || string(tbl.key(g)) != string(k) || tbl.ents[g].count != 2 {
			t.Fatalf("key %d: entry %d, key %q, count %d after growth", i, g, tbl.key(g), tbl.ents[g].count)
		}
	}
}
