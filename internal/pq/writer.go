package pq

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"

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
	// OutTimestampTZ is a timestamp of microseconds adjusted to UTC
	// (DuckDB's TIMESTAMP WITH TIME ZONE); its text may end with a UTC
	// offset (+00, -05:30), which it is moved by.
	OutTimestampTZ
	// OutFloat is a 32-bit float (DuckDB's FLOAT).
	OutFloat
	// OutInteger is an integer of Bits bits (8, 16, 32 or 64), Unsigned or
	// not: DuckDB's TINYINT to BIGINT and UTINYINT to UBIGINT, stored as
	// DuckDB stores them (INT32 up to 32 bits, else INT64, with the INT
	// logical type).
	OutInteger
	// OutInfer is a column typed by its values when a job's CSV output is
	// converted (CSVToParquet), as DuckDB's CSV sniffer would type them:
	// see TypeSniffer. A Writer does not take it.
	OutInfer
	// OutBlob is bytes (DuckDB's BLOB), a BYTE_ARRAY without a logical
	// type; its text is DuckDB's (\xHH for a byte that is not printed).
	OutBlob
	// OutUUID is a UUID in 16 bytes (FIXED_LEN_BYTE_ARRAY, UUID logical
	// type); its text the 36 characters of hex digits and dashes.
	OutUUID
	// OutTime is a time of day of microseconds (DuckDB's TIME), not
	// adjusted to UTC.
	OutTime
	// OutTimeTZ is a time of day of microseconds adjusted to UTC (DuckDB's
	// TIME WITH TIME ZONE); its text may end with a UTC offset, which it
	// is moved by.
	OutTimeTZ
	// OutJSON is a string with the JSON logical type (DuckDB's JSON).
	OutJSON
)

