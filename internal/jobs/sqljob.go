package jobs

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/runs"
	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/record"
)

// The sql job runs one query of internal/sql's subset (see docs/sql.md).
// Its plan decides the partials:
//   - a plain scan without LIMIT and without *: select's block stream
//     (magicSQLScan), so the reducer concatenates byte ranges;
//   - a full sort (ORDER BY without LIMIT, without *): sorted runs of
//     package runs (sqlSortJob), so the framework can gather them by
//     ranges of the ORDER BY key;
//   - an aggregate over groups without LIMIT: sorted runs keyed by group
//     key (sqlGroupJob; sqlGroupSortJob with ORDER BY), so the framework
//     can gather them by ranges of the group key;
//   - everything else (magicSQL): the query's fingerprint, the columns *
//     stood for, then entries (key, value) sorted by key: for a scan the
//     key is the record's input position; for ORDER BY its ORDER BY key,
//     then position; for an aggregate (one group, or with LIMIT) the group
//     key, and the value the group's aggregate states. Merging is a k-way merge by key (groups of
//     equal keys combined), so a sort's gather is a merge of runs sorted by
//     an order-preserving byte key, which a range-partitioned gather can
//     split on the same keys.

func init() {
	Register(Definition{
		Name:    "sql",
		Version: versions["sql"],
		Summary: "a SQL query (DuckDB's dialect, the subset of docs/sql.md) over CSV (with a header) or JSON Lines inputs; CSV with a header row",
		Params: []Param{
			{Name: "query", Usage: "the SQL query (job sql): SELECT ... FROM 'PATH' ...", Required: true},
			{Name: "schema", Usage: "column types for job sql: name:TYPE[,name:TYPE...] or a JSON object {\"name\":\"TYPE\"}; other columns are untyped"},
			{Name: "input-columns", Usage: "set by the planner (job sql): a JSON array of the query's GROUP BY or ORDER BY names that are also select aliases and are columns of the first input, which bind to the column as in DuckDB"},
			{Name: "input-types", Usage: "set by the planner (job sql, Parquet inputs): a JSON object of the types in the inputs of the columns the query reads, which a .parquet output keeps for a column selected as it stands"},
		},
		New: newSQL,
	})
}

// Partial magics of the sql job.
const (
	magicSQL     = "sgsq"
	magicSQLScan = "sgss"
)

// sqlStatesVersion is the version of the aggregate states' encoding
// (sql.Program.AppendStates; 2: exact sums in binary), hashed into the
// fingerprint that every magicSQL partial and sorted run carries.
const sqlStatesVersion = "states\x02"

// SQLInputs returns the location a query names in FROM, which the CLI and
// the API use as the job's input.
func SQLInputs(query string) ([]string, error) { return sql.Inputs(query) }

// SQLPlan returns the plan of a query with its schema parameter, for
// `scatter plan --sql` (a query with * is planned without its columns).
func SQLPlan(query, schema string) (sql.Description, error) {
	s, err := sql.ParseSchema(schema)
	if err != nil {
		return sql.Description{}, err
	}
	q, err := sql.Parse(query)
	if err != nil {
		return sql.Description{}, err
	}
	var header []string
	if q.HasStar() {
		header = []string{}
	}
	p, err := sql.Analyze(q, s, header)
	if err != nil {
		return sql.Description{}, fmt.Errorf("%w", err)
	}
	return p.Describe(), nil
}

type sqlJob struct {
	text   string
	query  *sql.Query
	schema sql.Schema
	// inputs are the input's columns among the names whose binding
	// depends on them (the input-columns parameter; nil: not known).
	inputs []string
	// inputTypes are the Parquet inputs' types of the columns the query
	// reads (the input-types parameter), for a .parquet output.
	inputTypes map[string]string
	strict     bool
	// delim is the CSV input's field delimiter (DelimParam): a field of
	// input of another one is unquoted with a ',' in it.
	delim byte
	fp    uint64 // the query's, schema's and encoding's fingerprint, checked in partials

	mu    sync.Mutex
	plans map[string]*sql.Plan // by header (joined by "\x00") for *, "" otherwise
}

// sqlConcatJob is a plain scan, whose output the reducer can assemble from
// the partials' byte ranges.
type sqlConcatJob struct{ *sqlJob }

// errColumnsDiffer is wrapped by the error of a SELECT * over inputs whose
// headers differ.
var errColumnsDiffer = errors.New("SELECT * over inputs with different columns")

// InputFault reports whether err, met merging a job's partials or writing
// its output, is the input's doing, which every attempt meets again: a
// value a query's select list or HAVING cannot take (sql.ValueError: an
// overflow, for one), or SELECT * over inputs whose columns differ. The gather fails at once on it rather than retry.
func InputFault(err error) bool {
	var ve *sql.ValueError
	return errors.As(err, &ve) || errors.Is(err, errColumnsDiffer)
}

func newSQL(p Params) (Job, error) {
	j := &sqlJob{text: p["query"], plans: map[string]*sql.Plan{}}
	var err error
	if j.strict, err = ParseStrict(p); err != nil {
		return nil, fmt.Errorf("sql: %w", err)
	}
	if j.delim, err = ParseDelim(p); err != nil {
		return nil, fmt.Errorf("sql: %w", err)
	}
	if j.schema, err = sql.ParseSchema(p["schema"]); err != nil {
		return nil, fmt.Errorf("sql: %w", err)
	}
	if j.inputs, err = parseInputColumns(p["input-columns"]); err != nil {
		return nil, fmt.Errorf("sql: %w", err)
	}
	if t := p["input-types"]; t != "" {
		if err := json.Unmarshal([]byte(t), &j.inputTypes); err != nil {
			return nil, fmt.Errorf("sql: input-types %q: not a JSON object of type names (leave it unset: the planner sets it): %w", t, err)
		}
	}
	if j.query, err = sql.Parse(j.text); err != nil {
		return nil, err
	}
	if d := j.query.FromDelim; d != "" && p[DelimParam] != "" {
		// The planner records the query's delimiter as the job's
		// (plan.ResolveJob), by which every mapper reads the input; one
		// given beside the query must be the same.
		if got, err := ParseDelim(p); err != nil || string(got) != d {
			return nil, fmt.Errorf("sql: the query's %s(..., delim = %q) and --%s %q differ: give the delimiter once", j.query.FromFunc, d, DelimParam, p[DelimParam])
		}
	}
	var header []string
	if j.query.HasStar() {
		header = []string{} // checks everything but the columns * stands for
	}
	plan, err := j.compile(header)
	if err != nil {
		return nil, err
	}
	h := fnv.New64a()
	// The encoding of aggregate states is part of the fingerprint: a
	// partial whose decimal sums are text (before version 2, binary) is
	// refused, not misread.
	h.Write([]byte(sqlStatesVersion))
	h.Write([]byte(j.query.String()))
	h.Write([]byte{0})
	h.Write([]byte(j.schema.String()))
	if j.inputs != nil {
		// The names bound to the input's columns change the plan.
		h.Write([]byte{0})
		h.Write([]byte(p["input-columns"]))
	}
	j.fp = h.Sum64()
	if plan.FullSort() {
		if !j.query.HasStar() {
			j.plans[""] = plan
		}
		return &sqlSortJob{j}, nil
	}
	if !j.query.HasStar() {
		j.plans[""] = plan
		if plan.Kind == sql.Scan && plan.Limit < 0 {
			return &sqlConcatJob{j}, nil
		}
		if plan.GroupRuns() {
			g := &sqlGroupJob{sqlJob: j}
			if plan.GroupSort() {
				return &sqlGroupSortJob{g}, nil
			}
			return g, nil
		}
	}
	return j, nil
}

