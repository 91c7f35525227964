package straggler

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Policy says when an outstanding attempt is a straggler, and how many backups a run
// may send. A straggler gets one backup (MapReduce's backup tasks, "The Tail at
// Scale"'s hedged requests): the same work again alongside it, the first answer taken.
type Policy struct {
	// An attempt outstanding for Factor times the Quantile (0 < Quantile <= 1,
	// nearest rank) of the latencies of the attempts that answered is a straggler.
	Quantile float64
	Factor   float64
	// Floor is the least threshold: a younger attempt is never a straggler.
	Floor time.Duration
	// MinSeen is how many attempts must have answered before any is a straggler;
	// below 1 means 1.
	MinSeen int
	// Window is how many of the latest latencies the quantile is taken over; 0 means all.
	Window int
	// Budget caps the backups of a run; 0 means no cap.
	Budget int
}

// Tracker applies a Policy to one run: it keeps the latencies of the attempts that
// answered and counts the backups sent and won. It is safe for concurrent use; a nil
// *Tracker (no backups) records nothing, has no threshold and grants no backup.
type Tracker struct {
	p         Policy
	mu        sync.Mutex
	seen      []time.Duration
	sent, won int
}

// New returns a Tracker of p with nothing seen.
func New(p Policy) *Tracker { return &Tracker{p: p} }

// Answered records the latency of an attempt that answered.
func (t *Tracker) Answered(d time.Duration) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if w := t.p.Window; w > 0 && len(t.seen) >= w {
		t.seen = append(t.seen[:0], t.seen[len(t.seen)-w+1:]...)
	}
	t.seen = append(t.seen, d)
}

// Threshold is how long an attempt may be outstanding before it is a straggler; ok is
// false while fewer than MinSeen attempts have answered.
func (t *Tracker) Threshold() (d time.Duration, ok bool) {
	if t == nil {
		return 0, false
	}
	t.mu.Lock()
	seen := slices.Clone(t.seen)
	t.mu.Unlock()
	if len(seen) == 0 || len(seen) < t.p.MinSeen {
		return 0, false
	}
	slices.Sort(seen)
	q := Quantile(seen, t.p.Quantile)
	return max(t.p.Floor, time.Duration(t.p.Factor*float64(q))), true
}

// Backup takes one backup from the budget; false means it is spent.
func (t *Tracker) Backup() bool {
	if t == nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.p.Budget > 0 && t.sent >= t.p.Budget {
		return false
	}
	t.sent++
	return true
}

// Won counts a backup that answered before the attempt it backed up.
func (t *Tracker) Won() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.won++
}

// Counts are the backups sent and the ones that won.
func (t *Tracker) Counts() (sent, won int) {
	if t == nil {
		return 0, 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sent, t.won
}

// Quantile is the q-th quantile of the sorted ds by nearest rank: the smallest value
// that the fraction q of ds is at or below. ds must not be empty.
func Quantile(ds []time.Duration, q float64) time.Duration {
	k := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[min(max(k, 0), len(ds)-1)]
}
