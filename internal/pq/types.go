package pq

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/scattergather/scattergather/internal/duckfmt"
)

// kind is how a column's values are decoded and printed: the physical type
// refined by the logical (or older converted) type.
type kind uint8

const (
	kindBool    kind = iota + 1
	kindInt          // INT32 or INT64, signed
	kindUint         // INT32 or INT64, unsigned
	kindFloat        // FLOAT
	kindDouble       // DOUBLE
	kindDecimal      // INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY with a scale
	kindDate         // INT32 days since 1970-01-01
	kindTimestamp
	kindTime
	kindInt96 // legacy timestamp: nanoseconds of the day and a Julian day
	kindString
	kindBlob
	kindUUID
	kindInterval // FIXED_LEN_BYTE_ARRAY(12): months, days, milliseconds
	kindNull     // always null (the NULL logical type)
)

// valueType is everything needed to read one flat column's values.
type valueType struct {
	kind     kind
	physical format.Type
	scale    int   // decimal scale
	prec     int   // decimal precision
	unit     int64 // timestamps and times: units per second (1e3, 1e6, 1e9)
	utc      bool  // a timestamp adjusted to UTC: printed with "+00"
	bits     int   // integer width in bits (8, 16, 32, 64)
	name     string
}

// typeOf classifies a leaf schema element. It returns an error for a type no
// job can read as a value (a FLOAT16, geometry, BSON).
func typeOf(el *format.SchemaElement) (valueType, error) {
	if !el.Type.Valid {
		return valueType{}, fmt.Errorf("no physical type")
	}
	t := valueType{physical: el.Type.V, bits: 64}
	lt := el.LogicalType.Value
	ct, hasCT := el.ConvertedType.V, el.ConvertedType.Valid
	switch v := lt.(type) {
	case *format.NullType:
		t.kind, t.name = kindNull, "NULL"
		return t, nil
	case *format.DecimalType:
		return decimalType(t, int(v.Scale), int(v.Precision))
	}
	if lt == nil && hasCT && ct == deprecated.Decimal {
		return decimalType(t, int(el.Scale.V), int(el.Precision.V))
	}
	switch t.physical {
	case format.Boolean:
		t.kind, t.name = kindBool, "BOOLEAN"
	case format.Int32, format.Int64:
		t.kind, t.bits = kindInt, 32
		if t.physical == format.Int64 {
			t.bits = 64
		}
		switch v := lt.(type) {
		case *format.IntType:
			t.bits = int(v.BitWidth)
			if !v.IsSigned {
				t.kind = kindUint
			}
		case *format.DateType:
			t.kind = kindDate
		case *format.TimestampType:
			t.kind, t.unit, t.utc = kindTimestamp, unitOf(v.Unit), v.IsAdjustedToUTC
		case *format.TimeType:
			t.kind, t.unit, t.utc = kindTime, unitOf(v.Unit), v.IsAdjustedToUTC
		case nil:
			if hasCT {
				switch ct {
				case deprecated.Int8, deprecated.Int16, deprecated.Int32, deprecated.Int64:
					t.bits = map[deprecated.ConvertedType]int{deprecated.Int8: 8, deprecated.Int16: 16, deprecated.Int32: 32, deprecated.Int64: 64}[ct]
				case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
					t.kind = kindUint
					t.bits = map[deprecated.ConvertedType]int{deprecated.Uint8: 8, deprecated.Uint16: 16, deprecated.Uint32: 32, deprecated.Uint64: 64}[ct]
				case deprecated.Date:
					t.kind = kindDate
				case deprecated.TimestampMillis:
					t.kind, t.unit = kindTimestamp, 1e3
				case deprecated.TimestampMicros:
					t.kind, t.unit = kindTimestamp, 1e6
				case deprecated.TimeMillis:
					t.kind, t.unit = kindTime, 1e3
				case deprecated.TimeMicros:
					t.kind, t.unit = kindTime, 1e6
				default:
					return t, fmt.Errorf("integer with converted type %d", ct)
				}
			}
		default:
			return t, fmt.Errorf("integer with logical type %s", lt)
		}
		t.name = intName(t)
	case format.Int96:
		t.kind, t.name = kindInt96, "TIMESTAMP"
	case format.Float:
		t.kind, t.name = kindFloat, "FLOAT"
	case format.Double:
		t.kind, t.name = kindDouble, "DOUBLE"
	case format.ByteArray, format.FixedLenByteArray:
		switch lt.(type) {
		case *format.StringType, *format.EnumType:
			t.kind, t.name = kindString, "VARCHAR"
		case *format.JsonType:
			t.kind, t.name = kindString, "JSON"
		case *format.UUIDType:
			if el.TypeLength.V != 16 {
				return t, fmt.Errorf("UUID of %d bytes, not 16", el.TypeLength.V)
			}
			t.kind, t.name = kindUUID, "UUID"
		case *format.BsonType:
			return t, errBSON
		case nil:
			t.kind, t.name = kindBlob, "BLOB"
			if hasCT {
				switch ct {
				case deprecated.UTF8, deprecated.Enum:
					t.kind, t.name = kindString, "VARCHAR"
				case deprecated.Json:
					t.kind, t.name = kindString, "JSON"
				case deprecated.Bson:
					return t, errBSON
				case deprecated.Interval:
					if t.physical != format.FixedLenByteArray || el.TypeLength.V != 12 {
						return t, fmt.Errorf("INTERVAL stored as %s of %d bytes, not FIXED_LEN_BYTE_ARRAY(12)", t.physical, el.TypeLength.V)
					}
					t.kind, t.name = kindInterval, "INTERVAL"
				default:
					return t, fmt.Errorf("byte array with converted type %d", ct)
				}
			}
		default:
			return t, fmt.Errorf("byte array with logical type %s", lt)
		}
	default:
		return t, fmt.Errorf("physical type %s", t.physical)
	}
	return t, nil
}

