package sql

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/internal/pq"
)

// Kind is a value's type.
type Kind uint8

// The types. Text is the type of a column the schema does not type: its
// values are text that compares as a number against a number, as a date
// against a date, and as text otherwise.
const (
	KNull Kind = iota
	KBool
	KBigint
	KDecimal
	KDouble
	KVarchar
	KDate
	KText
	// KTimestamp is a TIMESTAMP: microseconds since 1970-01-01 00:00:00
	// in Value.I, as DuckDB holds one.
	KTimestamp
	// KTimestampNS is a TIMESTAMP_NS: nanoseconds since 1970-01-01
	// 00:00:00 in Value.I, as DuckDB holds one (a Parquet timestamp of
	// nanoseconds, pandas' default).
	KTimestampNS
	// KInterval is an INTERVAL: its months and days in Value.I (the months
	// in the high 32 bits, the days in the low), its microseconds in
	// Value.F (whole, and at most 2^53 in size: exact in a float64), as
	// DuckDB holds one; it compares by duckfmt.IntervalKey, as DuckDB
	// compares.
	KInterval
)

// Type is a column's or an expression's type. Width and Scale are a
// DECIMAL's; Scale is -1 for a decimal whose scale is that of its value
// (a number read from an untyped column, or a sum of them).
type Type struct {
	Kind         Kind
	Width, Scale int
	// Form is a DATE's or TIMESTAMP's CSV format (pq.OutputColumn's Form,
	// one of DuckDB's sniffer's), 0 for ISO 8601: a schema's column type
	// only (the planner's, from the sniffed CSV types), which the column's
	// text is read in; its expressions' types have none.
	Form uint8
}

// Common types.
var (
	TNull   = Type{Kind: KNull}
	TBool   = Type{Kind: KBool}
	TBigint = Type{Kind: KBigint}
	TDouble = Type{Kind: KDouble}
	// TFloat is DuckDB's FLOAT (REAL): a DOUBLE whose values are 32-bit
	// floats, rounded to one when read, after arithmetic and on a CAST,
	// and printed in the 32-bit shortest form (0.33333334).
	TFloat   = Type{Kind: KDouble, Width: 32}
	TVarchar = Type{Kind: KVarchar}
	TDate    = Type{Kind: KDate}
	TText    = Type{Kind: KText}
	// TTimestamp is DuckDB's TIMESTAMP (microseconds, no time zone).
	TTimestamp = Type{Kind: KTimestamp}
	// TTimestampNS is DuckDB's TIMESTAMP_NS (nanoseconds, no time zone).
	TTimestampNS = Type{Kind: KTimestampNS}
	// TInterval is DuckDB's INTERVAL (months, days and microseconds).
	TInterval = Type{Kind: KInterval}
	// TNumber is the decimal an untyped value becomes in arithmetic: exact,
	// with the scale its text has.
	TNumber = Type{Kind: KDecimal, Width: 38, Scale: -1}
)

// Decimal returns DECIMAL(width, scale).
func Decimal(width, scale int) Type { return Type{Kind: KDecimal, Width: width, Scale: scale} }

func (t Type) String() string {
	switch t.Kind {
	case KNull:
		return "NULL"
	case KBool:
		return "BOOLEAN"
	case KBigint:
		return "BIGINT"
	case KDecimal:
		if t.Scale < 0 {
			return "DECIMAL"
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Width, t.Scale)
	case KDouble:
		if t.isFloat() {
			return "FLOAT"
		}
		return "DOUBLE"
	case KVarchar:
		return "VARCHAR"
	case KDate:
		return "DATE"
	case KTimestamp:
		return "TIMESTAMP"
	case KTimestampNS:
		return "TIMESTAMP_NS"
	case KInterval:
		return "INTERVAL"
	}
	return "untyped"
}

// isFloat reports FLOAT (TFloat).
func (t Type) isFloat() bool { return t.Kind == KDouble && t.Width == 32 }

// floatBits is the width of t's floats to print (32 for a FLOAT, else 64).
func floatBits(t Type) int {
	if t.isFloat() {
		return 32
	}
	return 64
}

// numeric reports BIGINT, DECIMAL and DOUBLE.
func (t Type) numeric() bool { return t.Kind == KBigint || t.Kind == KDecimal || t.Kind == KDouble }

