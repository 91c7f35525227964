package jobs

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/scattergather/scattergather/internal/runs"
	"github.com/scattergather/scattergather/internal/sql"
)

// RangeRuns is a keyed job (runs.Keyed) whose output is not in the order
// of its partials' keys: a range reducer writes the output of its range of
// keys as a sorted run of its own (OutputRangeRun), and a second round of
// the gather cuts those runs' keys into spans, each merged into a part of
// the output (OutputSpan), instead of concatenating the ranges.
type RangeRuns interface {
	// OutputRangeRun merges readers (one range of keys of every partial)
	// and writes their output lines as a sorted run, returning how many.
	OutputRangeRun(w io.Writer, readers []*runs.Reader) (int64, error)
	// RangeRunTag is the tag of the runs OutputRangeRun writes.
	RangeRunTag() []byte
	// OutputSpan merges readers (one span of the sort keys of every range
	// run, in range order) and writes their lines, the header first when
	// first, returning how many lines of rows: one part of the output,
	// whose parts in span order are the output.
	OutputSpan(w io.Writer, readers []*runs.Reader, first bool) (int64, error)
	// OutputMergedRanges writes the output: the header, then the lines of
	// the ranges' runs (OutputRangeRun's, in range order) merged, in one
	// process (the gather of a definition without the sort round).
	OutputMergedRanges(w io.Writer, ranges []io.Reader) (Stats, error)
}

// sqlGroupJob is an aggregate over groups without LIMIT (sql.Plan.GroupRuns).
// Its partials are sorted runs tagged with the query's fingerprint: an
// entry per group, keyed by the group key, whose value is the group's
// aggregate states (sql.Program.AppendStates). As a runs.Keyed job its
// partials merge by group key, and the gather can cut the group keys into
// P ranges: each range reducer merges its groups and writes their rows
// (after HAVING), in group key order, as the output of its range; the
// ranges are assembled in order (or left as part files) into the bytes the
// one reducer writes. With ORDER BY it is a sqlGroupSortJob.
type sqlGroupJob struct {
	*sqlJob
	progs sync.Pool // *groupProgram, for CombineValues, AppendOutput and the merges of Output and OutputRangeRun
}

// sqlGroupSortJob is an aggregate over groups with ORDER BY and without
// LIMIT (sql.Plan.GroupSort): a sqlGroupJob whose range reducers sort their
// rows by their ORDER BY key then group key (RangeRuns: a sorted run of its
// own), and whose sort round's writers each merge a span of that key of the
// P sorted runs (OutputSpan), the spans assembled in order into the bytes
// the one reducer writes (whose rows have the same keys, so ties come in
// group key order either way).
type sqlGroupSortJob struct {
	*sqlGroupJob
}

// groupProgram is a program of the query with two sets of states to
// decode a group's values into.
type groupProgram struct {
	g         *sql.Program
	st, other []sql.AggState
}

// runTag is the tag of the mappers' runs; rangeTag that of the ranges'.
func (j *sqlGroupJob) runTag() []byte {
	return binary.BigEndian.AppendUint64([]byte("sqlg"), j.fp)
}

func (j *sqlGroupSortJob) rangeTag() []byte {
	return binary.BigEndian.AppendUint64([]byte("sqlr"), j.fp)
}

// program returns a program of the query (put it back with j.progs.Put).
func (j *sqlGroupJob) program() *groupProgram {
	if g, ok := j.progs.Get().(*groupProgram); ok {
		return g
	}
	p, _ := j.plan(nil) // planned in newSQL
	g := p.NewProgram()
	return &groupProgram{g: g, st: g.NewStates(), other: g.NewStates()}
}

// combine decodes values (a group's states from several runs) and merges
// them into st.
func combineStates(g *sql.Program, values [][]byte, st, other []sql.AggState) error {
	if err := g.DecodeStates(values[0], st); err != nil {
		return fmt.Errorf("sql: %w: %w", ErrCorruptPartial, err)
	}
	for _, v := range values[1:] {
		if err := g.DecodeStates(v, other); err != nil {
			return fmt.Errorf("sql: %w: %w", ErrCorruptPartial, err)
		}
		g.Merge(st, other)
	}
	return nil
}

