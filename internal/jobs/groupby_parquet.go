package jobs

import (
	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/pq"
)

// ParquetBatches implements feed.ColumnMapper: groupby takes a Parquet
// span's rows a batch at a time when its key is a VARCHAR column and every
// aggregate is count, sum or avg with no --where: each row's key is its
// bytes in the decoded page, and its numbers are decoded from the column
// without being printed and parsed again (decimal.FromDouble for a DOUBLE,
// the integer or decimal itself otherwise). Min and max keep their text, and
// --where tests the row: those take a record.Row per row.
func (m *groupbyMapper) ParquetBatches(r *pq.Reader) bool {
	j := m.j
	if j.where != nil {
		return false
	}
	if _, _, ok := r.Bytes(j.keyAt); !ok {
		return false
	}
	for _, a := range j.aggs {
		if a.fn == aggMin || a.fn == aggMax {
			return false
		}
	}
	return true
}

// ParquetBatch implements feed.ColumnMapper: it adds rows [0, n) of r's
// batch to the groups as Row would. A row whose key is null or whose number
// the vectors do not give exactly (a null, an infinity, a double of more
// than 6 places, a decimal too long for an int64) goes to row, which feeds
// it to Row: the same skip or the same value, from its text.
func (m *groupbyMapper) ParquetBatch(r *pq.Reader, n int, row func(i int) error) error {
	j := m.j
	keys, keyNull, _ := r.Bytes(j.keyAt)
	if cap(m.floats) < len(j.aggs) {
		m.floats = make([][]float64, len(j.aggs))
		m.floatNull = make([][]bool, len(j.aggs))
	}
	for a := range j.aggs {
		m.floats[a] = nil
		if j.parse[a] && r.Double(j.aggAt[a]) {
			m.floats[a], m.floatNull[a], _ = r.Floats(j.aggAt[a])
		}
	}
	for i := 0; i < n; i++ {
		ok := !keyNull[i]
		for a := 0; a < len(j.aggs) && ok; a++ {
			if !j.parse[a] {
				continue // count, or a column an earlier aggregate parsed
			}
			var d decimal.Dec
			if f := m.floats[a]; f != nil {
				if !m.floatNull[a][i] {
					d, ok = decimal.FromDouble(f[i])
				} else {
					ok = false
				}
			} else {
				r.At(i)
				var u int64
				var scale int
				u, scale, ok = r.Decimal(j.aggAt[a])
				d = decimal.New(u, scale)
			}
			m.vals[j.aggAt[a]] = d
		}
		var err error
		if ok {
			err = m.push(keys[i], nil)
		} else {
			err = row(i)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
