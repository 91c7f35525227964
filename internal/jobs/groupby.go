package jobs

import (
	"fmt"
	"io"
	"strings"
	"unsafe"

	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/runs"
	"github.com/scattergather/scattergather/record"
)

func init() {
	Register(Definition{
		Name:    "groupby",
		Version: version,
		Summary: "group rows of a CSV (with a header) or JSON Lines input by a key and aggregate columns with exact decimals; CSV sorted by key",
		Params: []Param{
			{Name: "key", Usage: "group key column, COL or COL:N for its first N bytes", Required: true},
			{Name: "agg", Usage: "aggregates FUNC:COL[,FUNC:COL...], FUNC one of count, sum, min, max, avg", Required: true},
			{Name: "where", Usage: "only rows that satisfy this condition: 'COLUMN OP VALUE' or a SQL expression, as select's --where (docs/sql.md); every row when empty"},
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
	parse   []bool   // the aggregate is the first to read its column as a number
	reasons []string // skip reason per aggregate
	format  record.Format
	strict  bool
	where   *rowFilter // nil: every row
}

func newGroupby(p Params) (Job, error) {
	j := &groupby{}
	var err error
	if j.strict, err = ParseStrict(p); err != nil {
		return nil, fmt.Errorf("groupby: %w", err)
	}
	if j.format, err = tableFormat(p); err != nil {
		return nil, fmt.Errorf("groupby: %w", err)
	}
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
	parsed := map[int]bool{}
	for _, a := range j.aggs {
		at := -1
		if a.Column != "*" {
			at = set.add(a.Column)
		}
		j.aggAt = append(j.aggAt, at)
		j.parse = append(j.parse, a.fn != aggCount && !parsed[at])
		parsed[at] = parsed[at] || a.fn != aggCount
		j.reasons = append(j.reasons, "groupby: non-numeric "+a.Func+":"+a.Column)
	}
	if w := p["where"]; w != "" {
		if j.where, err = parseFilter(w); err != nil {
			return nil, fmt.Errorf("groupby: %w", err)
		}
		j.where.addColumns(&set)
	}
	j.read = set.names
	return j, nil
}

func (j *groupby) Input() Input { return Input{Format: j.format, Columns: j.read} }

func (j *groupby) NewMapper() Mapper {
	return &groupbyMapper{j: j, keys: newKeyTable(), vals: make([]decimal.Dec, len(j.read)), where: j.where.newMatcher()}
}

// aggState is one aggregate of one group: the running sum (sum, avg), or the
// best value so far and its text as it stood in the input (min, max).
type aggState struct {
	d   decimal.Dec
	raw []byte
}

// add folds one more value of aggregate fn into s: d, and for min and max
// its text raw, which replaces the best one only when strictly better, so
// that the first of equal values stays.
func (s *aggState) add(fn aggFunc, d decimal.Dec, raw []byte) {
	switch fn {
	case aggSum, aggAvg:
		s.d = decimal.Add(s.d, d)
	case aggMin, aggMax:
		c := decimal.Cmp(d, s.d)
		if (fn == aggMin && c < 0) || (fn == aggMax && c > 0) {
			s.d = d
			s.raw = append(s.raw[:0], raw...)
		}
	}
}

// aggStateMemory estimates what one aggState holds, with a short min/max text.
const aggStateMemory = int64(unsafe.Sizeof(aggState{})) + 16

// groupbyMapper combines in a keyTable (one entry per group, whose count is
// the group's row count) and spills sorted runs past combineBudget.
type groupbyMapper struct {
	j      *groupby
	keys   *keyTable
	states []aggState    // keys.size() * len(aggs)
	vals   []decimal.Dec // the record's numbers, by column (groupby.read)
	spills spillFiles
	st     Stats
	where  *rowMatcher // nil: every row
}

// StartPart refuses an object whose declared column types (Parquet's) make
// an aggregate impossible: sum over a string fails the job naming the file
// and the column, instead of skipping every row.
func (m *groupbyMapper) StartPart(p Part) error {
	if p.Types == nil {
		return nil
	}
	for a, agg := range m.j.aggs {
		if agg.fn == aggCount {
			continue
		}
		if t := p.Types[m.j.aggAt[a]]; !numericType(t) {
			return fmt.Errorf("groupby: %s:%s needs numbers, but column %q of %s is %s", agg.Func, agg.Column, agg.Column, p.Source, t)
		}
	}
	return nil
}

func (m *groupbyMapper) Row(r *record.Row) error {
	j := m.j
	if keep, err := m.where.keep(r, &m.st, j.strict); !keep {
		return err
	}
	for a := range j.aggs {
		if !j.parse[a] {
			continue // count, or a column an earlier aggregate parsed
		}
		d, ok := decimal.ParseText(r.Value(j.aggAt[a]))
		if !ok {
			return skip(&m.st, j.strict, r.Offset, j.reasons[a])
		}
		m.vals[j.aggAt[a]] = d
	}
	key := r.Value(j.keyAt)
	if j.keyLen > 0 && len(key) > j.keyLen {
		key = key[:j.keyLen]
	}
	na := len(j.aggs)
	g := int(m.keys.add(key))
	first := m.keys.ents[g].count == 1
	if first {
		// Every field a first row's aggregates use is set below, so the
		// states are not cleared: a reused min/max text keeps its buffer.
		m.states = grow2(m.states, na)
		m.states = m.states[:len(m.states)+na]
	}
	states := m.states[g*na : (g+1)*na]
	for a, agg := range j.aggs {
		switch s := &states[a]; {
		case agg.fn == aggCount:
		case !first:
			s.add(agg.fn, m.vals[j.aggAt[a]], decimal.TrimSpace(r.Value(j.aggAt[a])))
		case agg.fn == aggMin || agg.fn == aggMax:
			s.raw = append(s.raw[:0], decimal.TrimSpace(r.Value(j.aggAt[a]))...)
			fallthrough
		default:
			s.d = m.vals[j.aggAt[a]]
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
		return err
	}
	m.keys.reset()
	m.states = m.states[:0]
	return nil
}

// writeRun writes the groups as a groupby partial: a sorted run of their
// keys and values (appendGroup).
func (m *groupbyMapper) writeRun(w io.Writer) error {
	rw := runs.NewTaggedWriter(w, m.j.runTag())
	var val []byte
	var kb [16]byte
	na := len(m.j.aggs)
	for _, g := range m.keys.sorted() {
		val = m.j.appendGroup(val[:0], m.keys.ents[g].count, m.states[int(g)*na:int(g+1)*na])
		if err := rw.Add(m.keys.keyInto(g, &kb), val); err != nil {
			return err
		}
	}
	return rw.Close()
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

// header is the output's header row: key,FUNC_COL,...
func (j *groupby) header() []byte {
	h := []byte("key")
	for _, a := range j.aggs {
		h = append(h, ',')
		h = csvline.AppendField(h, []byte(a.Name()))
	}
	return append(h, '\n')
}

// ParquetColumns types a Parquet output: the key a string, counts integers,
// the other aggregates exact decimals of the largest scale they have.
func (j *groupby) ParquetColumns() []pq.OutputColumn {
	cols := []pq.OutputColumn{{Kind: pq.OutString}}
	for _, a := range j.aggs {
		if a.fn == aggCount {
			cols = append(cols, pq.OutputColumn{Kind: pq.OutInt64})
		} else {
			cols = append(cols, pq.OutputColumn{Kind: pq.OutDecimal, Scale: pq.InferScale})
		}
	}
	return cols
}