// errBSON refuses a BSON column, as DuckDB does ("Unsupported converted
// type"): printing its documents as BLOB text would give an answer DuckDB
// does not.
var errBSON = errors.New("BSON, which DuckDB does not read either")

func decimalType(t valueType, scale, prec int) (valueType, error) {
	switch t.physical {
	case format.Int32, format.Int64, format.ByteArray, format.FixedLenByteArray:
	default:
		return t, fmt.Errorf("decimal stored as %s", t.physical)
	}
	if scale < 0 || prec < 0 || (prec > 0 && scale > prec) {
		return t, fmt.Errorf("decimal with precision %d and scale %d", prec, scale)
	}
	t.kind, t.scale, t.prec = kindDecimal, scale, prec
	t.name = fmt.Sprintf("DECIMAL(%d,%d)", prec, scale)
	return t, nil
}

func unitOf(u format.TimeUnit) int64 {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return 1e3
	case *format.NanoSeconds:
		return 1e9
	default:
		return 1e6
	}
}

func intName(t valueType) string {
	switch t.kind {
	case kindDate:
		return "DATE"
	case kindTime:
		if t.utc {
			return "TIME WITH TIME ZONE"
		}
		return "TIME"
	case kindTimestamp:
		if t.utc {
			return "TIMESTAMP WITH TIME ZONE"
		}
		if t.unit == 1e9 {
			return "TIMESTAMP_NS"
		}
		return "TIMESTAMP"
	}
	names := map[int]string{8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}
	n := names[t.bits]
	if n == "" {
		n = "BIGINT"
	}
	if t.kind == kindUint {
		n = "U" + n
	}
	return n
}

// numeric reports whether the values are numbers: integers, decimals, floats.
func (t valueType) numeric() bool {
	switch t.kind {
	case kindInt, kindUint, kindFloat, kindDouble, kindDecimal:
		return true
	}
	return false
}

// appendPlain appends the text of one PLAIN-encoded value (as statistics
// store them: fixed-width little-endian numbers, raw bytes for byte arrays).
func (t valueType) appendPlain(dst, b []byte) ([]byte, bool) {
	switch t.physical {
	case format.Boolean:
		if len(b) != 1 {
			return dst, false
		}
		return t.appendInt(dst, int64(b[0])), true
	case format.Int32:
		if len(b) != 4 {
			return dst, false
		}
		return t.appendInt(dst, int64(int32(binary.LittleEndian.Uint32(b)))), true
	case format.Int64:
		if len(b) != 8 {
			return dst, false
		}
		return t.appendInt(dst, int64(binary.LittleEndian.Uint64(b))), true
	case format.Float:
		if len(b) != 4 {
			return dst, false
		}
		return duckfmt.AppendFloat(dst, float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 32), true
	case format.Double:
		if len(b) != 8 {
			return dst, false
		}
		return duckfmt.AppendFloat(dst, math.Float64frombits(binary.LittleEndian.Uint64(b)), 64), true
	case format.ByteArray, format.FixedLenByteArray:
		return t.appendBytes(dst, b), true
	}
	return dst, false
}

