package pq

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// vector is one column's values for a batch of rows, typed by the column's
// physical type: the batch's row i is null[i], else its value is ints[i]
// (BOOLEAN as 0 or 1, INT32 sign-extended, INT64), floats[i] (FLOAT,
// DOUBLE), bytes[i] (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY: pointing into the
// page or its dictionary, no copy) or i96[i] (INT96).
type vector struct {
	null   []bool
	ints   []int64
	floats []float64
	bytes  [][]byte
	i96    []deprecated.Int96
	// A BYTE_ARRAY column's values as indexes into its dictionary (dict),
	// when indexed: every page of the batch was dictionary-encoded.
	index   []int32
	indexed bool
}

func newVector(physical format.Type) vector {
	v := vector{null: make([]bool, valueBatch)}
	switch physical {
	case format.Boolean, format.Int32, format.Int64:
		v.ints = make([]int64, valueBatch)
	case format.Float, format.Double:
		v.floats = make([]float64, valueBatch)
	case format.ByteArray:
		v.bytes = make([][]byte, valueBatch)
		v.index = make([]int32, valueBatch)
	case format.FixedLenByteArray:
		v.bytes = make([][]byte, valueBatch)
	case format.Int96:
		v.i96 = make([]deprecated.Int96, valueBatch)
	}
	return v
}

// cursor reads one column chunk's values a batch at a time into vec. The
// values of INT32, INT64, FLOAT, DOUBLE and BYTE_ARRAY columns are taken
// from the decoded page's buffers (Page.Data and its dictionary's) as they
// are; the other types through the page's ValueReader.
type cursor struct {
	pages    *parquet.FilePages
	openErr  error // a page header of the chunk declares sizes it cannot hold (checkHeaders)
	physical format.Type
	maxDef   byte
	vec      vector

	page     parquet.Page   // the page being read (through parquet-go)
	done     []parquet.Page // pages read to their end whose values vec may still hold
	typed    bool           // the column's values come from Page.Data
	inPage   bool           // a page is being read
	pageRows int            // its rows

	// A chunk read by rawPages (rawOn): the page being read and those read
	// to their end whose values vec may still hold.
	raw       rawPages
	rawOn     bool
	rawChunks int // chunks read by rawPages (for tests)
	rawPg     *rawPage
	rawDone   []*rawPage

	// typed reading: the page's definition levels (nil: none is null), its
	// values (or dictionary indexes) and the next row and value to take
	defs      []byte
	vals      pageValues
	dict      parquet.Dictionary
	dictOf    parquet.Dictionary // the dictionary whose values these are, the dicts-th:
	dicts     uint64
	dictInts  []int64
	dictFlts  []float64
	dictBytes [][]byte
	pos, vpos int

	// other types: the page's reader and a scratch batch
	vr      parquet.ValueReader
	scratch []parquet.Value

	// A lazy cursor (of a typed column) copies a row into vec only when it
	// is asked for (load): the batch's rows are segments of pages, the row
	// loaded last is loaded, and before counts the values before each row
	// of the batch in its segment, once a row after a null is asked for.
	lazy      bool
	nvals     int // values (or indexes) in the page
	segs      []segment
	loaded    int
	before    []int32
	beforeBuf []int32
}

func newCursor(physical format.Type) cursor {
	c := cursor{physical: physical, vec: newVector(physical)}
	switch physical {
	case format.Int32, format.Int64, format.Float, format.Double, format.ByteArray:
		c.typed = true
	default:
		c.scratch = make([]parquet.Value, valueBatch)
	}
	return c
}

// open starts reading column chunk cc (whose metadata is meta) from r;
// whole when it is read from its first row to its last, without a seek.
func (c *cursor) open(cc *parquet.FileColumnChunk, meta *format.ColumnChunk, r *rangeReader, whole bool) {
	c.maxDef = 0
	maxRep := 0
	if col, ok := cc.Node().(*parquet.Column); ok {
		c.maxDef = byte(col.MaxDefinitionLevel())
		maxRep = col.MaxRepetitionLevel()
	}
	if whole && c.typed && rawEligible(meta, c.physical, maxRep) {
		if b, ok := r.view(chunkRange(meta)); ok {
			c.raw.reset(b, meta, c.physical, c.maxDef)
			c.rawOn = true
			c.rawChunks++
			return
		}
	}
	c.pages = cc.PagesFrom(r)
	c.openErr = checkHeaders(r, cc, meta, whole)
}

