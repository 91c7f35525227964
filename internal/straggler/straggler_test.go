package straggler_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/straggler"
)

func ms(ns ...int) []time.Duration {
	out := make([]time.Duration, len(ns))
	for i, n := range ns {
		out[i] = time.Duration(n) * time.Millisecond
	}
	return out
}

// TestThreshold: no threshold before MinSeen answers; then Factor times the quantile of
// the latest Window latencies, never below Floor.
func TestThreshold(t *testing.T) {
	for _, c := range []struct {
		name   string
		p      straggler.Policy
		seen   []time.Duration
		want   time.Duration
		wantOK bool
	}{
		{"nothing seen", straggler.Policy{Quantile: 0.5, Factor: 4}, nil, 0, false},
		{"fewer than MinSeen", straggler.Policy{Quantile: 0.5, Factor: 4, MinSeen: 5}, ms(1, 2, 3, 4), 0, false},
		{"median times four", straggler.Policy{Quantile: 0.5, Factor: 4, MinSeen: 5}, ms(50, 10, 40, 20, 30), 120 * time.Millisecond, true},
		{"even count: the lower middle", straggler.Policy{Quantile: 0.5, Factor: 1}, ms(10, 20, 30, 40), 20 * time.Millisecond, true},
		{"floor", straggler.Policy{Quantile: 0.5, Factor: 4, Floor: time.Second}, ms(10, 20, 30), time.Second, true},
		{"p90 of ten is the ninth", straggler.Policy{Quantile: 0.9, Factor: 2, MinSeen: 9}, ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 100), 18 * time.Millisecond, true},
		{"the window forgets the oldest", straggler.Policy{Quantile: 1, Factor: 1, Window: 3}, ms(900, 10, 20, 30), 30 * time.Millisecond, true},
		{"MinSeen counts the window", straggler.Policy{Quantile: 1, Factor: 1, Window: 3, MinSeen: 4}, ms(1, 2, 3, 4, 5), 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := straggler.New(c.p)
			for _, d := range c.seen {
				tr.Answered(d)
			}
			got, ok := tr.Threshold()
			if got != c.want || ok != c.wantOK {
				t.Fatalf("Threshold() = %v, %v; want %v, %v", got, ok, c.want, c.wantOK)
			}
		})
	}
}

// TestBudget: Backup grants Budget backups and then none; no budget grants every one.
func TestBudget(t *testing.T) {
	for _, c := range []struct {
		name   string
		budget int
		asks   int
		want   int
	}{{"capped", 2, 5, 2}, {"no cap", 0, 5, 5}} {
		t.Run(c.name, func(t *testing.T) {
			tr := straggler.New(straggler.Policy{Budget: c.budget})
			got := 0
			for range c.asks {
				if tr.Backup() {
					got++
				}
			}
			tr.Won()
			if sent, won := tr.Counts(); got != c.want || sent != c.want || won != 1 {
				t.Fatalf("granted %d, Counts() = %d, %d; want %d granted and sent, 1 won", got, sent, won, c.want)
			}
		})
	}
}

// TestNilTracker: a nil Tracker is hedging turned off: no threshold, no backup.
func TestNilTracker(t *testing.T) {
	var tr *straggler.Tracker
	tr.Answered(time.Second)
	tr.Won()
	if _, ok := tr.Threshold(); ok || tr.Backup() {
		t.Fatal("a nil Tracker gave a threshold or a backup")
	}
	if sent, won := tr.Counts(); sent != 0 || won != 0 {
		t.Fatalf("Counts() = %d, %d", sent, won)
	}
}

// TestQuantileIsNearestRank: for random samples and quantiles, the result is in the
// sample, at least the fraction q of the sample is at or below it, and less than q is
// below it.
func TestQuantileIsNearestRank(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		ds := make([]time.Duration, 1+r.IntN(50))
		for i := range ds {
			ds[i] = time.Duration(r.IntN(20))
		}
		slices.Sort(ds)
		q := r.Float64()
		if r.IntN(10) == 0 {
			q = 1
		}
		got := straggler.Quantile(ds, q)
		atOrBelow, below := 0, 0
		for _, d := range ds {
			if d <= got {
				atOrBelow++
			}
			if d < got {
				below++
			}
		}
		n := float64(len(ds))
		if !slices.Contains(ds, got) || float64(atOrBelow) < q*n || (below > 0 && float64(below) >= q*n) {
			t.Fatalf("Quantile(%v, %.3f) = %v: %d at or below, %d below", ds, q, got, atOrBelow, below)
		}
	}
}
