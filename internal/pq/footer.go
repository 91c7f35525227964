package pq

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/colname"
)

// Magic is the 4 bytes that begin and end every Parquet file.
const Magic = "PAR1"

// Ext is the file name extension of Parquet objects.
const Ext = ".parquet"

// IsParquetName reports whether an object's name says it is Parquet.
func IsParquetName(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), Ext)
}

// Sniff reports whether the object begins with the Parquet magic "PAR1",
// reading its first 4 bytes.
func Sniff(ctx context.Context, store blob.Store, url string) (bool, error) {
	rc, err := store.Open(ctx, url, 0, int64(len(Magic)))
	if err != nil {
		return false, fmt.Errorf("read %s: %w", url, err)
	}
	defer rc.Close()
	var b [4]byte
	n, err := io.ReadFull(rc, b[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read %s: %w", url, err)
	}
	return n == 4 && string(b[:]) == Magic, nil
}

// Column is one top-level column of a Parquet file.
type Column struct {
	// Name is the column's name.
	Name string
	// Type is the column's type as DuckDB names it (BIGINT, VARCHAR,
	// DECIMAL(18,2), TIMESTAMP, ...), or the group's kind for a nested column.
	Type string
	// Nullable is false for a REQUIRED column.
	Nullable bool
	// Nested is true for a group, list or map column, or a repeated field:
	// the jobs read flat columns only.
	Nested bool

	leaf int       // position among the file's leaf columns (column chunks); -1 when nested
	vt   valueType // how values decode, for a flat column
	err  error     // why a flat column's type cannot be read
}

// Footer is a Parquet file's metadata, read from its end: the schema and the
// row groups with their column chunks' byte ranges and statistics.
type Footer struct {
	Source string
	URL    string
	Size   int64
	// Columns are the top-level columns, in schema order.
	Columns []Column
	// BytesRead is what reading the footer took from the store.
	BytesRead int64
	// Len is the length of the footer's metadata, which ends 8 bytes before
	// the object does (its length and the magic follow): a plan carries it
	// so that a mapper reads the footer with one ranged GET (ReadFooterAt).
	Len int64

	file   *parquet.File
	meta   *format.FileMetaData
	starts []int64 // each row group's first byte
	ends   []int64 // each row group's end
}

// RowGroup is one row group's place in its file.
type RowGroup struct {
	// Index is the row group's ordinal in the file.
	Index int
	// Rows is the number of rows.
	Rows int64
	// Start and End are the byte range its column chunks span; a chunk of a
	// plan owns the row groups whose Start lies in it.
	Start, End int64
	// Bytes is the total compressed size of its column chunks.
	Bytes int64
	// Decoded is their total uncompressed size (DecodedBytes of every column).
	Decoded int64
}

// ReadFooter reads the footer of a Parquet object of size bytes: its last 8
// bytes (the footer's length and the magic), then the footer. Two ranged GETs.
func ReadFooter(ctx context.Context, store blob.Store, source, url string, size int64) (*Footer, error) {
	rr := newRangeReader(ctx, store, source, url, size)
	f, err := readFooter(rr)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func readFooter(rr *rangeReader) (*Footer, error) {
	name := rr.source
	if rr.size < 12 {
		return nil, fmt.Errorf("parquet %s: %d bytes is too short for a Parquet file (truncated?)", name, rr.size)
	}
	if _, err := rr.fetch([]span{{rr.size - 8, rr.size}}, false); err != nil {
		return nil, fmt.Errorf("parquet %s: footer: %w", name, err)
	}
	var tail [8]byte
	if _, err := rr.ReadAt(tail[:], rr.size-8); err != nil {
		return nil, fmt.Errorf("parquet %s: footer: %w", name, err)
	}
	if string(tail[4:]) != Magic {
		return nil, fmt.Errorf("parquet %s: no %s magic at its end: not a Parquet file, or truncated", name, Magic)
	}
	flen := int64(binary.LittleEndian.Uint32(tail[:4]))
	if flen == 0 || flen > rr.size-12 {
		return nil, fmt.Errorf("parquet %s: corrupt footer: its length %d does not fit a file of %d bytes", name, flen, rr.size)
	}
	if _, err := rr.fetch([]span{{rr.size - 8 - flen, rr.size - 8}}, true); err != nil {
		return nil, fmt.Errorf("parquet %s: footer: %w", name, err)
	}
	raw := make([]byte, flen, flen+8) // the footer, then its length and the magic
	if _, err := rr.ReadAt(raw, rr.size-8-flen); err != nil {
		return nil, fmt.Errorf("parquet %s: footer: %w", name, err)
	}
	return decodeFooter(rr, append(raw, tail[:]...), flen)
}

// ReadFooterAt reads the footer of a Parquet object of size bytes whose
// footer's metadata the planner found to be footerLen bytes long (Len): one
// ranged GET of the last footerLen+8 bytes, where ReadFooter takes two.
// When footerLen is 0 (a plan that does not carry it) or the object's last
// bytes do not end in that length and the magic (it changed since it was
// planned), it reads the footer as ReadFooter does.
func ReadFooterAt(ctx context.Context, store blob.Store, source, url string, size, footerLen int64) (*Footer, error) {
	rr := newRangeReader(ctx, store, source, url, size)
	if footerLen <= 0 || footerLen > size-12 {
		return readFooter(rr)
	}
	start := size - 8 - footerLen
	if _, err := rr.fetch([]span{{start, size}}, false); err != nil {
		return nil, fmt.Errorf("parquet %s: footer: %w", source, err)
	}
	raw := make([]byte, footerLen+8) // the footer, then its length and the magic
	if _, err := rr.ReadAt(raw, start); err != nil {
		return nil, fmt.Errorf("parquet %s: footer: %w", source, err)
	}
	if string(raw[footerLen+4:]) != Magic || int64(binary.LittleEndian.Uint32(raw[footerLen:])) != footerLen {
		return readFooter(rr)
	}
	return decodeFooter(rr, raw, footerLen)
}

// decodeFooter is the footer whose bytes raw (the metadata, its length flen
// and the magic) rr read: the cached one decoded from the same bytes, or
// raw decoded.
func decodeFooter(rr *rangeReader, raw []byte, flen int64) (*Footer, error) {
	name := rr.source
	if f := footers.get(rr.url, rr.size, raw); f != nil {
		f.Source, f.BytesRead = rr.source, rr.bytesRead()
		return f, nil
	}
	// The file reads its footer from raw, so that a cached footer holds
	// no reader (and none of the column data a reader fetched).
	file, err := parquet.OpenFile(tailReader{raw: raw, size: rr.size}, rr.size,
		parquet.SkipMagicBytes(true), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("parquet %s: corrupt footer: %w", name, err)
	}
	f := &Footer{Source: rr.source, URL: rr.url, Size: rr.size, Len: flen, file: file, meta: file.Metadata()}
	if err := f.init(flen); err != nil {
		return nil, fmt.Errorf("parquet %s: corrupt footer: %w", name, err)
	}
	footers.put(rr.url, rr.size, raw, f)
	f.BytesRead = rr.bytesRead()
	return f, nil
}

// tailReader is an io.ReaderAt over the last len(raw) bytes of an object of
// size bytes (its footer, the footer's length and the magic); a read before
// them is an error.
type tailReader struct {
	raw  []byte
	size int64
}

func (t tailReader) ReadAt(p []byte, off int64) (int, error) {
	start := t.size - int64(len(t.raw))
	if off < start || off > t.size {
		return 0, fmt.Errorf("read at byte %d, outside the footer [%d,%d)", off, start, t.size)
	}
	n := copy(p, t.raw[off-start:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// footerCache keeps the footers this process decoded last, with the bytes
// each was decoded from. Every mapper of a file's chunks (and the splitter
// before them) reads the file's footer; decoding it is most of the cost (a
// footer of 156 row groups of 9 columns: 149 KB of Thrift, 1.6 MB and 3,700
// allocations decoded), and a warm process that reads the same bytes again
// takes the decoded footer instead. The bytes are compared whole, so an
// object replaced since is decoded afresh. The cache holds at most
// maxCachedFooterBytes of footers (about ten times as much decoded).
type footerCache struct {
	mu      sync.Mutex
	entries []cachedFooter // oldest first
	bytes   int
}

type cachedFooter struct {
	url  string
	size int64
	raw  []byte
	f    *Footer
}

const maxCachedFooterBytes = 1 << 20

var footers footerCache

// get returns a copy of the footer decoded from raw, the last bytes of the
// object url of size bytes, or nil.
func (c *footerCache) get(url string, size int64, raw []byte) *Footer {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.url == url && e.size == size && bytes.Equal(e.raw, raw) {
			f := *e.f // the parsed schema and metadata are only read: shared
			return &f
		}
	}
	return nil
}

// put keeps f, decoded from raw, dropping the oldest footers past the
// cache's size; a footer larger than the whole cache is not kept.
func (c *footerCache) put(url string, size int64, raw []byte, f *Footer) {
	if len(raw) > maxCachedFooterBytes {
		return
	}
	kept := *f
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = slices.DeleteFunc(c.entries, func(e cachedFooter) bool {
		if e.url == url && e.size == size {
			c.bytes -= len(e.raw)
			return true
		}
		return false
	})
	for len(c.entries) > 0 && c.bytes+len(raw) > maxCachedFooterBytes {
		c.bytes -= len(c.entries[0].raw)
		c.entries = slices.Delete(c.entries, 0, 1)
	}
	c.entries = append(c.entries, cachedFooter{url: url, size: size, raw: raw, f: &kept})
	c.bytes += len(raw)
}

// init reads the schema's top-level columns and checks every column chunk's
// byte range against the file's data region.
func (f *Footer) init(footerLen int64) error {
	schema := f.meta.Schema
	if len(schema) == 0 {
		return errors.New("no schema")
	}
	root := schema[0]
	pos, leaf := 1, 0
	for i := 0; i < int(root.NumChildren.V); i++ {
		if pos >= len(schema) {
			return errors.New("schema ends early")
		}
		el := &schema[pos]
		c := Column{Name: el.Name, Nullable: el.RepetitionType.V != format.Required, leaf: -1}
		leaves, next, err := subtree(schema, pos)
		if err != nil {
			return err
		}
		switch {
		case el.NumChildren.V > 0:
			c.Nested, c.Type = true, "STRUCT"
			if lt := el.LogicalType.Value; lt != nil {
				c.Type = lt.String()
			} else if ct := el.ConvertedType; ct.Valid && ct.V == deprecated.List {
				c.Type = "LIST" // as DuckDB annotates its lists
			} else if ct.Valid && (ct.V == deprecated.Map || ct.V == deprecated.MapKeyValue) {
				c.Type = "MAP"
			}
		case el.RepetitionType.V == format.Repeated:
			c.Nested, c.Type = true, "repeated field"
		default:
			c.leaf = leaf
			c.vt, c.err = typeOf(el)
			c.Type = c.vt.name
			if c.err != nil {
				c.Type = el.Type.V.String()
			}
		}
		f.Columns = append(f.Columns, c)
		leaf += leaves
		pos = next
	}
	dataEnd := f.Size - 8 - footerLen
	for i, rg := range f.meta.RowGroups {
		if len(rg.Columns) != leaf {
			return fmt.Errorf("row group %d has %d column chunks, the schema %d", i, len(rg.Columns), leaf)
		}
		start, end := int64(-1), int64(0)
		for j := range rg.Columns {
			s, e := chunkRange(&rg.Columns[j])
			if s < 0 || e > dataEnd || e < s {
				return fmt.Errorf("row group %d column %s: bytes [%d,%d) lie outside the file's data [0,%d)",
					i, strings.Join(rg.Columns[j].MetaData.PathInSchema, "."), s, e, dataEnd)
			}
			if start < 0 || s < start {
				start = s
			}
			end = max(end, e)
		}
		if start < 0 { // no columns: place it at the end of the data
			start, end = dataEnd, dataEnd
		}
		f.starts = append(f.starts, start)
		f.ends = append(f.ends, end)
	}
	return nil
}

// subtree returns the number of leaves under schema[pos] and the position
// after its subtree.
func subtree(schema []format.SchemaElement, pos int) (leaves, next int, err error) {
	if pos >= len(schema) {
		return 0, 0, errors.New("schema ends early")
	}
	n := int(schema[pos].NumChildren.V)
	if n == 0 {
		return 1, pos + 1, nil
	}
	next = pos + 1
	for i := 0; i < n; i++ {
		l, nx, err := subtree(schema, next)
		if err != nil {
			return 0, 0, err
		}
		leaves += l
		next = nx
	}
	return leaves, next, nil
}

// chunkRange is the byte range of a column chunk: from its dictionary page
// (when it has one) or first data page, for its total compressed size.
func chunkRange(c *format.ColumnChunk) (start, end int64) {
	md := &c.MetaData
	start = md.DataPageOffset
	if d := md.DictionaryPageOffset; d > 0 && d < start {
		start = d
	}
	return start, start + md.TotalCompressedSize
}

// NumRows is the file's row count.
func (f *Footer) NumRows() int64 { return f.meta.NumRows }

// SpanRows is the rows of the row groups whose first byte lies in [start,
// end): a Span's, as the footer counts them.
func (f *Footer) SpanRows(start, end int64) int64 {
	var n int64
	for i, rg := range f.meta.RowGroups {
		if st := f.starts[i]; st >= start && st < end {
			n += rg.NumRows
		}
	}
	return n
}

// RowGroups lists the file's row groups in file order.
func (f *Footer) RowGroups() []RowGroup {
	out := make([]RowGroup, len(f.meta.RowGroups))
	for i, rg := range f.meta.RowGroups {
		out[i] = RowGroup{Index: i, Rows: rg.NumRows, Start: f.starts[i], End: f.ends[i], Bytes: f.ColumnBytes(i, nil), Decoded: f.DecodedBytes(i, nil)}
	}
	return out
}

// Column returns the top-level column named name: the one of that name,
// else the one whose name equals it ignoring ASCII case (as DuckDB matches a
// query's names, and record.Reader a CSV header's); false when neither, or
// when several equal it so.
func (f *Footer) Column(name string) (Column, bool) {
	folded := -1
	for i, c := range f.Columns {
		switch {
		case c.Name == name:
			return c, true
		case colname.Equal(c.Name, name):
			if folded >= 0 {
				return Column{}, false // ambiguous
			}
			folded = i
		}
	}
	if folded < 0 {
		return Column{}, false
	}
	return f.Columns[folded], true
}

// ColumnBytes is the compressed size of the named columns' chunks in row
// group rg; names the file lacks count nothing. nil names means every
// column; empty ones none (a job that reads only the footer's row counts).
func (f *Footer) ColumnBytes(rg int, names []string) int64 {
	return f.columnSize(rg, names, func(m *format.ColumnMetaData) int64 { return m.TotalCompressedSize })
}

// DecodedBytes is the uncompressed size of the named columns' chunks in row
// group rg (nil names: every column; empty: none): the bytes a reader
// decodes, which, more than the compressed bytes it fetches, is what
// reading costs.
func (f *Footer) DecodedBytes(rg int, names []string) int64 {
	return f.columnSize(rg, names, func(m *format.ColumnMetaData) int64 { return m.TotalUncompressedSize })
}

// columnSize sums size over the named columns' chunks in row group rg (every
// column when names is nil).
func (f *Footer) columnSize(rg int, names []string, size func(*format.ColumnMetaData) int64) int64 {
	cols := f.meta.RowGroups[rg].Columns
	var b int64
	if names == nil {
		for j := range cols {
			b += size(&cols[j].MetaData)
		}
		return b
	}
	for _, n := range names {
		if c, ok := f.Column(n); ok && c.leaf >= 0 {
			b += size(&cols[c.leaf].MetaData)
		}
	}
	return b
}

// resolve finds the named flat columns, with an error naming the file and the
// column for one it lacks, one that is nested, or one of a type no job reads.
func (f *Footer) resolve(names []string) ([]Column, error) {
	out := make([]Column, len(names))
	for i, n := range names {
		c, ok := f.Column(n)
		switch {
		case !ok:
			have := make([]string, len(f.Columns))
			for j, c := range f.Columns {
				have[j] = c.Name
			}
			return nil, fmt.Errorf("parquet %s: column %q is not in the file (its columns: %s)", f.Source, n, strings.Join(have, ", "))
		case c.Nested:
			return nil, fmt.Errorf("parquet %s: column %q is nested (%s); only flat columns can be read", f.Source, n, c.Type)
		case c.err != nil:
			return nil, fmt.Errorf("parquet %s: column %q has a type that cannot be read: %v", f.Source, n, c.err)
		}
		out[i] = c
	}
	return out, nil
}

// ChunkRange is the byte range of the named column's chunk in row group rg.
func (f *Footer) ChunkRange(rg int, name string) (start, end int64, ok bool) {
	c, found := f.Column(name)
	if !found || c.leaf < 0 || rg < 0 || rg >= len(f.meta.RowGroups) {
		return 0, 0, false
	}
	start, end = chunkRange(&f.meta.RowGroups[rg].Columns[c.leaf])
	return start, end, true
}