// releasePages returns the pages read to their end.
func (c *cursor) releasePages() {
	for _, p := range c.done {
		parquet.Release(p)
	}
	c.done = c.done[:0]
	for _, p := range c.rawDone {
		c.raw.release(p)
	}
	c.rawDone = c.rawDone[:0]
}

var errFewerValues = errors.New("the column has fewer values than the row group's rows")

// nextPage starts reading the chunk's next data page.
func (c *cursor) nextPage() error {
	if !c.rawOn {
		if c.openErr != nil {
			return c.openErr
		}
		p, err := c.pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return errFewerValues
		}
		if err != nil {
			return err
		}
		c.startPage(p)
		return nil
	}
	for {
		pg, d, err := c.raw.next()
		if errors.Is(err, io.EOF) {
			return errFewerValues
		}
		if err != nil {
			return err
		}
		if d == nil {
			c.startRaw(pg)
			return nil
		}
		c.dictOf = nil
		c.dicts++
		c.dictInts, c.dictFlts, c.dictBytes = d.ints, d.flts, d.bytes
	}
}

func (c *cursor) startRaw(pg *rawPage) {
	c.rawPg, c.inPage, c.pageRows = pg, true, pg.rows
	c.pos, c.vpos = 0, 0
	c.defs, c.vals, c.nvals = pg.defs, pg.vals, pg.nvals
	if c.defs != nil && c.nvals == len(c.defs) {
		c.defs = nil // no null
	}
}

// fill decodes the column's next n values into vec[:n], reading pages as
// it needs them. The values of a byte array point into their page, so the
// pages the previous batch used are returned to parquet-go's pools only now.
func (c *cursor) fill(n int) error {
	c.releasePages()
	c.vec.indexed = c.vec.index != nil
	c.segs, c.loaded, c.before = c.segs[:0], -1, nil
	for k := 0; k < n; {
		if !c.inPage {
			if err := c.nextPage(); err != nil {
				return err
			}
		}
		var m int
		var err error
		if c.typed {
			m, err = c.take(k, n-k)
		} else {
			m, err = c.read(k, n-k)
		}
		if err != nil {
			return err
		}
		k += m
	}
	return nil
}

func (c *cursor) startPage(p parquet.Page) {
	c.page, c.inPage, c.pageRows = p, true, int(p.NumRows())
	if !c.typed {
		c.vr = p.Values()
		return
	}
	c.pos, c.vpos = 0, 0
	c.defs = p.DefinitionLevels()
	data := p.Data()
	c.dict, c.vals = p.Dictionary(), pageValues{}
	switch {
	case c.dict != nil:
		c.vals.indexes = data.Int32()
		if c.dictOf != c.dict {
			c.loadDict()
		}
		c.nvals = len(c.vals.indexes)
	case c.physical == format.Int32 || c.physical == format.Float:
		c.vals.data = data
		c.nvals = int(data.Size() / 4)
	case c.physical == format.Int64 || c.physical == format.Double:
		c.vals.data = data
		c.nvals = int(data.Size() / 8)
	case c.physical == format.ByteArray:
		c.vals.b, c.vals.offs = data.ByteArray()
		c.nvals = max(len(c.vals.offs)-1, 0)
	}
	if c.defs != nil && c.nvals == len(c.defs) {
		// a value for every row: no null, and the rows are copied without
		// testing their definition levels
		c.defs = nil
	}
}

// loadDict takes the values of the column chunk's dictionary, once, as the
// vector holds them.
func (c *cursor) loadDict() {
	c.dictOf = c.dict
	c.dicts++
	dv := c.dict.Page().Data()
	c.dictInts, c.dictFlts, c.dictBytes = c.dictInts[:0], c.dictFlts[:0], c.dictBytes[:0]
	switch c.physical {
	case format.Int32:
		for _, x := range dv.Int32() {
			c.dictInts = append(c.dictInts, int64(x))
		}
	case format.Int64:
		c.dictInts = append(c.dictInts, dv.Int64()...)
	case format.Float:
		for _, x := range dv.Float() {
			c.dictFlts = append(c.dictFlts, float64(x))
		}
	case format.Double:
		c.dictFlts = append(c.dictFlts, dv.Double()...)
	case format.ByteArray:
		data, offsets := dv.ByteArray()
		for i := 0; i+1 < len(offsets); i++ {
			c.dictBytes = append(c.dictBytes, data[offsets[i]:offsets[i+1]:offsets[i+1]])
		}
	}
}

// endPage keeps the page read to its end until the next fill.
func (c *cursor) endPage() {
	if c.rawOn {
		c.rawDone = append(c.rawDone, c.rawPg)
		c.rawPg = nil
	} else {
		c.done = append(c.done, c.page)
	}
	c.page, c.vr, c.inPage = nil, nil, false
}

