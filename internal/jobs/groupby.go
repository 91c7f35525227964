package jobs

import (
	"fmt"
	"io"
	"slices"
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
		Version: versions["groupby"],
		Summary: "group rows of a CSV (with a header) or JSON Lines input by a key and aggregate columns with exact decimals; CSV sorted by key",
		Params: []Param{
			{Name: "key", Usage: "group key column, COL or COL:N for its first N bytes", Required: true},
			{Name: "agg", Usage: "aggregates FUNC:COL[,FUNC:COL...], FUNC one of count, sum, min, max, avg", Required: true},
			{Name: "where", Usage: "only rows that satisfy this condition: 'COLUMN OP VALUE' or a SQL expression, as select's --where (docs/sql.md); every row when empty"},
			whereSchemaParam,
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
	same    []int    // per aggregate that does not parse (parse false, not a count): the aggregate that parsed its column; else -1
	reasons []string // skip reason per aggregate
	format  record.Format
	strict  bool
	where   *rowFilter // nil: every row
	texts   bool       // some aggregate is min or max, which keeps the text of its value
}

func newGroupby(p Params) (Job, error) {
	j := &groupby{}
	var err error
	if j.strict, j.format, err = tableParams(p); err != nil {
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
		same := -1
		if a.fn != aggCount && parsed[at] {
			same = slices.IndexFunc(j.aggs, func(p aggSpec) bool { return p.fn != aggCount && p.Column == a.Column })
		}
		j.same = append(j.same, same)
		j.parse = append(j.parse, a.fn != aggCount && !parsed[at])
		parsed[at] = parsed[at] || a.fn != aggCount
		j.reasons = append(j.reasons, "groupby: non-numeric "+a.Func+":"+a.Column)
		j.texts = j.texts || a.fn == aggMin || a.fn == aggMax
	}
	if j.where, err = whereParam(p, &set); err != nil {
		return nil, fmt.Errorf("groupby: %w", err)
	}
	j.read = set.names
	return j, nil
}

func (j *groupby) Input() Input { return Input{Format: j.format, Columns: j.read} }

func (j *groupby) NewMapper() Mapper {
	m := &groupbyMapper{j: j, vals: make([]decimal.Dec, len(j.read)), where: j.where.newMatcher(), stride: j.stride(), at: j.inlineAt()}
	m.one = make([]decimal.Dec, len(j.aggs))
	// A kept table larger than the budget in force (kept under another one)
	// would spill at every new group.
	takeGroupTable(func(t *groupTable) bool {
		if t.keys.memory(0)+int64(cap(t.states))*groupStateSize+int64(cap(t.best))*textSize > combineBudget.Load() {
			return false
		}
		if j.inline() {
			m.sums, _ = t.keys.(*keyTableOf[sumState])
		} else {
			m.plain, _ = t.keys.(*keyTable)
		}
		if m.sums == nil && m.plain == nil {
			return false
		}
		m.states, m.best = t.states[:0], t.best[:0]
		return true
	})
	if j.inline() {
		if m.sums == nil {
			m.sums = newKeyTableOf[sumState]()
		}
		m.keys = m.sums
	} else {
		if m.plain == nil {
			m.plain = newKeyTable()
		}
		m.keys = m.plain
	}
	return m
}

// takeGroupTable offers a finished mapper's table (groupTables, which
// groupby's and the sql job's mappers share) to use; one that use refuses
// (of the other kind, or larger than the budget in force) is left to the
// collector, its huge pages given back at once (discard), not a collection
// later from its cleanup.
func takeGroupTable(use func(*groupTable) bool) {
	if g := groupTables.Get(); g != nil && !use(g) {
		g.keys.discard()
	}
}

// groupTable is a finished mapper's table and states, kept for the next
// mapper of the process: a table of a few hundred thousand groups is tens
// of megabytes, which a new one would have the system clear (and fault in)
// again for every chunk.
type groupTable struct {
	keys   groupKeys
	states []decimal.Dec
	best   [][]byte
}

// groupTables is the process's finished tables (tablePool).
var groupTables tablePool

// release hands the mapper's table to the next mapper; m is done with it.
func (m *groupbyMapper) release() {
	m.keys.reset()
	groupTables.Put(&groupTable{keys: m.keys, states: m.states[:0], best: m.best[:0]})
	m.keys, m.plain, m.sums, m.states, m.best, m.bigSums = nil, nil, nil, nil, nil, nil
}

// groupKeys is what groupbyMapper asks of its table whatever its entries
// hold (keyTableOf[S] of either S): the per-row work takes the table
// itself (flushIn, addGroupIn, writeRunIn).
type groupKeys interface {
	size() int
	memory(next int) int64
	reset()
	sizeFor(rows int, budget, groupBytes int64, bound int) int
	slotsFor(groups int)
	discard()
}

// sumState is the entry's share (keyTableOf's S) of a group of a groupby
// job whose one aggregate is a sum or an avg: its running sum, where the
// entry's count is the group's rows. The entry is 48 bytes (keyEntOf: 32 +
// 16), where the group held 56 in two places before (an entry of 32 and a
// state of 24), so that a row that finds its group reads the entry alone
// for the key's compare, the count and the sum. The sum is an int64
// coefficient and its scale while it fits one; a larger sum (a big.Int)
// lives apart, in the mapper's bigSums, which the entry indexes. So the
// entries hold no pointer: the garbage collector does not scan a table of
// a million groups at every cycle.
type sumState struct {
	small int64 // the coefficient, when big is 0
	scale int32
	big   int32 // 0: the sum is small; else 1 + its index in bigSums
}

// inlineSum is the sql job's sumState (sumGroups): the sum, and n, the
// count of the values summed; padding makes its entry 64 bytes, one cache
// line. It begins with its sumState, which inlineState reads.
type inlineSum struct {
	sumState
	n int64
	_ uint64
}

// fold adds v to the sum (sets it to v when first), moving it to bigSums
// when it no longer fits an int64.
func (s *sumState) fold(v decimal.Dec, first bool, bigSums *[]decimal.Dec) {
	switch {
	case first:
	case s.big > 0:
		(*bigSums)[s.big-1].AddTo(v)
		return
	default:
		if sum, ok := decimal.AddInt64(s.small, int(s.scale), v); ok {
			s.small = sum // the common case: no decimal.Dec made
			return
		}
	}
	d := v
	if !first {
		d = decimal.Add(decimal.New(s.small, int(s.scale)), v)
	}
	if c, ok := d.Coef(); ok {
		s.small, s.scale, s.big = c, int32(d.Scale()), 0
		return
	}
	*bigSums = append(*bigSums, d)
	s.big = int32(len(*bigSums))
}

// dec is the sum as a decimal.
func (s *sumState) dec(bigSums []decimal.Dec) decimal.Dec {
	if s.big > 0 {
		return bigSums[s.big-1]
	}
	return decimal.New(s.small, int(s.scale))
}

// inlineAt is the aggregate whose state the mapper keeps in the table's
// entries (sumState), -1 when none: the one sum or avg of a job whose
// other aggregates, if any, are counts (the entry's count). A row then
// reads one entry where it read an entry and a state apart.
func (j *groupby) inlineAt() int {
	at := -1
	for a, agg := range j.aggs {
		switch {
		case agg.fn == aggCount:
		case at >= 0 || (agg.fn != aggSum && agg.fn != aggAvg):
			return -1
		default:
			at = a
		}
	}
	return at
}

// inline reports whether the states are in the entries (inlineAt).
func (j *groupby) inline() bool { return j.inlineAt() >= 0 }

// stride is how many states a group has in groupbyMapper.states: none when
// they are in the entry (inline) or when every aggregate is a count (a
// count is the entry's), else one per aggregate.
func (j *groupby) stride() int {
	if j.inline() || !slices.ContainsFunc(j.aggs, func(a aggSpec) bool { return a.fn != aggCount }) {
		return 0
	}
	return len(j.aggs)
}

// aggState is one aggregate of one group as the reducer merges it: the
// running sum (sum, avg), or the best value so far and its text as it stood
// in the input (min, max). A mapper keeps the same in two arrays, the
// values (groupbyMapper.states) and, only when some aggregate is a min or
// max, the texts (groupbyMapper.best): a sum's group then holds 24 bytes,
// not 48.
type aggState struct {
	d   decimal.Dec
	raw []byte
}

// groupStateSize is a mapper's state's size (a decimal.Dec); a job with a
// min or max also holds a text slice per aggregate (textSize), and each min
// or max its text, which the combine budget counts as minMaxText bytes.
const (
	groupStateSize = int64(unsafe.Sizeof(decimal.Dec{}))
	textSize       = int64(unsafe.Sizeof([]byte(nil)))
	minMaxText     = 16
)

// groupMemory is what a group's states hold apart from its table entry:
// stride values and, when some aggregate is a min or max, na text slices
// and each min's and max's text.
func (j *groupby) groupMemory() int64 {
	m := int64(j.stride()) * groupStateSize
	if j.texts {
		m += int64(len(j.aggs)) * textSize
	}
	for _, a := range j.aggs {
		if a.fn == aggMin || a.fn == aggMax {
			m += minMaxText
		}
	}
	return m
}

// memory is what the mapper's table and states will have allocated by the
// time its next more groups are in and the table is sorted for a spill
// (keyTable.memory): the states' capacity, with their next doubling when
// they cannot take next more groups, and the min and max texts.
func (m *groupbyMapper) memory(next int) int64 {
	na := len(m.j.aggs)
	groups := int64(m.keys.size())
	mem := m.keys.memory(next) + sliceMemory(m.states, next*m.stride, groupStateSize)
	if m.j.texts {
		mem += sliceMemory(m.best, next*na, textSize)
		mem += (groups + int64(next)) * (m.j.groupMemory() - int64(na)*(groupStateSize+textSize))
	}
	return mem
}

// memCheckEvery is how many new groups grown lets pass between two checks
// of the mapper's memory against the combine budget: each check counts what
// the next memCheckEvery groups will allocate (memory), so the budget holds
// in between, and the check is not paid for every group.
const memCheckEvery = 64

// groupbyMapper combines in a key table (one entry per group, whose count
// is the group's row count, and which holds its state when it is a lone
// sum's: sumState) and spills sorted runs past combineBudget. Rows wait in
// a batch of up to batchSize, whose groups are looked up together (see
// flush).
type groupbyMapper struct {
	j       *groupby
	keys    groupKeys             // sums or plain, whichever is not nil
	sums    *keyTableOf[sumState] // the table when the states are in the entries (groupby.inline)
	plain   *keyTable             // the table otherwise
	stride  int                   // states per group in states (groupby.stride)
	at      int                   // the aggregate whose state is in the entry (groupby.inlineAt), -1: none
	one     []decimal.Dec         // len(aggs) states: a group's when stride is 0 (statesIn)
	states  []decimal.Dec         // keys.size() * stride: the sums, or min's and max's values
	bigSums []decimal.Dec         // the inline sums too large for an int64 (sumState.big)
	best    [][]byte              // beside states when some aggregate is min or max (j.texts): their texts as they stood in the input
	vals    []decimal.Dec         // the record's numbers, by column (groupby.read)
	batch   rowBatch
	spills  spillFiles
	st      Stats
	where   *rowMatcher // nil: every row
	source  string      // the part's object, for skip examples
	sink    int         // what flush's early loads of states read, so that they are kept
	rows    int         // rows folded into the table since it was last empty
	check   int         // the table's size at which grown checks the memory next
	sized   bool        // the table has been sized (sizeTable) since it was last empty
	part    partRows    // the rows the part has left, for sizeTable

	// ParquetBatch's DOUBLE columns per aggregate (nil: another type), the
	// row's min and max texts (when minMax: some aggregate is one), and its
	// rows aggregated by dictionary index.
	floats    [][]float64
	floatNull [][]bool
	minMax    bool
	texts     [][]byte
	dict      dictAgg
	filter    *batchFilter // the --where on the batch's doubles; nil: no --where
	keyText   keyTexts     // the texts of a key column that is not VARCHAR
}

// sizeTable makes room at once for as many groups as the combine budget
// holds, or the part can still make (partRows.bound), when most rows so
// far began a group of their own (keyTable.sizeFor).
func (m *groupbyMapper) sizeTable() {
	m.sized = true
	bound := m.part.bound(m.keys.size(), m.rows)
	if groups := m.keys.sizeFor(m.rows, combineBudget.Load(), m.j.groupMemory(), bound); groups > 0 {
		m.states = growTo(m.states, groups*m.stride)
		if m.j.texts {
			m.best = growTo(m.best, groups*len(m.j.aggs))
		}
	}
}

// rowBatch holds the rows Row took and flush has not folded in yet: each
// one's key (a copy, indexed by kb) and per aggregate its number and, for
// min and max, its text.
type rowBatch struct {
	kb   keyBatch
	keys []byte
	vals []decimal.Dec // batchSize * len(aggs)
	raw  []int         // batchSize * len(aggs) + 1 bounds of the texts in raws
	raws []byte
}

// init makes the batch's room for na aggregates per row, once.
func (b *rowBatch) init(na int) {
	if b.vals == nil {
		b.vals = make([]decimal.Dec, batchSize*na)
		b.raw = make([]int, batchSize*na+1)
	}
}

// StartPart refuses an object whose declared column types (Parquet's) make
// an aggregate impossible: sum over a string fails the job naming the file
// and the column, instead of skipping every row.
func (m *groupbyMapper) StartPart(p Part) error {
	m.part.start(p.Rows, m.rows)
	m.where.setSource(p.Source)
	m.source = p.Source
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
		v := r.Value(j.aggAt[a])
		d, ok := decimal.ParseText(v)
		if !ok {
			if j.strict {
				return skip(&m.st, true, r.Offset, j.reasons[a])
			}
			skipFirst(&m.st, j.reasons[a], m.source, r.Offset, func() string {
				return fmt.Sprintf("column %s: %q is not a number", j.aggs[a].Column, v)
			})
			return nil
		}
		m.vals[j.aggAt[a]] = d
	}
	return m.push(r.Value(j.keyAt), r)
}

