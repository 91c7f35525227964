package jobs

import (
	"bytes"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// TestGroupTableSharedAcrossJobs: groupby's and the sql job's mappers share
// one pool of finished tables (groupTables), so a table one job's mapper
// finished goes to the next mapper of the other job whose entries are of
// its kind (states apart: a min beside a sum); one of another kind (a lone
// sum: groupby's entries hold a sumState, the sql job's an inlineSum with
// its count) is not taken. What that mapper writes is what it writes with
// a new table: none of the first job's keys, counts or sums comes through.
func TestGroupTableSharedAcrossJobs(t *testing.T) {
	var first bytes.Buffer // many groups, keys past 16 bytes: the table grows
	first.WriteString("ip,rev,n\n")
	for i := range 5000 {
		fmt.Fprintf(&first, "ab1-a-key-longer-than-sixteen-bytes-%d,%d.%02d,%d\n", i, i, i%100, i)
	}
	next := []byte("ip,rev,n\nab1,1.50,1\nab2,2,2\nab1,-0.25,3\ncd9,99999999999999999999.5,4\n,7,5\n")
	sums := Params{"query": "SELECT substr(ip, 1, 3) AS k, sum(rev) FROM 'x' GROUP BY k"}
	apart := Params{"query": "SELECT substr(ip, 1, 3) AS k, sum(rev), min(n) FROM 'x' GROUP BY k"}
	for _, c := range []struct {
		name              string
		firstJob, nextJob string
		firstP, nextP     Params
		shared            bool
	}{
		{"groupby then sql, sums", "groupby", "sql", Params{"key": "ip", "agg": "sum:rev"}, sums, false},
		{"sql then groupby, sums", "sql", "groupby", sums, Params{"key": "ip:3", "agg": "sum:rev"}, false},
		{"groupby then sql, apart", "groupby", "sql", Params{"key": "ip", "agg": "sum:rev,min:n"}, apart, true},
		{"sql then groupby, apart", "sql", "groupby", apart, Params{"key": "ip:3", "agg": "sum:rev,min:n"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			drainGroupTables()
			_, t1 := runPooled(t, c.firstJob, c.firstP, first.Bytes())
			got, t2 := runPooled(t, c.nextJob, c.nextP, next)
			if t1 == nil || (t2 == t1) != c.shared {
				t.Fatalf("the %s mapper took the %s mapper's table: %v, want %v", c.nextJob, c.firstJob, t2 == t1, c.shared)
			}
			drainGroupTables()
			want, t3 := runPooled(t, c.nextJob, c.nextP, next)
			if t3 == t1 {
				t.Fatal("the pool was not emptied")
			}
			if !bytes.Equal(got, want) {
				t.Errorf("with the %s mapper's table:\n%q\nwith a new one:\n%q", c.firstJob, got, want)
			}
		})
	}
}

// runPooled runs one mapper of job over in and returns its partial and the
// table it grouped in.
func runPooled(t *testing.T, job string, p Params, in []byte) ([]byte, any) {
	t.Helper()
	j, err := New(job, p)
	if err != nil {
		t.Fatal(err)
	}
	f := feedObject(t, j, in)
	var table any
	switch m := f.Mapper().(type) {
	case *groupbyMapper:
		table = m.keys
	case *sqlMapper:
		switch {
		case m.sums != nil:
			table = m.sums.t
		case m.keys != nil:
			table = m.keys
		}
	}
	var b bytes.Buffer
	if _, err := f.Finish(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), table
}

// TestGroupTableTakenOnAnyP: a finished mapper's table goes to the next
// mapper whichever P each runs on, as when two mappers run at once and a
// third starts after the first ends (a sync.Pool gave it only to a Get on
// the P of the Put, and the third mapper made a table of its own); and one
// that no mapper took is kept through one collection and is the
// collector's at the second, as a sync.Pool's. The two goroutines spin,
// each holding a P, while one puts and the other takes.
func TestGroupTableTakenOnAnyP(t *testing.T) {
	drainGroupTables()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 2)))
	for i := range 20 {
		g := &groupTable{keys: newKeyTable()}
		var put, done atomic.Bool
		go func() {
			groupTables.Put(g)
			put.Store(true)
			for !done.Load() {
			}
		}()
		for !put.Load() {
		}
		got := groupTables.Get()
		done.Store(true)
		if got != g {
			t.Fatalf("round %d: the next mapper took %p, not the table put (%p)", i, got, g)
		}
	}
	// Only the pool holds the table from here (its address kept as a number).
	put := func() uintptr {
		g := &groupTable{keys: newKeyTable()}
		groupTables.Put(g)
		return uintptr(unsafe.Pointer(g))
	}
	want := put()
	collect(t)
	got := groupTables.Get()
	if got == nil || uintptr(unsafe.Pointer(got)) != want {
		t.Fatalf("after one collection the next mapper took %p, not the table put (%#x)", got, want)
	}
	groupTables.Put(got)
	got = nil
	collect(t)
	runtime.GC()
	if g := groupTables.Get(); g != nil {
		t.Errorf("a table no mapper took is still held after two collections")
	}
}

// collect runs a collection and waits for the pool's cleanup, which lets go
// of the tables put before it.
func collect(t *testing.T) {
	t.Helper()
	runtime.GC()
	for range 5000 { // up to 5 s: the cleanups' goroutine runs when it can
		groupTables.mu.Lock()
		armed := groupTables.armed
		groupTables.mu.Unlock()
		if !armed {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the pool's cleanup did not run after a collection")
}