// CombineValues merges a group's states from several runs (runs.Keyed).
func (j *sqlGroupJob) CombineValues(dst, key []byte, values [][]byte) ([]byte, error) {
	gp := j.program()
	defer j.progs.Put(gp)
	if err := combineStates(gp.g, values, gp.st, gp.other); err != nil {
		return nil, err
	}
	return gp.g.AppendStates(dst, gp.st), nil
}

// OutputHeader is the output's header row (runs.Keyed).
func (j *sqlGroupJob) OutputHeader() []byte {
	p, _ := j.plan(nil) // planned in newSQL
	return p.Header()
}

// AppendOutput appends a group's row, nothing when HAVING drops it
// (runs.Keyed).
func (j *sqlGroupJob) AppendOutput(dst, key, value []byte) ([]byte, error) {
	return j.AppendOutputValues(dst, key, [][]byte{value})
}

// AppendOutputValues appends the row of a group whose states are values
// (from several runs), nothing when HAVING drops it (runs.ValuesOutput). A
// sqlGroupJob's output is in group key order, which runs.OutputTo gives; a
// sqlGroupSortJob's is in ORDER BY order, which Output and the ranges' runs
// (RangeRuns) give.
func (j *sqlGroupJob) AppendOutputValues(dst, key []byte, values [][]byte) ([]byte, error) {
	gp := j.program()
	defer j.progs.Put(gp)
	g := gp.g
	if g.Direct() {
		return directRow(g.AppendGroupRowValues(dst, key, values))
	}
	if err := combineStates(g, values, gp.st, gp.other); err != nil {
		return nil, err
	}
	if err := g.LoadGroup(key, gp.st); err != nil {
		return nil, fmt.Errorf("sql: %w: %w", ErrCorruptPartial, err)
	}
	g.Reset()
	if !g.Having() {
		return dst, groupError(g)
	}
	dst = g.AppendRow(dst)
	return dst, groupError(g)
}

func (j *sqlGroupJob) mergeTo(w io.Writer, partials []io.Reader) (int64, error) {
	return mergeRuns(w, j, partials, "sql", j.runTag())
}

func (j *sqlGroupJob) Merge(w io.Writer, partials []io.Reader) error {
	_, err := j.mergeTo(w, partials)
	return err
}

// errStop ends a merge early.
var errStop = errors.New("stop")

