package jobs

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"fmt"
	"io"
	"slices"
	"strconv"
)

func init() {
	Register(Definition{
		Name:    "search",
		Version: versions["search"],
		Summary: "the K lines with the most whole-word, case-insensitive occurrences of the query terms: score<TAB>SRC:OFFSET<TAB>line",
		Params: []Param{
			{Name: "query", Usage: "search terms, separated by spaces", Required: true},
			{Name: "k", Usage: "how many top lines to output", Default: "10"},
			columnParam,
		},
		New: newSearch,
	})
}

type search struct {
	terms  [][]byte // lower-case, distinct
	k      int
	column string // Parquet: the column read as lines
}

func newSearch(p Params) (Job, error) {
	if _, err := ParseStrict(p); err != nil { // search has no malformed records
		return nil, fmt.Errorf("search: %w", err)
	}
	terms := queryTerms(p["query"])
	if len(terms) == 0 {
		return nil, fmt.Errorf("search: --query has no terms")
	}
	k, err := parseK(cmp.Or(p["k"], "10")) // the Param's default, for callers that leave it unset
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return &search{terms: terms, k: k, column: p["column"]}, nil
}

// queryTerms splits a query on ASCII whitespace, lower-cases ASCII letters
// and drops repeated terms, keeping the first.
func queryTerms(q string) [][]byte {
	var terms [][]byte
	for _, f := range bytes.FieldsFunc([]byte(q), func(r rune) bool { return r < 0x80 && isWordSep[r] }) {
		t := bytes.Clone(f)
		lowerASCII(t)
		if !slices.ContainsFunc(terms, func(x []byte) bool { return bytes.Equal(x, t) }) {
			terms = append(terms, t)
		}
	}
	return terms
}

func lowerASCII(b []byte) {
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
}

// isWordByte reports [A-Za-z0-9_].
var isWordByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	}
	return t
}()

// score counts the whole-word occurrences of terms in low, a lower-cased line.
// Every start position counts, so occurrences of a term may overlap when the
// term itself holds non-word bytes.
func score(low []byte, terms [][]byte) int64 {
	var n int64
	for _, t := range terms {
		for i := 0; i+len(t) <= len(low); {
			j := bytes.Index(low[i:], t)
			if j < 0 {
				break
			}
			p := i + j
			end := p + len(t)
			if (p == 0 || !isWordByte[low[p-1]]) && (end == len(low) || !isWordByte[low[end]]) {
				n++
			}
			i = p + 1
		}
	}
	return n
}

func (s *search) Input() Input { return Input{Column: s.column} }

func (s *search) NewMapper() Mapper { return &searchMapper{s: s, top: &topK{k: s.k}} }

// hit is one scored line.
type hit struct {
	score  int64
	ord    int64
	offset int64
	source string
	line   []byte
}

// better orders hits: higher score first, then input order.
func better(a, b *hit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.ord != b.ord {
		return a.ord < b.ord
	}
	return a.offset < b.offset
}

// topK keeps the k best hits: a heap whose root is the worst kept.
type topK struct {
	k    int
	hits []*hit
}

func (t *topK) Len() int           { return len(t.hits) }
func (t *topK) Less(i, j int) bool { return better(t.hits[j], t.hits[i]) }
func (t *topK) Swap(i, j int)      { t.hits[i], t.hits[j] = t.hits[j], t.hits[i] }
func (t *topK) Push(x any)         { t.hits = append(t.hits, x.(*hit)) }
func (t *topK) Pop() any {
	n := len(t.hits) - 1
	h := t.hits[n]
	t.hits = t.hits[:n]
	return h
}

// offer keeps the hit if it is among the k best so far; it copies the line
// (into the evicted hit's buffer when one is evicted).
func (t *topK) offer(score, ord, offset int64, source string, line []byte) {
	if len(t.hits) < t.k {
		h := &hit{score: score, ord: ord, offset: offset, source: source, line: append([]byte{}, line...)}
		heap.Push(t, h)
		return
	}
	cand := hit{score: score, ord: ord, offset: offset}
	worst := t.hits[0]
	if !better(&cand, worst) {
		return
	}
	worst.score, worst.ord, worst.offset, worst.source = score, ord, offset, source
	worst.line = append(worst.line[:0], line...)
	heap.Fix(t, 0)
}

// sorted returns the kept hits, best first.
func (t *topK) sorted() []*hit {
	out := slices.Clone(t.hits)
	slices.SortFunc(out, func(a, b *hit) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	return out
}

type searchMapper struct {
	s    *search
	top  *topK
	part Part
	low  []byte
	st   Stats
}

func (m *searchMapper) StartPart(p Part) error {
	m.part = p
	return nil
}

func (m *searchMapper) Record(line []byte, offset int64) error {
	m.st.RecordsIn++
	m.low = append(m.low[:0], line...)
	lowerASCII(m.low)
	if n := score(m.low, m.s.terms); n > 0 {
		m.top.offer(n, int64(m.part.Ordinal), offset, m.part.Source, line)
	}
	return nil
}

func (m *searchMapper) Finish(w io.Writer) (Stats, error) {
	e := newEncoder(w, magicSearch)
	hits := m.top.sorted()
	writeHits(e, hits)
	m.st.RecordsOut = int64(len(hits))
	return m.st, e.flush()
}

func writeHits(e *encoder, hits []*hit) {
	for _, h := range hits {
		e.flag(flagEntry)
		e.uvarint(uint64(h.score))
		e.uvarint(uint64(h.ord))
		e.uvarint(uint64(h.offset))
		e.uvarint(uint64(len(h.source)))
		e.w.WriteString(h.source)
		e.bytes(h.line)
	}
	e.flag(flagEnd)
}

// top reads every hit of the partials and keeps the k best.
func (s *search) top(partials []io.Reader) ([]*hit, error) {
	t := &topK{k: s.k}
	var src, line []byte
	sources := map[string]string{} // one string per distinct source
	for i, p := range partials {
		d, err := newDecoder(p, "search", magicSearch, i)
		if err != nil {
			return nil, err
		}
		for {
			ok, err := d.flag()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			var h hit
			if h.score, err = d.int64(); err != nil {
				return nil, err
			}
			if h.ord, err = d.int64(); err != nil {
				return nil, err
			}
			if h.offset, err = d.int64(); err != nil {
				return nil, err
			}
			if src, err = d.bytes(src); err != nil {
				return nil, err
			}
			if line, err = d.bytes(line); err != nil {
				return nil, err
			}
			if h.score < 1 {
				return nil, d.corrupt("hit with score 0", nil)
			}
			source, seen := sources[string(src)]
			if !seen {
				source = string(src)
				sources[source] = source
			}
			t.offer(h.score, h.ord, h.offset, source, line)
		}
	}
	return t.sorted(), nil
}

func (s *search) Merge(w io.Writer, partials []io.Reader) error {
	hits, err := s.top(partials)
	if err != nil {
		return err
	}
	e := newEncoder(w, magicSearch)
	writeHits(e, hits)
	return e.flush()
}

func (s *search) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	hits, err := s.top(partials)
	if err != nil {
		return Stats{}, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	for _, h := range hits {
		line = strconv.AppendInt(line[:0], h.score, 10)
		line = append(line, '\t')
		line = append(line, h.source...)
		line = append(line, ':')
		line = strconv.AppendInt(line, h.offset, 10)
		line = append(line, '\t')
		line = append(line, h.line...)
		line = append(line, '\n')
		bw.Write(line)
	}
	return Stats{RecordsOut: int64(len(hits))}, bw.Flush()
}
