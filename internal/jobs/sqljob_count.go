package jobs

// CountsRows reports whether the mapper takes a Parquet row group's rows
// as their count (feed.RowCounter): a query that reads no column and
// whose every aggregate is count(*), with no WHERE or GROUP BY
// (sql.Program.CountsRows).
func (m *sqlMapper) CountsRows() bool {
	return m.prog != nil && m.keys != nil && len(m.prog.Plan.Columns) == 0 && m.prog.CountsRows()
}

// Rows folds n rows of no column into the query's one group, as n calls
// of Row would (feed.RowCounter).
func (m *sqlMapper) Rows(n int64) error {
	if m.deferred && m.batch.kb.n > 0 {
		if err := m.flush(); err != nil {
			return err
		}
	}
	g := m.prog
	m.keyBuf = g.AppendGroupKey(m.keyBuf[:0])
	idx := int(m.keys.add(m.keyBuf))
	if m.keys.ents[idx].count == 1 {
		m.states.add()
	}
	g.FoldRows(m.states.group(idx), n)
	return nil
}
