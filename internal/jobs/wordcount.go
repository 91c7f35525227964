package jobs

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"

	"github.com/scattergather/scattergather/internal/runs"
)

func init() {
	Register(Definition{
		Name:    "wordcount",
		Version: versions["wordcount"],
		Summary: "count words (runs of bytes other than space, \\t, \\n, \\r, \\v, \\f); output word<TAB>count per distinct word, sorted",
		Params:  []Param{columnParam},
		New: func(p Params) (Job, error) {
			if _, err := ParseStrict(p); err != nil { // wordcount has no malformed records
				return nil, fmt.Errorf("wordcount: %w", err)
			}
			return &wordcount{column: p["column"]}, nil
		},
	})
}

type wordcount struct{ column string }

func (j *wordcount) Input() Input { return Input{Column: j.column} }

func (j *wordcount) NewMapper() Mapper {
	return &wordcountMapper{words: newKeyTable()}
}

// wordcountMapper combines in a keyTable: one entry per distinct word, no
// allocation per word. Before it passes combineBudget it spills the table as a sorted run
// and Finish merges the runs.
type wordcountMapper struct {
	words  *keyTable
	batch  keyBatch
	spills spillFiles
	st     Stats
	err    error // a spill's failure during count
}

func (m *wordcountMapper) StartPart(Part) error { return nil }

func (m *wordcountMapper) Record(line []byte, _ int64) error {
	m.st.RecordsIn++
	return m.count(line)
}

// Records counts the words of whole records at once: "\n" separates words too.
func (m *wordcountMapper) Records(data []byte, _ int64, n int) error {
	m.st.RecordsIn += int64(n)
	return m.count(data)
}

// count adds the words of text to the table, spilling it before it passes
// the budget.
func (m *wordcountMapper) count(text []byte) error {
	i := m.countBlocks(text)
	b := &m.batch
	for n := len(text); i < n; {
		start := nextWordByte(text, i)
		if start == n {
			break
		}
		i = nextSepByte(text, start)
		b.start[b.n], b.end[b.n] = start, i
		if b.n++; b.n == batchSize {
			m.add(text)
		}
	}
	if b.n > 0 {
		m.add(text)
	}
	err := m.err
	m.err = nil
	return err
}

// add adds the batch's words to the table, then spills it once its memory
// with room for one more batch passes the budget: a block of text never
// grows the table past it. A failed spill's error waits in m.err for count.
func (m *wordcountMapper) add(text []byte) {
	m.words.addBatch(text, &m.batch)
	if m.err == nil && m.words.memory(batchSize) > combineBudget.Load() {
		m.err = m.spill()
	}
}

// countBlocks batches the words of text 64 bytes at a time and returns where
// the rest begins: the start of a word still open at the last whole block, or
// the end of that block. A block's separators are one bit each in a mask; the
// words' starts and ends are its edges, found with bit tricks rather than a
// branch per byte or per word length. Batching a word is written out where it
// happens: as a method it would not inline, and a call per word costs more.
func (m *wordcountMapper) countBlocks(text []byte) int {
	b := &m.batch
	prev := uint64(1) // bit 0: the byte before the block is a separator
	open, start := false, 0
	i := 0
	for ; i+64 <= len(text); i += 64 {
		sep := sepMask(text[i : i+64])
		before := sep<<1 | prev // bit j: byte j-1 is a separator
		prev = sep >> 63
		starts, ends := ^sep&before, sep&^before
		if open {
			if ends == 0 {
				continue
			}
			b.start[b.n], b.end[b.n] = start, i+bits.TrailingZeros64(ends)
			if b.n++; b.n == batchSize {
				m.add(text)
			}
			ends &= ends - 1
			open = false
		}
		for starts != 0 {
			start = i + bits.TrailingZeros64(starts)
			starts &= starts - 1
			if ends == 0 {
				open = true
				break
			}
			b.start[b.n], b.end[b.n] = start, i+bits.TrailingZeros64(ends)
			if b.n++; b.n == batchSize {
				m.add(text)
			}
			ends &= ends - 1
		}
	}
	if open {
		return start
	}
	return i
}

// sepMask returns a bit per byte of block (64 bytes), set for separators.
func sepMask(block []byte) uint64 {
	block = block[:64]
	var mask uint64
	for k := 0; k < 64; k += 8 {
		s := sepBits(binary.LittleEndian.Uint64(block[k:])) >> 7
		mask |= (s * 0x0102040810204080 >> 56) << k
	}
	return mask
}

// The word scanner looks at 8 bytes at a time: sepBits marks the separator
// bytes of a little-endian word (the high bit of each such byte), exactly, with
// no carry between bytes.
const (
	lo7  = 0x7f7f7f7f7f7f7f7f
	hi1  = 0x8080808080808080
	ge9  = 0x7777777777777777 // 0x80 - 9 in every byte: b+ge9 >= 0x80 when b >= 9
	ge14 = 0x7272727272727272 // 0x80 - 14
	spc  = 0x2020202020202020
)