// appendInt appends the text of an INT32, INT64 or BOOLEAN value v.
func (t valueType) appendInt(dst []byte, v int64) []byte {
	switch t.kind {
	case kindBool:
		if v != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case kindUint:
		if t.physical == format.Int32 {
			return strconv.AppendUint(dst, uint64(uint32(v)), 10)
		}
		return strconv.AppendUint(dst, uint64(v), 10)
	case kindDecimal:
		return appendDecimal(dst, v, t.scale)
	case kindDate:
		switch v {
		case math.MaxInt32: // DuckDB's DATE infinities (its CSV writer's text)
			return append(dst, "infinity"...)
		case -math.MaxInt32:
			return append(dst, "-infinity"...)
		}
		return duckfmt.AppendDate(dst, v)
	case kindTimestamp:
		return t.appendTimestamp(dst, v)
	case kindTime:
		dst = duckfmt.AppendTime(dst, v, t.unit)
		if t.utc { // DuckDB's TIME WITH TIME ZONE, printed at UTC
			dst = append(dst, "+00"...)
		}
		return dst
	default:
		return strconv.AppendInt(dst, v, 10)
	}
}

// appendTimestamp appends the text of a TIMESTAMP value v, as DuckDB's CSV
// writer prints it: the largest int64 and its negation are DuckDB's
// infinity and -infinity (in every unit, adjusted to UTC or not); a value
// adjusted to UTC is DuckDB's TIMESTAMP WITH TIME ZONE, of microseconds (a
// value of nanoseconds cut toward zero, as DuckDB reads it), printed as
// with TimeZone 'UTC', "+00" after it.
func (t valueType) appendTimestamp(dst []byte, v int64) []byte {
	switch v {
	case math.MaxInt64:
		return append(dst, "infinity"...)
	case -math.MaxInt64:
		return append(dst, "-infinity"...)
	}
	if !t.utc {
		return duckfmt.AppendTimestamp(dst, v, t.unit)
	}
	unit := t.unit
	if unit == 1e9 {
		v, unit = v/1000, 1e6
	}
	dst = duckfmt.AppendTimestamp(dst, v, unit)
	return append(dst, "+00"...)
}

// appendBytes appends the text of a BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY value.
func (t valueType) appendBytes(dst, b []byte) []byte {
	switch t.kind {
	case kindString:
		return append(dst, b...)
	case kindDecimal:
		if v, ok := beInt64(b); ok {
			return appendDecimal(dst, v, t.scale)
		}
		return appendBigDecimal(dst, b, t.scale)
	case kindUUID:
		return appendUUID(dst, b)
	case kindInterval:
		return appendInterval(dst, b)
	case kindInt96:
		if len(b) != 12 {
			return append(dst, "?"...)
		}
		w := deprecated.Int96{binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:])}
		return duckfmt.AppendTimestamp(dst, int96Micros(w), 1e6)
	default:
		return appendBlob(dst, b)
	}
}

// int96Micros converts a legacy INT96 timestamp (nanoseconds of the day, a
// signed 64-bit integer in its first two words, then the Julian day number)
// to microseconds since the epoch, as DuckDB reads it: the nanoseconds
// divided by 1000 cut toward zero (-1001 is a microsecond before the day),
// added whatever their count (more than a day's too).
func int96Micros(w deprecated.Int96) int64 {
	nanos := int64(uint64(w[1])<<32 | uint64(w[0]))
	day := int64(w[2]) - 2440588
	return day*86_400_000_000 + nanos/1000
}

