package jobs

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

func init() {
	Register(Definition{
		Name:    "groupby",
		Summary: "group rows of a CSV (with a header) or JSON Lines input by a key and aggregate columns with exact decimals; CSV sorted by key",
		Params: []Param{
			{Name: "key", Usage: "group key column, COL or COL:N for its first N bytes", Required: true},
			{Name: "agg", Usage: "aggregates FUNC:COL[,FUNC:COL...], FUNC one of count, sum, min, max, avg", Required: true},
			{Name: "format", Usage: "input format: csv (with a header row) or jsonl", Default: formatCSV},
		},
		New: newGroupby,
	})
}

// avgPlaces is the number of fractional digits avg rounds to.
const avgPlaces = 6

type groupby struct {
	keyCol  string
	keyLen  int // 0: the whole value
	aggs    []aggSpec
	read    []string // distinct columns read
	keyAt   int
	aggAt   []int    // -1 for count:*
	reasons []string // skip reason per aggregate
	jsonl   bool
	strict  bool
}

func newGroupby(p Params) (Job, error) {
	j := &groupby{}
	var err error
	if j.strict, err = ParseStrict(p); err != nil {
		return nil, fmt.Errorf("groupby: %w", err)
	}
	format, err := parseFormat(p)
	if err != nil {
		return nil, fmt.Errorf("groupby: %w", err)
	}
	j.jsonl = format == formatJSONL
	if j.keyCol, j.keyLen, err = parseKey(p["key"]); err != nil {
		return nil, fmt.Errorf("groupby: %w", err)
	}
	if strings.TrimSpace(p["agg"]) == "" {
		return nil, fmt.Errorf("groupby: missing --agg")
	}
	if j.aggs, err = parseAggs(p["agg"]); err != nil {
		return nil, fmt.Errorf("groupby: %w", err)
	}
	var set columnSet
	j.keyAt = set.add(j.keyCol)
	for _, a := range j.aggs {
		at := -1
		if a.Column != "*" {
			at = set.add(a.Column)
		}
		j.aggAt = append(j.aggAt, at)
		j.reasons = append(j.reasons, "groupby: non-numeric "+a.Func+":"+a.Column)
	}
	j.read = set.names
	return j, nil
}

func (j *groupby) NeedsHeader() bool { return !j.jsonl }

func (j *groupby) NewMapper() Mapper {
	return &groupbyMapper{j: j, rows: newRowReader(j.jsonl, j.read), keys: newKeyTable(), vals: make([]decimal.Dec, len(j.aggs))}
}

// aggState is one aggregate of one group: the running sum (sum, avg), or the
// best value so far and its text as it stood in the input (min, max).
type aggState struct {
	d   decimal.Dec
	raw []byte
}

// aggStateMemory estimates what one aggState holds, with a short min/max text.
const aggStateMemory = int64(unsafe.Sizeof(aggState{})) + 16

// groupbyMapper combines in a keyTable (one entry per group, whose count is
// the group's row count) and spills sorted runs past combineBudget.
type groupbyMapper struct {
	j      *groupby
	rows   *rowReader
	keys   *keyTable
	states []aggState // keys.size() * len(aggs)
	vals   []decimal.Dec
	spills spillFiles
	st     Stats
}

func (m *groupbyMapper) StartPart(p Part) error { return m.rows.startPart(p) }

func (m *groupbyMapper) Record(line []byte, offset int64) error {
	ok, reason, err := m.rows.read(line, offset, &m.st)
	if err != nil {
		return err
	}
	if reason != "" {
		return skip(&m.st, m.j.strict, offset, reason)
	}
	if !ok {
		return nil
	}
	j := m.j
	for a, agg := range j.aggs {
		if agg.fn == aggCount {
			continue
		}
		d, ok := decimal.Parse(m.rows.text(j.aggAt[a]))
		if !ok {
			return skip(&m.st, j.strict, offset, j.reasons[a])
		}
		m.vals[a] = d
	}
	key := m.rows.text(j.keyAt)
	if j.keyLen > 0 && len(key) > j.keyLen {
		key = key[:j.keyLen]
	}
	na := len(j.aggs)
	g := int(m.keys.add(key))
	first := m.keys.ents[g].count == 1
	if first {
		for range j.aggs {
			m.states = append(m.states, aggState{})
		}
	}
	states := m.states[g*na : (g+1)*na]
	for a, agg := range j.aggs {
		s := &states[a]
		switch agg.fn {
		case aggSum, aggAvg:
			if first {
				s.d = m.vals[a]
			} else {
				s.d = decimal.Add(s.d, m.vals[a])
			}
		case aggMin, aggMax:
			if !first {
				c := decimal.Cmp(m.vals[a], s.d)
				if (agg.fn == aggMin && c >= 0) || (agg.fn == aggMax && c <= 0) {
					continue // the first of equal values stays
				}
			}
			{
				s.d = m.vals[a]
				s.raw = append(s.raw[:0], m.rows.text(j.aggAt[a])...)
			}
		}
	}
	if first && m.keys.memory()+int64(len(m.states))*aggStateMemory > combineBudget {
		return m.spill()
	}
	return nil
}

