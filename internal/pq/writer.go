package pq

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/duckfmt"
)

// OutputKind is the type of an output column.
type OutputKind uint8

// Output column types.
const (
	OutString OutputKind = iota + 1
	OutInt64
	OutDouble
	OutDecimal // exact, with Precision and Scale
	OutDate
	OutTimestamp // microseconds, without a time zone
	OutBoolean
	// OutTimestampNS is a timestamp of nanoseconds without a time zone
	// (DuckDB's TIMESTAMP_NS).
	OutTimestampNS
)

// OutputColumn is one column of a Parquet output.
type OutputColumn struct {
	Name string
	Kind OutputKind
	// Precision and Scale of an OutDecimal: up to 9 digits are stored as an
	// INT32, up to 18 as an INT64, up to 38 in 16 bytes (as DuckDB stores them).
	Precision, Scale int
}

// OutputFor is the output column that carries the values of an input
// column: the same type where a Parquet output can hold it, else a string of
// its text.
func OutputFor(c Column) OutputColumn {
	o := OutputColumn{Name: c.Name, Kind: OutString}
	switch c.vt.kind {
	case kindBool:
		o.Kind = OutBoolean
	case kindInt:
		o.Kind = OutInt64
	case kindUint:
		o.Kind, o.Precision = OutDecimal, 20
	case kindFloat, kindDouble:
		o.Kind = OutDouble
	case kindDecimal:
		o.Kind, o.Precision, o.Scale = OutDecimal, c.vt.prec, c.vt.scale
	case kindDate:
		o.Kind = OutDate
	case kindTimestamp, kindInt96:
		switch {
		case c.vt.utc:
		case c.vt.unit == 1e9:
			o.Kind = OutTimestampNS
		default:
			o.Kind = OutTimestamp
		}
	}
	return o
}

// Writer writes rows to a Parquet output, snappy-compressed, a value at a
// time: set each column of a row (Text, Int64 or Null), then EndRow.
type Writer struct {
	cols []OutputColumn
	w    *parquet.Writer
	row  parquet.Row
	set  []bool
	n    int64
	big  big.Int
	buf  []byte
}

// OutputError is a job's output that a Parquet output cannot hold: a value its
// column's type cannot take (a text that is not a TIMESTAMP, a sum over a
// DECIMAL's 38 digits), a column named twice, a record of the job's CSV with
// the wrong number of fields. It names the row, the column and the value.
// Converting the same output again meets it again, so a caller fails at once
// rather than retry; any other error of the conversion (writing to the
// underlying writer, the temporary file) is not an OutputError.
type OutputError struct {
	Msg string
	Err error // the cause, if any
}

func (e *OutputError) Error() string { return e.Msg }
func (e *OutputError) Unwrap() error { return e.Err }

// outputErrorf is an OutputError whose message is fmt.Errorf's: a %w verb keeps the cause.
func outputErrorf(format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	return &OutputError{Msg: err.Error(), Err: errors.Unwrap(err)}
}