// push adds a row to the batch: its key, its numbers (m.vals, by column)
// and, for min and max, its texts: from r, or when r is nil from m.texts
// (by aggregate).
func (m *groupbyMapper) push(key []byte, r *record.Row) error {
	j := m.j
	if j.keyLen > 0 && len(key) > j.keyLen {
		key = key[:j.keyLen]
	}
	b := &m.batch
	na := len(j.aggs)
	b.init(na)
	n := b.kb.n
	b.kb.start[n] = len(b.keys)
	b.keys = append(b.keys, key...)
	b.kb.end[n] = len(b.keys)
	vals := b.vals[n*na : (n+1)*na]
	if !j.texts {
		// No min or max: the numbers only (fold reads no text). A count's
		// number is not read either, so a count:* (column -1) is skipped.
		for a, at := range j.aggAt {
			if at >= 0 {
				vals[a] = m.vals[at]
			}
		}
	} else {
		for a, agg := range j.aggs {
			if agg.fn == aggMin || agg.fn == aggMax {
				if r != nil {
					b.raws = append(b.raws, decimal.TrimSpace(r.Value(j.aggAt[a]))...)
				} else {
					b.raws = append(b.raws, m.texts[a]...)
				}
			}
			if agg.fn != aggCount {
				vals[a] = m.vals[j.aggAt[a]]
			}
			b.raw[n*na+a+1] = len(b.raws)
		}
	}
	b.kb.n++
	if b.kb.n == batchSize {
		return m.flush()
	}
	return nil
}