// parseInputColumns reads the input-columns parameter: nil when empty.
func parseInputColumns(text string) ([]string, error) {
	if text == "" {
		return nil, nil
	}
	cols := []string{}
	if err := json.Unmarshal([]byte(text), &cols); err != nil {
		return nil, fmt.Errorf("input-columns %q: not a JSON array of names: %w", text, err)
	}
	return cols, nil
}

// plan returns the plan for a header (the columns * stands for; nil without *).
func (j *sqlJob) plan(header []string) (*sql.Plan, error) {
	key := strings.Join(header, "\x00")
	if header == nil {
		key = ""
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if p, ok := j.plans[key]; ok {
		return p, nil
	}
	p, err := j.compile(header)
	if err != nil {
		return nil, err
	}
	j.plans[key] = p
	return p, nil
}

// Input reads each object as its name says (CSV, JSON Lines; Parquet by
// the planner): the plan's columns, or every column for SELECT *.
func (j *sqlJob) Input() Input {
	if j.query.HasStar() {
		return Input{Format: record.Auto, AllColumns: true}
	}
	p, _ := j.plan(nil) // planned in newSQL
	return Input{Format: record.Auto, Columns: p.Columns}
}

func (j *sqlJob) NewMapper() Mapper {
	m := &sqlMapper{j: j}
	if !j.query.HasStar() {
		p, _ := j.plan(nil) // planned in newSQL
		m.setProgram(p, nil)
	}
	return m
}

func (j *sqlConcatJob) NewMapper() Mapper {
	m := j.sqlJob.NewMapper().(*sqlMapper)
	m.concat = true
	return m
}

func (j *sqlGroupJob) NewMapper() Mapper {
	m := j.sqlJob.NewMapper().(*sqlMapper)
	m.groupRuns = j
	return m
}

func (j *sqlSortJob) NewMapper() Mapper {
	m := j.sqlJob.NewMapper().(*sqlMapper)
	m.sorted = j
	return m
}

// sqlMapper runs a query's program over a chunk's records.
type sqlMapper struct {
	j      *sqlJob
	prog   *sql.Program
	header []string // the columns * stands for, nil without *
	concat bool
	sorted *sqlSortJob // a full sort: its partials are sorted runs
	// A select list of plain text columns (sql.Plan.PlainColumns): the
	// input column of each output field, and the columns WHERE and ORDER
	// BY read, the only ones a CSV record's program needs.
	plain, filterCols []int
	// textCol is the one column a WHERE reads as it stands (the program's
	// TextColumn), -1 for any other WHERE: a record whose text fails it
	// is dropped before anything else of it is read.
	textCol int
	// fieldWhere: a WHERE of several columns (or one typed column) the
	// program evaluates on the record's fields (Program.MatchFields),
	// which fields gives it, before anything is copied into its row.
	fieldWhere bool
	fields     rowFields
	// An aggregate over groups without LIMIT: its partials are sorted runs.
	groupRuns *sqlGroupJob
	st        Stats

	// Scan (concat): the output rows.
	out outBuffer
	// Scan with LIMIT or *, Sort: entries; Aggregate: the groups.
	ents    entryBuffer
	keys    *keyTable
	states  statePages
	extra   int64 // memory of states beyond their structs
	spills  spillFiles
	part    Part
	keyBuf  []byte
	lastSrc string
	// Aggregate whose folds can wait (Program.CanDefer): records wait in
	// batch, their groups looked up together by flush.
	deferred bool
	batch    sqlBatch
	// An aggregate fed from the record's fields (Program.FieldAggregate):
	// its inputs go to the batch with no program row filled, and the
	// table's keys are the groups' values (Program.FieldValue) but for
	// the NULL group's, whose states are nullStates (hasNull: it has
	// records).
	field      sql.FieldAggregate
	byField    bool
	nullStates []sql.AggState
	hasNull    bool
	// A OneColumn plan's groups (sql.Program.OneColumn), held in place of
	// keys and states; nil for any other aggregate.
	sums   *sumGroups
	sink   int64    // what flush's early loads of states read, so that they are kept
	rows   int      // records folded into the table since it was last empty
	check  int      // the table's size at which flush checks the memory next
	sized  bool     // the table has been sized (keyTable.sizeFor) since it was last empty
	rowsOf partRows // the rows the part has left, for keyTable.sizeFor
	// ParquetBatch's doubles of the batch, per aggregate (nil: count(*)),
	// and the rows it took from the vectors (for tests).
	floats    [][]float64
	floatNull [][]bool
	batchRows int64
}

// sqlBatch is the records aggregate took and flush has not folded yet:
// their group keys (copies, indexed by kb); the program keeps the rest
// (Program.SaveFold).
type sqlBatch struct {
	kb   keyBatch
	keys []byte
}

func (m *sqlMapper) setProgram(p *sql.Plan, header []string) {
	m.prog = p.NewProgram()
	m.header = header
	m.plain = p.PlainColumns()
	m.textCol = m.prog.TextColumn()
	m.fieldWhere = m.textCol < 0 && m.prog.FieldWhere()
	if m.fieldWhere {
		m.fields.at = identity(len(p.Columns))
	}
	if m.plain != nil {
		m.filterCols = p.FilterColumns()
	}
	if p.Kind == sql.Aggregate {
		m.deferred = m.prog.CanDefer()
		m.field, m.byField = m.prog.FieldAggregate()
		if col, sum, ok := m.prog.OneColumn(); ok {
			m.sums = &sumGroups{t: pooledTable[inlineSum](), col: col, sum: sum}
			return
		}
		m.keys = pooledTable[struct{}]()
		m.states = pooledStates(m.prog.NumAggs())
		if m.byField {
			m.prog.ReserveSaved(batchSize)
			m.nullStates = m.prog.NewStates()
		}
	}
}

func (m *sqlMapper) StartPart(p Part) error {
	m.part = p
	m.rowsOf.start(p.Rows, m.rows)
	if !m.j.query.HasStar() || p.Columns == nil { // p.Columns is nil for an empty object
		return nil
	}
	if m.prog == nil {
		plan, err := m.j.plan(p.Columns)
		if err != nil {
			return fmt.Errorf("%s: %w", p.Source, err)
		}
		m.setProgram(plan, p.Columns)
		m.lastSrc = p.Source
		if m.sorted != nil {
			// The runs carry the header * stood for, as their first entry
			// (a range reducer has no other way to know it).
			m.ents.start()
			m.ents.data = append(m.ents.data, plan.Header()...)
			m.ents.add(starHeaderKey)
		}
	} else if !slices.Equal(p.Columns, m.header) {
		return fmt.Errorf("sql: %w: %s has %s, %s has %s", errColumnsDiffer,
			m.lastSrc, strings.Join(m.header, ","), p.Source, strings.Join(p.Columns, ","))
	}
	return nil
}

// Row runs the query's program over one row of its columns.
func (m *sqlMapper) Row(row *record.Row) error {
	g := m.prog
	// matched: the WHERE was evaluated on its column's text and is true
	// (MatchText gives Match's answer, with no value error), so Match is
	// not evaluated again.
	matched := false
	switch {
	case m.textCol >= 0:
		if v, null := sqlValue(row, m.textCol); !g.MatchText(v, null) {
			return nil
		}
		g.Reset() // no value error of an earlier record is left
		matched = true
	case m.fieldWhere:
		// Match's answer and value error, from the fields as they stand.
		g.Reset()
		m.fields.row = row
		ok := g.MatchFields(&m.fields)
		if g.Row.Err != nil {
			return m.valueError(row.Offset)
		}
		if !ok {
			return nil
		}
		matched = true
	}
	if matched && m.plain != nil && row.Format() == record.CSV && g.Plan.Kind == sql.Scan {
		return m.row(row, row.Offset)
	}
	if m.byField {
		return m.aggregateFields(row)
	}
	r := &g.Row
	if m.plain != nil && row.Format() == record.CSV {
		// The output fields are copied from the record (appendRow); an
		// empty CSV field is NULL (sqlValue).
		for _, c := range m.filterCols {
			v := row.Value(c)
			r.Text[c], r.Null[c] = v, len(v) == 0
		}
	} else {
		for c := range r.Text {
			r.Text[c], r.Null[c] = sqlValue(row, c)
		}
	}
	offset := row.Offset
	g.Reset()
	if !matched && !g.Match() {
		if r.Err == nil {
			return nil
		}
		return m.valueError(offset)
	}
	if r.Err != nil {
		return m.valueError(offset)
	}
	switch g.Plan.Kind {
	case sql.Scan, sql.Sort:
		return m.row(row, offset)
	}
	return m.aggregate(offset)
}

// valueError skips (or under strict fails on) a record whose evaluation
// met a value error; nil when there was none.
func (m *sqlMapper) valueError(offset int64) error {
	if e := m.prog.Row.Err; e != nil {
		return skipValue(&m.st, m.j.strict, m.part.Source, offset, e)
	}
	return nil
}

// appendRow appends the select list's values as one CSV row: from the
// record's CSV fields as they stand when the list is plain columns, else as
// the program computes them. An unquoted field of comma-separated input is
// its text, and holds no byte that needs quoting but a CR, which
// record.Reader leaves inside a field: one search of the row finds any,
// and then (and for input of another delimiter, whose unquoted fields may
// hold a ',') the row's fields are written as sql writes text.
func (m *sqlMapper) appendRow(dst []byte, row *record.Row) []byte {
	if m.plain == nil || row.Format() != record.CSV {
		return m.prog.AppendRow(dst)
	}
	start := len(dst)
	if m.j.delim != ',' {
		return m.appendTexts(dst, row)
	}
	for i, c := range m.plain {
		if i > 0 {
			dst = append(dst, ',')
		}
		n := len(dst)
		dst = row.AppendCSV(dst, c)
		if n < len(dst) && dst[n] == '"' {
			// Quoted: as sql writes its value, which is the field as it
			// stands when the value needs quotes (record.Reader takes a
			// quote inside quotes only doubled), else the value.
			if v := row.Value(c); !csvline.NeedsQuote(v) {
				dst = append(dst[:n], v...)
			}
		}
	}
	if bytes.IndexByte(dst[start:], '\r') >= 0 {
		return m.appendTexts(dst[:start], row)
	}
	return append(dst, '\n')
}

// appendTexts appends the plain columns' values of row as one CSV row, as
// sql writes text.
func (m *sqlMapper) appendTexts(dst []byte, row *record.Row) []byte {
	for i, c := range m.plain {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendText(dst, row.Value(c))
	}
	return append(dst, '\n')
}

// appendText appends a CSV record's text as sql writes an untyped value:
// empty (NULL) as nothing, else quoted when it needs to be.
func appendText(dst, v []byte) []byte {
	if len(v) == 0 {
		return dst
	}
	return csvline.AppendField(dst, v)
}

// row outputs one selected record.
func (m *sqlMapper) row(row *record.Row, offset int64) error {
	g := m.prog
	if m.concat {
		n := len(m.out.buf)
		m.out.buf = m.appendRow(m.out.buf, row)
		if g.Row.Err != nil {
			m.out.buf = m.out.buf[:n]
			return m.valueError(offset)
		}
		m.st.RecordsOut++
		return m.out.check()
	}
	k := m.keyBuf[:0]
	if m.sorted != nil && g.Plan.Star {
		k = append(k, starRowKey)
	}
	if g.Plan.Kind == sql.Sort {
		k = g.AppendOrderKey(k)
	}
	k = binary.BigEndian.AppendUint64(k, uint64(m.part.Ordinal))
	k = binary.BigEndian.AppendUint64(k, uint64(offset))
	m.keyBuf = k
	e := &m.ents
	e.start()
	e.data = m.appendRow(e.data, row)
	if g.Row.Err != nil {
		e.cancel()
		return m.valueError(offset)
	}
	e.add(k)
	if lim := g.Plan.Limit; lim >= 0 && int64(len(e.ents)) > 2*lim+1024 {
		e.keepFirst(int(lim))
	}
	if int64(len(e.data))+int64(len(e.ents))*entSize > combineBudget.Load() {
		if lim := g.Plan.Limit; lim >= 0 {
			e.keepFirst(int(lim))
		}
		if int64(len(e.data)) > combineBudget.Load()/2 {
			return m.spill()
		}
	}
	return nil
}

// aggregate folds one record into its group.
func (m *sqlMapper) aggregate(offset int64) error {
	g := m.prog
	if m.deferred {
		return m.aggregateLater(offset)
	}
	m.keyBuf = g.AppendGroupKey(m.keyBuf[:0])
	g.Check()
	if g.Row.Err != nil {
		return m.valueError(offset)
	}
	idx := int(m.keys.add(m.keyBuf))
	if m.keys.ents[idx].count == 1 {
		m.states.add()
	}
	m.extra += g.Fold(m.states.group(idx))
	if m.keys.memory(1)+m.states.memory()+m.extra > combineBudget.Load() {
		return m.spill()
	}
	return nil
}

// aggregateLater adds one record to the batch, folding the batch when full.
func (m *sqlMapper) aggregateLater(offset int64) error {
	g, b := m.prog, &m.batch
	n := b.kb.n
	b.kb.start[n] = len(b.keys)
	b.keys = g.AppendGroupKey(b.keys)
	g.SaveFold(n)
	if g.Row.Err != nil {
		b.keys = b.keys[:b.kb.start[n]]
		return m.valueError(offset)
	}
	b.kb.end[n] = len(b.keys)
	b.kb.n++
	if b.kb.n == batchSize {
		return m.flush()
	}
	return nil
}

// aggregateFields adds one record to the batch from its fields
// (Program.FieldAggregate), folding the batch when full.
func (m *sqlMapper) aggregateFields(row *record.Row) error {
	g, b := m.prog, &m.batch
	n := b.kb.n
	if !m.saveFields(row, n) {
		err := m.valueError(row.Offset)
		g.Reset()
		return err
	}
	v, null := sqlValue(row, m.field.KeyCol)
	return m.addField(v, null, n)
}

// addField adds the batch's n-th record, whose aggregates' inputs are
// saved, to the group of its key column's text v (null: NULL), folding the
// batch when full.
func (m *sqlMapper) addField(v []byte, null bool, n int) error {
	g, b := m.prog, &m.batch
	if null {
		// The NULL group is kept apart (its key is not a value's bytes),
		// folded at once: its records still fold in the order they came
		// (a min's or max's first of equal values stays), and no other
		// group's fold reads its states.
		if s := m.sums; s != nil {
			s.nullRows++
			s.fold(n, &s.nullSt)
		} else {
			m.extra += g.FoldSaved(n, m.nullStates)
		}
		m.hasNull = true
		m.rows++
		return nil
	}
	// The group's value as it stands is its key in the table, as
	// groupby's is (eachGroup writes the group key).
	b.kb.start[n] = len(b.keys)
	b.keys = append(b.keys, g.FieldValue(v)...)
	b.kb.end[n] = len(b.keys)
	b.kb.n++
	if b.kb.n == batchSize {
		return m.flush()
	}
	return nil
}

// saveFields keeps the aggregates' inputs of a record as the n-th of the
// batch; false on a value error (Row.Err).
func (m *sqlMapper) saveFields(row *record.Row, n int) bool {
	if s := m.sums; s != nil {
		return s.save(m.prog, row, n)
	}
	for a, c := range m.field.Cols {
		if c < 0 {
			continue
		}
		if v, null := sqlValue(row, c); !m.prog.SaveField(n, a, v, null) {
			return false
		}
	}
	return true
}

// flush folds the batch's records into their groups, in the order they
// came. As groupby's flush does, it looks their groups up side by side
// (keyTable.probeBatch, then each group's entry and states), so that the
// cache misses of a table larger than the cache overlap.
func (m *sqlMapper) flush() error {
	if m.sums != nil {
		return flushSQLIn(m, m.sums.t)
	}
	return flushSQLIn(m, m.keys)
}

// flushSQLIn is flush over the mapper's table t: a OneColumn plan's (sums),
// whose states are in its entries (inlineSum), or keys, whose states are
// apart.
func flushSQLIn[S any](m *sqlMapper, t *keyTableOf[S]) error {
	b := &m.batch
	n := b.kb.n
	if n == 0 {
		return nil
	}
	var found [batchSize]int32
	if m.sums != nil {
		t.lookup(b.keys, &b.kb, &found)
	} else {
		m.sink += int64(lookupLoad(t, b.keys, &b.kb, &found, m.states.pages, statePageShift, m.states.na))
	}
	spilled := false
	for i := 0; i < n; i++ {
		g, first := t.groupOf(b.keys, &b.kb, &found, i, spilled)
		m.rows++
		if s := m.sums; s != nil {
			s.fold(i, inlineState(t, g))
		} else {
			if first {
				m.states.add()
			}
			m.extra += m.prog.FoldSaved(i, m.states.group(int(g)))
		}
		if first {
			s, err := grownIn(m, t)
			if err != nil {
				return err
			}
			spilled = spilled || s // the slots found above are gone
		}
	}
	b.kb.n, b.keys = 0, b.keys[:0]
	return nil
}

// grownIn follows a new group of the mapper's table t (the memory grows
// with the new groups: of the folds that wait, Program.CanDefer, only a
// min's or max's longer best text grows a state, counted in extra and
// checked with the next new group): the table is sized once it has sampleKeys groups
// (its slots at slotsAt when the part's rows are known: partRows), and spilled
// (true: the groups' indexes are gone) when its memory would pass the
// combine budget.
func grownIn[S any](m *sqlMapper, t *keyTableOf[S]) (bool, error) {
	size := t.size()
	switch {
	case !m.sized && size == sampleKeys:
		m.sized = true
		m.rowsOf.sample = m.rows
		t.sizeFor(m.rows, combineBudget.Load(), int64(m.states.na)*aggStateSize, m.rowsOf.bound(size, m.rows))
		m.check = size // what sizing allocated is checked at once
	case size == slotsAt && m.rowsOf.rows > 0:
		t.slotsFor(m.rowsOf.most(size, m.rows))
		m.check = size
	}
	if size < m.check {
		return false, nil
	}
	// What the next memCheckEvery groups will hold within the budget,
	// none of them can pass it: the next check is after them. Else every
	// group is checked, as it comes.
	budget := combineBudget.Load()
	if t.memory(memCheckEvery)+m.states.memoryFor(memCheckEvery)+m.extra <= budget {
		m.check = size + memCheckEvery
		return false, nil
	}
	m.check = size + 1
	if t.memory(1)+m.states.memory()+m.extra > budget {
		return true, m.spill()
	}
	return false, nil
}

const aggStateSize = int64(unsafe.Sizeof(sql.AggState{}))

// statePages holds the groups' aggregate states, na per group, in pages
// of statePage groups: a new group never copies the states before it (as
// one growing slice would, again and again, with the GC scanning each
// copy), and the pages stay for the groups after a spill.
type statePages struct {
	na    int
	pages [][]sql.AggState
	n     int // groups
	used  int // groups whose states were ever set: past them, a page's memory is as allocated, zero
}

const (
	statePageShift = 11
	statePage      = 1 << statePageShift
)

// add appends a group with the states of no rows.
func (p *statePages) add() {
	pg, at := uint(p.n)>>statePageShift, int(uint(p.n)&(statePage-1))*p.na
	if pg == uint(len(p.pages)) {
		// The first page grows as the table does; the next are whole.
		if pg == 0 {
			p.pages = append(p.pages, nil)
		} else {
			p.pages = append(p.pages, make([]sql.AggState, 0, statePage*p.na))
		}
	}
	s := p.pages[pg]
	if len(s) == at {
		s = grow2(s, p.na)[:at+p.na]
	}
	if p.n < p.used {
		clear(s[at : at+p.na]) // a page reused after a spill
	} else {
		p.used++
	}
	p.pages[pg] = s
	p.n++
}

// group returns the states of group g.
func (p *statePages) group(g int) []sql.AggState {
	at := int(uint(g)&(statePage-1)) * p.na
	return p.pages[uint(g)>>statePageShift][at : at+p.na : at+p.na]
}

// memory is the bytes of the groups' states (beyond what they point to).
func (p *statePages) memory() int64 { return p.memoryFor(0) }

// memoryFor is memory once next more groups are in.
func (p *statePages) memoryFor(next int) int64 { return int64((p.n+next)*p.na) * aggStateSize }

// reset empties the pages, keeping them. The states are cleared now, not
// as groups come again: what they point to (a min's text, a count
// DISTINCT's set), which the mapper's budget stops counting (extra), must
// not stay alive behind groups that do not come again, in the run after a
// spill or in the next mapper of the process (pooledStates).
func (p *statePages) reset() {
	for _, pg := range p.pages {
		clear(pg)
	}
	p.n, p.used = 0, 0
}

// spill writes what the mapper holds as a sorted run to a temporary file.
func (m *sqlMapper) spill() error {
	if err := m.spills.write(func(w io.Writer) error { _, err := m.writeRun(w); return err }); err != nil {
		return err
	}
	if m.grouped() {
		if m.sums != nil {
			m.sums.reset()
		} else {
			m.keys.reset()
		}
		m.states.reset()
		clear(m.nullStates)
		m.hasNull = false
		m.extra, m.rows, m.sized, m.check = 0, 0, false, 0
		m.rowsOf.emptied()
	} else {
		m.ents.reset()
	}
	return nil
}

// writeRun writes the held entries or groups, sorted by key, as a partial.
func (m *sqlMapper) writeRun(w io.Writer) (int64, error) {
	if m.sorted != nil {
		m.ents.sort()
		rw := runs.NewTaggedWriter(w, m.sorted.runTag())
		for i := range m.ents.ents {
			if err := rw.Add(m.ents.entry(i)); err != nil {
				return 0, err
			}
		}
		return rw.Count(), rw.Close()
	}
	if m.groupRuns != nil {
		return m.writeGroupRun(w)
	}
	e := m.j.newEncoder(w, m.header)
	var n int64
	if m.grouped() {
		err := m.eachGroup(func(key, states []byte) error {
			e.entry(key, states)
			n++
			return nil
		})
		if err != nil {
			return 0, err
		}
	} else {
		m.ents.sort()
		if lim := m.prog.Plan.Limit; lim >= 0 {
			m.ents.keepFirst(int(lim))
		}
		for i := range m.ents.ents {
			k, v := m.ents.entry(i)
			e.entry(k, v)
			n++
		}
	}
	e.flag(flagEnd)
	return n, e.flush()
}

func (m *sqlMapper) Finish(w io.Writer) (Stats, error) {
	defer m.release()
	if m.concat {
		return m.st, m.out.finish(w, magicSQLScan, m.st.RecordsOut)
	}
	if m.prog == nil && m.sorted != nil { // * and no header seen: an empty run
		return m.st, runs.NewTaggedWriter(w, m.sorted.runTag()).Close()
	}
	if m.prog == nil { // * and no header seen: an empty chunk
		e := m.j.newEncoder(w, nil)
		e.flag(flagEnd)
		return m.st, e.flush()
	}
	if err := m.flush(); err != nil {
		return m.st, err
	}
	if len(m.spills.files) == 0 {
		var err error
		m.st.RecordsOut, err = m.writeRun(w)
		m.uncountHeader()
		return m.st, err
	}
	merge := m.j.mergeTo
	if m.sorted != nil {
		merge = m.sorted.mergeTo
	} else if m.groupRuns != nil {
		merge = m.groupRuns.mergeTo
	}
	var err error
	// Every partial format of the job merges into itself, so the spills
	// merge spillFanIn at a time, as many passes as it takes.
	m.st.RecordsOut, err = m.spills.mergeRuns(w, m.spill, merge)
	m.uncountHeader()
	return m.st, err
}

// uncountHeader takes the header entry of a full sort with * (its run's
// first, after any merge of spills) out of the rows counted.
func (m *sqlMapper) uncountHeader() {
	if m.sorted != nil && m.prog.Plan.Star && m.st.RecordsOut > 0 {
		m.st.RecordsOut--
	}
}

// entryBuffer holds (key, value) entries in one arena.
type entryBuffer struct {
	data []byte
	ents []entRef
	cur  int // where the entry being built starts in data
}

type entRef struct{ off, klen, vlen uint32 }

const entSize = int64(unsafe.Sizeof(entRef{}))

// start begins an entry: its value is appended to data next, then add(key).
func (b *entryBuffer) start() { b.cur = len(b.data) }

// cancel drops the entry being built.
func (b *entryBuffer) cancel() { b.data = b.data[:b.cur] }

// add ends the entry whose value was appended since start, with key k.
func (b *entryBuffer) add(k []byte) {
	vlen := len(b.data) - b.cur
	b.data = append(b.data, k...)
	// Stored as value then key; entry() knows.
	b.ents = append(b.ents, entRef{off: uint32(b.cur), klen: uint32(len(k)), vlen: uint32(vlen)})
}

func (b *entryBuffer) entry(i int) (key, val []byte) {
	e := b.ents[i]
	v := b.data[e.off : e.off+e.vlen]
	k := b.data[e.off+e.vlen : e.off+e.vlen+e.klen]
	return k, v
}

func (b *entryBuffer) sort() {
	slices.SortFunc(b.ents, func(x, y entRef) int {
		return bytes.Compare(b.data[x.off+x.vlen:x.off+x.vlen+x.klen], b.data[y.off+y.vlen:y.off+y.vlen+y.klen])
	})
}

// keepFirst keeps the n entries of smallest key, compacting the arena.
func (b *entryBuffer) keepFirst(n int) {
	b.sort()
	if len(b.ents) <= n {
		return
	}
	kept := b.ents[:n]
	data := make([]byte, 0, len(b.data)/max(1, len(b.ents)/max(n, 1)))
	for i, e := range kept {
		off := len(data)
		data = append(data, b.data[e.off:e.off+e.vlen+e.klen]...)
		kept[i].off = uint32(off)
	}
	b.data, b.ents = data, kept
}

func (b *entryBuffer) reset() { b.data, b.ents = b.data[:0], b.ents[:0] }

// newEncoder starts a magicSQL partial: the fingerprint, then the columns *
// stood for (a count of 0 and no names without *; 1<<32 when unknown).
func (j *sqlJob) newEncoder(w io.Writer, header []string) *encoder {
	e := newEncoder(w, magicSQL)
	var fp [8]byte
	binary.BigEndian.PutUint64(fp[:], j.fp)
	e.w.Write(fp[:])
	if header == nil && j.query.HasStar() {
		e.uvarint(unknownHeader)
		return e
	}
	e.uvarint(uint64(len(header)))
	for _, h := range header {
		e.bytes([]byte(h))
	}
	return e
}

const unknownHeader = 1 << 32

// sqlRun reads the sorted entries of one magicSQL partial.
type sqlRun struct {
	d      *decoder
	k, v   []byte
	prev   []byte
	first  bool
	header []string
	known  bool // header is known (always without *)
}

func (r *sqlRun) key() []byte { return r.k }

func (r *sqlRun) next() (bool, error) {
	k, v, whole := r.d.entry(r.prev, r.v)
	if !whole {
		ok, err := r.d.flag()
		if !ok || err != nil {
			return false, err
		}
		if k, err = r.d.bytes(r.prev); err != nil {
			return false, err
		}
		if v, err = r.d.bytes(r.v); err != nil {
			return false, err
		}
	}
	if !r.first && bytes.Compare(r.k, k) > 0 {
		return false, r.d.corrupt("keys out of order", nil)
	}
	r.prev, r.k, r.v = r.k, k, v
	r.first = false
	return true, nil
}

// openRuns opens the partials and returns them with the columns * stood
// for (nil without *), checking that every partial agrees.
func (j *sqlJob) openRuns(partials []io.Reader) ([]*sqlRun, []string, error) {
	runs := make([]*sqlRun, len(partials))
	var header []string
	known := false
	from := 0
	for i, p := range partials {
		d, err := newDecoder(p, "sql", magicSQL, i)
		if err != nil {
			return nil, nil, err
		}
		var fp [8]byte
		if _, err := io.ReadFull(d.r, fp[:]); err != nil {
			return nil, nil, d.corrupt("truncated fingerprint", err)
		}
		if binary.BigEndian.Uint64(fp[:]) != j.fp {
			return nil, nil, d.corrupt("a partial of another query or schema, or of an older encoding", nil)
		}
		n, err := d.uvarint()
		if err != nil {
			return nil, nil, err
		}
		r := &sqlRun{d: d, first: true}
		if n != unknownHeader {
			if n > 1<<20 {
				return nil, nil, d.corrupt("too many columns", nil)
			}
			r.known = true
			for k := uint64(0); k < n; k++ {
				b, err := d.bytes(nil)
				if err != nil {
					return nil, nil, err
				}
				r.header = append(r.header, string(b))
			}
			if !known {
				header, known, from = r.header, true, i
			} else if !slices.Equal(header, r.header) {
				return nil, nil, fmt.Errorf("sql: %w: partial %d has %s, partial %d has %s", errColumnsDiffer,
					from, strings.Join(header, ","), i, strings.Join(r.header, ","))
			}
		}
		runs[i] = r
	}
	if !j.query.HasStar() {
		header = nil
	}
	return runs, header, nil
}

// merge calls emit with every entry of the partials in key order; for an
// aggregate, entries of equal keys come merged into one. It returns the
// plan (nil when * stood for no known columns: every partial was empty).
func (j *sqlJob) merge(partials []io.Reader, emit func(p *sql.Program, key, val []byte, st []sql.AggState) (bool, error)) (*sql.Program, []string, error) {
	runs, header, err := j.openRuns(partials)
	if err != nil {
		return nil, nil, err
	}
	var prog *sql.Program
	if header != nil || !j.query.HasStar() {
		plan, err := j.plan(header)
		if err != nil {
			return nil, nil, err
		}
		prog = plan.NewProgram()
	}
	mg := newMerger(runs)
	var st, other []sql.AggState
	if prog != nil && prog.Plan.Kind == sql.Aggregate {
		st, other = prog.NewStates(), prog.NewStates()
	}
	for {
		grp, err := mg.next()
		if err != nil {
			return nil, nil, err
		}
		if grp == nil {
			return prog, header, nil
		}
		if prog == nil {
			return nil, nil, runs[grp[0]].d.corrupt("entries in a partial without columns", nil)
		}
		if st == nil { // rows: keys are unique, but emit each
			for _, i := range grp {
				more, err := emit(prog, runs[i].k, runs[i].v, nil)
				if err != nil || !more {
					return prog, header, err
				}
			}
			continue
		}
		first := runs[grp[0]]
		if err := prog.DecodeStates(first.v, st); err != nil {
			return nil, nil, first.d.corrupt(err.Error(), nil)
		}
		for _, i := range grp[1:] {
			if err := prog.DecodeStates(runs[i].v, other); err != nil {
				return nil, nil, runs[i].d.corrupt(err.Error(), nil)
			}
			prog.Merge(st, other)
		}
		more, err := emit(prog, first.k, nil, st)
		if err != nil || !more {
			return prog, header, err
		}
	}
}

func (j *sqlJob) Merge(w io.Writer, partials []io.Reader) error {
	_, err := j.mergeTo(w, partials)
	return err
}

// mergeTo merges partials into one on w and returns its number of entries.
// Rows past a LIMIT are dropped: no gather can need them.
func (j *sqlJob) mergeTo(w io.Writer, partials []io.Reader) (int64, error) {
	var e *encoder
	var n int64
	var buf []byte
	prog, header, err := j.merge(partials, func(p *sql.Program, key, val []byte, st []sql.AggState) (bool, error) {
		if e == nil {
			e = j.newEncoder(w, headerOf(p, j))
		}
		if st != nil {
			buf = p.AppendStates(buf[:0], st)
			val = buf
		}
		e.entry(key, val)
		n++
		lim := p.Plan.Limit
		return st != nil || lim < 0 || n < lim, nil
	})
	if err != nil {
		return n, err
	}
	if e == nil {
		if prog != nil {
			header = headerOf(prog, j)
		}
		e = j.newEncoder(w, header)
	}
	e.flag(flagEnd)
	return n, e.flush()
}

// headerOf is the columns * stood for in the program's plan, nil without *.
func headerOf(p *sql.Program, j *sqlJob) []string {
	if !j.query.HasStar() {
		return nil
	}
	return p.Plan.StarHeader
}

// mergeFunc calls emit with every entry (row, or merged group) of a job's
// partials in key order, as sqlJob.merge does.
type mergeFunc func(emit func(p *sql.Program, key, val []byte, st []sql.AggState) (bool, error)) (*sql.Program, []string, error)

func (j *sqlJob) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	return j.output(w, func(emit func(p *sql.Program, key, val []byte, st []sql.AggState) (bool, error)) (*sql.Program, []string, error) {
		return j.merge(partials, emit)
	})
}

