package jobs

import (
	"runtime"
	"slices"
	"sync"
	"weak"
)

// tablePool holds finished mappers' tables (groupTable) for the next mapper
// of the process, whichever goroutine and P it runs on, and lets the
// collector have them as a sync.Pool does: a table put is held strongly
// until the next collection, then weakly, so one that no mapper took
// within two collections is garbage (its huge pages given back by its
// cleanup), and a warm process that runs other jobs does not keep tens of
// megabytes for a mapper that may never come.
//
// A sync.Pool was used before, but it hands a Put value to a later Get only
// on the same P (its private slot is not stolen): a local run with two
// mappers at once made a third table for its third chunk (the first
// mapper's table sat in the other P's slot), and held it with the two in
// use until the run ended.
type tablePool struct {
	mu     sync.Mutex
	tables []weak.Pointer[groupTable]
	held   []*groupTable // put since the last collection (armed: one is awaited)
	armed  bool
}

// Get returns the table put last that is still alive, or nil.
func (p *tablePool) Get() *groupTable {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n := len(p.tables); n > 0; n = len(p.tables) {
		g := p.tables[n-1].Value()
		p.tables = p.tables[:n-1]
		if g != nil {
			p.held = slices.DeleteFunc(p.held, func(h *groupTable) bool { return h == g })
			return g
		}
	}
	return nil
}

// Put offers g to the next mapper; the caller is done with it.
func (p *tablePool) Put(g *groupTable) {
	p.mu.Lock()
	defer p.mu.Unlock()
	live := p.tables[:0]
	for _, w := range p.tables { // those collected are dropped
		if w.Value() != nil {
			live = append(live, w)
		}
	}
	p.tables = append(live, weak.Make(g))
	p.held = append(p.held, g)
	if !p.armed {
		p.armed = true
		// A cleanup of an object nothing reaches runs after the next
		// collection: it lets go of the tables held until then. (A
		// pointer-free object under 16 bytes may share a tiny block whose
		// cleanup never runs: this one is larger.)
		runtime.AddCleanup(new([64]byte), (*tablePool).collected, p)
	}
}

// collected lets go of the tables put before a collection.
func (p *tablePool) collected() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.held)
	p.held, p.armed = p.held[:0], false
}