// NewWriter starts a Parquet output of the given columns on w. Every column
// is optional (nullable). opts tune the library's writer (e.g.
// parquet.MaxRowsPerRowGroup).
func NewWriter(w io.Writer, cols []OutputColumn, opts ...parquet.WriterOption) (*Writer, error) {
	if len(cols) == 0 {
		return nil, errors.New("parquet output: no columns")
	}
	fields := make([]parquet.Field, len(cols))
	seen := map[string]bool{}
	for i, c := range cols {
		if seen[c.Name] {
			return nil, outputErrorf("parquet output: column %q twice", c.Name)
		}
		seen[c.Name] = true
		var n parquet.Node
		switch c.Kind {
		case OutString:
			n = parquet.String()
		case OutInt64:
			n = parquet.Int(64)
		case OutDouble:
			n = parquet.Leaf(parquet.DoubleType)
		case OutBoolean:
			n = parquet.Leaf(parquet.BooleanType)
		case OutDate:
			n = parquet.Date()
		case OutTimestamp:
			n = parquet.TimestampAdjusted(parquet.Microsecond, false)
		case OutTimestampNS:
			n = parquet.TimestampAdjusted(parquet.Nanosecond, false)
		case OutDecimal:
			if c.Precision < 1 || c.Precision > 38 || c.Scale < 0 || c.Scale > c.Precision {
				return nil, fmt.Errorf("parquet output: column %q: DECIMAL(%d,%d) is not a decimal type", c.Name, c.Precision, c.Scale)
			}
			switch {
			case c.Precision <= 9:
				n = parquet.Decimal(c.Scale, c.Precision, parquet.Int32Type)
			case c.Precision <= 18:
				n = parquet.Decimal(c.Scale, c.Precision, parquet.Int64Type)
			default:
				n = parquet.Decimal(c.Scale, c.Precision, parquet.FixedLenByteArrayType(16))
			}
		default:
			return nil, fmt.Errorf("parquet output: column %q: unknown kind %d", c.Name, c.Kind)
		}
		fields[i] = field{Node: parquet.Compressed(parquet.Optional(n), &parquet.Snappy), name: c.Name}
	}
	schema := parquet.NewSchema("scattergather", orderedGroup{fields: fields})
	return &Writer{
		cols: cols,
		w:    parquet.NewWriter(w, append([]parquet.WriterOption{schema}, opts...)...),
		row:  make(parquet.Row, len(cols)),
		set:  make([]bool, len(cols)),
	}, nil
}

// Null sets column c of the current row to null.
func (w *Writer) Null(c int) {
	w.row[c] = parquet.NullValue().Level(0, 0, c)
	w.set[c] = true
}

// Int64 sets column c of the current row to v (an OutInt64, OutDouble or
// OutDecimal column).
func (w *Writer) Int64(c int, v int64) error {
	switch w.cols[c].Kind {
	case OutInt64:
		w.put(c, parquet.Int64Value(v))
		return nil
	case OutDouble:
		w.put(c, parquet.DoubleValue(float64(v)))
		return nil
	}
	return w.Text(c, strconv.AppendInt(w.buf[:0], v, 10))
}

func (w *Writer) put(c int, v parquet.Value) {
	w.row[c] = v.Level(0, 1, c)
	w.set[c] = true
}

// Text sets column c of the current row from its text: a string as it is; a
// number, a date, a timestamp or a boolean parsed, with an error naming the
// column for a text that is not one. Dates and timestamps are read as
// DuckDB's CSV writer prints them (duckfmt: YYYY-MM-DD, the year of four
// digits or more, " (BC)" after a year before 1; a timestamp's time
// HH:MM:SS[.fffffffff]), and "infinity" and "-infinity" are DuckDB's
// infinities (the largest int32 or int64 and its negation), which DuckDB
// reads back as such. An empty text in a column that is not a string is a
// null.
func (w *Writer) Text(c int, b []byte) error {
	col := &w.cols[c]
	if col.Kind != OutString && len(b) == 0 {
		w.Null(c)
		return nil
	}
	bad := func(err error) error {
		return &OutputError{Msg: fmt.Sprintf("parquet output, row %d, column %q: %q is not a %s: %v", w.n, col.Name, b, kindName(col), err), Err: err}
	}
	switch col.Kind {
	case OutString:
		w.put(c, parquet.ByteArrayValue(b))
	case OutInt64:
		v, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return bad(err)
		}
		w.put(c, parquet.Int64Value(v))
	case OutDouble:
		v, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return bad(err)
		}
		w.put(c, parquet.DoubleValue(v))
	case OutBoolean:
		v, err := strconv.ParseBool(string(b))
		if err != nil {
			return bad(err)
		}
		w.put(c, parquet.BooleanValue(v))
	case OutDate:
		days, ok := duckfmt.ParseDate(b)
		switch {
		case string(b) == "infinity":
			days, ok = math.MaxInt32, true
		case string(b) == "-infinity":
			days, ok = -math.MaxInt32, true
		case ok && (days >= math.MaxInt32 || days <= -math.MaxInt32):
			ok = false // DuckDB's DATE range ends below its infinities
		}
		if !ok {
			return bad(errors.New("not a date as DuckDB prints one"))
		}
		w.put(c, parquet.Int32Value(int32(days)))
	case OutTimestamp, OutTimestampNS:
		unit := int64(1e6)
		if col.Kind == OutTimestampNS {
			unit = 1e9
		}
		v, ok := duckfmt.ParseTimestamp(b, unit)
		switch {
		case string(b) == "infinity":
			v, ok = math.MaxInt64, true
		case string(b) == "-infinity":
			v, ok = -math.MaxInt64, true
		case ok && (v == math.MaxInt64 || v <= -math.MaxInt64):
			ok = false
		}
		if !ok {
			return bad(errors.New("not a timestamp as DuckDB prints one"))
		}
		w.put(c, parquet.Int64Value(v))
	case OutDecimal:
		if err := w.decimal(c, b); err != nil {
			return bad(err)
		}
	}
	return nil
}