// output writes the output of the entries merge gives: rows as they come,
// groups after HAVING, sorted by ORDER BY.
func (j *sqlJob) output(w io.Writer, merge mergeFunc) (Stats, error) {
	var st Stats
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	wroteHeader := false
	writeHeader := func(p *sql.Program) {
		if !wroteHeader {
			bw.Write(p.Plan.Header())
			wroteHeader = true
		}
	}
	var sorted *groupSorter
	defer func() {
		if sorted != nil {
			sorted.spills.close()
		}
	}()
	groups := 0
	prog, _, err := merge(func(p *sql.Program, key, val []byte, states []sql.AggState) (bool, error) {
		writeHeader(p)
		groups++
		lim := p.Plan.Limit
		if states == nil { // rows, in order
			bw.Write(val)
			st.RecordsOut++
			return lim < 0 || st.RecordsOut < lim, nil
		}
		if p.Direct() {
			var err error
			if line, err = p.AppendGroupRow(line[:0], key, states); err != nil {
				return false, fmt.Errorf("sql: %w: %w", ErrCorruptPartial, err)
			}
			bw.Write(line)
			st.RecordsOut++
			return lim < 0 || st.RecordsOut < lim, nil
		}
		if err := p.LoadGroup(key, states); err != nil {
			return false, fmt.Errorf("sql: %w: %w", ErrCorruptPartial, err)
		}
		return j.emitGroup(p, key, bw, &line, &sorted, &st)
	})
	if err != nil {
		return st, err
	}
	if prog == nil {
		// * over inputs that were all empty: CSV ones have DuckDB's
		// column0 (plan.EmptyCSVColumns), others no columns to name.
		if record.Of(j.query.From, record.Auto) != record.CSV {
			return st, bw.Flush()
		}
		p, err := j.plan(emptyCSVColumns)
		if err != nil {
			return st, err
		}
		prog = p.NewProgram()
	}
	writeHeader(prog)
	if prog.Global() && groups == 0 {
		// An aggregate without GROUP BY has one row, even over no records.
		states := prog.NewStates()
		if err := prog.LoadGroup(nil, states); err != nil {
			return st, err
		}
		if _, err := j.emitGroup(prog, nil, bw, &line, &sorted, &st); err != nil {
			return st, err
		}
	}
	if sorted != nil {
		n, err := sorted.writeTo(bw, prog.Plan.Limit)
		st.RecordsOut += n
		if err != nil {
			return st, err
		}
	}
	return st, bw.Flush()
}

