package jobs

import (
	"bytes"
	"io"
	"reflect"
	"runtime"
	"testing"
	"unsafe"

	"github.com/scattergather/scattergather/internal/sql"
)

// TestSQLMapperTableReused: a finished sql mapper's table goes to the next
// mapper of the process (pooledTable), as groupby's does, for both kinds
// of grouped mappers (a OneColumn plan's sums, and keys with states
// apart, whose pages of states go too: pooledStates), and the next
// mapper's partial from the reused table is the bytes a mapper with a new
// one writes.
func TestSQLMapperTableReused(t *testing.T) {
	onOneP(t)
	csv := []byte("ip,rev,n\nab1,1.50,1\nab2,2,2\nab1,-0.25,3\ncd9,99999999999999999999.5,4\n,7,5\n")
	other := []byte("ip,rev,n\nzz,3,1\nab1,1,1\n")
	for _, q := range []string{
		"SELECT substr(ip, 1, 3) AS k, sum(rev) FROM 'x' GROUP BY k",
		"SELECT substr(ip, 1, 3) AS k, sum(rev), min(n) FROM 'x' GROUP BY k",
	} {
		t.Run(q, func(t *testing.T) {
			j, err := New("sql", Params{"query": q})
			if err != nil {
				t.Fatal(err)
			}
			// A mapper's table, and with keys its pages of states.
			type held struct {
				table any
				pages *[]sql.AggState
			}
			table := func(m *sqlMapper) any {
				switch {
				case m.sums != nil:
					return held{table: m.sums.t}
				case m.keys != nil:
					h := held{table: m.keys}
					h.pages = unsafe.SliceData(m.states.pages)
					return h
				}
				return nil
			}
			partial := func(in []byte) ([]byte, any, any) {
				f := feedObject(t, j, in)
				m := f.Mapper().(*sqlMapper)
				// The states' pages are made by the first group's fold: the
				// batch's records are folded first (a min is batched too).
				if err := m.flush(); err != nil {
					t.Fatal(err)
				}
				got := table(m)
				var b bytes.Buffer
				if _, err := f.Finish(&b); err != nil {
					t.Fatal(err)
				}
				return b.Bytes(), got, table(m)
			}
			drainGroupTables() // whatever another test left
			first, t1, after := partial(other)
			if after != nil {
				t.Errorf("the finished mapper still holds its table")
			}
			want := bytes.Clone(first)
			second, t2, _ := partial(csv)
			if t2 != t1 {
				t.Errorf("the second mapper's table (and states) %v, the first's %v", t2, t1)
			}
			drainGroupTables() // a new table for the next
			fresh, t3, _ := partial(csv)
			if t3.(held).table == t1.(held).table {
				t.Fatalf("the pool was not emptied")
			}
			if !bytes.Equal(second, fresh) {
				t.Errorf("partial from a reused table\n%q\nfrom a new one\n%q", second, fresh)
			}
			if bytes.Equal(second, want) {
				t.Errorf("the two inputs' partials are the same")
			}
		})
	}
}

// onOneP runs the rest of the test on one P (GOMAXPROCS 1): a sync.Pool
// (statePools) hands a Put value to a later Get only on the same P (its
// private slot is not stolen), so a test that checks states went from one
// mapper to the next would fail whenever the scheduler moved the goroutine
// between the two.
func onOneP(t *testing.T) {
	t.Helper()
	prev := runtime.GOMAXPROCS(1)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
}

// drainGroupTables empties the pools of finished mappers' tables and states.
func drainGroupTables() {
	for groupTables.Get() != nil {
	}
	for statePools.Get() != nil {
	}
}

// TestSQLPooledStatesHoldNothing: a finished sql mapper's states, pooled
// for the next mapper (pooledStates), point to nothing of its groups (a
// min's best text here): the next mapper's budget does not count it, and
// groups it does not reach would keep it alive through its whole chunk.
func TestSQLPooledStatesHoldNothing(t *testing.T) {
	onOneP(t)
	j, err := New("sql", Params{"query": "SELECT k, min(s) FROM 'x' GROUP BY k"})
	if err != nil {
		t.Fatal(err)
	}
	in := []byte("k,s\na,some text\nb,more text\nc,text\n")
	drainGroupTables()
	if _, err := feedObject(t, j, in).Finish(io.Discard); err != nil {
		t.Fatal(err)
	}
	p, ok := statePools.Get().(*statePages)
	if !ok {
		t.Fatal("the mapper's states were not pooled")
	}
	held := 0
	for _, pg := range p.pages {
		for i := range pg[:cap(pg)] {
			v := reflect.ValueOf(&pg[:cap(pg)][i]).Elem()
			for f := 0; f < v.NumField(); f++ {
				if k := v.Field(f).Kind(); (k == reflect.Pointer || k == reflect.Map || k == reflect.Slice) && !v.Field(f).IsNil() {
					held++
				}
			}
		}
	}
	if held == 0 && p.used == 0 {
		return
	}
	t.Errorf("the pooled states hold %d pointers of the finished mapper's groups (used %d)", held, p.used)
}
