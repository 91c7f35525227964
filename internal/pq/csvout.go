package pq

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/scattergather/scattergather/internal/jobs/csvline"
)

// InferScale as an OutDecimal column's Scale asks the converter for the
// largest scale its values have (a sum or an average of exact decimals),
// with precision 38.
const InferScale = -1

// CSVToParquet is a writer for a job's CSV output (a header row, then
// records) that writes it to w as Parquet when closed. cols types the
// columns in order (nil: every column a string; ByValues(): every column
// by its values); an OutDecimal column of Scale InferScale gets the
// largest scale among its values, an OutInfer column the type DuckDB's CSV
// sniffer would give all its values (TypeSniffer). The CSV is held in a
// temporary file, read twice when a column is typed by its values (types,
// then values), so memory does not grow with the output.
type CSVToParquet struct {
	w     io.Writer
	cols  []OutputColumn
	typed Typed // types cols by the header, when not nil
	tmp   *os.File
	buf   *bufio.Writer
}

// ByValues types every column of an output by its values: each is an
// OutInfer column.
func ByValues() []OutputColumn { return []OutputColumn{{Kind: OutInfer}} }

// NewCSVToParquet starts a conversion to w.
func NewCSVToParquet(w io.Writer, cols []OutputColumn) (*CSVToParquet, error) {
	f, err := os.CreateTemp("", "scatter-parquet-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // lives while open
	return &CSVToParquet{w: w, cols: cols, tmp: f, buf: bufio.NewWriterSize(f, 256<<10)}, nil
}

// NewTypedCSVToParquet starts a conversion to w whose columns t types,
// given the output's header.
func NewTypedCSVToParquet(w io.Writer, t Typed) (*CSVToParquet, error) {
	c, err := NewCSVToParquet(w, nil)
	if err == nil {
		c.typed = t
	}
	return c, err
}

// Write takes the CSV output.
func (c *CSVToParquet) Write(p []byte) (int, error) { return c.buf.Write(p) }

// Close writes the Parquet file to w.
func (c *CSVToParquet) Close() error {
	defer c.tmp.Close()
	if err := c.buf.Flush(); err != nil {
		return err
	}
	header, err := c.pass(nil)
	if err != nil {
		return err
	}
	cols, err := c.columns(header)
	if err != nil {
		return err
	}
	pw, err := NewWriter(c.w, cols)
	if err != nil {
		return err
	}
	if _, err := c.pass(func(rec [][]byte, null []bool) error {
		for i, v := range rec {
			if null[i] {
				pw.Null(i)
				continue
			}
			if err := pw.Text(i, v); err != nil {
				return err
			}
		}
		return pw.EndRow()
	}); err != nil {
		return err
	}
	return pw.Close()
}

// columns resolves the output's columns for its header: named, and typed
// by a pass over the values where a column's type or scale is theirs.
func (c *CSVToParquet) columns(header []string) ([]OutputColumn, error) {
	given := c.cols
	if c.typed != nil {
		given = c.typed.ParquetColumns(header)
	}
	if len(given) == 1 && given[0].Kind == OutInfer && given[0].Name == "" {
		given = slices.Repeat(given, len(header)) // ByValues
	}
	cols := make([]OutputColumn, len(header))
	for i := range cols {
		cols[i].Kind = OutString
	}
	if given != nil {
		if len(given) != len(header) {
			return nil, outputErrorf("parquet output: %d column types for the %d columns of %v", len(given), len(header), header)
		}
		copy(cols, given)
	}
	var (
		sniff    = make([]TypeSniffer, len(cols))
		byValues = false
	)
	for i := range cols {
		cols[i].Name = header[i]
		switch {
		case cols[i].Kind == OutDecimal && cols[i].Scale == InferScale:
			cols[i].Precision, cols[i].Scale, byValues = 38, 0, true
		case cols[i].Kind == OutInfer:
			byValues = true
		}
	}
	if !byValues {
		return cols, nil
	}
	if _, err := c.pass(func(rec [][]byte, null []bool) error {
		for i, v := range rec {
			switch {
			case null[i]:
			case given[i].Kind == OutInfer:
				if len(v) > 0 { // a quoted empty string is NULL but for a VARCHAR
					sniff[i].Add(v)
				}
			case given[i].Kind == OutDecimal && given[i].Scale == InferScale:
				if dot := bytes.IndexByte(v, '.'); dot >= 0 {
					cols[i].Scale = max(cols[i].Scale, len(v)-dot-1)
				}
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for i := range cols {
		if cols[i].Kind == OutInfer {
			cols[i] = sniff[i].Column()
			cols[i].Name = header[i]
		}
	}
	return cols, nil
}

// pass reads the held CSV from its start, calling fn for every record after
// the header with its fields' values and which of them are NULL, and returns
// the header. The job's CSV writer writes NULL as an empty field and an
// empty string as "" (as DuckDB's CSV writer does), which encoding/csv cannot
// tell apart; so a record is read whole (a quoted field may hold newlines:
// it ends where csvline.End says, as the splitter's records do) and split by
// csvline, which says which fields were quoted. The values are valid until
// fn returns.
func (c *CSVToParquet) pass(fn func(rec [][]byte, null []bool) error) ([]string, error) {
	if _, err := c.tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(c.tmp, 256<<10)
	var (
		raw    []byte
		fields []csvline.Field
		vals   [][]byte
		null   []bool
		header []string
	)
	for n := 1; ; n++ { // n counts records, not lines: a quoted field may hold newlines
		raw = raw[:0]
		q, eof := csvline.AtField, false
		for {
			chunk, err := br.ReadSlice('\n')
			raw = append(raw, chunk...)
			var end int
			end, q = csvline.End(chunk, q, ',') // the state carries over to the next chunk
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			if err != nil {
				return nil, fmt.Errorf("parquet output: %w", err)
			}
			if end >= 0 {
				break
			}
		}
		if len(raw) == 0 && eof {
			break
		}
		line := csvline.TrimCR(bytes.TrimSuffix(raw, []byte{'\n'}))
		var err error
		if fields, err = csvline.Split(fields, line, ','); err != nil {
			return nil, outputErrorf("parquet output, record %d of the job's CSV (the header is record 1): %w", n, err)
		}
		vals, null = vals[:0], null[:0]
		for _, f := range fields {
			v, _ := f.Value(line, nil)
			vals = append(vals, v)
			null = append(null, !f.Quoted && f.Start == f.End)
		}
		switch {
		case header == nil:
			for _, v := range vals {
				header = append(header, string(v))
			}
			if fn == nil {
				return header, nil
			}
		case len(vals) != len(header):
			return nil, outputErrorf("parquet output, record %d of the job's CSV (the header is record 1): %d fields where the header has %d", n, len(vals), len(header))
		default:
			if err := fn(vals, null); err != nil {
				return nil, err
			}
		}
		if eof {
			break
		}
	}
	if header == nil {
		return nil, outputErrorf("parquet output: the job wrote no header")
	}
	return header, nil
}

// Typed is a job that says the types of its output's columns, in order,
// for a Parquet output, given the output's header (the columns a SELECT *
// stood for); a job that does not gets every column as a string. Nil
// types every column as a string, ByValues() by its values.
type Typed interface {
	ParquetColumns(header []string) []OutputColumn
}