// flush folds the batch's rows into their groups, in the order Row took
// them. It looks their groups up side by side (keyTable.probeBatch, then
// each group's entry and states), so that the cache misses of a table too
// large for the cache overlap; then it updates the groups row by row.
func (m *groupbyMapper) flush() error {
	if m.sums != nil {
		return flushIn(m, m.sums)
	}
	return flushIn(m, m.plain)
}

// flushIn is flush over the mapper's table t, compiled for each kind of
// entry.
func flushIn[S any](m *groupbyMapper, t *keyTableOf[S]) error {
	b := &m.batch
	n, na := b.kb.n, len(m.j.aggs)
	if n == 0 {
		return nil
	}
	var found [batchSize]int32
	m.sink += lookupLoad(t, b.keys, &b.kb, &found, [][]decimal.Dec{m.states}, 62, m.stride) // one page
	spilled := false
	for i := 0; i < n; i++ {
		g, first := t.groupOf(b.keys, &b.kb, &found, i, spilled)
		if first {
			m.newStates()
		}
		foldIn(m, t, g, first, b.vals[i*na:(i+1)*na], b.raw[i*na:])
		m.rows++
		if first {
			s, err := m.grown()
			if err != nil {
				return err
			}
			spilled = spilled || s // the slots found above are gone
		}
	}
	b.kb.n, b.keys, b.raws = 0, b.keys[:0], b.raws[:0]
	return nil
}

