package plan

import (
	"fmt"

	"github.com/scattergather/scattergather/internal/pq"
)

// Scan is what a job's mappers will fetch of its planned chunks, known
// before running it from the Parquet footers Resolve read: only the column
// chunks of the columns the job reads, and none of the row groups whose
// min/max statistics rule out its filter. Text parts are read whole.
type Scan struct {
	// Read is the bytes the mappers fetch: text parts whole, and of Parquet
	// parts the footer (each mapper reads it again) and the kept row groups'
	// chunks of the job's columns.
	Read int64 `json:"readBytes"`
	// Skipped is the Parquet bytes not fetched: other columns' chunks and
	// pruned row groups.
	Skipped int64 `json:"skippedBytes"`
	// RowGroups of the Parquet parts, and how many the filter prunes.
	RowGroups       int `json:"rowGroups"`
	RowGroupsPruned int `json:"rowGroupsPruned"`
	// ParquetRead is the part of Read fetched from Parquet parts, of their
	// ParquetBytes, so that a job whose inputs mix text and Parquet can say
	// what pruning saves of the Parquet alone.
	ParquetRead  int64 `json:"parquetReadBytes"`
	ParquetBytes int64 `json:"parquetBytes"`
}

// EstimateScan prices the reads of chunks (planned from objs, in Resolve's
// order) for a job that reads columns of a Parquet object (nil: every
// column) and, when pred is not nil, prunes row groups by it, as the
// mapper's reader does. A column pred names that a file lacks is an
// InputError naming the file.
func EstimateScan(objs []Object, chunks []Chunk, columns []string, pred pq.Predicate) (Scan, error) {
	var s Scan
	for _, c := range chunks {
		for _, p := range c.Parts {
			if p.Format != FormatParquet {
				s.Read += p.End - p.Start
				continue
			}
			if p.Ordinal < 0 || p.Ordinal >= len(objs) || objs[p.Ordinal].Parquet == nil {
				return s, fmt.Errorf("part of %s: no footer of object %d to price it by", p.Source, p.Ordinal)
			}
			if err := s.addParquet(objs[p.Ordinal].Parquet, p, columns, pred); err != nil {
				return s, &InputError{Input: p.Source, Err: err}
			}
		}
	}
	return s, nil
}

// addParquet adds the reads of one Parquet part: its footer, then each row
// group it owns (those whose first byte lies in [Start, End)).
func (s *Scan) addParquet(f *pq.Footer, p Part, columns []string, pred pq.Predicate) error {
	before := s.Read
	defer func() { s.ParquetRead += s.Read - before }()
	s.ParquetBytes += p.End - p.Start
	s.Read += f.BytesRead
	for _, g := range f.RowGroups() {
		if g.Start < p.Start || g.Start >= p.End {
			continue
		}
		s.RowGroups++
		all := f.ColumnBytes(g.Index, nil)
		if pred != nil {
			out, err := f.CannotMatch(g.Index, pred)
			if err != nil {
				return err
			}
			if out {
				s.RowGroupsPruned++
				s.Skipped += all
				continue
			}
		}
		n := f.ColumnBytes(g.Index, columns)
		s.Read += n
		s.Skipped += all - n
	}
	return nil
}
