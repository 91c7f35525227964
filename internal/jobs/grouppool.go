package jobs

import (
	"sync"
	"weak"
)

// tablePool holds finished mappers' tables (groupTable) for the next mapper
// of the process, whichever goroutine and P it runs on, and lets the
// collector have them as a sync.Pool does: it holds each one weakly, so a
// table no mapper took before the next collection is garbage (its huge
// pages given back by its cleanup), and a warm process that runs other jobs
// does not keep tens of megabytes for a mapper that may never come.
//
// A sync.Pool was used before, but it hands a Put value to a later Get only
// on the same P (its private slot is not stolen): a local run with two
// mappers at once made a third table for its third chunk (the first
// mapper's table sat in the other P's slot), and held it with the two in
// use until the run ended.
type tablePool struct {
	mu     sync.Mutex
	tables []weak.Pointer[groupTable]
}

// Get returns the table put last that is still alive, or nil.
func (p *tablePool) Get() *groupTable {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n := len(p.tables); n > 0; n = len(p.tables) {
		g := p.tables[n-1].Value()
		p.tables = p.tables[:n-1]
		if g != nil {
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
}
