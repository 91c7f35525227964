package csvline

import (
	"bytes"
	"fmt"
)

// Where a CSV record ends. A record is an RFC 4180 record: it ends at a "\n"
// outside quotes, so it may hold newlines inside a quoted field. Where it ends
// is decided by the automaton below, read from the first byte of the CSV (the
// splitter's chunks of an object, internal/split; the Parquet output's read of
// the job's CSV, internal/pq: its one home). It is Go's encoding/csv reader's:
// a quote opens a quoted field only at the start of a field; inside one, a
// quote is doubled, or closes the field when the delimiter (a comma in a
// CSV file), "\n" or "\r\n" follows;
// a quote anywhere else is bad quoting, and a badly quoted record runs to the
// end of its line. The record's fields are then read by Split, which agrees on
// what is bad quoting. A dialect whose quote is escaped by another byte (a
// backslash: Quoting) has one more state, after that byte inside quotes,
// where any byte is literal ("\n" too), and a quote always closes the
// field (StepQuoted, EndQuoted).

// QuoteState is the CSV automaton's state before a byte.
type QuoteState uint8

// The states. A record starts in AtField.
const (
	AtField      QuoteState = iota // at the start of a field
	InField                        // in an unquoted field
	InQuotes                       // inside a quoted field
	AfterQuote                     // a quote inside quotes: a closing one, or the first of a pair
	AfterQuoteCR                   // "\r" after a closing quote: "\n" must follow
	BadQuote                       // bad quoting: the record runs to the end of the line
	InEscape                       // after an escape byte inside quotes (a Quoting whose escape is not its quote)
	NumStates                      // how many states there are
)

var stateNames = [NumStates]string{"field", "unquoted", "quoted", "quote", "quote-cr", "bad", "escape"}

// String names the state, as the mapper's stats record it.
func (q QuoteState) String() string {
	if q < NumStates {
		return stateNames[q]
	}
	return fmt.Sprintf("QuoteState(%d)", uint8(q))
}

// Quoted reports whether the state is inside a quoted field.
func (q QuoteState) Quoted() bool { return q == InQuotes || q == AfterQuote || q == InEscape }

// Step is the automaton on one byte, its fields separated by delim (','
// in a CSV file): the next state, whether c ends the record (the next byte
// starts one, in AtField), and whether c is where the record's quoting went
// bad.
func Step(q QuoteState, c, delim byte) (next QuoteState, end, bad bool) {
	return StepQuoted(q, c, delim, RFC4180)
}

// StepQuoted is Step with fields quoted as qt says.
func StepQuoted(q QuoteState, c, delim byte, qt Quoting) (next QuoteState, end, bad bool) {
	switch q {
	case AtField, InField:
		switch {
		case c == '\n':
			return AtField, true, false
		case c == delim:
			return AtField, false, false
		case c == qt.Quote:
			if q == AtField {
				return InQuotes, false, false
			}
			return BadQuote, false, true
		}
		return InField, false, false
	case InQuotes:
		switch {
		case c == qt.Quote:
			return AfterQuote, false, false
		case c == qt.Escape:
			return InEscape, false, false
		}
		return InQuotes, false, false
	case InEscape:
		return InQuotes, false, false
	case AfterQuote:
		switch {
		case c == qt.Quote && qt.Doubled():
			return InQuotes, false, false
		case c == delim:
			return AtField, false, false
		case c == '\n':
			return AtField, true, false
		case c == '\r':
			return AfterQuoteCR, false, false
		}
		return BadQuote, false, true
	case AfterQuoteCR:
		if c == '\n' {
			return AtField, true, false
		}
		return BadQuote, false, true
	default: // BadQuote
		if c == '\n' {
			return AtField, true, false
		}
		return BadQuote, false, false
	}
}

// End finds the "\n" that ends a record in b, whose first byte the
// automaton (fields separated by delim) meets in state q: its index, or -1
// and the state after b. It is Step over b, jumping over the bytes that
// cannot change the state.
func End(b []byte, q QuoteState, delim byte) (int, QuoteState) {
	return EndQuoted(b, q, delim, RFC4180)
}

// EndQuoted is End with fields quoted as qt says.
func EndQuoted(b []byte, q QuoteState, delim byte, qt Quoting) (int, QuoteState) {
	i := 0
	for i < len(b) {
		switch q {
		case AtField, InField:
			nl := bytes.IndexByte(b[i:], '\n')
			seg := b[i:]
			if nl >= 0 {
				seg = seg[:nl]
			}
			k := bytes.IndexByte(seg, qt.Quote)
			if k < 0 {
				if nl >= 0 {
					return i + nl, AtField
				}
				if n := len(seg); n > 0 {
					q = InField
					if seg[n-1] == delim {
						q = AtField
					}
				}
				return -1, q
			}
			if k > 0 {
				q = InField
				if seg[k-1] == delim {
					q = AtField
				}
			}
			i += k
			q, _, _ = StepQuoted(q, qt.Quote, delim, qt)
			i++
		case InQuotes:
			if !qt.Doubled() {
				k, _ := CloseQuote(b[i:], qt)
				if k < 0 {
					return -1, quotedEnd(b[i:], qt)
				}
				i += k + 1
				q = AfterQuote
				continue
			}
			k := bytes.IndexByte(b[i:], qt.Quote)
			if k < 0 {
				return -1, InQuotes
			}
			i += k + 1
			q = AfterQuote
		case BadQuote:
			k := bytes.IndexByte(b[i:], '\n')
			if k < 0 {
				return -1, BadQuote
			}
			return i + k, AtField
		default:
			var end bool
			if q, end, _ = StepQuoted(q, b[i], delim, qt); end {
				return i, AtField
			}
			i++
		}
	}
	return -1, q
}

// quotedEnd is the state after b, inside a quoted field of a quoting whose
// escape is not its quote, when b holds no closing quote: InEscape when b
// ends in an odd run of escape bytes.
func quotedEnd(b []byte, qt Quoting) QuoteState {
	run := 0
	for run < len(b) && b[len(b)-1-run] == qt.Escape {
		run++
	}
	if run%2 == 1 {
		return InEscape
	}
	return InQuotes
}