// OutputColumn is one column of a Parquet output.
type OutputColumn struct {
	Name string
	Kind OutputKind
	// Precision and Scale of an OutDecimal: up to 9 digits are stored as an
	// INT32, up to 18 as an INT64, up to 38 in 16 bytes (as DuckDB stores them).
	Precision, Scale int
	// Bits and Unsigned of an OutInteger.
	Bits     int
	Unsigned bool
	// Form of an OutDate or OutTimestamp a TypeSniffer typed: which of
	// DuckDB's sniffer's formats its values are in (sniffdates.go), 0 for
	// ISO 8601.
	Form uint8
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
	// vals hold the bytes of a row's BLOB, UUID and 16-byte DECIMAL
	// values, a buffer per column, until EndRow writes them.
	vals [][]byte
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
		case OutJSON:
			n = parquet.JSON()
		case OutBlob:
			n = parquet.Leaf(parquet.ByteArrayType)
		case OutUUID:
			n = parquet.UUID()
		case OutTime:
			n = parquet.TimeAdjusted(parquet.Microsecond, false)
		case OutTimeTZ:
			n = parquet.TimeAdjusted(parquet.Microsecond, true)
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
		case OutTimestampTZ:
			n = parquet.TimestampAdjusted(parquet.Microsecond, true)
		case OutFloat:
			n = parquet.Leaf(parquet.FloatType)
		case OutInteger:
			if c.Bits != 8 && c.Bits != 16 && c.Bits != 32 && c.Bits != 64 {
				return nil, fmt.Errorf("parquet output: column %q: an integer of %d bits", c.Name, c.Bits)
			}
			n = parquet.Int(c.Bits)
			if c.Unsigned {
				n = parquet.Uint(c.Bits)
			}
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
		vals: make([][]byte, len(cols)),
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
// HH:MM:SS[.fffffffff]; a TIMESTAMP WITH TIME ZONE's text may end with a
// UTC offset), and "infinity" and "-infinity" are DuckDB's infinities (the
// largest int32 or int64 and its negation), which DuckDB reads back as
// such. Integers, doubles and dates may have the spaces around them that
// DuckDB's CSV reader takes, a boolean is DuckDB's true/false/t/f/yes/no in
// any case. An empty text in a column that is not a string is a null.
func (w *Writer) Text(c int, b []byte) error {
	col := &w.cols[c]
	if col.Kind != OutString && col.Kind != OutJSON && col.Kind != OutBlob && len(b) == 0 {
		w.Null(c)
		return nil
	}
	var err error
	switch col.Kind {
	case OutString, OutJSON:
		w.put(c, parquet.ByteArrayValue(b))
	case OutBlob:
		w.vals[c], err = appendUnblob(w.vals[c][:0], b)
		if err == nil {
			w.put(c, parquet.ByteArrayValue(w.vals[c]))
		}
	case OutUUID:
		u := (*[16]byte)(append(w.vals[c][:0], make([]byte, 16)...))
		w.vals[c] = u[:]
		if err = parseUUID(u, b); err == nil {
			w.put(c, parquet.FixedLenByteArrayValue(u[:]))
		}
	case OutTime, OutTimeTZ:
		var v int64
		if v, err = parseTime(b, col.Kind == OutTimeTZ); err != nil && col.Kind == OutTime {
			var ok bool // a form DuckDB's sniffer takes (sniffdates.go)
			if v, ok = looseTime(b); ok {
				err = nil
			}
		}
		if err == nil {
			w.put(c, parquet.Int64Value(v))
		}
	case OutInt64, OutInteger, OutDouble, OutFloat, OutBoolean:
		err = w.number(c, b)
	case OutDate:
		var days int64
		if days, err = parseDay(b, col); err == nil {
			w.put(c, parquet.Int32Value(int32(days)))
		}
	case OutTimestamp, OutTimestampNS, OutTimestampTZ:
		var v int64
		if v, err = parseTimestamp(b, col); err == nil {
			w.put(c, parquet.Int64Value(v))
		}
	case OutDecimal:
		err = w.decimal(c, b)
	default:
		err = errors.New("the column's type is not resolved")
	}
	if err != nil {
		return &OutputError{Msg: fmt.Sprintf("parquet output, row %d, column %q: %q is not a %s: %v", w.n, col.Name, b, kindName(col), err), Err: err}
	}
	return nil
}

// parseDay reads a DATE column's value: in the column's form (Form), else
// as DuckDB prints a date or in a form its sniffer takes (sniffforms.go),
// infinity and -infinity too; its days since 1970-01-01.
func parseDay(b []byte, col *OutputColumn) (int64, error) {
	days, ok := duckfmt.ParseDate(bytes.TrimSpace(b))
	if col.Form != 0 {
		days, ok = formDays(b, col.Form)
	} else if !ok {
		days, ok = looseDate(b) // a form DuckDB's sniffer takes (sniffforms.go)
	}
	switch t := bytes.Trim(b, " "); {
	case col.Form != 0 && foldIn(t, "infinity", "-infinity"):
		days, ok = formInfinity/86_400_000_000, true
	case foldIn(t, "infinity"):
		days, ok = math.MaxInt32, true
	case foldIn(t, "-infinity"):
		days, ok = -math.MaxInt32, true
	case ok && (days >= math.MaxInt32 || days <= -math.MaxInt32):
		ok = false // DuckDB's DATE range ends below its infinities
	}
	if !ok {
		return 0, errors.New("not a date as DuckDB prints one")
	}
	return days, nil
}

// number sets an integer, floating-point or boolean column from its text.
func (w *Writer) number(c int, b []byte) error {
	col := &w.cols[c]
	switch col.Kind {
	case OutInt64:
		v, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
		if r, ok := radixInt(b); err != nil && ok {
			v, err = r, nil // 0x10, 0b101, as DuckDB's sniffer takes them
		}
		if err != nil {
			return err
		}
		w.put(c, parquet.Int64Value(v))
	case OutInteger:
		t := string(bytes.TrimSpace(b))
		var v int64
		if col.Unsigned {
			u, err := strconv.ParseUint(t, 10, col.Bits)
			if err != nil {
				return err
			}
			v = int64(u) // a UBIGINT past int64 is stored as its bits
			if col.Bits == 32 {
				v = int64(int32(uint32(u)))
			}
		} else {
			var err error
			if v, err = strconv.ParseInt(t, 10, col.Bits); err != nil {
				return err
			}
		}
		if col.Bits <= 32 {
			w.put(c, parquet.Int32Value(int32(v)))
		} else {
			w.put(c, parquet.Int64Value(v))
		}
	case OutDouble, OutFloat:
		bits := 64
		if col.Kind == OutFloat {
			bits = 32
		}
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(b)), bits)
		if nan, ok := duckfmt.ParseNegNaN(bytes.TrimSpace(b)); ok {
			v, err = nan, nil
		}
		if err != nil && !errors.Is(err, strconv.ErrRange) { // 1e400 is inf, as in DuckDB
			return err
		}
		if bits == 32 {
			w.put(c, parquet.FloatValue(float32(v)))
		} else {
			w.put(c, parquet.DoubleValue(v))
		}
	case OutBoolean:
		v, ok := parseBool(b)
		if !ok {
			return errors.New("not true, false, t, f, yes or no")
		}
		w.put(c, parquet.BooleanValue(v))
	}
	return nil
}