// mergeGroups merges the groups of the readers' runs with gp (the
// caller's, from j.program, put back once nothing uses it), calling emit
// with each group's key and merged states in group key order.
func (j *sqlGroupJob) mergeGroups(gp *groupProgram, rs []*runs.Reader, emit func(p *sql.Program, key, val []byte, st []sql.AggState) (bool, error)) error {
	g := gp.g
	err := runs.Merge(rs, func(key []byte, vals [][]byte) error {
		if err := combineStates(g, vals, gp.st, gp.other); err != nil {
			return err
		}
		more, err := emit(g, key, nil, gp.st)
		if err == nil && !more {
			err = errStop
		}
		return err
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return corruptRun(err)
}

// directRow passes on the row of a group of a Direct plan
// (sql.Program.AppendGroupRowValues), naming its error a corrupt partial.
func directRow(dst []byte, err error) ([]byte, error) {
	if err != nil {
		err = corruptState(err)
	}
	return dst, err
}

// corruptState is the error of a group whose states did not decode (out
// of directRow, which inlines).
func corruptState(err error) error { return fmt.Errorf("sql: %w: %w", ErrCorruptPartial, err) }

// directOutput is a sqlGroupJob of a Direct plan bound to one program: the
// one reducer's Output writes its rows through runs.OutputTo, as groupby's
// does, with no program taken from the pool per group. Its methods have
// pointer receivers: a value receiver's, called through the interface,
// goes through a generated wrapper per group.
type directOutput struct {
	*sqlGroupJob
	g *sql.Program
}

// AppendOutputValues appends the row of the group of key from its runs'
// values (runs.OutputTo's callback), as the program's AppendGroupRowValues
// writes it; a state that does not decode is ErrCorruptPartial.
func (d *directOutput) AppendOutputValues(dst, key []byte, values [][]byte) ([]byte, error) {
	return directRow(d.g.AppendGroupRowValues(dst, key, values))
}

// Output is the one reducer's: the groups merged by key, then, with ORDER
// BY, sorted.
func (j *sqlGroupJob) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	rs, err := openRuns(partials, "sql", j.runTag())
	if err != nil {
		return Stats{}, err
	}
	// output uses the program after the merge (its plan: the header, the
	// LIMIT), so it goes back to the pool only when output has returned.
	gp := j.program()
	defer j.progs.Put(gp)
	if gp.g.Direct() {
		// No LIMIT (GroupRuns) and no ORDER BY or HAVING (Direct): the
		// header, then each group's row in key order.
		n, err := runs.OutputTo(w, &directOutput{j, gp.g}, rs, true)
		return Stats{RecordsOut: n}, corruptRun(err)
	}
	return j.output(w, func(emit func(p *sql.Program, key, val []byte, st []sql.AggState) (bool, error)) (*sql.Program, []string, error) {
		return gp.g, nil, j.mergeGroups(gp, rs, emit)
	})
}

// OutputRangeRun merges a range of groups and writes their rows (after
// HAVING) as a run sorted by ORDER BY key then group key (RangeRuns).
func (j *sqlGroupSortJob) OutputRangeRun(w io.Writer, rs []*runs.Reader) (int64, error) {
	var sorted *groupSorter
	defer func() {
		if sorted != nil {
			sorted.spills.close()
		}
	}()
	var line []byte
	var st Stats
	gp := j.program()
	defer j.progs.Put(gp)
	err := j.mergeGroups(gp, rs, func(p *sql.Program, key, _ []byte, states []sql.AggState) (bool, error) {
		if err := p.LoadGroup(key, states); err != nil {
			return false, fmt.Errorf("sql: %w: %w", ErrCorruptPartial, err)
		}
		return j.emitGroup(p, key, nil, &line, &sorted, &st)
	})
	if err != nil {
		return 0, err
	}
	rw := runs.NewTaggedWriter(w, j.rangeTag())
	if sorted != nil {
		if err := sorted.each(-1, rw.Add); err != nil {
			return 0, err
		}
	}
	return rw.Count(), rw.Close()
}

// RangeRunTag is the tag of the range runs (RangeRuns).
func (j *sqlGroupSortJob) RangeRunTag() []byte { return j.rangeTag() }

// OutputSpan writes the header when first, then merges the rows of a span
// of the range runs (RangeRuns).
func (j *sqlGroupSortJob) OutputSpan(w io.Writer, rs []*runs.Reader, first bool) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if first {
		bw.Write(j.OutputHeader())
	}
	var n int64
	err := runs.Merge(rs, func(_ []byte, vals [][]byte) error {
		for _, v := range vals {
			n++
			bw.Write(v)
		}
		return nil
	})
	if err != nil {
		return n, corruptRun(err)
	}
	return n, bw.Flush()
}

// OutputMergedRanges writes the header, then merges the ranges' sorted
// rows (RangeRuns).
func (j *sqlGroupSortJob) OutputMergedRanges(w io.Writer, ranges []io.Reader) (Stats, error) {
	rs, err := openRuns(ranges, "sql range", j.rangeTag())
	if err != nil {
		return Stats{}, err
	}
	n, err := j.OutputSpan(w, rs, true)
	return Stats{RecordsOut: n}, err
}

