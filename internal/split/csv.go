package split

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/plan"
)

// CSV records are RFC 4180 records, ended by csvline's automaton (csvline.End),
// read from the object's first byte; the quote state a part begins in is guessed by
// Speculate.

// SpecWindow is how far past a chunk's start the speculation reads at most
// to decide the quote state there (see Speculate).
const SpecWindow = 64 << 10

// guess is one hypothesis of the automaton's state before a chunk's first
// byte, followed through the bytes after it.
type guess struct {
	start   csvline.QuoteState // the state assumed
	q       csvline.QuoteState // the state now
	first   int                // where its first record starts (index after its "\n"), -1 before
	bad     int                // how many places its quoting went bad
	dropped bool
}

// Speculate guesses the automaton's state (fields separated by delim)
// before b[0] when reading does
// not start at the object's beginning, and returns it with the index in b
// of the first record start after it (-1 when none lies in b). It follows
// every state at once through b and stops at the first position where the
// parse is unambiguous: when the hypotheses have met (two in the same state
// past their first record have the same future, so the one whose quoting
// went bad less often stays), or at window bytes. It picks, of those left,
// the one with the fewest bad quotes, then one that found a record start,
// then the earliest start. This is the speculation of DuckDB's parallel CSV
// reader and of Ge et al., "Speculative Distributed CSV Data Parsing for Big
// Data Analytics" (SIGMOD 2019): right for almost every real file, and
// confirmed afterwards against the previous chunk's end, which re-reads the
// chunk when it was wrong.
func Speculate(b []byte, window int, delim byte) (csvline.QuoteState, int) {
	return SpeculateQuoted(b, window, delim, csvline.RFC4180)
}

// SpeculateQuoted is Speculate with fields quoted as qt says: with an
// escape byte other than the quote, the state after one (inside quotes)
// is guessed too.
func SpeculateQuoted(b []byte, window int, delim byte, qt csvline.Quoting) (csvline.QuoteState, int) {
	var gs [csvline.NumStates]guess
	live := len(gs)
	for s := range gs {
		gs[s] = guess{start: csvline.QuoteState(s), q: csvline.QuoteState(s), first: -1}
		if gs[s].start == csvline.InEscape && qt.Doubled() {
			gs[s].dropped = true // no such state
			live--
		}
	}
	for i := 0; i < len(b) && live > 1 && i < window; i++ {
		c := b[i]
		for g := range gs {
			if gs[g].dropped {
				continue
			}
			next, end, bad := csvline.StepQuoted(gs[g].q, c, delim, qt)
			gs[g].q = next
			if bad {
				gs[g].bad++
			}
			if end && gs[g].first < 0 {
				gs[g].first = i + 1
			}
		}
		live = merge(gs[:])
	}
	best := -1
	for g := range gs {
		if !gs[g].dropped && (best < 0 || better(gs[g], gs[best])) {
			best = g
		}
	}
	return gs[best].start, gs[best].first
}

// merge drops each hypothesis that has met a better one (the same state,
// both past their first record or both before it) and returns how many are
// left.
func merge(gs []guess) int {
	live := 0
	for a := range gs {
		if gs[a].dropped {
			continue
		}
		for b := a + 1; b < len(gs); b++ {
			if gs[b].dropped || gs[b].q != gs[a].q || (gs[a].first < 0) != (gs[b].first < 0) {
				continue
			}
			if better(gs[b], gs[a]) {
				gs[a].dropped = true
				break
			}
			gs[b].dropped = true
		}
		if !gs[a].dropped {
			live++
		}
	}
	return live
}

// better orders hypotheses: fewer bad quotes, then a record start found,
// then the earlier start.
func better(a, b guess) bool {
	switch {
	case a.bad != b.bad:
		return a.bad < b.bad
	case (a.first >= 0) != (b.first >= 0):
		return a.first >= 0
	}
	return a.first < b.first
}

// CSVBounds is what a CSV part's reading assumed and found: the
// speculation's guess, confirmed later against the part before it.
type CSVBounds struct {
	// Assumed is the quote state guessed before the part's first byte (the
	// byte before Start; csvline.AtField for a part at the object's start or one
	// read with a known First).
	Assumed csvline.QuoteState
	// First is where the part's first record starts: the first record
	// start at or after the part's Start as the reading saw it.
	First int64
	// Next is where the first record after the part's starts: the first
	// record start at or after its End (the object's size at its end).
	Next int64
}