// take copies up to n rows of the page from Page.Data into vec from row k;
// a lazy cursor only notes where they are (a segment), for load.
func (c *cursor) take(k, n int) (int, error) {
	rows := c.pageRows
	m := min(n, rows-c.pos)
	if m <= 0 {
		c.endPage()
		return 0, nil
	}
	var defs []byte
	if c.defs != nil {
		defs = c.defs[c.pos : c.pos+m]
	}
	if c.vals.indexes == nil {
		c.vec.indexed = false
	}
	var err error
	if c.lazy {
		nv := m
		if defs != nil {
			nv = 0
			for _, d := range defs {
				if d == c.maxDef {
					nv++
				}
			}
		}
		if c.vpos+nv > c.nvals {
			return 0, errShortPage
		}
		if nv == m {
			defs = nil // no null: a row's value is found without counting
		}
		c.segs = append(c.segs, segment{k: k, m: m, defs: defs, vpos: c.vpos, vals: c.vals})
		c.vpos += nv
	} else {
		c.vpos, err = c.copyValues(k, m, defs, c.vpos, &c.vals)
	}
	if err != nil {
		return 0, err
	}
	c.pos += m
	if c.pos == rows {
		c.endPage()
	}
	return m, nil
}

// copyValues copies m rows of a page (its definition levels defs, its
// values data or dictionary indexes, from value vpos) into vec from row k,
// and returns the next vpos.
func (c *cursor) copyValues(k, m int, defs []byte, vpos int, vals *pageValues) (int, error) {
	v := &c.vec
	null := v.null[k : k+m]
	if indexes := vals.indexes; indexes != nil {
		switch c.physical {
		case format.Int32, format.Int64:
			return takeDict(v.ints[k:k+m], nil, null, defs, c.maxDef, c.dictInts, indexes, vpos)
		case format.Float, format.Double:
			return takeDict(v.floats[k:k+m], nil, null, defs, c.maxDef, c.dictFlts, indexes, vpos)
		case format.ByteArray:
			return takeDict(v.bytes[k:k+m], v.index[k:k+m], null, defs, c.maxDef, c.dictBytes, indexes, vpos)
		}
		return vpos, nil
	}
	data := &vals.data
	switch c.physical {
	case format.Int32:
		return takePlain(v.ints[k:k+m], null, defs, c.maxDef, data.Int32(), vpos)
	case format.Int64:
		return takePlain(v.ints[k:k+m], null, defs, c.maxDef, data.Int64(), vpos)
	case format.Float:
		return takePlain(v.floats[k:k+m], null, defs, c.maxDef, data.Float(), vpos)
	case format.Double:
		return takePlain(v.floats[k:k+m], null, defs, c.maxDef, data.Double(), vpos)
	case format.ByteArray:
		return takeByteArrays(v.bytes[k:k+m], null, defs, c.maxDef, vals, vpos)
	}
	return vpos, nil
}

// segment is where a lazy cursor's batch rows [k, k+m) lie in one page.
type segment struct {
	k, m int
	defs []byte // their definition levels (nil: none null)
	vpos int    // the page's value (or index) of the first one not null
	vals pageValues
}

// load copies row i of the batch of a lazy cursor into vec.
func (c *cursor) load(i int) error {
	c.loaded = i
	for si := range c.segs {
		s := &c.segs[si]
		if i >= s.k+s.m {
			continue
		}
		j := i - s.k
		if s.defs == nil {
			_, err := c.copyValues(i, 1, nil, s.vpos+j, &s.vals)
			return err
		}
		if c.before == nil {
			c.countBefore()
		}
		_, err := c.copyValues(i, 1, s.defs[j:j+1], s.vpos+int(c.before[i]), &s.vals)
		return err
	}
	return fmt.Errorf("row %d is past the batch", i)
}

// countBefore counts, for each row of a lazy cursor's batch, the values
// (rows not null) before it in its segment.
func (c *cursor) countBefore() {
	c.before = c.beforeBuf[:0]
	for _, s := range c.segs {
		var n int32
		for j := 0; j < s.m; j++ {
			c.before = append(c.before, n)
			if s.defs == nil || s.defs[j] == c.maxDef {
				n++
			}
		}
	}
	c.beforeBuf = c.before
}

var errShortPage = errors.New("a page has fewer values than its definition levels say")

