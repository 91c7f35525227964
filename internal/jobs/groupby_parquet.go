package jobs

import (
	"github.com/scattergather/scattergather/internal/jobs/decimal"
	"github.com/scattergather/scattergather/internal/pq"
)

// ParquetBatches implements feed.ColumnMapper: groupby takes a Parquet
// span's rows a batch at a time when its --where, if any, compares a
// DOUBLE column with a number (batchFilter: the batch's doubles are tested
// before any row is made; another --where tests a record.Row per row):
// each row's key is its bytes in the decoded page for a VARCHAR key, its
// text otherwise (keyTexts: what Row would get), and its numbers are
// decoded from the column without being printed and parsed again
// (decimal.FromDouble for a DOUBLE, the integer or decimal itself
// otherwise); only min and max print the value, whose text they keep.
func (m *groupbyMapper) ParquetBatches(r *pq.Reader) bool {
	j := m.j
	m.filter = nil
	if j.where != nil {
		if m.filter = newBatchFilter(j.where, r); m.filter == nil {
			return false
		}
	}
	m.minMax = false
	for _, a := range j.aggs {
		m.minMax = m.minMax || a.fn == aggMin || a.fn == aggMax
	}
	return true
}

// keyTexts holds the texts of a batch's keys when the key column is not
// VARCHAR (an integer, a date, a boolean...): each the value's text, as a
// record.Row of the row would hold it (pq.Reader.Text), copied into one
// buffer, since Text's is the next row's.
type keyTexts struct {
	buf  []byte
	ends []int
	vals [][]byte
	null []bool
}

// texts is the key texts of r's batch of n rows, as r.Bytes gives a
// VARCHAR column's: under a filter only for the rows of sel it keeps (the
// others are never read), for every row otherwise.
func (t *keyTexts) texts(r *pq.Reader, c, n int, sel []int32) ([][]byte, []bool) {
	if cap(t.vals) < n {
		t.vals, t.null, t.ends = make([][]byte, n), make([]bool, n), make([]int, n)
	}
	t.vals, t.null, t.ends = t.vals[:n], t.null[:n], t.ends[:n]
	t.buf = t.buf[:0]
	forRows(n, sel, func(i int) {
		r.At(i)
		if t.null[i] = r.Null(c); !t.null[i] {
			t.buf = append(t.buf, r.Text(c)...)
		}
		t.ends[i] = len(t.buf)
	})
	start := 0 // the texts are cut once the buffer has stopped growing
	forRows(n, sel, func(i int) {
		t.vals[i] = t.buf[start:t.ends[i]:t.ends[i]]
		start = t.ends[i]
	})
	return t.vals, t.null
}