// parseBool reads a boolean as DuckDB's CSV sniffer takes one: true, false,
// t, f, yes, no, 1 or 0, in any case.
func parseBool(b []byte) (v, ok bool) {
	switch strings.ToLower(string(b)) {
	case "true", "t", "yes", "1":
		return true, true
	case "false", "f", "no", "0":
		return false, true
	}
	return false, false
}

// parseTimestamp reads a timestamp of kind k (OutTimestamp,
// OutTimestampNS, OutTimestampTZ) in its units: DuckDB's infinities, or
// duckfmt's text; a TIMESTAMP WITH TIME ZONE's may end with a UTC offset
// (+HH, +HH:MM, +HH:MM:SS or the same after -), which it is moved by.
func parseTimestamp(b []byte, col *OutputColumn) (int64, error) {
	k := col.Kind
	unit := int64(1e6)
	if k == OutTimestampNS {
		unit = 1e9
	}
	switch t := bytes.Trim(b, " "); {
	case col.Form != 0 && foldIn(t, "infinity", "-infinity"):
		return formInfinity, nil
	case foldIn(t, "infinity"):
		return math.MaxInt64, nil
	case foldIn(t, "-infinity"):
		return -math.MaxInt64, nil
	}
	if col.Form != 0 && k == OutTimestamp {
		if v, ok := formMicros(b, col.Form); ok {
			return v, nil
		}
		return 0, errors.New("not a timestamp in the column's format")
	}
	orig := b
	var off int64
	if k == OutTimestampTZ {
		b, off = cutOffset(b)
	}
	v, ok := duckfmt.ParseTimestamp(b, unit)
	if ok && ((off > 0 && v < math.MinInt64+off*unit) || (off < 0 && v > math.MaxInt64+off*unit)) {
		ok = false // moved past an int64
	}
	v -= off * unit
	if !ok {
		var zoned bool // a form DuckDB's sniffer takes (sniffforms.go)
		v, zoned, ok = looseTimestamp(orig, unit)
		ok = ok && (!zoned || k == OutTimestampTZ)
	}
	if !ok || v == math.MaxInt64 || v <= -math.MaxInt64 {
		return 0, errors.New("not a timestamp as DuckDB prints one")
	}
	return v, nil
}

