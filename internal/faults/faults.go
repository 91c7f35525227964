package faults

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The fault names, each with one line of explanation (`scatter faults`).
var Catalog = []struct{ Name, Help string }{
	{"mapper.crash.before-write", "the mapper dies after reading its chunk, before writing its partial"},
	{"mapper.crash.before-commit", "the mapper dies after writing its partial, before committing the chunk"},
	{"mapper.crash.after-commit", "the mapper dies after committing, before answering (the retry finds the commit)"},
	{"mapper.duplicate", "the same chunk is delivered again, concurrently, to a second mapper"},
	{"mapper.slow", "the mapper attempt is delayed by at least 2 seconds (a straggler)"},
	{"reducer.crash.before-write", "the reducer dies after merging, before writing the output"},
	{"reducer.crash.after-write", "the reducer dies after writing the output, before marking the job succeeded"},
	{"reducer.range.crash.mid-range", "a range reducer dies halfway through writing its key range (the upload is abandoned)"},
	{"reducer.range.crash.before-commit", "a range reducer dies after writing its key range, before committing it"},
	{"reducer.range.duplicate", "the same key range is reduced twice at once; both race to commit"},
	{"reducer.sort.crash.mid-span", "a writer of the sort round dies halfway through writing its span (the upload is abandoned)"},
	{"reducer.sort.crash.before-commit", "a writer of the sort round dies after writing its span, before committing it"},
	{"reducer.sort.duplicate", "the same span of the sort round is written twice at once; both race to commit"},
	{"splitter.crash", "the splitter dies after opening the job, before writing the manifest"},
	{"ledger.throttle", "a ledger call is refused as throttled, before it takes effect"},
	{"ledger.timeout", "a ledger call times out after it took effect (the caller cannot tell)"},
	{"blob.slowdown", "a store call is refused with 503 Slow Down, before it takes effect"},
	{"blob.timeout", "a store call times out; a write has taken effect, a read has not"},
}

// SlowDelay is how long mapper.slow delays an attempt.
const SlowDelay = 2 * time.Second

// Environment variables the Lambda binaries read.
const (
	EnvFaults = "SCATTER_FAULTS"
	EnvSeed   = "SCATTER_FAULT_SEED"
)

// Injected is the error an injected fault produces.
type Injected struct {
	Name string
	Key  string
}

func (e *Injected) Error() string { return fmt.Sprintf("injected fault %s at %s", e.Name, e.Key) }

// Set decides, for each opportunity, whether a fault fires. A decision depends
// only on the seed, the fault, the opportunity's key and how many times that
// key was asked before, so the same seed on the same job (keys name the job
// ID) replays the same faults whatever the scheduling; but a duplicate
// delivery and its twin each stop at the other's commit if they find it, so
// timing decides how far the two advance their keys. A delivery that finds no
// commit asks its own keys in order, so an attempt that fails, fails by the
// seed's decisions: seeds that pass without the duplicate faults pass with
// them. A nil *Set never fires.
type Set struct {
	seed  uint64
	probs map[string]float64

	mu    sync.Mutex
	seen  map[string]uint64
	fired map[string]int64
}

// Parse reads "NAME=P[,NAME=P...]"; P is a probability in [0, 1].
func Parse(spec string, seed uint64) (*Set, error) {
	s := &Set{seed: seed, probs: map[string]float64{}, seen: map[string]uint64{}, fired: map[string]int64{}}
	if strings.TrimSpace(spec) == "" {
		return s, nil
	}
	for _, item := range strings.Split(spec, ",") {
		name, pstr, ok := strings.Cut(strings.TrimSpace(item), "=")
		if strings.TrimSpace(item) == "" {
			return nil, fmt.Errorf("fault list %q: an empty item between commas", spec)
		}
		if !ok {
			return nil, fmt.Errorf("fault %q: want NAME=P", item)
		}
		if !known(name) {
			return nil, fmt.Errorf("unknown fault %q ('scatter faults' lists them)", name)
		}
		p, err := strconv.ParseFloat(pstr, 64)
		if err != nil || p < 0 || p > 1 || math.IsNaN(p) {
			return nil, fmt.Errorf("fault %s: probability %q is not in [0, 1]", name, pstr)
		}
		s.probs[name] = p
	}
	return s, nil
}

// FromEnv reads SCATTER_FAULTS and SCATTER_FAULT_SEED; unset means no faults.
func FromEnv() (*Set, error) {
	spec := os.Getenv(EnvFaults)
	if spec == "" {
		return nil, nil
	}
	var seed uint64
	if v := os.Getenv(EnvSeed); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			return nil, fmt.Errorf("%s=%q: want an unsigned integer", EnvSeed, v)
		}
	}
	return Parse(spec, seed)
}

func known(name string) bool {
	for _, f := range Catalog {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Fire reports whether fault name fires at the opportunity identified by key.
func (s *Set) Fire(name, key string) bool {
	if s == nil {
		return false
	}
	p := s.probs[name]
	if p == 0 {
		return false
	}
	id := name + "\x00" + key
	s.mu.Lock()
	n := s.seen[id]
	s.seen[id] = n + 1
	s.mu.Unlock()
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%d", s.seed, id, n)
	u := float64(mix(h.Sum64())>>11) / (1 << 53)
	if u >= p {
		return false
	}
	s.mu.Lock()
	s.fired[name]++
	s.mu.Unlock()
	return true
}

// Err returns an *Injected error when the fault fires, else nil.
func (s *Set) Err(name, key string) error {
	if s.Fire(name, key) {
		return &Injected{Name: name, Key: key}
	}
	return nil
}

// Sleep delays by SlowDelay when mapper.slow fires at key, honouring ctx; under a
// context from WithSlowWait it waits by that context's wait instead.
func (s *Set) Sleep(ctx context.Context, name, key string) error {
	if !s.Fire(name, key) {
		return nil
	}
	if wait, ok := ctx.Value(slowWaitKey{}).(SlowWait); ok {
		return wait(ctx, key)
	}
	select {
	case <-time.After(SlowDelay): // collected when unreferenced, fired or not (Go 1.23)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SlowWait is how a slow fault that fired at key delays its attempt: it returns
// when the delay is over, or with an error that ends the attempt as a
// cancelled delay does (ctx.Err() when ctx ends).
type SlowWait func(ctx context.Context, key string) error

type slowWaitKey struct{}

// WithSlowWait returns a context under which a slow fault (mapper.slow) that
// fires delays its attempt by wait instead of SlowDelay. A test holds its
// stragglers at a gate it controls (until the attempt is cancelled, say), so
// what it asserts does not depend on how fast a loaded machine runs the other
// attempts in SlowDelay. Production code never sets it.
func WithSlowWait(ctx context.Context, wait SlowWait) context.Context {
	return context.WithValue(ctx, slowWaitKey{}, wait)
}

// Fired returns how many times each fault fired.
func (s *Set) Fired() map[string]int64 {
	out := map[string]int64{}
	if s == nil {
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.fired {
		out[k] = v
	}
	return out
}

// String renders the fired counts sorted by name, for logs and reports.
func (s *Set) String() string {
	f := s.Fired()
	names := slices.Sorted(maps.Keys(f))
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", k, f[k])
	}
	return b.String()
}

// mix is SplitMix64's finalizer: it spreads the hash's bits.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