// statesIn returns group g's states, one per aggregate: in states, or
// when stride is 0 in m.one, where a count's is zero and the inline one
// (m.at) is a copy of the entry's, to read.
func statesIn[S any](m *groupbyMapper, t *keyTableOf[S], g int32) []decimal.Dec {
	if m.stride > 0 {
		return m.states[int(g)*m.stride : int(g+1)*m.stride]
	}
	if m.at >= 0 {
		m.one[m.at] = entrySum(t, g).dec(m.bigSums)
	}
	return m.one
}

// entrySum is the sum in group g's entry of t, a keyTableOf[sumState].
func entrySum[S any](t *keyTableOf[S], g int32) *sumState {
	return (*sumState)(unsafe.Pointer(&t.ents[g].st))
}

// inlineState is the state in group g's entry of t, a keyTableOf[inlineSum]
// (the sql job's).
func inlineState[S any](t *keyTableOf[S], g int32) *inlineSum {
	return (*inlineSum)(unsafe.Pointer(&t.ents[g].st))
}

// foldIn adds one row's values to group g's states: the entry's (m.at),
// or those of states and best (fold, foldSums).
func foldIn[S any](m *groupbyMapper, t *keyTableOf[S], g int32, first bool, vals []decimal.Dec, raw []int) {
	na := len(m.j.aggs)
	switch {
	case m.at >= 0:
		entrySum(t, g).fold(vals[m.at], first, &m.bigSums)
	case m.j.texts:
		m.fold(statesIn(m, t, g), m.best[int(g)*na:int(g+1)*na], first, vals, raw)
	default:
		foldSums(m.j.aggs, statesIn(m, t, g), first, vals)
	}
}