// writeGroupRun writes the mapper's groups as a sorted run keyed by group
// key (sqlGroupJob) and returns its entries.
func (m *sqlMapper) writeGroupRun(w io.Writer) (int64, error) {
	rw := runs.NewTaggedWriter(w, m.groupRuns.runTag())
	var err error
	if m.sums != nil {
		err = m.writeSumRun(rw)
	} else {
		err = m.eachGroup(rw.Add)
	}
	if err != nil {
		return 0, err
	}
	return rw.Count(), rw.Close()
}

// writeSumRun is eachGroup(rw.Add) of a OneColumn plan's groups (sums,
// always fed from the fields), as groupby's writeRunIn writes its groups:
// per group one call of forSorted's emit, which writes the key, the
// states and the entry itself, where eachGroup calls a closure for the
// states and another for the entry.
func (m *sqlMapper) writeSumRun(rw *runs.Writer) error {
	s, g := m.sums, m.prog
	var buf, kbuf []byte
	// nil load: forSorted itself reads the batch's entries, all this reads.
	err := s.t.forSorted(nil, func(key []byte, i int32) error {
		e := &s.t.ents[i]
		// Appended to in locals, stored back only when they grew (see
		// eachGroupIn).
		b := g.AppendSumStates(buf[:0], e.count, e.st.n, e.st.dec(s.bigSums))
		if cap(b) > cap(buf) {
			buf = b
		}
		k := g.AppendFieldKey(kbuf[:0], key)
		if cap(k) > cap(kbuf) {
			kbuf = k
		}
		return rw.Add(k, b)
	})
	if err != nil || !m.hasNull {
		return err
	}
	return rw.Add(sql.AppendNullKey(kbuf[:0]), s.appendStates(g, buf[:0], s.nullRows, &s.nullSt))
}

// eachGroup calls fn with the mapper's groups in key order: each key and
// its encoded states (valid until the next call). A mapper fed from the
// fields (byField) holds the groups' values: each group's key is written
// here, and the NULL group's comes last, as its key sorts.
func (m *sqlMapper) eachGroup(fn func(key, states []byte) error) error {
	if s := m.sums; s != nil {
		// nil load: the states are in the entries, which forSorted reads.
		return eachGroupIn(m, s.t, nil, func(dst []byte, g int32) []byte {
			e := &s.t.ents[g]
			return s.appendStates(m.prog, dst, e.count, &e.st)
		}, func(dst []byte) []byte {
			return s.appendStates(m.prog, dst, s.nullRows, &s.nullSt)
		}, fn)
	}
	return eachGroupIn(m, m.keys, func(g int32) {
		if m.states.na > 0 {
			m.sink += m.states.group(int(g))[0].N()
		}
	}, func(dst []byte, g int32) []byte {
		return m.prog.AppendStates(dst, m.states.group(int(g)))
	}, func(dst []byte) []byte {
		return m.prog.AppendStates(dst, m.nullStates)
	}, fn)
}

// eachGroupIn is eachGroup over the mapper's table t: load reads what
// states will of group g (keyTableOf.forSorted), states appends group g's
// encoded states, null the NULL group's.
func eachGroupIn[S any](m *sqlMapper, t *keyTableOf[S], load func(g int32), states func(dst []byte, g int32) []byte, null func(dst []byte) []byte, fn func(key, states []byte) error) error {
	var buf, kbuf []byte
	err := t.forSorted(load, func(key []byte, g int32) error {
		// Appended to in locals, which are stored back only when they
		// grew: a store through the closure's reference to buf is one
		// with a write barrier, paid per group while the GC marks.
		b := states(buf[:0], g)
		if cap(b) > cap(buf) {
			buf = b
		}
		if m.byField {
			k := m.prog.AppendFieldKey(kbuf[:0], key)
			if cap(k) > cap(kbuf) {
				kbuf = k
			}
			key = k
		}
		return fn(key, b)
	})
	if err != nil || !m.hasNull {
		return err
	}
	return fn(sql.AppendNullKey(kbuf[:0]), null(buf[:0]))
}
