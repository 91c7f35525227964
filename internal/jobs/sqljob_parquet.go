package jobs

import (
	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/pq"
)

// ParquetBatches implements feed.ColumnMapper: an aggregate fed from its
// fields (sql.Program.FieldAggregate) with no WHERE, grouped by a prefix of
// a VARCHAR column, whose aggregates are count(*) and counts, sums and avgs
// of DOUBLE columns (sql.Program.DoubleFields), takes a Parquet span's rows
// a batch at a time: each row's key is its bytes in the decoded page and
// its doubles are the column's values, not printed and parsed again as a
// record.Row's texts would be, and nothing is allocated per row.
func (m *sqlMapper) ParquetBatches(r *pq.Reader) bool {
	g := m.prog
	if g == nil || !m.byField || m.sums != nil || m.textCol >= 0 || m.fieldWhere || !g.DoubleFields() {
		return false
	}
	if _, _, ok := r.Bytes(m.field.KeyCol); !ok {
		return false
	}
	for _, c := range m.field.Cols {
		if c >= 0 && !r.Double(c) {
			return false
		}
	}
	if len(m.floats) < len(m.field.Cols) {
		m.floats = make([][]float64, len(m.field.Cols))
		m.floatNull = make([][]bool, len(m.field.Cols))
	}
	m.prog.ReserveSaved(batchSize)
	return true
}

// ParquetBatch implements feed.ColumnMapper: it adds rows [0, n) of r's
// batch to their groups as Row would (aggregateFields). A row with a
// double decimal.FromDouble does not give (an infinity, a NaN, one of more
// than 6 places) goes to row, which feeds it to Row: those take the path
// of their text.
func (m *sqlMapper) ParquetBatch(r *pq.Reader, n int, row func(i int) error) error {
	g := m.prog
	keys, keyNull, _ := r.Bytes(m.field.KeyCol)
	for a, c := range m.field.Cols {
		m.floats[a] = nil
		if c >= 0 {
			m.floats[a], m.floatNull[a], _ = r.Floats(c)
		}
	}
rows:
	for i := 0; i < n; i++ {
		k := m.batch.kb.n
		for a, vals := range m.floats[:len(m.field.Cols)] {
			if vals == nil {
				continue // count(*)
			}
			if m.floatNull[a][i] {
				g.SaveFloat(k, a, 0, true)
				continue
			}
			// What the row's text reads as: parseDouble's decimal of it
			// (decimal.FromDouble, the decimal of the text without
			// printing it) rounded to a double (a -0 reads as 0).
			d, ok := decimal.FromDouble(vals[i])
			if !ok {
				if err := row(i); err != nil {
					return err
				}
				continue rows
			}
			g.SaveFloat(k, a, decimal.Float64(d), false)
		}
		m.batchRows++
		if err := m.addField(keys[i], keyNull[i], k); err != nil {
			return err
		}
	}
	return nil
}