// newStates makes room for a new group's states. Every state a first row's
// aggregates use is set by fold, so the states are not cleared: a reused
// min/max text keeps its buffer.
func (m *groupbyMapper) newStates() {
	na := len(m.j.aggs)
	m.states = grow2(m.states, m.stride)
	m.states = m.states[:len(m.states)+m.stride]
	if m.j.texts {
		m.best = grow2(m.best, na)
		m.best = m.best[:len(m.best)+na]
	}
}

// grown follows a new group: the table is sized once it has sampleKeys
// groups (its slots at slotsAt when the part's rows are known: partRows),
// and spilled when its memory, every memCheckEvery groups, would pass the
// combine budget (true: the groups' indexes are gone).
func (m *groupbyMapper) grown() (bool, error) {
	size := m.keys.size()
	switch {
	case !m.sized && size == sampleKeys:
		m.part.sample = m.rows
		m.sizeTable()
		m.check = size // what sizing allocated is checked at once
	case size == slotsAt && m.part.rows > 0:
		m.keys.slotsFor(m.part.most(size, m.rows))
		m.check = size
	}
	if size < m.check {
		return false, nil
	}
	m.check = size + memCheckEvery
	if m.memory(memCheckEvery) > combineBudget.Load() {
		return true, m.spill()
	}
	return false, nil
}

