package report

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/scattergather/scattergather/internal/report/attempts"
)

// The geometry of the charts, in SVG user units.
const (
	chartLeft  = 120.0
	chartWidth = 860.0
	rowHeight  = 18.0
	axisHeight = 24.0
	// StragglerFactor: a committed mapper attempt is a straggler when it took more than this
	// many times the median committed attempt (and the job has at least minForStragglers chunks).
	StragglerFactor  = 2.0
	minForStragglers = 4
)

// Bar is one attempt on the timeline.
type Bar struct {
	A          attempts.Attempt
	X, Y, W, H float64
	Lane       int
	Straggler  bool
	// Retry is the attempt's position among its chunk's attempts (1 for the first).
	Retry int
	Title string
}

// Lane is one row of the timeline: a worker, or a concurrency slot on a local run.
type Lane struct {
	Label string
	Y     float64
}

// Tick is an axis label.
type Tick struct {
	X     float64
	Label string
}

// Timeline is the laid-out attempt timeline.
type Timeline struct {
	Bars       []Bar
	Lanes      []Lane
	Ticks      []Tick
	Height     float64
	ByWorker   bool
	Stragglers int
	Retried    int // chunks with more than one attempt
	MedianMS   int64
	T0         time.Time
	Span       time.Duration
	AxisY      float64
	ChartLeft  float64
	ChartRight float64
}

// layoutTimeline places every attempt: plan attempts on the first row, gather attempts on the
// last, mapper attempts on one row per worker (Lambda execution environment) or, when the
// workers are unknown, packed into the fewest rows with no overlap, which is the concurrency
// the run actually reached.
func layoutTimeline(atts []attempts.Attempt, t0 time.Time) Timeline {
	tl := Timeline{T0: t0, ChartLeft: chartLeft, ChartRight: chartLeft + chartWidth}
	var end time.Time
	for _, a := range atts {
		if a.End.After(end) {
			end = a.End
		}
	}
	tl.Span = max(end.Sub(t0), time.Millisecond)
	x := func(t time.Time) float64 { return chartLeft + float64(t.Sub(t0))/float64(tl.Span)*chartWidth }

	var plan, gather, maps []attempts.Attempt
	for _, a := range atts {
		switch a.Phase {
		case attempts.PhasePlan:
			plan = append(plan, a)
		case attempts.PhaseGather:
			gather = append(gather, a)
		default:
			maps = append(maps, a)
		}
	}
	sort.SliceStable(maps, func(i, j int) bool { return maps[i].Start.Before(maps[j].Start) })

	// The median committed duration, for stragglers.
	var committed []int64
	for _, a := range maps {
		if a.Outcome == attempts.OutcomeCommitted {
			committed = append(committed, a.Duration().Milliseconds())
		}
	}
	sort.Slice(committed, func(i, j int) bool { return committed[i] < committed[j] })
	if len(committed) > 0 {
		tl.MedianMS = committed[len(committed)/2]
	}

	// Rows: plan, then the mapper rows, then gather.
	lane := 0
	addLane := func(label string) int {
		tl.Lanes = append(tl.Lanes, Lane{Label: label, Y: float64(lane) * rowHeight})
		lane++
		return lane - 1
	}
	place := func(a attempts.Attempt, row int) Bar {
		w := math.Max(x(a.End)-x(a.Start), 2)
		return Bar{A: a, Lane: row, X: x(a.Start), Y: float64(row)*rowHeight + 2, W: w, H: rowHeight - 4}
	}
	if len(plan) > 0 {
		row := addLane("plan")
		for _, a := range plan {
			tl.Bars = append(tl.Bars, place(a, row))
		}
	}
	for _, a := range maps {
		if a.Worker != "" {
			tl.ByWorker = true
		}
	}
	retries := map[int]int{}
	if tl.ByWorker {
		rows := map[string]int{}
		for _, a := range maps {
			w := a.Worker
			if w == "" {
				w = "(unknown)"
			}
			if _, ok := rows[w]; !ok {
				rows[w] = addLane(shortWorker(w, len(rows)+1))
			}
			tl.Bars = append(tl.Bars, place(a, rows[w]))
		}
	} else {
		var ends []time.Time // per slot, when its last attempt ended
		var slots []int
		for _, a := range maps {
			s := -1
			for i, e := range ends {
				if !e.After(a.Start) {
					s = i
					break
				}
			}
			if s < 0 {
				ends = append(ends, time.Time{})
				slots = append(slots, addLane(fmt.Sprintf("slot %d", len(ends))))
				s = len(ends) - 1
			}
			ends[s] = a.End
			tl.Bars = append(tl.Bars, place(a, slots[s]))
		}
	}
	if len(gather) > 0 {
		row := addLane("gather")
		for _, a := range gather {
			tl.Bars = append(tl.Bars, place(a, row))
		}
	}
	for i := range tl.Bars {
		b := &tl.Bars[i]
		if b.A.Phase == attempts.PhaseMap {
			retries[b.A.Chunk]++
			b.Retry = retries[b.A.Chunk]
			b.Straggler = b.A.Outcome == attempts.OutcomeCommitted && len(committed) >= minForStragglers &&
				float64(b.A.Duration().Milliseconds()) > StragglerFactor*float64(max(tl.MedianMS, 1))
			if b.Straggler {
				tl.Stragglers++
			}
		}
		b.Title = barTitle(*b)
	}
	for _, n := range retries {
		if n > 1 {
			tl.Retried++
		}
	}
	tl.Height = float64(lane) * rowHeight
	tl.AxisY = tl.Height + 4
	tl.Ticks = ticks(tl.Span, func(d time.Duration) float64 { return x(t0.Add(d)) })
	return tl
}