func sepBits(x uint64) uint64 {
	m := x & lo7
	ctl := (m + ge9) &^ (m + ge14) &^ x & hi1 // \t \n \v \f \r: 9..13
	y := x ^ spc
	space := ^((y&lo7 + lo7) | y | lo7) // bytes equal to ' '
	return ctl | space
}

// nextSepByte returns the index of the first separator at or after i, or
// len(line). It reads 8 bytes at a time while line's capacity allows, past
// its length too (those bytes only move the answer beyond len(line)).
func nextSepByte(line []byte, i int) int {
	n := len(line)
	for i < n {
		if i+8 > cap(line) {
			for i < n && !isWordSep[line[i]] {
				i++
			}
			return i
		}
		if s := sepBits(binary.LittleEndian.Uint64(line[i : i+8])); s != 0 {
			return min(i+bits.TrailingZeros64(s)>>3, n)
		}
		i += 8
	}
	return n
}

// nextWordByte returns the index of the first non-separator at or after i, or len(line).
func nextWordByte(line []byte, i int) int {
	n := len(line)
	for i < n {
		if i+8 > cap(line) {
			for i < n && isWordSep[line[i]] {
				i++
			}
			return i
		}
		if w := ^sepBits(binary.LittleEndian.Uint64(line[i:i+8])) & hi1; w != 0 {
			return min(i+bits.TrailingZeros64(w)>>3, n)
		}
		i += 8
	}
	return n
}

// spill writes the table as a sorted run to a temporary file and empties it.
func (m *wordcountMapper) spill() error {
	if err := m.spills.write(m.writeRun); err != nil {
		return err
	}
	m.words.reset()
	return nil
}

// A wordcount partial is a sorted run (package runs) tagged wordcountTag:
// one entry per distinct word, its count (uvarint) as value. As a run it
// merges like job/kv's, and the framework can gather it by key ranges.
var wordcountTag = []byte("wordcount")

func (j *wordcount) runTag() []byte { return wordcountTag }

// writeRun writes the table as a wordcount partial: its words sorted.
func (m *wordcountMapper) writeRun(w io.Writer) error {
	t := m.words
	rw := runs.NewTaggedWriter(w, wordcountTag)
	var v [binary.MaxVarintLen64]byte
	err := t.forSorted(nil, func(word []byte, g int32) error { // forSorted reads the entries itself
		n := binary.PutUvarint(v[:], uint64(t.ents[g].count))
		return rw.Add(word, v[:n])
	})
	if err != nil {
		return err
	}
	return rw.Close()
}

func (m *wordcountMapper) Finish(w io.Writer) (Stats, error) {
	if len(m.spills.files) == 0 {
		m.st.RecordsOut = int64(m.words.size())
		return m.st, m.writeRun(w)
	}
	var err error
	m.st.RecordsOut, err = m.spills.mergeRuns(w, m.spill, (*wordcount)(nil).mergeTo)
	return m.st, err
}

// wordCount decodes a word's count.
func wordCount(word, v []byte) (int64, error) {
	n, k := binary.Uvarint(v)
	if k != len(v) || n > math.MaxInt64 {
		return 0, fmt.Errorf("wordcount: word %q: %w: bad count", word, ErrCorruptPartial)
	}
	return int64(n), nil
}

// CombineValues adds a word's counts (runs.Keyed).
func (*wordcount) CombineValues(dst, word []byte, values [][]byte) ([]byte, error) {
	var total int64
	for _, v := range values {
		n, err := wordCount(word, v)
		if err != nil {
			return dst, err
		}
		if n > math.MaxInt64-total {
			return dst, fmt.Errorf("wordcount: word %q: %w: count overflows", word, ErrCorruptPartial)
		}
		total += n
	}
	return binary.AppendUvarint(dst, uint64(total)), nil
}

// OutputHeader is nothing: wordcount's output has no header (runs.Keyed).
func (*wordcount) OutputHeader() []byte { return nil }

// AppendOutput appends "word<TAB>count\n" (runs.Keyed).
func (*wordcount) AppendOutput(dst, word, value []byte) ([]byte, error) {
	n, err := wordCount(word, value)
	if err != nil {
		return dst, err
	}
	dst = append(append(dst, word...), '\t')
	return append(strconv.AppendInt(dst, n, 10), '\n'), nil
}

// Merge merges partials into one partial.
func (j *wordcount) Merge(w io.Writer, partials []io.Reader) error {
	_, err := j.mergeTo(w, partials)
	return err
}

// mergeTo merges partials into one partial on w and returns its number of words.
func (j *wordcount) mergeTo(w io.Writer, partials []io.Reader) (int64, error) {
	return mergeRuns(w, j, partials, "wordcount", wordcountTag)
}

// Output writes word<TAB>count per distinct word, in byte order.
func (j *wordcount) Output(w io.Writer, partials []io.Reader) (Stats, error) {
	return outputRuns(w, j, partials, "wordcount", wordcountTag)
}