// cutOffset cuts a UTC offset (+HH, +HH:MM or +HH:MM:SS, or the same after
// -) off the end of a timestamp's text and returns it in seconds; 0 when
// the text ends otherwise.
func cutOffset(b []byte) ([]byte, int64) {
	i := bytes.LastIndexAny(b, "+-")
	if i < 0 || i < bytes.IndexByte(b, ' ') {
		return b, 0 // no offset: the last sign is the date's
	}
	sign, off := int64(1), int64(0)
	if b[i] == '-' {
		sign = -1
	}
	// up to three parts of two digits, separated by ':' (read in place:
	// a value of a column is no allocation)
	rest := b[i+1:]
	for k, scale := range [3]int64{3600, 60, 1} {
		if len(rest) < 2 || rest[0] < '0' || rest[0] > '9' || rest[1] < '0' || rest[1] > '9' {
			return b, 0
		}
		off += int64((rest[0]-'0')*10+rest[1]-'0') * scale
		if rest = rest[2:]; len(rest) == 0 {
			break
		}
		if k == 2 || rest[0] != ':' {
			return b, 0
		}
		rest = rest[1:]
	}
	return b[:i], sign * off
}

// appendUnblob appends the bytes of a BLOB's text as DuckDB prints it
// (appendBlob): \xHH (either case) is the byte HH, any other byte itself.
func appendUnblob(dst, b []byte) ([]byte, error) {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			dst = append(dst, b[i])
			continue
		}
		var hi, lo byte
		ok := i+3 < len(b) && (b[i+1] == 'x' || b[i+1] == 'X')
		if ok {
			var ok2 bool
			hi, ok = unhex(b[i+2])
			lo, ok2 = unhex(b[i+3])
			ok = ok && ok2
		}
		if !ok {
			return dst, fmt.Errorf("a \\ at byte %d not followed by xHH", i)
		}
		dst = append(dst, hi<<4|lo)
		i += 3
	}
	return dst, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseUUID reads a UUID's text, 32 hex digits in groups of 8-4-4-4-12
// separated by dashes (as appendUUID writes it), into u.
func parseUUID(u *[16]byte, b []byte) error {
	if len(b) != 36 {
		return errors.New("not 36 characters")
	}
	k := 0
	for i := 0; i < len(b); i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if b[i] != '-' {
				return fmt.Errorf("no dash at character %d", i+1)
			}
			continue
		}
		hi, ok1 := unhex(b[i])
		lo, ok2 := unhex(b[i+1])
		if !ok1 || !ok2 {
			return fmt.Errorf("not a hex digit at character %d", i+1)
		}
		u[k] = hi<<4 | lo
		k++
		i++
	}
	return nil
}

// parseTime reads a time of day as duckfmt.AppendTime prints it
// (HH:MM:SS, an optional fraction of up to nine digits, cut to
// microseconds; 24:00:00 is DuckDB's end of the day) and returns its
// microseconds since midnight. With tz, a UTC offset after it (+HH,
// +HH:MM, +HH:MM:SS or the same after -) moves it to UTC, within the day.
func parseTime(b []byte, tz bool) (int64, error) {
	var off int64
	if tz {
		b, off = cutOffset(b)
	}
	var buf [48]byte // on the stack: a value of a column is no allocation
	v, ok := duckfmt.ParseTimestamp(append(append(buf[:0], "1970-01-01 "...), b...), 1e6)
	if !ok && string(b) == "24:00:00" {
		v, ok = 86_400_000_000, true
	}
	if !ok {
		return 0, errors.New("not a time as DuckDB prints one")
	}
	if off != 0 {
		const day = 86_400_000_000
		v = ((v-off*1e6)%day + day) % day
	}
	return v, nil
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
	be := append(w.vals[c][:0], make([]byte, 16)...)
	w.vals[c] = be
	w.big.FillBytes(be) // the magnitude, big-endian; two's complement for a negative
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
	w.put(c, parquet.FixedLenByteArrayValue(be))
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
	case OutTimestampTZ:
		return "TIMESTAMP WITH TIME ZONE"
	case OutFloat:
		return "FLOAT"
	case OutBlob:
		return "BLOB"
	case OutUUID:
		return "UUID"
	case OutTime:
		return "TIME"
	case OutTimeTZ:
		return "TIME WITH TIME ZONE"
	case OutJSON:
		return "JSON"
	case OutInteger:
		n := map[int]string{8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[c.Bits]
		if c.Unsigned {
			n = "U" + n
		}
		return n
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
