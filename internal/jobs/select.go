package jobs

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/record"
)

func init() {
	Register(Definition{
		Name:    "select",
		Version: versions["select"],
		Summary: "rows of a CSV (with a header) or JSON Lines input that satisfy --where, projected on --columns, as CSV in input order",
		Params: []Param{
			{Name: "where", Usage: "condition 'COLUMN OP VALUE' (OP one of > >= < <= == !=, numeric when both sides are numbers) or a SQL expression (= <>, AND, OR, NOT, BETWEEN, IN, LIKE, IS NULL, DATE '...', functions: docs/sql.md); every row when empty"},
			whereSchemaParam,
			{Name: "columns", Usage: "comma-separated columns to output, e.g. sourceIP,adRevenue", Required: true},
			{Name: "format", Usage: "input format: csv (with a header row) or jsonl", Default: formatCSV},
			{Name: "input-types", Usage: "set by the planner (job select, Parquet inputs): a JSON object of the --columns' types in the inputs, which a .parquet output keeps"},
		},
		New: newSelect,
	})
}

type selectJob struct {
	where   *rowFilter
	columns []string // output columns, as given
	read    []string // distinct columns read
	out     []int    // output column -> position in read
	format  record.Format
	strict  bool
	types   map[string]string // input-types: DuckDB type names by column
}

func newSelect(p Params) (Job, error) {
	j := &selectJob{}
	var err error
	if j.strict, j.format, err = tableParams(p); err != nil {
		return nil, fmt.Errorf("select: %w", err)
	}
	if j.columns, err = parseColumns("columns", p["columns"]); err != nil {
		return nil, fmt.Errorf("select: %w", err)
	}
	var set columnSet
	for _, c := range j.columns {
		j.out = append(j.out, set.add(c))
	}
	if j.where, err = whereParam(p, &set); err != nil {
		return nil, fmt.Errorf("select: %w", err)
	}
	j.read = set.names
	if t := p["input-types"]; t != "" {
		if err := json.Unmarshal([]byte(t), &j.types); err != nil {
			return nil, fmt.Errorf("select: input-types %q: not a JSON object of type names (leave it unset: the planner sets it): %w", t, err)
		}
	}
	return j, nil
}

func (j *selectJob) Input() Input { return Input{Format: j.format, Columns: j.read} }

func (j *selectJob) NewMapper() Mapper { return &selectMapper{j: j, where: j.where.newMatcher()} }

type selectMapper struct {
	j     *selectJob
	where *rowMatcher
	out   outBuffer
	st    Stats
}

func (m *selectMapper) StartPart(p Part) error {
	m.where.setSource(p.Source)
	return nil
}

func (m *selectMapper) Row(r *record.Row) error {
	if keep, err := m.where.keep(r, &m.st, m.j.strict); !keep {
		return err
	}
	for i, c := range m.j.out {
		if i > 0 {
			m.out.buf = append(m.out.buf, ',')
		}
		m.out.buf = r.AppendCSV(m.out.buf, c)
	}
	m.out.buf = append(m.out.buf, '\n')
	m.st.RecordsOut++
	return m.out.check()
}

func (m *selectMapper) Finish(w io.Writer) (Stats, error) {
	return m.st, m.out.finish(w, magicSelect, m.st.RecordsOut)
}

func (*selectJob) Merge(w io.Writer, partials []io.Reader) error {
	return mergeBlocks(w, partials, "select", magicSelect)
}

// OutputPrefix is the output's header row.
func (j *selectJob) OutputPrefix() []byte { return csvline.Header(j.columns) }

func (*selectJob) OutputRanges(r io.ReaderAt, size int64, i int) ([]Range, int64, error) {
	return blockRanges(r, size, "select", magicSelect, i)
}

func (j *selectJob) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	return outputBlocks(w, j.OutputPrefix(), partials, "select", magicSelect)
}

// ParquetPredicate lets a Parquet reader skip the row groups and pages
// whose statistics rule out a 'COL OP VALUE' --where, or an expression
// that is one comparison of a column with a number (any other expression
// prunes nothing yet).
func (j *selectJob) ParquetPredicate() pq.Predicate { return j.where.parquetPredicate() }

// ParquetColumns types a Parquet output: a column of Parquet inputs keeps
// its type there (input-types), any other is typed by its values as
// DuckDB's CSV sniffer would type them (pq.OutInfer).
func (j *selectJob) ParquetColumns([]string) []pq.OutputColumn {
	cols := make([]pq.OutputColumn, len(j.columns))
	for i, c := range j.columns {
		cols[i].Kind = pq.OutInfer
		if t, ok := j.types[c]; ok {
			cols[i] = pq.OutputForType(t)
		}
	}
	return cols
}