// emptyCSVColumns are the columns of a CSV input without a record, as
// DuckDB's read_csv gives them (plan.EmptyCSVColumns).
var emptyCSVColumns = []string{"column0"}

// groupSorter sorts an aggregate's output rows by their ORDER BY key (then
// group key order) in the reducer: in memory up to combineBudget, past it
// as sorted runs spilled to temporary files and merged at the end (an
// external sort), so that the reducer's memory does not grow with the
// number of groups. The sort is the one reducer's: the groups are
// partitioned by group key, not by the ORDER BY key (docs/sql.md).
type groupSorter struct {
	buf    entryBuffer
	spills spillFiles
}

// added checks the memory after a row was added, spilling past the budget.
func (g *groupSorter) added(limit int64) error {
	b := &g.buf
	if limit >= 0 && int64(len(b.ents)) > 2*limit+1024 {
		b.keepFirst(int(limit))
	}
	if int64(len(b.data))+int64(len(b.ents))*entSize <= combineBudget.Load() {
		return nil
	}
	return g.spill(limit)
}

// spill writes the held rows as a sorted run to a temporary file.
func (g *groupSorter) spill(limit int64) error {
	err := g.spills.write(func(w io.Writer) error {
		g.buf.sort()
		if limit >= 0 {
			g.buf.keepFirst(int(limit))
		}
		rw := runs.NewWriter(w)
		for i := range g.buf.ents {
			if err := rw.Add(g.buf.entry(i)); err != nil {
				return err
			}
		}
		return rw.Close()
	})
	g.buf.reset()
	return err
}