func shortWorker(w string, n int) string {
	if len(w) <= 16 {
		return w
	}
	return fmt.Sprintf("worker %d", n)
}

func barTitle(b Bar) string {
	a := b.A
	s := a.Phase
	if a.Phase == attempts.PhaseMap {
		s = fmt.Sprintf("chunk %d, attempt %d", a.Chunk, b.Retry)
	}
	s += fmt.Sprintf(": %s, %s", a.Outcome, fmtDuration(a.Duration()))
	if b.Straggler {
		s += " (straggler)"
	}
	if a.BytesRead > 0 {
		s += fmt.Sprintf(", %s, %d records", fmtBytes(a.BytesRead), a.RecordsIn)
	}
	if a.Worker != "" {
		s += ", worker " + a.Worker
	}
	if a.Winner != "" {
		s += ", committed by " + a.Winner
	}
	if a.Error != "" {
		s += "; error: " + a.Error
	}
	return s + "; id " + a.ID
}

// ticks are about six round time labels across span.
func ticks(span time.Duration, x func(time.Duration) float64) []Tick {
	steps := []time.Duration{time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond,
		20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute,
		2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/s <= 8 {
			step = s
			break
		}
	}
	var out []Tick
	for d := time.Duration(0); d <= span; d += step {
		out = append(out, Tick{X: x(d), Label: fmtDuration(d)})
	}
	return out
}

// Series is a line chart's points and labels.
type Series struct {
	Points   string // SVG polyline points
	Area     string // SVG polygon points, the area under the line
	MaxLabel string
	Ticks    []Tick
	Peak     float64
	Mean     float64
	Height   float64
	Bins     int
}