// typeNames maps DuckDB's type names and aliases to our types; DECIMAL and
// NUMERIC take an optional (width[, scale]).
var typeNames = map[string]Type{
	"VARCHAR": TVarchar, "TEXT": TVarchar, "STRING": TVarchar, "CHAR": TVarchar, "BPCHAR": TVarchar,
	"BIGINT": TBigint, "INT8": TBigint, "LONG": TBigint, "INTEGER": TBigint, "INT": TBigint,
	"INT4": TBigint, "SIGNED": TBigint, "SMALLINT": TBigint, "INT2": TBigint, "SHORT": TBigint,
	"TINYINT": TBigint, "INT1": TBigint,
	"DOUBLE": TDouble, "FLOAT8": TDouble, "FLOAT": TFloat, "FLOAT4": TFloat, "REAL": TFloat,
	"DATE": TDate, "TIMESTAMP": TTimestamp, "DATETIME": TTimestamp, "TIMESTAMP_NS": TTimestampNS,
	"INTERVAL": TInterval,
	"BOOLEAN":  TBool, "BOOL": TBool, "LOGICAL": TBool,
	"DECIMAL": Decimal(18, 3), "NUMERIC": Decimal(18, 3),
}

// duckTypeNames are the names DuckDB writes for type names that are not its
// own (and DOUBLE, DATE and TINYINT, which it quotes; CHAR, which it writes
// with its default length) in the name of a CAST.
var duckTypeNames = map[string]string{
	"TEXT": "VARCHAR", "STRING": "VARCHAR", "CHAR": "VARCHAR(1)", "BPCHAR": "VARCHAR",
	"INT8": "BIGINT", "LONG": "BIGINT", "INT": "INTEGER", "INT4": "INTEGER", "SIGNED": "INTEGER",
	"INT2": "SMALLINT", "SHORT": "SMALLINT", "INT1": `"TINYINT"`, "TINYINT": `"TINYINT"`,
	"DOUBLE": `"DOUBLE"`, "FLOAT8": `"DOUBLE"`, "FLOAT4": "FLOAT", "REAL": "FLOAT",
	"DATE": `"DATE"`, "BOOL": "BOOLEAN", "LOGICAL": "BOOLEAN", "NUMERIC": "DECIMAL",
	"DATETIME": "TIMESTAMP",
}

// duckTypeName is DuckDB's name for a type as written, in the name of a
// CAST: CAST(x AS INTEGER), CAST(x AS "DOUBLE"), CAST(x AS DECIMAL(10, 2)).
func duckTypeName(name string, params []int) string {
	up := strings.ToUpper(name)
	if d, ok := duckTypeNames[up]; ok {
		up = d
	}
	if len(params) > 0 {
		s := make([]string, len(params))
		for i, n := range params {
			s[i] = strconv.Itoa(n)
		}
		up += "(" + strings.Join(s, ", ") + ")"
	}
	return up
}

// unsupportedTypes are DuckDB types this subset does not have.
var unsupportedTypes = []string{"TIME", "TIMESTAMPTZ", "TIMESTAMP_MS", "TIMESTAMP_S", "BLOB", "UUID",
	"HUGEINT", "UHUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT", "JSON", "BIT", "LIST", "STRUCT", "MAP", "UNION", "ENUM"}