// spill writes the groups as a sorted run to a temporary file and empties the table.
func (m *groupbyMapper) spill() error {
	if err := m.spills.write(m.writeRun); err != nil {
		m.spills.close()
		return err
	}
	m.keys.reset(initialSlots)
	m.states = m.states[:0]
	return nil
}

// writeRun encodes the groups as a groupby partial, sorted by key.
func (m *groupbyMapper) writeRun(w io.Writer) error {
	e := newGroupEncoder(w, m.j)
	var buf []byte
	na := len(m.j.aggs)
	for _, g := range m.keys.sorted() {
		e.flag(flagEntry)
		e.bytes(m.keys.key(g))
		e.uvarint(uint64(m.keys.ents[g].count))
		for a, agg := range m.j.aggs {
			s := &m.states[int(g)*na+a]
			switch agg.fn {
			case aggSum, aggAvg:
				buf = s.d.Append(buf[:0])
				e.bytes(buf)
			case aggMin, aggMax:
				e.bytes(s.raw)
			}
		}
	}
	e.flag(flagEnd)
	return e.flush()
}

func (m *groupbyMapper) Finish(w io.Writer) (Stats, error) {
	if len(m.spills.files) == 0 {
		m.st.RecordsOut = int64(m.keys.size())
		return m.st, m.writeRun(w)
	}
	var err error
	m.st.RecordsOut, err = m.spills.mergeAll(w, m.spill, m.j.mergeTo)
	return m.st, err
}

// newGroupEncoder starts a groupby partial: magic, version, then the list of
// aggregate functions, so a partial of another --agg is refused.
func newGroupEncoder(w io.Writer, j *groupby) *encoder {
	e := newEncoder(w, magicGroupby)
	e.uvarint(uint64(len(j.aggs)))
	for _, a := range j.aggs {
		e.w.WriteByte(byte(a.fn))
	}
	return e
}

// group is a merged group: its key, row count and aggregate values.
type group struct {
	key   []byte
	count int64
	d     []decimal.Dec
	raw   [][]byte // min/max text
}

// groupRun reads the sorted entries of one groupby partial.
type groupRun struct {
	d     *decoder
	j     *groupby
	cur   group
	prev  []byte
	first bool
}

func (r *groupRun) key() []byte { return r.cur.key }

func (r *groupRun) next() (bool, error) {
	ok, err := r.d.flag()
	if !ok || err != nil {
		return false, err
	}
	r.prev, r.cur.key = r.cur.key, r.prev
	if r.cur.key, err = r.d.bytes(r.cur.key); err != nil {
		return false, err
	}
	if err := sortedKey(r.d, r.prev, r.cur.key, r.first); err != nil {
		return false, err
	}
	r.first = false
	if r.cur.count, err = r.d.int64(); err != nil {
		return false, err
	}
	if r.cur.count < 1 {
		return false, r.d.corrupt("group with no rows", nil)
	}
	for a, agg := range r.j.aggs {
		if agg.fn == aggCount {
			continue
		}
		if r.cur.raw[a], err = r.d.bytes(r.cur.raw[a]); err != nil {
			return false, err
		}
		v, ok := decimal.Parse(r.cur.raw[a])
		if !ok {
			return false, r.d.corrupt(fmt.Sprintf("bad number %q", r.cur.raw[a]), nil)
		}
		r.cur.d[a] = v
	}
	return true, nil
}