// forRows calls fn with each row of a batch of n rows, in order: those sel
// keeps when not nil (not those in doubt, ^i), else every row.
func forRows(n int, sel []int32, fn func(i int)) {
	if sel == nil {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	for _, i := range sel {
		if i >= 0 {
			fn(int(i))
		}
	}
}

// maxDictEntries is the largest key dictionary whose batches ParquetBatch
// aggregates by dictionary index: a batch's rows then fold into one
// accumulator per entry, and each entry it used is looked up in the table
// once. A larger dictionary holds about one row per entry and batch, and its
// rows take the table's batched lookups instead.
const maxDictEntries = 4096

// dictAgg is one batch's rows aggregated by their key's dictionary index.
type dictAgg struct {
	slot  []int32       // per dictionary index: 1 + its place in used, 0 when unused
	used  []int32       // the dictionary indexes of the batch's rows, in order of use
	count []int64       // rows per used entry
	vals  []decimal.Dec // per used entry, per aggregate: the sum
}

// ParquetBatch implements feed.ColumnMapper: it adds rows [0, n) of r's
// batch to the groups as Row would. A row whose key is null or whose number
// the vectors do not give exactly (a null, an infinity, a double of more
// than 6 places, a decimal too long for an int64) goes to row, which feeds
// it to Row: the same skip or the same value, from its text. When the key
// column's batch is dictionary-encoded (a small dictionary), the rows are
// summed per dictionary entry first and each entry's key is looked up once.
// Under a --where only the rows its batch filter keeps are added, those in
// doubt by row.
func (m *groupbyMapper) ParquetBatch(r *pq.Reader, n int, row func(i int) error) error {
	j := m.j
	var sel []int32 // under a filter: the rows it keeps (batchFilter.rows); rows [0, n) otherwise
	rows := n
	if m.filter != nil {
		sel = m.filter.rows(r, n)
		n = len(sel)
	}
	na := len(j.aggs)
	keys, keyNull, ok := r.Bytes(j.keyAt)
	if !ok {
		keys, keyNull = m.keyText.texts(r, j.keyAt, rows, sel)
	}
	idx, dict, _, byDict := r.Dictionary(j.keyAt)
	byDict = byDict && len(dict) <= maxDictEntries && !m.minMax
	if m.minMax && len(m.texts) < na {
		m.texts = make([][]byte, na)
	}
	if cap(m.floats) < na {
		m.floats = make([][]float64, na)
		m.floatNull = make([][]bool, na)
	}
	for a := range j.aggs {
		m.floats[a] = nil
		if j.parse[a] && r.Double(j.aggAt[a]) {
			m.floats[a], m.floatNull[a], _ = r.Floats(j.aggAt[a])
		}
	}
	if !byDict && !m.minMax && m.allDoubles() {
		return m.sumDoubles(keys, keyNull, n, sel, row)
	}
	da := &m.dict
	if byDict && len(da.slot) < len(dict) {
		da.slot = make([]int32, len(dict))
	}
	for k := 0; k < n; k++ {
		i, err := m.batchRow(sel, k, row)
		if err != nil {
			return err
		} else if i < 0 {
			continue
		}
		ok := !keyNull[i]
		for a := 0; a < na && ok; a++ {
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
		if ok && m.minMax {
			r.At(i)
			for a, agg := range j.aggs {
				if agg.fn == aggMin || agg.fn == aggMax {
					m.texts[a] = r.Text(j.aggAt[a])
				}
			}
		}
		switch {
		case !ok:
			err = row(i)
		case byDict:
			m.addByIndex(idx[i])
		default:
			err = m.push(keys[i], nil)
		}
		if err != nil {
			return err
		}
	}
	if !byDict {
		return nil
	}
	for u, x := range da.used {
		da.slot[x] = 0
		if err := m.addGroup(dict[x], da.count[u], da.vals[u*na:(u+1)*na]); err != nil {
			return err
		}
	}
	da.used = da.used[:0]
	return nil
}

// batchRow is the row of ParquetBatch's batch at place k: k itself without
// a filter, else sel[k]; a row in doubt (batchFilter.rows) it hands to row,
// which tests it as Row does, and returns -1.
func (m *groupbyMapper) batchRow(sel []int32, k int, row func(i int) error) (int, error) {
	if m.filter == nil {
		return k, nil
	}
	if i := int(sel[k]); i >= 0 {
		return i, nil
	}
	return -1, row(^int(sel[k]))
}

// addByIndex adds the row's numbers (m.vals) to the accumulator of its key's
// dictionary entry x.
func (m *groupbyMapper) addByIndex(x int32) {
	j, da := m.j, &m.dict
	na := len(j.aggs)
	u := int(da.slot[x]) - 1
	if u < 0 {
		u = len(da.used)
		da.slot[x] = int32(u + 1)
		da.used = append(da.used, x)
		if len(da.count) <= u {
			da.count = append(da.count, 0)
			da.vals = append(da.vals, make([]decimal.Dec, na)...)
		}
		da.count[u] = 0
	}
	acc := da.vals[u*na : (u+1)*na]
	for a, agg := range j.aggs {
		if agg.fn == aggCount {
			continue
		}
		if v := m.vals[j.aggAt[a]]; da.count[u] == 0 {
			acc[a] = v
		} else {
			acc[a] = decimal.Add(acc[a], v)
		}
	}
	da.count[u]++
}

// addGroup folds n rows of one key, whose sums are vals, into its group.
func (m *groupbyMapper) addGroup(key []byte, n int64, vals []decimal.Dec) error {
	if m.j.keyLen > 0 && len(key) > m.j.keyLen {
		key = key[:m.j.keyLen]
	}
	var first bool
	if m.sums != nil {
		first = addGroupIn(m, m.sums, key, n, vals)
	} else {
		first = addGroupIn(m, m.plain, key, n, vals)
	}
	m.rows += int(n)
	if first {
		_, err := m.grown()
		return err
	}
	return nil
}

// addGroupIn is addGroup's fold into the mapper's table t; it reports
// whether the group is new.
func addGroupIn[S any](m *groupbyMapper, t *keyTableOf[S], key []byte, n int64, vals []decimal.Dec) bool {
	g := t.add(key)
	first := t.ents[g].count == 1
	t.ents[g].count += n - 1
	if first {
		m.newStates()
	}
	foldIn(m, t, g, first, vals, nil) // no min or max: see ParquetBatch
	return first
}

// allDoubles reports whether every aggregate that reads its column's
// numbers reads a DOUBLE column of this batch (m.floats).
func (m *groupbyMapper) allDoubles() bool {
	for a := range m.j.aggs {
		if m.j.parse[a] && m.floats[a] == nil {
			return false
		}
	}
	return true
}

// sumDoubles is ParquetBatch for a job without min or max whose numbers are
// all DOUBLE columns, by plain dictionary-less keys: each row's key and
// exact decimals go straight into the batch flush folds (push's work,
// without its per-column copy), and a row the vectors do not give exactly
// goes to row, as in ParquetBatch. It takes n rows: under a filter those of
// sel, rows [0, n) otherwise.
func (m *groupbyMapper) sumDoubles(keys [][]byte, keyNull []bool, n int, sel []int32, row func(i int) error) error {
	j := m.j
	na := len(j.aggs)
	b := &m.batch
	b.init(na)
	for k := 0; k < n; k++ {
		i, err := m.batchRow(sel, k, row)
		switch {
		case err != nil:
			return err
		case i < 0:
			continue // in doubt: row took it
		}
		bk := b.kb.n
		vals := b.vals[bk*na : (bk+1)*na]
		ok := !keyNull[i]
		for a := 0; a < na && ok; a++ {
			switch {
			case j.parse[a]:
				if m.floatNull[a][i] {
					ok = false
				} else {
					vals[a], ok = decimal.FromDouble(m.floats[a][i])
				}
			case j.same[a] >= 0:
				vals[a] = vals[j.same[a]] // a column an earlier aggregate parsed
			}
		}
		if !ok {
			if err := row(i); err != nil {
				return err
			}
			continue
		}
		key := keys[i]
		if j.keyLen > 0 && len(key) > j.keyLen {
			key = key[:j.keyLen]
		}
		b.kb.start[bk] = len(b.keys)
		b.keys = append(b.keys, key...)
		b.kb.end[bk] = len(b.keys)
		if b.kb.n++; b.kb.n == batchSize {
			if err := m.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// ParquetPredicate lets a Parquet reader skip the row groups and pages whose
// statistics rule out --where, as select's does (a 'COL OP VALUE' condition
// or an expression that is one comparison of a column with a number).
func (j *groupby) ParquetPredicate() pq.Predicate { return j.where.parquetPredicate() }
