package jobs

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// A groupby partial is a sorted run (package runs) tagged with the job's
// aggregate functions (runTag), so a partial of another --agg is refused:
// one entry per group, its key, and as value the group's row count (uvarint)
// then per aggregate but count the sum (sum, avg) in binary
// (decimal.AppendBinary: no digits to print or parse) or the best value as
// it stood in the input (min, max), a length-prefixed text. As a run it merges
// like job/kv's, and the framework can gather it by key ranges.

// runTag is the tag of the job's runs: "groupby", the encoding's version
// (2: sums in binary) and its aggregate functions.
func (j *groupby) runTag() []byte {
	tag := []byte("groupby\x02")
	for _, a := range j.aggs {
		tag = append(tag, byte(a.fn))
	}
	return tag
}

// appendGroup appends the value of a group of count rows whose aggregates
// are states.
func (j *groupby) appendGroup(dst []byte, count int64, states []aggState) []byte {
	dst = binary.AppendUvarint(dst, uint64(count))
	for a, agg := range j.aggs {
		dst = appendState(dst, agg.fn, states[a].d, states[a].raw)
	}
	return dst
}

// appendStates is appendGroup of a mapper's group: its values and, when
// some aggregate is a min or max, their texts (best; nil otherwise).
func (j *groupby) appendStates(dst []byte, count int64, vals []decimal.Dec, best [][]byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(count))
	for a, agg := range j.aggs {
		var raw []byte
		if best != nil {
			raw = best[a]
		}
		dst = appendState(dst, agg.fn, vals[a], raw)
	}
	return dst
}

// appendState appends one aggregate of a group: a sum's value, a min's or
// max's text as it stood in the input; a count has none.
func appendState(dst []byte, fn aggFunc, d decimal.Dec, raw []byte) []byte {
	switch fn {
	case aggSum, aggAvg:
		dst = d.AppendBinary(dst)
	case aggMin, aggMax:
		dst = binary.AppendUvarint(dst, uint64(len(raw)))
		dst = append(dst, raw...)
	}
	return dst
}

// decodeGroup decodes a group's value into states (one per aggregate: the
// raw texts alias v) and returns its row count.
func (j *groupby) decodeGroup(key, v []byte, states []aggState) (int64, error) {
	count, k := binary.Uvarint(v)
	if k <= 0 || count < 1 || count > math.MaxInt64 {
		return 0, j.corrupt(key, "bad row count")
	}
	v = v[k:]
	for a, agg := range j.aggs {
		switch agg.fn {
		case aggCount:
			continue
		case aggSum, aggAvg:
			d, k, ok := decimal.DecodeBinary(v)
			if !ok {
				return 0, j.corrupt(key, "bad number")
			}
			states[a].d, states[a].raw = d, nil
			v = v[k:]
			continue
		}
		n, k := binary.Uvarint(v)
		if k <= 0 || n > uint64(len(v)-k) {
			return 0, j.corrupt(key, "truncated aggregate")
		}
		s := &states[a]
		s.raw = v[k : k+int(n)]
		v = v[k+int(n):]
		var ok bool
		if s.d, ok = decimal.ParseText(s.raw); !ok {
			return 0, j.corrupt(key, fmt.Sprintf("bad number %q", s.raw))
		}
	}
	if len(v) != 0 {
		return 0, j.corrupt(key, "bytes after the aggregates")
	}
	return int64(count), nil
}

func (j *groupby) corrupt(key []byte, what string) error {
	return fmt.Errorf("groupby: group %q: %w: %s", key, ErrCorruptPartial, what)
}

// groupStates returns room for one group's aggregates: buf when they fit.
func groupStates(buf *[8]aggState, n int) []aggState {
	if n <= len(buf) {
		return buf[:n]
	}
	return make([]aggState, n)
}

// combine decodes the values of one group from several partials, in
// partial order, into acc (cur is scratch of the same length) and returns
// the group's row count: counts and sums add, and min and max keep the
// first of equal best values.
func (j *groupby) combine(key []byte, values [][]byte, acc, cur []aggState) (int64, error) {
	count, err := j.decodeGroup(key, values[0], acc)
	if err != nil {
		return 0, err
	}
	for _, v := range values[1:] {
		n, err := j.decodeGroup(key, v, cur)
		if err != nil {
			return 0, err
		}
		if n > math.MaxInt64-count {
			return 0, j.corrupt(key, "row count overflows")
		}
		count += n
		for a, agg := range j.aggs {
			switch agg.fn {
			case aggSum, aggAvg:
				acc[a].d = decimal.Add(acc[a].d, cur[a].d)
			case aggMin, aggMax:
				c := decimal.Cmp(cur[a].d, acc[a].d)
				if (agg.fn == aggMin && c < 0) || (agg.fn == aggMax && c > 0) {
					acc[a] = cur[a]
				}
			}
		}
	}
	return count, nil
}

// CombineValues combines the values of one group from several partials
// (combine) into one value (runs.Keyed).
func (j *groupby) CombineValues(dst, key []byte, values [][]byte) ([]byte, error) {
	return j.combineGroup(dst, key, values, false)
}

// combineGroup combines the values of one group from several partials
// (combine), its states on the stack for up to 8 aggregates, and appends
// the group encoded again (appendGroup), or with output its output row.
func (j *groupby) combineGroup(dst, key []byte, values [][]byte, output bool) ([]byte, error) {
	var acc, cur []aggState
	if n := len(j.aggs); n <= 2 {
		var buf [2][2]aggState // the usual: less to clear per group
		acc, cur = buf[0][:n], buf[1][:n]
	} else {
		var buf [2][8]aggState
		acc, cur = groupStates(&buf[0], n), groupStates(&buf[1], n)
	}
	count, err := j.combine(key, values, acc, cur)
	if err != nil {
		return dst, err
	}
	if !output {
		return j.appendGroup(dst, count, acc), nil
	}
	dst = csvline.AppendField(dst, key)
	for a, agg := range j.aggs {
		dst = append(dst, ',')
		switch agg.fn {
		case aggCount:
			dst = strconv.AppendInt(dst, count, 10)
		case aggSum:
			dst = acc[a].d.Append(dst)
		case aggAvg:
			dst = decimal.AppendAvg(dst, acc[a].d, count, avgPlaces)
		case aggMin, aggMax:
			dst = append(dst, acc[a].raw...)
		}
	}
	return append(dst, '\n'), nil
}

// OutputHeader is the output's header row: key,FUNC_COL,... (runs.Keyed).
func (j *groupby) OutputHeader() []byte { return j.header() }

// AppendOutput appends the output row of one group (runs.Keyed).
func (j *groupby) AppendOutput(dst, key, value []byte) ([]byte, error) {
	values := [1][]byte{value}
	return j.AppendOutputValues(dst, key, values[:])
}

// AppendOutputValues appends the output row of one group from its values
// in several partials, combined as CombineValues does but not encoded
// again (runs.ValuesOutput).
func (j *groupby) AppendOutputValues(dst, key []byte, values [][]byte) ([]byte, error) {
	return j.combineGroup(dst, key, values, true)
}

// Merge merges partials into one partial.
func (j *groupby) Merge(w io.Writer, partials []io.Reader) error {
	_, err := j.mergeTo(w, partials)
	return err
}

// mergeTo merges partials into one partial on w and returns its number of groups.
func (j *groupby) mergeTo(w io.Writer, partials []io.Reader) (int64, error) {
	return mergeRuns(w, j, partials, "groupby", j.runTag())
}

// Output writes the header and one row per group, in key order.
func (j *groupby) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	return outputRuns(w, j, partials, "groupby", j.runTag())
}