// writeTo writes the rows in order (the first limit, when limit >= 0) and
// returns how many.
func (g *groupSorter) writeTo(w io.Writer, limit int64) (int64, error) {
	var n int64
	err := g.each(limit, func(_, v []byte) error {
		if limit < 0 || n < limit {
			n++
			_, err := w.Write(v)
			return err
		}
		return nil
	})
	return n, err
}

// each calls fn with every row's key and value in key order.
func (g *groupSorter) each(limit int64, fn func(k, v []byte) error) error {
	if len(g.spills.files) == 0 {
		g.buf.sort()
		for i := range g.buf.ents {
			if err := fn(g.buf.entry(i)); err != nil {
				return err
			}
		}
		return nil
	}
	// The spills merge spillFanIn at a time into fewer runs, as many
	// passes as it takes, then once more into fn.
	_, err := g.spills.mergeAll(io.Discard, func() error {
		if err := g.spill(limit); err != nil {
			return err
		}
		return g.spills.reduce(mergeRowRuns, spillFanIn())
	}, func(_ io.Writer, files []io.Reader) (int64, error) {
		rs, err := runs.Readers(files, "sql: sorted groups spill")
		if err != nil {
			return 0, err
		}
		return 0, runs.Merge(rs, func(k []byte, vals [][]byte) error { return fn(k, vals[0]) })
	})
	return err
}

