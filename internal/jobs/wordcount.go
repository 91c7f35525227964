package jobs

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

func init() {
	Register(Definition{
		Name:    "wordcount",
		Summary: "count words (runs of bytes other than space, \\t, \\n, \\r, \\v, \\f); output word<TAB>count per distinct word, sorted",
		New: func(p Params) (Job, error) {
			strict, err := ParseStrict(p)
			if err != nil {
				return nil, fmt.Errorf("wordcount: %w", err)
			}
			return &wordcount{strict: strict}, nil
		},
	})
}

type wordcount struct{ strict bool }

func (*wordcount) NeedsHeader() bool { return false }

func (*wordcount) NewMapper() Mapper {
	return &wordcountMapper{index: make(map[string]int32, 1024)}
}

// wordcountMapper combines in memory: one entry per distinct word. Looking a
// word up as index[string(b)] does not allocate; only a new word does.
type wordcountMapper struct {
	index  map[string]int32
	words  []string
	counts []int64
	st     Stats
}

func (m *wordcountMapper) StartPart(Part) error { return nil }

func (m *wordcountMapper) Record(line []byte, _ int64) error {
	m.st.RecordsIn++
	i, n := 0, len(line)
	for i < n {
		for i < n && isWordSep[line[i]] {
			i++
		}
		start := i
		for i < n && !isWordSep[line[i]] {
			i++
		}
		if i > start {
			w := line[start:i]
			if k, ok := m.index[string(w)]; ok {
				m.counts[k]++
			} else {
				s := string(w)
				m.index[s] = int32(len(m.words))
				m.words = append(m.words, s)
				m.counts = append(m.counts, 1)
			}
		}
	}
	return nil
}

func (m *wordcountMapper) Finish(w io.Writer) (Stats, error) {
	order := make([]int32, len(m.words))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch {
		case m.words[a] < m.words[b]:
			return -1
		case m.words[a] > m.words[b]:
			return 1
		}
		return 0
	})
	e := newEncoder(w, magicWordcount)
	for _, k := range order {
		e.flag(flagEntry)
		e.uvarint(uint64(len(m.words[k])))
		e.w.WriteString(m.words[k])
		e.uvarint(uint64(m.counts[k]))
	}
	e.flag(flagEnd)
	m.st.RecordsOut = int64(len(m.words))
	return m.st, e.flush()
}

// wordRun reads the sorted entries of one wordcount partial.
type wordRun struct {
	d     *decoder
	word  []byte
	prev  []byte
	count int64
	first bool
}

func (r *wordRun) key() []byte { return r.word }

func (r *wordRun) next() (bool, error) {
	ok, err := r.d.flag()
	if !ok || err != nil {
		return false, err
	}
	r.prev, r.word = r.word, r.prev
	if r.word, err = r.d.bytes(r.word); err != nil {
		return false, err
	}
	if r.count, err = r.d.int64(); err != nil {
		return false, err
	}
	if err := sortedKey(r.d, r.prev, r.word, r.first); err != nil {
		return false, err
	}
	r.first = false
	return true, nil
}

func openWordRuns(partials []io.Reader) ([]*wordRun, error) {
	runs := make([]*wordRun, len(partials))
	for i, p := range partials {
		d, err := newDecoder(p, "wordcount", magicWordcount, i)
		if err != nil {
			return nil, err
		}
		runs[i] = &wordRun{d: d, first: true}
	}
	return runs, nil
}

// mergeWords calls emit for every distinct word of the partials, in byte
// order, with its total count.
func mergeWords(partials []io.Reader, emit func(word []byte, count int64)) error {
	runs, err := openWordRuns(partials)
	if err != nil {
		return err
	}
	m := newMerger(runs)
	for {
		group, err := m.next()
		if err != nil {
			return err
		}
		if group == nil {
			return nil
		}
		var total int64
		for _, i := range group {
			if runs[i].count > math.MaxInt64-total {
				return runs[i].d.corrupt("word count overflows", nil)
			}
			total += runs[i].count
		}
		emit(runs[group[0]].word, total)
	}
}

func (*wordcount) Merge(w io.Writer, partials []io.Reader) error {
	e := newEncoder(w, magicWordcount)
	err := mergeWords(partials, func(word []byte, count int64) {
		e.flag(flagEntry)
		e.bytes(word)
		e.uvarint(uint64(count))
	})
	if err != nil {
		return err
	}
	e.flag(flagEnd)
	return e.flush()
}

func (*wordcount) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	var st Stats
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	err := mergeWords(partials, func(word []byte, count int64) {
		line = append(line[:0], word...)
		line = append(line, '\t')
		line = strconv.AppendInt(line, count, 10)
		line = append(line, '\n')
		bw.Write(line)
		st.RecordsOut++
	})
	if err != nil {
		return st, err
	}
	return st, bw.Flush()
}