// PartCSV reads the CSV records of part (records as above, their fields
// separated by delim: ',', or the input's delimiter the plan chose; quoted
// as part.Quoting says) and
// calls fn for each one it owns, in order: those whose first byte lies in
// [Start, End). first is where its first record starts when known (the
// previous part's Next, on a re-read); -1 speculates (Speculate). The
// object's records start at part.Header (past a preamble): a part that
// begins at or before it reads from it, and one that ends at or before it
// owns no record. A compressed part is read whole, from its header.
func PartCSV(ctx context.Context, store blob.Store, part plan.Part, delim byte, first int64, fn RecordFunc, block CSVBlockFunc) (Stats, CSVBounds, error) {
	if part.Compression() != "" {
		st, err := compressedPart(ctx, store, part, fn, delim)
		return st, CSVBounds{First: 0, Next: part.Size}, err
	}
	if part.Start < 0 || part.End < part.Start || part.End > part.Size || first > part.Size {
		return Stats{}, CSVBounds{}, fmt.Errorf("part %s [%d,%d) of %d bytes: bad range", part.Source, part.Start, part.End, part.Size)
	}
	if part.Start <= part.Header {
		first = part.Header // the object's records start at its header
	}
	from := first
	if first < 0 {
		from = part.Start - 1 // the byte before start is where the guess begins
	}
	b := CSVBounds{First: first, Next: first}
	if from >= part.Size || part.Start == part.End || from >= part.End {
		return Stats{}, b, nil
	}
	rr := newRangeReader(ctx, store, part, from)
	defer rr.Close()
	s := NewScanner(rr, from)
	s.delim, s.qt = delim, part.Quoting()
	defer s.Free()
	if first < 0 {
		q, err := s.speculate()
		if err != nil {
			return s.stats(), b, fmt.Errorf("read %s at byte %d: %w", part.Source, from, err)
		}
		b.Assumed, b.First = q, s.Offset()
	}
	for quoted := 0; s.Offset() < part.End; quoted-- {
		if block != nil && quoted <= 0 {
			data, err := s.lines(part.End)
			if err != nil {
				return s.stats(), b, fmt.Errorf("read %s at byte %d: %w", part.Source, s.Offset(), err)
			}
			if len(data) > 0 {
				used, n, err := block(data, s.Offset())
				s.advance(used)
				s.records += int64(n)
				if err != nil {
					return s.stats(), b, err
				}
				if used == len(data) {
					continue
				}
				if used == 0 {
					// A record holding a quote first: the next few go one by
					// one, so that a file quoting every record is not
					// scanned twice over.
					quoted = quotedRun
				}
			}
		}
		rec, off, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return s.stats(), b, fmt.Errorf("read %s at byte %d: %w", part.Source, s.Offset(), err)
		}
		if err := fn(rec, off); err != nil {
			return s.stats(), b, err
		}
		s.records++
	}
	b.Next = s.Offset()
	return s.stats(), b, nil
}

// quotedRun is how many records PartCSV reads one by one after a block
// whose first record held a quote.
const quotedRun = 16

// speculate guesses the state before the scanner's next byte and skips to
// the first record start after it.
func (s *Scanner) speculate() (csvline.QuoteState, error) {
	for s.hi-s.lo < SpecWindow && !s.eof {
		if err := s.fill(); err != nil && !errors.Is(err, io.EOF) {
			return csvline.AtField, err
		}
	}
	q, i := SpeculateQuoted(s.buf[s.lo:s.hi], SpecWindow, s.delim, s.qt)
	if i >= 0 {
		s.lo += i
		s.pos += int64(i)
		return q, nil
	}
	return q, s.skipRecord(q)
}

// skipRecord discards bytes through the end of the record the scanner is
// in, in state q (or to the end).
func (s *Scanner) skipRecord(q csvline.QuoteState) error {
	return s.skipThrough(func(b []byte) int {
		i, next := csvline.EndQuoted(b, q, s.delim, s.qt)
		q = next // the state carries over to the next buffer
		return i
	})
}

// CSVHeader returns the object's CSV header record (without its "\n" and
// a "\r" before it; fields separated by delim): its first, or the one at
// part.Header past a preamble; reading at most what the record needs.
func CSVHeader(ctx context.Context, store blob.Store, part plan.Part, delim byte) ([]byte, error) {
	return header(ctx, store, part, delim)
}

// CSVRecords calls fn for every CSV record of a whole object held in
// memory (each without its "\n"; fields separated by delim), with its
// offset.
func CSVRecords(data []byte, delim byte, fn RecordFunc) error {
	var off int64
	for len(data) > 0 {
		i, _ := csvline.End(data, csvline.AtField, delim)
		rec, n := data, len(data)
		if i >= 0 {
			rec, n = data[:i], i+1
		}
		if err := fn(rec, off); err != nil {
			return err
		}
		data = data[n:]
		off += int64(n)
	}
	return nil
}