// beInt64 reads a big-endian two's complement integer when it fits an int64.
func beInt64(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	neg := b[0]&0x80 != 0
	for len(b) > 8 {
		if (neg && b[0] != 0xff) || (!neg && b[0] != 0) {
			return 0, false
		}
		b = b[1:]
	}
	var v uint64
	if neg {
		v = math.MaxUint64
	}
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	x := int64(v)
	if (x < 0) != neg {
		return 0, false
	}
	return x, true
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// appendDecimal appends unscaled×10^-scale exactly, with scale digits after
// the point ("12.50", "-0.05"), as DuckDB prints a DECIMAL.
func appendDecimal(dst []byte, v int64, scale int) []byte {
	if scale == 0 {
		return strconv.AppendInt(dst, v, 10)
	}
	u := uint64(v)
	if v < 0 {
		dst = append(dst, '-')
		u = -u
	}
	var tmp [24]byte
	digits := strconv.AppendUint(tmp[:0], u, 10)
	return appendPoint(dst, digits, scale)
}

// appendPoint appends the decimal digits with a point scale places from the
// right, padding with zeros on the left.
func appendPoint(dst, digits []byte, scale int) []byte {
	if len(digits) <= scale {
		dst = append(dst, '0', '.')
		for i := len(digits); i < scale; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-scale]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-scale:]...)
}

func appendBigDecimal(dst, b []byte, scale int) []byte {
	var x big.Int
	x.SetBytes(b)
	if b[0]&0x80 != 0 { // two's complement: subtract 2^(8·len)
		var m big.Int
		m.Lsh(big.NewInt(1), uint(8*len(b)))
		x.Sub(&x, &m)
		dst = append(dst, '-')
		x.Neg(&x)
	}
	digits := x.Append(nil, 10)
	if scale == 0 {
		return append(dst, digits...)
	}
	return appendPoint(dst, digits, scale)
}

// appendInterval appends a Parquet INTERVAL (three little-endian words:
// months, days, milliseconds) as DuckDB prints it (duckfmt.AppendInterval):
// DuckDB reads the months and the days as signed 32-bit integers and the
// milliseconds as unsigned.
func appendInterval(dst, b []byte) []byte {
	if len(b) != 12 {
		return append(dst, "?"...)
	}
	months := int32(binary.LittleEndian.Uint32(b))
	days := int32(binary.LittleEndian.Uint32(b[4:]))
	millis := int64(binary.LittleEndian.Uint32(b[8:]))
	return duckfmt.AppendInterval(dst, months, days, millis*1000)
}

const hexDigits = "0123456789abcdef"

func appendUUID(dst, b []byte) []byte {
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// appendBlob appends bytes as DuckDB prints a BLOB: printable ASCII as it is,
// every other byte, the backslash and both quotes as \xHH.
func appendBlob(dst, b []byte) []byte {
	const upper = "0123456789ABCDEF"
	for _, c := range b {
		if c >= 0x20 && c <= 0x7e && c != '\\' && c != '"' && c != '\'' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '\\', 'x', upper[c>>4], upper[c&15])
	}
	return dst
}

// OutputForType is the output column that keeps a column of DuckDB's type
// name (a Parquet input column's Column.Type) as DuckDB's COPY ... TO
// 'x.parquet' writes it: integers of every width and sign, FLOAT, DOUBLE,
// DECIMAL(p,s), DATE, TIMESTAMP, TIMESTAMP_NS, TIMESTAMP WITH TIME ZONE,
// TIME, TIME WITH TIME ZONE, BOOLEAN, BLOB, UUID, JSON and VARCHAR; a
// string of its text for a type it does not know.
func OutputForType(name string) OutputColumn {
	ints := map[string]int{"TINYINT": 8, "SMALLINT": 16, "INTEGER": 32, "BIGINT": 64}
	if b, ok := ints[strings.TrimPrefix(name, "U")]; ok {
		return OutputColumn{Kind: OutInteger, Bits: b, Unsigned: strings.HasPrefix(name, "U")}
	}
	kinds := map[string]OutputKind{"BOOLEAN": OutBoolean, "FLOAT": OutFloat, "DOUBLE": OutDouble, "DATE": OutDate,
		"TIMESTAMP": OutTimestamp, "TIMESTAMP_NS": OutTimestampNS, "TIMESTAMP WITH TIME ZONE": OutTimestampTZ,
		"TIME": OutTime, "TIME WITH TIME ZONE": OutTimeTZ, "BLOB": OutBlob, "UUID": OutUUID, "JSON": OutJSON}
	if k, ok := kinds[name]; ok {
		return OutputColumn{Kind: k}
	}
	var p, s int
	if n, err := fmt.Sscanf(name, "DECIMAL(%d,%d)", &p, &s); err == nil && n == 2 && p >= 1 && p <= 38 && s >= 0 && s <= p {
		return OutputColumn{Kind: OutDecimal, Precision: p, Scale: s}
	}
	return OutputColumn{Kind: OutString}
}
