package pq

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
)

// InferScale as an OutDecimal column's Scale asks the converter for the
// largest scale its values have (a sum or an average of exact decimals),
// with precision 38.
const InferScale = -1

// CSVToParquet is a writer for a job's CSV output (a header row, then
// records) that writes it to w as Parquet when closed. cols types the
// columns in order (nil: every column a string); an OutDecimal column of
// Scale InferScale gets the largest scale among its values. The CSV is held
// in a temporary file, read twice (scales, then values), so memory does not
// grow with the output.
type CSVToParquet struct {
	w    io.Writer
	cols []OutputColumn
	tmp  *os.File
	buf  *bufio.Writer
}

// NewCSVToParquet starts a conversion to w.
func NewCSVToParquet(w io.Writer, cols []OutputColumn) (*CSVToParquet, error) {
	f, err := os.CreateTemp("", "scatter-parquet-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // lives while open
	return &CSVToParquet{w: w, cols: cols, tmp: f, buf: bufio.NewWriterSize(f, 256<<10)}, nil
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
	cols := c.cols
	if cols == nil {
		for _, h := range header {
			cols = append(cols, OutputColumn{Name: h, Kind: OutString})
		}
	}
	if len(cols) != len(header) {
		return fmt.Errorf("parquet output: %d column types for the %d columns of %v", len(cols), len(header), header)
	}
	cols = append([]OutputColumn(nil), cols...)
	infer := false
	for i := range cols {
		cols[i].Name = header[i]
		if cols[i].Kind == OutDecimal && cols[i].Scale == InferScale {
			cols[i].Precision, cols[i].Scale, infer = 38, 0, true
		}
	}
	if infer {
		if _, err := c.pass(func(rec []string) error {
			for i, v := range rec {
				if c.cols != nil && c.cols[i].Kind == OutDecimal && c.cols[i].Scale == InferScale {
					if dot := bytes.IndexByte([]byte(v), '.'); dot >= 0 {
						cols[i].Scale = max(cols[i].Scale, len(v)-dot-1)
					}
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	pw, err := NewWriter(c.w, cols)
	if err != nil {
		return err
	}
	if _, err := c.pass(func(rec []string) error {
		for i, v := range rec {
			if err := pw.Text(i, []byte(v)); err != nil {
				return err
			}
		}
		return pw.EndRow()
	}); err != nil {
		return err
	}
	return pw.Close()
}

// pass reads the held CSV from its start, calling fn for every record after
// the header, and returns the header.
func (c *CSVToParquet) pass(fn func([]string) error) ([]string, error) {
	if _, err := c.tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	r := csv.NewReader(bufio.NewReaderSize(c.tmp, 256<<10))
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("parquet output: the job wrote no header")
	}
	if err != nil {
		return nil, fmt.Errorf("parquet output: %w", err)
	}
	header = append([]string(nil), header...)
	for fn != nil {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parquet output: %w", err)
		}
		if err := fn(rec); err != nil {
			return nil, err
		}
	}
	return header, nil
}

// Typed is a job that says the types of its output's columns, in order,
// for a Parquet output; a job that does not gets every column as a string.
type Typed interface {
	ParquetColumns() []OutputColumn
}