func (j *groupby) openRuns(partials []io.Reader) ([]*groupRun, error) {
	runs := make([]*groupRun, len(partials))
	for i, p := range partials {
		d, err := newDecoder(p, "groupby", magicGroupby, i)
		if err != nil {
			return nil, err
		}
		n, err := d.uvarint()
		if err != nil {
			return nil, err
		}
		if n != uint64(len(j.aggs)) {
			return nil, d.corrupt(fmt.Sprintf("%d aggregates, this job has %d", n, len(j.aggs)), nil)
		}
		for _, a := range j.aggs {
			fn, err := d.r.ReadByte()
			if err != nil {
				return nil, d.corrupt("truncated aggregate list", err)
			}
			if aggFunc(fn) != a.fn {
				return nil, d.corrupt("aggregates differ from this job's --agg", nil)
			}
		}
		runs[i] = &groupRun{d: d, j: j, first: true, cur: group{d: make([]decimal.Dec, len(j.aggs)), raw: make([][]byte, len(j.aggs))}}
	}
	return runs, nil
}

// merge calls emit with every group of the partials, in key order, combined.
func (j *groupby) merge(partials []io.Reader, emit func(g *group) error) error {
	runs, err := j.openRuns(partials)
	if err != nil {
		return err
	}
	m := newMerger(runs)
	out := group{d: make([]decimal.Dec, len(j.aggs)), raw: make([][]byte, len(j.aggs))}
	for {
		grp, err := m.next()
		if err != nil {
			return err
		}
		if grp == nil {
			return nil
		}
		first := &runs[grp[0]].cur
		out.key = append(out.key[:0], first.key...)
		out.count = first.count
		copy(out.d, first.d)
		for a := range out.raw {
			out.raw[a] = append(out.raw[a][:0], first.raw[a]...)
		}
		for _, i := range grp[1:] {
			g := &runs[i].cur
			if g.count > math.MaxInt64-out.count {
				return runs[i].d.corrupt("row count overflows", nil)
			}
			out.count += g.count
			for a, agg := range j.aggs {
				switch agg.fn {
				case aggSum, aggAvg:
					out.d[a] = decimal.Add(out.d[a], g.d[a])
				case aggMin, aggMax:
					c := decimal.Cmp(g.d[a], out.d[a])
					if (agg.fn == aggMin && c < 0) || (agg.fn == aggMax && c > 0) {
						out.d[a] = g.d[a]
						out.raw[a] = append(out.raw[a][:0], g.raw[a]...)
					}
				}
			}
		}
		if err := emit(&out); err != nil {
			return err
		}
	}
}

func (j *groupby) Merge(w io.Writer, partials []io.Reader) error {
	_, err := j.mergeTo(w, partials)
	return err
}

// mergeTo merges partials into one partial on w and returns its number of groups.
func (j *groupby) mergeTo(w io.Writer, partials []io.Reader) (int64, error) {
	e := newGroupEncoder(w, j)
	var buf []byte
	var groups int64
	err := j.merge(partials, func(g *group) error {
		groups++
		e.flag(flagEntry)
		e.bytes(g.key)
		e.uvarint(uint64(g.count))
		for a, agg := range j.aggs {
			switch agg.fn {
			case aggSum, aggAvg:
				buf = g.d[a].Append(buf[:0])
				e.bytes(buf)
			case aggMin, aggMax:
				e.bytes(g.raw[a])
			}
		}
		return nil
	})
	if err != nil {
		return groups, err
	}
	e.flag(flagEnd)
	return groups, e.flush()
}

// header is the output's header row: key,FUNC_COL,...
func (j *groupby) header() []byte {
	h := []byte("key")
	for _, a := range j.aggs {
		h = append(h, ',')
		h = csvline.AppendField(h, []byte(a.Name()))
	}
	return append(h, '\n')
}

func (j *groupby) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	var st Stats
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(j.header())
	var line []byte
	err := j.merge(partials, func(g *group) error {
		line = csvline.AppendField(line[:0], g.key)
		for a, agg := range j.aggs {
			line = append(line, ',')
			switch agg.fn {
			case aggCount:
				line = strconv.AppendInt(line, g.count, 10)
			case aggSum:
				line = g.d[a].Append(line)
			case aggAvg:
				line = decimal.AppendAvg(line, g.d[a], g.count, avgPlaces)
			case aggMin, aggMax:
				line = append(line, g.raw[a]...)
			}
		}
		line = append(line, '\n')
		st.RecordsOut++
		_, err := bw.Write(line)
		return err
	})
	if err != nil {
		return st, err
	}
	return st, bw.Flush()
}