// fold adds one row's values to its group's states and min/max texts
// (best); raw bounds the row's texts in the batch's raws. A min's or max's
// text is replaced only by a strictly better value's, so that the first of
// equal values stays.
func (m *groupbyMapper) fold(states []decimal.Dec, best [][]byte, first bool, vals []decimal.Dec, raw []int) {
	for a, agg := range m.j.aggs {
		text := m.batch.raws[raw[a]:raw[a+1]]
		minMax := agg.fn == aggMin || agg.fn == aggMax
		switch {
		case agg.fn == aggCount:
		case first:
			states[a] = vals[a]
			if minMax {
				best[a] = append(best[a][:0], text...)
			}
		case !minMax:
			states[a].AddTo(vals[a])
		default:
			c := decimal.Cmp(vals[a], states[a])
			if (agg.fn == aggMin && c < 0) || (agg.fn == aggMax && c > 0) {
				states[a] = vals[a]
				best[a] = append(best[a][:0], text...)
			}
		}
	}
}

// foldSums is fold for a job without min or max: no texts, only sums
// (sum, avg) and counts.
func foldSums(aggs []aggSpec, states []decimal.Dec, first bool, vals []decimal.Dec) {
	for a := range aggs {
		switch {
		case aggs[a].fn == aggCount:
		case first:
			states[a] = vals[a]
		default:
			states[a].AddTo(vals[a])
		}
	}
}

// spill writes the groups as a sorted run to a temporary file and empties the table.
func (m *groupbyMapper) spill() error {
	if err := m.spills.write(m.writeRun); err != nil {
		return err
	}
	m.keys.reset()
	m.states, m.best, m.bigSums = m.states[:0], m.best[:0], m.bigSums[:0]
	m.rows, m.sized, m.check = 0, false, 0
	m.part.emptied()
	return nil
}

// writeRun writes the groups as a groupby partial: a sorted run of their
// keys and values (appendGroup).
func (m *groupbyMapper) writeRun(w io.Writer) error {
	if m.sums != nil {
		return writeRunIn(m, m.sums, w)
	}
	return writeRunIn(m, m.plain, w)
}

// writeRunIn is writeRun over the mapper's table t.
func writeRunIn[S any](m *groupbyMapper, t *keyTableOf[S], w io.Writer) error {
	rw := runs.NewTaggedWriter(w, m.j.runTag())
	var val []byte
	na := len(m.j.aggs)
	var load func(g int32) // forSorted reads the entries; states apart are read here
	if m.stride > 0 {
		load = func(g int32) { m.sink += m.states[int(g)*m.stride].Scale() }
	}
	err := t.forSorted(load, func(key []byte, g int32) error {
		var best [][]byte
		if m.j.texts {
			best = m.best[int(g)*na : int(g+1)*na]
		}
		val = m.j.appendStates(val[:0], t.ents[g].count, statesIn(m, t, g), best)
		return rw.Add(key, val)
	})
	if err != nil {
		return err
	}
	return rw.Close()
}

func (m *groupbyMapper) Finish(w io.Writer) (Stats, error) {
	defer m.release()
	if err := m.flush(); err != nil {
		m.spills.close()
		return m.st, err
	}
	if len(m.spills.files) == 0 {
		m.st.RecordsOut = int64(m.keys.size())
		return m.st, m.writeRun(w)
	}
	var last io.Reader // the table's groups, merged from memory with the spills
	if m.sums != nil {
		last = lastRunIn(m, m.sums)
	} else {
		last = lastRunIn(m, m.plain)
	}
	var err error
	m.st.RecordsOut, err = m.spills.mergeWith(w, last, m.j.mergeTo)
	return m.st, err
}

// lastRunIn is the groups of the mapper's table t as a run (writeRun's),
// read from memory (runReader) by Finish's merge with the spilled runs, not
// written to a file and read back.
func lastRunIn[S any](m *groupbyMapper, t *keyTableOf[S]) io.Reader {
	c := t.cursor()
	na := len(m.j.aggs)
	var val []byte
	return newRunReader(m.j.runTag(), func(rw *runs.Writer) (bool, error) {
		key, g, ok := c.next()
		if !ok {
			return false, nil
		}
		var best [][]byte
		if m.j.texts {
			best = m.best[int(g)*na : int(g+1)*na]
		}
		val = m.j.appendStates(val[:0], t.ents[g].count, statesIn(m, t, g), best)
		return true, rw.Add(key, val)
	})
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
func (j *groupby) ParquetColumns([]string) []pq.OutputColumn {
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