// takePlain copies the page values vals from vpos into dst, a row at a time,
// skipping the nulls defs marks (nil: no nulls); it returns the next vpos.
func takePlain[T, U int32 | int64 | float32 | float64](dst []U, null []bool, defs []byte, maxDef byte, vals []T, vpos int) (int, error) {
	if defs == nil {
		if vpos+len(dst) > len(vals) {
			return 0, errShortPage
		}
		src := vals[vpos : vpos+len(dst)]
		for i := range dst {
			dst[i] = U(src[i])
		}
		clear(null[:len(dst)])
		return vpos + len(dst), nil
	}
	for i, d := range defs {
		if null[i] = d != maxDef; null[i] {
			continue
		}
		if vpos >= len(vals) {
			return 0, errShortPage
		}
		dst[i] = U(vals[vpos])
		vpos++
	}
	return vpos, nil
}

// takeDict is takePlain for a dictionary-encoded page: its values are
// dict[indexes[...]], and their indexes go to index too unless it is nil.
func takeDict[T any](dst []T, index []int32, null []bool, defs []byte, maxDef byte, dict []T, indexes []int32, vpos int) (int, error) {
	for i := range dst {
		if defs != nil && defs[i] != maxDef {
			null[i] = true
			continue
		}
		if vpos >= len(indexes) {
			return 0, errShortPage
		}
		x := indexes[vpos]
		if uint(x) >= uint(len(dict)) {
			return 0, fmt.Errorf("dictionary index %d out of %d entries", x, len(dict))
		}
		dst[i], null[i] = dict[x], false
		if index != nil {
			index[i] = x
		}
		vpos++
	}
	return vpos, nil
}

// takeByteArrays is takePlain for a page of byte arrays: value j is
// b[offs[j]+skip : offs[j+1]].
func takeByteArrays(dst [][]byte, null []bool, defs []byte, maxDef byte, vals *pageValues, vpos int) (int, error) {
	b, offsets, skip := vals.b, vals.offs, vals.skip
	for i := range dst {
		if defs != nil && defs[i] != maxDef {
			null[i] = true
			continue
		}
		if vpos+1 >= len(offsets) {
			return 0, errShortPage
		}
		s, e := offsets[vpos]+skip, offsets[vpos+1]
		dst[i], null[i] = b[s:e:e], false
		vpos++
	}
	return vpos, nil
}

// read takes up to n values of the page through its ValueReader into vec
// from row k.
func (c *cursor) read(k, n int) (int, error) {
	vals := c.scratch[:n]
	m, err := c.vr.ReadValues(vals)
	switch {
	case errors.Is(err, io.EOF):
		c.endPage()
	case err != nil:
		return 0, err
	case m == 0:
		return 0, fmt.Errorf("a page gave no values")
	}
	v := &c.vec
	v.indexed = false
	for i, x := range vals[:m] {
		j := k + i
		if v.null[j] = x.IsNull(); v.null[j] {
			continue
		}
		switch x.Kind() {
		case parquet.Boolean:
			v.ints[j] = 0
			if x.Boolean() {
				v.ints[j] = 1
			}
		case parquet.Int32:
			v.ints[j] = int64(x.Int32())
		case parquet.Int64:
			v.ints[j] = x.Int64()
		case parquet.Int96:
			v.i96[j] = x.Int96()
		case parquet.Float:
			v.floats[j] = float64(x.Float())
		case parquet.Double:
			v.floats[j] = x.Double()
		case parquet.ByteArray, parquet.FixedLenByteArray:
			v.bytes[j] = x.ByteArray()
		}
	}
	return m, nil
}

// close releases the pages the cursor holds.
func (c *cursor) close() {
	c.releasePages()
	if c.page != nil {
		parquet.Release(c.page)
	}
	if c.rawPg != nil {
		c.raw.release(c.rawPg)
	}
	if c.pages != nil {
		c.pages.Close()
	}
	c.raw.chunk = nil
	*c = cursor{physical: c.physical, typed: c.typed, vec: c.vec, done: c.done[:0], scratch: c.scratch, dicts: c.dicts,
		raw: c.raw, rawDone: c.rawDone[:0], rawChunks: c.rawChunks,
		lazy: c.lazy, segs: c.segs[:0], beforeBuf: c.beforeBuf,
		dictInts: c.dictInts[:0], dictFlts: c.dictFlts[:0], dictBytes: c.dictBytes[:0]}
}

func (c *cursor) seek(row int64) error {
	if c.rawOn {
		return fmt.Errorf("seek in a column chunk read whole")
	}
	if c.openErr != nil {
		return c.openErr
	}
	c.releasePages()
	if c.page != nil {
		parquet.Release(c.page)
	}
	c.vr, c.page, c.inPage = nil, nil, false
	return c.pages.SeekToRow(row)
}