// decimal sets an OutDecimal column from a plain decimal text, exactly: it
// must have at most Scale digits after the point and fit Precision digits.
func (w *Writer) decimal(c int, b []byte) error {
	col := &w.cols[c]
	digits := w.buf[:0]
	i := 0
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	frac := -1
	for ; i < len(b); i++ {
		switch {
		case b[i] >= '0' && b[i] <= '9':
			digits = append(digits, b[i])
			if frac >= 0 {
				frac++
			}
		case b[i] == '.' && frac < 0:
			frac = 0
		default:
			return fmt.Errorf("unexpected %q", b[i])
		}
	}
	if len(digits) == 0 {
		return errors.New("no digits")
	}
	frac = max(frac, 0)
	if frac > col.Scale {
		return fmt.Errorf("%d digits after the point, more than the scale %d", frac, col.Scale)
	}
	for ; frac < col.Scale; frac++ {
		digits = append(digits, '0')
	}
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) > col.Precision {
		return fmt.Errorf("over the precision of %d digits", col.Precision)
	}
	w.buf = digits
	if col.Precision <= 18 {
		v, _ := strconv.ParseInt(string(digits), 10, 64)
		if neg {
			v = -v
		}
		if col.Precision <= 9 {
			w.put(c, parquet.Int32Value(int32(v)))
		} else {
			w.put(c, parquet.Int64Value(v))
		}
		return nil
	}
	w.big.SetString(string(digits), 10)
	var be [16]byte
	w.big.FillBytes(be[:]) // the magnitude, big-endian; two's complement for a negative
	if neg {
		for k := range be {
			be[k] = ^be[k]
		}
		for k := 15; k >= 0; k-- { // +1
			be[k]++
			if be[k] != 0 {
				break
			}
		}
	}
	w.put(c, parquet.FixedLenByteArrayValue(be[:]))
	return nil
}

func kindName(c *OutputColumn) string {
	switch c.Kind {
	case OutInt64:
		return "BIGINT"
	case OutDouble:
		return "DOUBLE"
	case OutBoolean:
		return "BOOLEAN"
	case OutDate:
		return "DATE"
	case OutTimestamp:
		return "TIMESTAMP"
	case OutTimestampNS:
		return "TIMESTAMP_NS"
	case OutDecimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", c.Precision, c.Scale)
	}
	return "VARCHAR"
}

// EndRow writes the current row; a column not set is null.
func (w *Writer) EndRow() error {
	for c, ok := range w.set {
		if !ok {
			w.Null(c)
		}
		w.set[c] = false
	}
	if _, err := w.w.WriteRows([]parquet.Row{w.row}); err != nil {
		return fmt.Errorf("parquet output, row %d: %w", w.n, err)
	}
	w.n++
	return nil
}

// Close writes the footer. It does not close the underlying writer.
func (w *Writer) Close() error {
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("parquet output: %w", err)
	}
	return nil
}

// orderedGroup is a group whose fields keep the order given (parquet.Group,
// a map, sorts them by name; an output's columns keep the job's order).
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func (g orderedGroup) Fields() []parquet.Field { return g.fields }
func (g orderedGroup) String() string {
	s := "message {"
	for _, f := range g.fields {
		s += " " + f.Name() + ";"
	}
	return s + " }"
}

type field struct {
	parquet.Node
	name string
}

func (f field) Name() string { return f.name }

// Value is not used: rows are written as parquet.Row, not Go values.
func (f field) Value(base reflect.Value) reflect.Value { return base.FieldByName(f.name) }