// mergeRowRuns merges groupSorter's spilled runs (keys unique) into one.
func mergeRowRuns(w io.Writer, files []io.Reader) (int64, error) {
	rs, err := runs.Readers(files, "sql: sorted groups spill")
	if err != nil {
		return 0, err
	}
	rw := runs.NewWriter(w)
	err = runs.Merge(rs, func(k []byte, vals [][]byte) error {
		for _, v := range vals {
			if err := rw.Add(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return rw.Count(), rw.Close()
}

// emitGroup writes a loaded group's row (after HAVING), or, under ORDER
// BY, keeps it for sorting at the end, keyed by its ORDER BY key then its
// group key (unique, so ties come in group key order wherever they are
// sorted).
func (j *sqlJob) emitGroup(p *sql.Program, key []byte, bw *bufio.Writer, line *[]byte, sorted **groupSorter, st *Stats) (bool, error) {
	p.Reset()
	if !p.Having() {
		return true, groupError(p)
	}
	lim := p.Plan.Limit
	if p.Plan.Ordered() {
		if *sorted == nil {
			*sorted = &groupSorter{}
		}
		g := *sorted
		b := &g.buf
		b.start()
		b.data = p.AppendRow(b.data)
		*line = p.AppendOrderKey((*line)[:0])
		*line = append(*line, key...)
		b.add(*line)
		if err := groupError(p); err != nil {
			return false, err
		}
		return true, g.added(lim)
	}
	*line = p.AppendRow((*line)[:0])
	if err := groupError(p); err != nil {
		return false, err
	}
	bw.Write(*line)
	st.RecordsOut++
	return lim < 0 || st.RecordsOut < lim, nil
}

// groupError is the value error the loaded group met (nil without one),
// naming the group (sql.Program.AppendGroup) unless there is one group.
func groupError(p *sql.Program) error {
	err := p.Row.Err.AsError()
	if err == nil || p.Global() {
		return err
	}
	return fmt.Errorf("group %s: %w", p.AppendGroup(nil), err)
}

func (j *sqlConcatJob) Merge(w io.Writer, partials []io.Reader) error {
	return mergeBlocks(w, partials, "sql", magicSQLScan)
}

// OutputPrefix is the output's header row.
func (j *sqlConcatJob) OutputPrefix() []byte {
	p, _ := j.plan(nil)
	return p.Header()
}

func (j *sqlConcatJob) OutputRanges(r io.ReaderAt, size int64, i int) ([]Range, int64, error) {
	return blockRanges(r, size, "sql", magicSQLScan, i)
}

func (j *sqlConcatJob) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	return outputBlocks(w, j.OutputPrefix(), partials, "sql", magicSQLScan)
}

// sqlSortJob is a full sort (sql.Plan.FullSort: ORDER BY without LIMIT).
// Its partials are sorted runs (package runs) tagged with the query's
// fingerprint: an entry per row, keyed by the row's ORDER BY key
// (order-preserving bytes: ASC/DESC and NULLS FIRST/LAST per key) then its
// input position (object ordinal, byte offset), so no two keys are equal
// and ties keep input order; the value is the row's CSV line. With *, whose
// columns the inputs decide, a row's key starts with starRowKey and every
// run that saw a header holds it as an entry of key starHeaderKey, which
// sorts first: the output's first line, wherever the ranges are cut. As a
// runs.Keyed job the framework merges it, and gathers it by ranges of that
// key, P reducers in parallel, into the bytes one reducer would write.
type sqlSortJob struct{ *sqlJob }

// The keys of a full sort with *: the header's, then every row's prefix.
var starHeaderKey = []byte{0}

const starRowKey = 1

// HeaderEntry reports the entry that holds the output's header, which is
// not a row (runs.HeaderEntries).
func (j *sqlSortJob) HeaderEntry(key []byte) bool {
	return j.query.HasStar() && bytes.Equal(key, starHeaderKey)
}

// runTag is the tag of the job's runs: "sql", then the fingerprint, so a
// reducer refuses another query's partial.
func (j *sqlSortJob) runTag() []byte {
	return binary.BigEndian.AppendUint64([]byte("sql"), j.fp)
}

// CombineValues keeps the one header of the runs of a query with *, which
// must agree; rows never share a key, which holds the row's input position
// (runs.Keyed).
func (j *sqlSortJob) CombineValues(dst, key []byte, values [][]byte) ([]byte, error) {
	if j.HeaderEntry(key) {
		for _, v := range values[1:] {
			if !bytes.Equal(v, values[0]) {
				return nil, fmt.Errorf("sql: %w: %q and %q", errColumnsDiffer, bytes.TrimSuffix(values[0], []byte("\n")), bytes.TrimSuffix(v, []byte("\n")))
			}
		}
		return append(dst, values[0]...), nil
	}
	return nil, fmt.Errorf("sql: %w: %d rows with one sort key %x (keys end with the row's input position)", ErrCorruptPartial, len(values), key)
}

// OutputHeader is the output's header row (runs.Keyed); with *, nothing:
// the runs hold it (HeaderEntry).
func (j *sqlSortJob) OutputHeader() []byte {
	if j.query.HasStar() {
		return nil
	}
	p, _ := j.plan(nil) // planned in newSQL
	return p.Header()
}

// AppendOutput appends a row's CSV line, its value (runs.Keyed).
func (j *sqlSortJob) AppendOutput(dst, key, value []byte) ([]byte, error) {
	return append(dst, value...), nil
}

func (j *sqlSortJob) mergeTo(w io.Writer, partials []io.Reader) (int64, error) {
	return mergeRuns(w, j, partials, "sql", j.runTag())
}

func (j *sqlSortJob) Merge(w io.Writer, partials []io.Reader) error {
	_, err := j.mergeTo(w, partials)
	return err
}

func (j *sqlSortJob) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	return outputRuns(w, j, partials, "sql", j.runTag())
}

// ParquetPredicate lets a Parquet reader skip the row groups, pages and
// rows (a batch's doubles tested before any row is made) that a WHERE of
// one untyped column against a number rules out, as select's --where
// does; nil for any other query (and for SELECT *, planned per input).
func (j *sqlJob) ParquetPredicate() pq.Predicate {
	if j.query.HasStar() {
		return nil
	}
	p, _ := j.plan(nil) // planned in newSQL
	return (&rowFilter{plan: p}).parquetPredicate()
}

// ParquetColumns types a Parquet output by the query's select list: by
// the type the query gives an item, else, over Parquet inputs, by the
// input's type (input-types) of a column it selects as it stands (also
// through *, and as a group key), or takes the min or max of, and a sum of
// one as DuckDB types it (a DECIMAL(p,s)'s DECIMAL(38,s), an integer's or
// a float's DOUBLE), and integer or decimal arithmetic on such columns as
// DuckDB types it (arithTypeOf); any other column the query leaves untyped (an input
// column no schema or Parquet type types) by its values, as DuckDB's CSV
// sniffer types them (pq.OutInfer).
func (j *sqlJob) ParquetColumns(header []string) []pq.OutputColumn {
	p, err := j.outputPlan(header)
	if err != nil {
		return nil
	}
	if p == nil {
		return pq.ByValues()
	}
	cols := make([]pq.OutputColumn, len(p.Types))
	for i, t := range p.Types {
		cols[i] = parquetColumnOf(t)
		if c, ok := j.inputTypeOf(p, i, t); ok {
			cols[i] = c
		}
		if c, ok := j.arithTypeOf(p, i); ok {
			cols[i] = c
		}
	}
	return cols
}

// arithTypeOf is the output column of select item i when it is integer or
// decimal arithmetic over Parquet inputs' columns (id + 1, qty * 2, dec *
// 2, a - b, u8 + 1), a CAST to an integer or DECIMAL type, or a sum, min
// or max of such: DuckDB's type of it (sql.Plan.ItemNumType), an INTEGER +
// an INTEGER an INTEGER, a UTINYINT + 1 a UTINYINT, a DECIMAL(9,2) * 2 a
// DECIMAL(18,2), CAST(x AS INTEGER) an INTEGER, sum(n * n) a HUGEINT
// (written as DuckDB writes one, a DOUBLE). A value past the
// type (where DuckDB fails the query on an overflow) fails the output,
// naming the column, as the writer refuses it.
func (j *sqlJob) arithTypeOf(p *sql.Plan, i int) (pq.OutputColumn, bool) {
	t, ok := p.ItemNumType(i, j.numTypes(p))
	switch {
	case !ok:
		return pq.OutputColumn{}, false
	case t.Bits > 64:
		return pq.OutputColumn{Kind: pq.OutDouble}, true // DuckDB's HUGEINT is a DOUBLE in Parquet
	case t.Bits > 0:
		return pq.OutputColumn{Kind: pq.OutInteger, Bits: t.Bits, Unsigned: t.Unsigned}, true
	}
	return pq.OutputColumn{Kind: pq.OutDecimal, Precision: t.Width, Scale: t.Scale}, true
}

// numTypes gives plan p's input column c's integer or decimal type in the
// Parquet inputs (input-types), for sql.Plan.ItemNumType.
func (j *sqlJob) numTypes(p *sql.Plan) func(c int) (sql.NumType, bool) {
	return func(c int) (sql.NumType, bool) {
		name, ok := j.inputTypes[p.Columns[c]]
		if !ok {
			return sql.NumType{}, false
		}
		switch in := pq.OutputForType(name); {
		case in.Kind == pq.OutInteger:
			return sql.NumType{Bits: in.Bits, Unsigned: in.Unsigned}, true
		case in.Kind == pq.OutDecimal:
			return sql.NumType{Width: in.Precision, Scale: in.Scale}, true
		}
		return sql.NumType{}, false
	}
}

// compile compiles the query for a header (nil without *), its decimal
// arithmetic over Parquet DECIMAL columns typed as DuckDB's
// (sql.Plan.ScaleDecimals), so that it prints with DuckDB's scale.
func (j *sqlJob) compile(header []string) (*sql.Plan, error) {
	p, err := sql.CompileInputs(j.text, j.schema, header, j.inputs)
	if err != nil {
		return nil, err
	}
	if len(j.inputTypes) > 0 {
		p.ScaleDecimals(j.numTypes(p))
	}
	return p, nil
}

// outputPlan is the plan whose select list the output's header is: the
// query's, or with *, planned over the header's columns that have an
// input type, when the plan's names are the header (nil otherwise: its
// columns are typed by their values).
func (j *sqlJob) outputPlan(header []string) (*sql.Plan, error) {
	if !j.query.HasStar() {
		return j.plan(nil)
	}
	var cols []string
	for _, h := range header {
		if _, ok := j.inputTypes[h]; ok && !slices.Contains(cols, h) {
			cols = append(cols, h)
		}
	}
	if len(cols) == 0 {
		return nil, nil
	}
	p, err := j.plan(cols)
	if err != nil || !slices.Equal(p.Names, header) {
		return nil, nil
	}
	return p, nil
}

// inputTypeOf is the output column of select item i (of type t) that a
// Parquet input's type gives it, when the query leaves it untyped: see
// ParquetColumns.
func (j *sqlJob) inputTypeOf(p *sql.Plan, i int, t sql.Type) (pq.OutputColumn, bool) {
	c, fn, ok := p.ItemSource(i)
	if !ok {
		return pq.OutputColumn{}, false
	}
	name, ok := j.inputTypes[p.Columns[c]]
	if !ok {
		return pq.OutputColumn{}, false
	}
	in := pq.OutputForType(name)
	if k := p.ColumnTypes[c].Kind; k == sql.KBigint && in.Kind == pq.OutInteger && (fn == "" || fn == "min" || fn == "max") {
		// A narrower integer the dialect reads as BIGINT: a Hive
		// partition column the query's hive_types types INTEGER.
		return in, t.Kind == sql.KBigint
	} else if k != sql.KText {
		return pq.OutputColumn{}, false
	}
	switch fn {
	case "", "min", "max":
		return in, t.Kind == sql.KText
	case "sum":
		switch in.Kind {
		case pq.OutDecimal:
			return pq.OutputColumn{Kind: pq.OutDecimal, Precision: 38, Scale: in.Scale}, true
		case pq.OutInteger, pq.OutInt64, pq.OutFloat, pq.OutDouble:
			return pq.OutputColumn{Kind: pq.OutDouble}, true // DuckDB's HUGEINT is a DOUBLE in Parquet
		}
	}
	return pq.OutputColumn{}, false
}

// parquetColumnOf is the output column of a query's type: an untyped one
// by its values (pq.OutInfer).
func parquetColumnOf(t sql.Type) pq.OutputColumn {
	switch t.Kind {
	case sql.KBool:
		return pq.OutputColumn{Kind: pq.OutBoolean}
	case sql.KBigint:
		return pq.OutputColumn{Kind: pq.OutInt64}
	case sql.KDouble:
		if t == sql.TFloat {
			return pq.OutputColumn{Kind: pq.OutFloat}
		}
		return pq.OutputColumn{Kind: pq.OutDouble}
	case sql.KDate:
		return pq.OutputColumn{Kind: pq.OutDate}
	case sql.KTimestamp:
		return pq.OutputColumn{Kind: pq.OutTimestamp}
	case sql.KTimestampNS:
		return pq.OutputColumn{Kind: pq.OutTimestampNS}
	case sql.KDecimal:
		if t.Scale < 0 {
			return pq.OutputColumn{Kind: pq.OutDecimal, Precision: 38, Scale: pq.InferScale}
		}
		return pq.OutputColumn{Kind: pq.OutDecimal, Precision: t.Width, Scale: t.Scale}
	case sql.KText:
		return pq.OutputColumn{Kind: pq.OutInfer}
	}
	return pq.OutputColumn{Kind: pq.OutString}
}