// lookupType returns the type of a type name (any case) with optional
// DECIMAL parameters, or an error naming what is wrong.
func lookupType(name string, params []int, pos int) (Type, error) {
	up := strings.ToUpper(name)
	t, ok := typeNames[up]
	if !ok {
		if slices.Contains(unsupportedTypes, up) {
			return Type{}, unsupported(pos, "type %s (supported: VARCHAR, BIGINT, DOUBLE, DECIMAL, DATE, TIMESTAMP, TIMESTAMP_NS, INTERVAL, BOOLEAN)", up)
		}
		return Type{}, syntaxErr(pos, "unknown type %q", name)
	}
	if len(params) > 0 && t.Kind != KDecimal {
		return Type{}, syntaxErr(pos, "type %s takes no parameters", up)
	}
	if t.Kind == KDecimal && len(params) > 0 {
		t.Width, t.Scale = params[0], 0
		if len(params) > 1 {
			t.Scale = params[1]
		}
		if len(params) > 2 || t.Width < 1 || t.Width > 38 || t.Scale < 0 || t.Scale > t.Width {
			return Type{}, typeErr(pos, "DECIMAL(%s): width must be 1 to 38 and scale 0 to width", joinInts(params))
		}
	}
	return t, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// Schema gives some columns a type; the others are untyped.
type Schema map[string]Type

// Type returns the type the schema gives column name (matched as a
// query's names are: ASCII letters in either case, colname.Fold), and
// whether it gives one.
func (s Schema) Type(name string) (Type, bool) {
	if t, ok := s[name]; ok {
		return t, true
	}
	for n, t := range s {
		if colname.Equal(n, name) {
			return t, true
		}
	}
	return Type{}, false
}

// ParseSchema reads a schema: either "name:TYPE,name:TYPE,..." (the --schema
// flag) or a JSON object {"name": "TYPE", ...} (a schema.json file), TYPE
// being one of DuckDB's type names this subset has (VARCHAR, BIGINT,
// INTEGER, DOUBLE, DECIMAL(w,s), DATE, TIMESTAMP, TIMESTAMP_NS, INTERVAL, BOOLEAN, ...). An empty text is an
// empty schema.
func ParseSchema(text string) (Schema, error) {
	s := Schema{}
	text = strings.TrimSpace(text)
	if text == "" {
		return s, nil
	}
	if strings.HasPrefix(text, "{") {
		var m map[string]string
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			return nil, fmt.Errorf("schema: want a JSON object of column names to type names: %w", err)
		}
		for name, typ := range m {
			t, err := parseColumnType(typ)
			if err != nil {
				return nil, fmt.Errorf("schema: column %q: %w", name, err)
			}
			s[name] = t
		}
		return s, nil
	}
	// name:TYPE pairs; a DECIMAL(w,s) holds a comma, so split on commas
	// outside parentheses.
	depth, start := 0, 0
	var parts []string
	for i, c := range text {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, text[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, text[start:])
	for _, p := range parts {
		name, typ, ok := strings.Cut(p, ":")
		name, typ = strings.TrimSpace(name), strings.TrimSpace(typ)
		if !ok || name == "" || typ == "" {
			return nil, fmt.Errorf("schema %q: want name:TYPE[,name:TYPE...], got %q", text, p)
		}
		if _, dup := s[name]; dup {
			return nil, fmt.Errorf("schema %q: column %q is typed twice", text, name)
		}
		t, err := parseColumnType(typ)
		if err != nil {
			return nil, fmt.Errorf("schema: column %q: %w", name, err)
		}
		s[name] = t
	}
	return s, nil
}

// parseColumnType reads a schema's column type: a type name (parseTypeText),
// a DATE or TIMESTAMP followed by FORMAT and one of the strftime formats
// DuckDB's CSV sniffer tries, quoted ('%m/%d/%Y'; see SchemaText).
func parseColumnType(s string) (Type, error) {
	i := strings.Index(strings.ToUpper(s), " FORMAT ")
	if i < 0 {
		return parseTypeText(s)
	}
	t, err := parseTypeText(s[:i])
	if err != nil {
		return Type{}, err
	}
	f := strings.TrimSpace(s[i+len(" FORMAT "):])
	if len(f) < 2 || f[0] != '\'' || f[len(f)-1] != '\'' {
		return Type{}, fmt.Errorf("%s: want FORMAT '<format>', got FORMAT %s", s, f)
	}
	k := map[Kind]pq.OutputKind{KDate: pq.OutDate, KTimestamp: pq.OutTimestamp}[t.Kind]
	form, ok := pq.DateFormOf(k, f[1:len(f)-1])
	if !ok || k == 0 {
		return Type{}, fmt.Errorf("%s: not a DATE or TIMESTAMP in a format DuckDB's CSV sniffer tries", s)
	}
	t.Form = form
	return t, nil
}

// SchemaText is the type as a schema gives it: its name (String), with a
// DATE's or TIMESTAMP's FORMAT when it has one (DATE FORMAT '%m/%d/%Y').
func (t Type) SchemaText() string {
	if t.Form == 0 {
		return t.String()
	}
	k := map[Kind]pq.OutputKind{KDate: pq.OutDate, KTimestamp: pq.OutTimestamp}[t.Kind]
	return t.String() + " FORMAT '" + pq.DateFormat(k, t.Form) + "'"
}

// parseTypeText parses a type name with optional parameters, e.g. DECIMAL(10,2).
func parseTypeText(s string) (Type, error) {
	p := &parser{lex: lexer{src: s}}
	if err := p.advance(); err != nil {
		return Type{}, err
	}
	t, _, err := p.typeName()
	if err != nil {
		return Type{}, withQuery(err, s)
	}
	if p.tok.kind != tEOF {
		return Type{}, withQuery(syntaxErr(p.tok.pos, "unexpected %s after the type", p.describe()), s)
	}
	return t, nil
}

// ParseType reads a type's name as a schema gives it (BIGINT, INTEGER,
// DECIMAL(10,2), ...).
func ParseType(s string) (Type, error) { return parseTypeText(s) }

// CastsTo reports whether text (not NULL) reads as a value of type t, as a
// typed column's text is read (VARCHAR: always).
func CastsTo(text []byte, t Type) bool {
	if t.Kind == KVarchar || t.Kind == KText {
		return true
	}
	_, ok := parseTyped(text, t)
	return ok
}

// String writes the schema as name:TYPE pairs sorted by name, its canonical form.
func (s Schema) String() string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ":" + s[n].SchemaText()
	}
	return strings.Join(parts, ",")
}