// throughput spreads every committed attempt's bytes evenly over its duration and sums them
// into bins: the useful MB/s over time (bytes read by failed and duplicate attempts are waste,
// not throughput).
func throughput(atts []attempts.Attempt, t0 time.Time, span time.Duration) Series {
	const bins, height = 80, 140.0
	vals := make([]float64, bins)
	binDur := float64(span) / bins
	var total float64
	for _, a := range atts {
		if a.Phase != attempts.PhaseMap || a.Outcome != attempts.OutcomeCommitted || a.BytesRead == 0 {
			continue
		}
		total += float64(a.BytesRead)
		s, e := float64(a.Start.Sub(t0)), float64(a.End.Sub(t0))
		if e <= s {
			e = s + 1
		}
		rate := float64(a.BytesRead) / (e - s) // bytes per ns
		for i := max(int(s/binDur), 0); i < bins && float64(i)*binDur < e; i++ {
			lo, hi := math.Max(s, float64(i)*binDur), math.Min(e, float64(i+1)*binDur)
			if hi > lo {
				vals[i] += rate * (hi - lo)
			}
		}
	}
	sr := Series{Height: height, Bins: bins}
	for i := range vals {
		vals[i] = vals[i] / (binDur / 1e9) / 1e6 // MB/s
		sr.Peak = math.Max(sr.Peak, vals[i])
	}
	sr.Mean = total / 1e6 / math.Max(span.Seconds(), 1e-9)
	top := sr.Peak
	if top == 0 {
		top = 1
	}
	area := fmt.Sprintf("%.1f,%.1f ", chartLeft, height)
	for i, v := range vals {
		px := chartLeft + (float64(i)+0.5)/bins*chartWidth
		py := height - v/top*(height-10)
		sr.Points += fmt.Sprintf("%.1f,%.1f ", px, py)
		area += fmt.Sprintf("%.1f,%.1f ", px, py)
	}
	sr.Area = area + fmt.Sprintf("%.1f,%.1f", chartLeft+chartWidth, height)
	sr.MaxLabel = fmt.Sprintf("%.1f MB/s", sr.Peak)
	sr.Ticks = ticks(span, func(d time.Duration) float64 { return chartLeft + float64(d)/float64(span)*chartWidth })
	return sr
}

// HistBar is one stacked bin of the duration histogram.
type HistBar struct {
	X, W               float64
	Segments           []HistSeg
	Label              string
	Committed, Retried int
}

// HistSeg is one outcome's part of a bin.
type HistSeg struct {
	Y, H    float64
	Outcome string
	N       int
}

// Histogram is the distribution of mapper attempt durations.
type Histogram struct {
	Bars   []HistBar
	Ticks  []Tick
	MaxN   int
	Height float64
	P50    string
	P90    string
	P99    string
	Max    string
}

func histogram(atts []attempts.Attempt) Histogram {
	const bins, height = 24, 140.0
	var ds []time.Duration
	var maxD time.Duration
	for _, a := range atts {
		if a.Phase == attempts.PhaseMap {
			ds = append(ds, a.Duration())
			maxD = max(maxD, a.Duration())
		}
	}
	h := Histogram{Height: height}
	if len(ds) == 0 {
		return h
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	q := func(p float64) string { return fmtDuration(ds[min(len(ds)-1, int(p*float64(len(ds))))]) }
	h.P50, h.P90, h.P99, h.Max = q(0.5), q(0.9), q(0.99), fmtDuration(maxD)
	width := max(maxD/bins+1, time.Millisecond)
	counts := make([]map[string]int, bins)
	for i := range counts {
		counts[i] = map[string]int{}
	}
	for _, a := range atts {
		if a.Phase == attempts.PhaseMap {
			i := min(int(a.Duration()/width), bins-1)
			counts[i][a.Outcome]++
		}
	}
	for _, c := range counts {
		h.MaxN = max(h.MaxN, c[attempts.OutcomeCommitted]+c[attempts.OutcomeDuplicate]+c[attempts.OutcomeFailed])
	}
	bw := chartWidth / bins
	for i, c := range counts {
		b := HistBar{X: chartLeft + float64(i)*bw + 1, W: bw - 2, Label: fmt.Sprintf("%s to %s", fmtDuration(time.Duration(i)*width), fmtDuration(time.Duration(i+1)*width))}
		y := height
		for _, o := range []string{attempts.OutcomeCommitted, attempts.OutcomeDuplicate, attempts.OutcomeFailed} {
			if c[o] == 0 {
				continue
			}
			hh := float64(c[o]) / float64(h.MaxN) * (height - 10)
			y -= hh
			b.Segments = append(b.Segments, HistSeg{Y: y, H: hh, Outcome: o, N: c[o]})
		}
		h.Bars = append(h.Bars, b)
	}
	for i := 0; i <= bins; i += bins / 6 {
		h.Ticks = append(h.Ticks, Tick{X: chartLeft + float64(i)*bw, Label: fmtDuration(time.Duration(i) * width)})
	}
	return h
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", d.Seconds())
	default:
		return d.Round(time.Second).String()
	}
}

// FormatBytes prints a byte count with a binary unit (KiB, MiB, GiB), as the
// report does.
func FormatBytes(n int64) string { return fmtBytes(n) }

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
