package sql

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/scattergather/scattergather/internal/duckfmt"
	"github.com/scattergather/scattergather/internal/pq"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// Row is what compiled expressions read: the current record's input
// columns (Text and Null, filled by the caller per record, indexed as
// Plan.Columns) and, after aggregation, the group's values (Slots). Err is
// the first value error of the record (nil when it evaluated cleanly).
type Row struct {
	Text  [][]byte
	Null  []bool
	Slots []Value
	Err   *ValueError
	seq   uint64 // the record's number, for conversions done once per record

	// An untyped column's text read as a number, once per record.
	numSeq []uint64
	num    []decimal.Dec
	numOK  []bool
}

// number returns untyped column c's text read as a number, parsing it once
// per record however many expressions ask.
func (r *Row) number(c int) (decimal.Dec, bool) {
	if c >= len(r.numSeq) {
		return parseNumber(r.Text[c])
	}
	if r.numSeq[c] != r.seq {
		r.num[c], r.numOK[c] = parseNumber(r.Text[c])
		r.numSeq[c] = r.seq
	}
	return r.num[c], r.numOK[c]
}

// ValueError is a value that does not convert to the type the query needs:
// a typed column's text that is not of its type, untyped text in arithmetic
// that is not a number, an overflow. Column is empty for a computed value.
type ValueError struct {
	Column string
	Value  string
	Type   Type
	// Reason is the short, value-free text records are counted under.
	Reason string
}

func (e *ValueError) Error() string {
	want := e.Type.String()
	if e.Type.Kind == KDecimal && e.Type.Scale < 0 {
		want = "number" // what arithmetic, sum and avg need of untyped text
	}
	switch {
	case e.Column != "":
		return fmt.Sprintf("column %s: %q is not a %s", e.Column, e.Value, want)
	case e.Value != "":
		return fmt.Sprintf("%q is not a %s", e.Value, want)
	}
	return strings.TrimPrefix(e.Reason, "sql: ")
}

// AsError returns e as an error, nil when e is nil.
func (e *ValueError) AsError() error {
	if e == nil {
		return nil
	}
	return fmt.Errorf("sql: %w", e) // jobs.InputFault finds it
}

// fail records a value error (the first one of the record) and returns NULL.
func (r *Row) fail(col string, val []byte, t Type, reason string) Value {
	if r.Err == nil {
		if reason == "" {
			reason = fmt.Sprintf("sql: column %s is not a %s", col, t)
			if col == "" {
				reason = fmt.Sprintf("sql: a value is not a %s", t)
			}
		}
		r.Err = &ValueError{Column: col, Value: string(val), Type: t, Reason: reason}
	}
	return Null
}

// notNumber records that untyped text (of column col, "" for a computed
// value) is not the number arithmetic, sum or avg needs, and returns NULL.
func (r *Row) notNumber(col string, text []byte) Value {
	t := Type{Kind: KDecimal, Width: 38, Scale: -1}
	if col != "" {
		return r.fail(col, text, t, "sql: column "+col+" is not a number")
	}
	return r.fail(col, text, t, "sql: a value is not a number")
}

// evalFn evaluates a compiled expression on a row.
type evalFn func(r *Row) Value

// compile turns a bound node into a closure. Closures own their scratch
// buffers, so a compiled expression serves one goroutine.
// compiler compiles the expressions of one Program: the conversions of a
// column to a type are one closure that converts once per record.
type compiler struct {
	memo map[memoKey]evalFn
	// uses counts, per input column, the expressions that may read it as
	// a number (Plan.numberUses): a column read once needs no per-record
	// cache of its parse.
	uses []int
}

type memoKey struct {
	col  int
	typ  Type
	read bool // the column read as its own type, not converted
}

func compile(n *node, c *compiler) evalFn {
	switch n.op {
	case opConst:
		v := n.val
		return func(*Row) Value { return v }
	case opCol:
		if k := n.typ.Kind; k == KText || k == KVarchar {
			return compileColumn(n, c) // a view of the field: nothing to convert
		}
		return c.once(memoKey{n.idx, n.typ, true}, compileColumn(n, c))
	case opSlot:
		i := n.idx
		return func(r *Row) Value { return r.Slots[i] }
	case opNeg:
		x := compile(n.args[0], c)
		return func(r *Row) Value {
			v := x(r)
			switch v.K {
			case KBigint:
				if v.I == math.MinInt64 {
					return r.fail("", nil, TBigint, "sql: BIGINT overflow")
				}
				v.I = -v.I
			case KDecimal:
				v.D = decimal.Neg(v.D)
			case KDouble:
				v.F = -v.F
			}
			return v
		}
	case opArith:
		return compileArith(n, c)
	case opCmp:
		return compileCmp(n, c)
	case opCmpText:
		return compileCmpText(n, c)
	case opAnd:
		return compileLogic(n, c, 0)
	case opOr:
		return compileLogic(n, c, 1)
	case opNot:
		x := compile(n.args[0], c)
		return func(r *Row) Value {
			v := x(r)
			if v.K == KBool {
				v.I ^= 1
			}
			return v
		}
	case opIsNull:
		x, neg := compile(n.args[0], c), n.neg
		if c := n.args[0]; c.op == opCol && c.typ.Kind == KText {
			i := c.idx // no need to read the value
			return func(r *Row) Value { return boolValue(r.Null[i] != neg) }
		}
		return func(r *Row) Value { return boolValue((x(r).K == KNull) != neg) }
	case opLike:
		x, lp := compile(n.args[0], c), n.like
		return func(r *Row) Value {
			v := x(r)
			if v.K == KNull {
				return v
			}
			return boolValue(lp.match(v.S))
		}
	case opFunc:
		return compileFunc(n, c)
	case opConvert:
		x := compile(n.args[0], c)
		f := func(r *Row) Value { return convertValue(r, n, x(r)) }
		if n.args[0].op != opCol {
			return f
		}
		return c.once(memoKey{n.args[0].idx, n.typ, false}, f)
	}
	panic(fmt.Sprintf("sql: compile: unknown op %d", n.op))
}

// once returns f, the reading of a column as a type (k), as a closure that
// reads it once per record however many expressions use it: one closure
// per column and type in a Program. Without a compiler (constant folding),
// f itself.
func (c *compiler) once(k memoKey, f evalFn) evalFn {
	if c == nil {
		return f
	}
	if m, ok := c.memo[k]; ok {
		return m
	}
	seq := uint64(0)
	var last Value
	m := func(r *Row) Value {
		if r.seq == seq {
			return last
		}
		v := f(r)
		if r.Err == nil {
			seq, last = r.seq, v
		}
		return v
	}
	if c.memo == nil {
		c.memo = map[memoKey]evalFn{}
	}
	c.memo[k] = m
	return m
}

// compileColumn reads an input column as its type.
func compileColumn(n *node, c *compiler) evalFn {
	i, name, t := n.idx, n.name, n.typ
	t.Form = n.form
	switch t.Kind {
	case KText, KVarchar:
		k := t.Kind
		return func(r *Row) Value {
			if r.Null[i] {
				return Null
			}
			return Value{K: k, S: r.Text[i]}
		}
	case KBigint, KDouble, KDecimal, KDate, KTimestamp, KTimestampNS, KBool, KInterval:
		return func(r *Row) Value {
			if r.Null[i] {
				return Null
			}
			v, ok := parseTyped(r.Text[i], t)
			if !ok {
				return r.fail(name, r.Text[i], t, "")
			}
			return v
		}
	}
	panic("sql: column of type " + t.String())
}

// parseTyped reads a typed column's text (not NULL) as its type t
// (BIGINT, DOUBLE, DECIMAL, DATE, TIMESTAMP or BOOLEAN); false when it is not one.
func parseTyped(s []byte, t Type) (Value, bool) {
	switch t.Kind {
	case KBigint:
		v, ok := parseBigint(s)
		return Value{K: KBigint, I: v}, ok
	case KDouble:
		f, ok := parseDouble(s)
		if t.isFloat() {
			f = float64(float32(f))
		}
		return Value{K: KDouble, F: f}, ok
	case KDecimal:
		d, ok := parseNumber(s)
		if !ok {
			return Null, false
		}
		d = decimal.Round(d, t.Scale)
		return Value{K: KDecimal, D: d}, decimal.Digits(d) <= t.Width-t.Scale
	case KDate:
		if t.Form != 0 {
			d, ok := pq.FormDate(s, t.Form)
			return Value{K: KDate, I: d}, ok
		}
		d, ok := parseDate(s)
		return Value{K: KDate, I: d}, ok
	case KTimestamp:
		if t.Form != 0 {
			us, ok := pq.FormTimestamp(s, t.Form)
			return Value{K: KTimestamp, I: us}, ok
		}
		us, ok := parseTimestamp(s)
		return Value{K: KTimestamp, I: us}, ok
	case KTimestampNS:
		ns, ok := parseTimestampNS(s)
		return Value{K: KTimestampNS, I: ns}, ok
	case KBool:
		b, ok := parseBool(s)
		return boolValue(b), ok
	case KInterval:
		return parseInterval(s)
	}
	return Null, false
}

func compileArith(n *node, c *compiler) evalFn {
	a, b := compile(n.args[0], c), compile(n.args[1], c)
	o := n.name
	t := n.typ
	if t.Kind == KDate || o == "date-" {
		return func(r *Row) Value {
			x, y := a(r), b(r)
			if x.K == KNull || y.K == KNull {
				return Null
			}
			switch {
			case o == "date-":
				return Value{K: KBigint, I: x.I - y.I}
			case o == "-":
				return Value{K: KDate, I: x.I - y.I}
			}
			return Value{K: KDate, I: x.I + y.I}
		}
	}
	return func(r *Row) Value {
		x, y := a(r), b(r)
		if x.K == KNull || y.K == KNull {
			return Null
		}
		switch x.K {
		case KBigint:
			return arithInt(r, o, x.I, y.I)
		case KDouble:
			var f float64
			switch o {
			case "+":
				f = x.F + y.F
			case "-":
				f = x.F - y.F
			case "*":
				f = x.F * y.F
			case "/":
				f = x.F / y.F
			case "%":
				if y.F == 0 {
					return Null
				}
				f = math.Mod(x.F, y.F)
			}
			if t.isFloat() {
				// Exact as float32 arithmetic: a double holds the
				// exact result of two floats' +, -, * and / to
				// within half a float's unit, so rounding once more
				// gives float32's correctly rounded result.
				f = float64(float32(f))
			}
			return Value{K: KDouble, F: f}
		case KDecimal:
			var d decimal.Dec
			switch o {
			case "+":
				d = decimal.Add(x.D, y.D)
			case "-":
				d = decimal.Sub(x.D, y.D)
			case "*":
				d = decimal.Mul(x.D, y.D)
			case "%":
				if y.D.Sign() == 0 {
					return Null
				}
				d = decimal.Rem(x.D, y.D)
			}
			return Value{K: KDecimal, D: d}
		}
		return Null
	}
}

// arithInt is BIGINT arithmetic; an overflow is a value error, as in DuckDB.
func arithInt(r *Row, o string, x, y int64) Value {
	switch o {
	case "+":
		s := x + y
		if (x >= 0) == (y >= 0) && (s >= 0) != (x >= 0) {
			return r.fail("", nil, TBigint, "sql: BIGINT overflow")
		}
		return Value{K: KBigint, I: s}
	case "-":
		s := x - y
		if (x >= 0) != (y >= 0) && (s >= 0) != (x >= 0) {
			return r.fail("", nil, TBigint, "sql: BIGINT overflow")
		}
		return Value{K: KBigint, I: s}
	case "*":
		hi, lo := bits.Mul64(uint64(abs(x)), uint64(abs(y)))
		neg := (x < 0) != (y < 0)
		if hi != 0 || lo > math.MaxInt64 && !(neg && lo == 1<<63) || x == math.MinInt64 && y != 1 && y != 0 || y == math.MinInt64 && x != 1 && x != 0 {
			return r.fail("", nil, TBigint, "sql: BIGINT overflow")
		}
		return Value{K: KBigint, I: x * y}
	case "//":
		if y == 0 {
			return Null
		}
		if x == math.MinInt64 && y == -1 {
			return r.fail("", nil, TBigint, "sql: BIGINT overflow")
		}
		return Value{K: KBigint, I: x / y} // toward zero, as DuckDB
	case "%":
		if y == 0 {
			return Null
		}
		if y == -1 {
			return Value{K: KBigint}
		}
		return Value{K: KBigint, I: x % y}
	}
	return Null
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// compareValues compares two non-NULL values of the same kind.
func compareValues(x, y Value) int {
	switch x.K {
	case KBigint, KDate, KTimestamp, KTimestampNS, KBool:
		return cmp.Compare(x.I, y.I)
	case KDecimal:
		return decimal.Cmp(x.D, y.D)
	case KDouble:
		return compareFloat(x.F, y.F)
	case KInterval:
		return compareIntervals(x, y)
	}
	return bytes.Compare(x.S, y.S)
}

// compareFloat orders doubles with NaN above everything, as DuckDB does.
func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	case math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a):
		return 1
	}
	return -1
}

// cmpResult turns a three-way comparison into op's truth.
func cmpResult(o string, c int) bool {
	switch o {
	case "=":
		return c == 0
	case "<>":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

// cmpTable gives, for each operator, the truth for c = -1, 0, +1, so that
// a compiled comparison indexes instead of branching on the operator.
func cmpTable(o string) [3]bool {
	return [3]bool{cmpResult(o, -1), cmpResult(o, 0), cmpResult(o, 1)}
}

func compileCmp(n *node, c *compiler) evalFn {
	tab := cmpTable(n.name)
	l, r := n.args[0], n.args[1]
	// A column against a constant, the common filter: compared in place.
	if l.op == opCol && r.isConst() && (l.typ.Kind == KVarchar) {
		i, c := l.idx, r.val.S
		return func(row *Row) Value {
			if row.Null[i] {
				return Null
			}
			return boolValue(tab[bytes.Compare(row.Text[i], c)+1])
		}
	}
	a, b := compile(l, c), compile(r, c)
	return func(row *Row) Value {
		x, y := a(row), b(row)
		if x.K == KNull || y.K == KNull {
			return Null
		}
		return boolValue(tab[compareValues(x, y)+1])
	}
}

// tri is a condition's value in a WHERE: false, true or NULL.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triNull
)

func (t tri) value() Value {
	if t == triNull {
		return Null
	}
	return boolValue(t == triTrue)
}

// predFn evaluates a condition without building a Value.
type predFn func(r *Row) tri

// cmpTextNumber compares untyped column i with the number constant c of
// type t: as numbers when the column's text reads as one, else as bytes
// with c's text; NULL when the column is.
func cmpTextNumber(i int, c Value, t Type, tab [3]bool, once bool) predFn {
	leaf := newNumberLeaf(c, t, tab)
	if once {
		// The only reader of the column as a number: compared from its
		// digits, parsed only when of another form.
		return func(row *Row) tri {
			if row.Null[i] {
				return triNull
			}
			return leaf.eval(row.Text[i])
		}
	}
	cd := leaf.k.Dec()
	return func(row *Row) tri {
		if row.Null[i] {
			return triNull
		}
		if d, ok := row.number(i); ok {
			return leaf.res[decimal.Cmp(d, cd)+1]
		}
		return leaf.res[bytes.Compare(row.Text[i], leaf.text)+1]
	}
}

// compilePred compiles a WHERE condition: an untyped column against a
// number, the common filter, and AND and OR of conditions without a Value
// per step (72 bytes returned by every closure), with the same three-valued
// logic and the same evaluation order as compile's (so the same value errors
// are met); anything else through compile.
func compilePred(n *node, c *compiler) predFn {
	switch n.op {
	case opCmpText:
		if l, r, ok := textNumberCmp(n); ok {
			once := l.idx < len(c.uses) && c.uses[l.idx] == 1
			return cmpTextNumber(l.idx, r.val, r.typ, cmpTable(n.name), once)
		}
	case opAnd:
		return junction(compilePred(n.args[0], c), compilePred(n.args[1], c), triFalse)
	case opOr:
		return junction(compilePred(n.args[0], c), compilePred(n.args[1], c), triTrue)
	}
	f := compile(n, c)
	return func(r *Row) tri {
		switch v := f(r); {
		case v.K == KBool && v.I == 1:
			return triTrue
		case v.K == KNull:
			return triNull
		}
		return triFalse
	}
}

// junction is AND (stop triFalse) or OR (stop triTrue): an operand equal to
// stop decides, the second evaluated only when the first does not; else NULL
// if either is NULL, else the other value.
func junction(a, b predFn, stop tri) predFn {
	return func(r *Row) tri {
		x := a(r)
		if x == stop {
			return stop
		}
		y := b(r)
		if y == stop {
			return stop
		}
		return max(x, y) // NULL (the largest) if either is
	}
}

// compileCmpText compares untyped text (args[0]) with args[1]: as a number
// when the other side is a number and the text reads as one, likewise for
// a date and a boolean; as text otherwise (the other side's text when it is
// typed). Two untyped texts compare as numbers when both read as numbers.
func compileCmpText(n *node, c *compiler) evalFn {
	tab := cmpTable(n.name)
	l, r := n.args[0], n.args[1]
	a := compile(l, c)
	if r.isConst() {
		once := l.op == opCol && l.idx < len(c.uses) && c.uses[l.idx] == 1
		c := r.val
		text := constText(r)
		if l.op == opCol {
			i := l.idx
			switch c.K {
			case KDecimal, KBigint:
				t := cmpTextNumber(i, c, r.typ, tab, once)
				return func(row *Row) Value { return t(row).value() }
			case KVarchar:
				return func(row *Row) Value {
					if row.Null[i] {
						return Null
					}
					return boolValue(tab[bytes.Compare(row.Text[i], text)+1])
				}
			}
		}
	}
	b := compile(r, c)
	var buf []byte
	return func(row *Row) Value {
		x, y := a(row), b(row)
		if x.K == KNull || y.K == KNull {
			return Null
		}
		if c, ok := compareTextTo(x.S, y, r.lit); ok {
			return boolValue(tab[c+1])
		}
		buf = appendText(buf[:0], y, Type{Kind: y.K, Scale: -1})
		if r.lit != nil {
			buf = r.lit
		}
		return boolValue(tab[bytes.Compare(x.S, buf)+1])
	}
}

// constText is the text a constant compares with as bytes: the string
// literal a BOOLEAN was read from (node.lit), else the value's text.
func constText(r *node) []byte {
	if r.lit != nil {
		return r.lit
	}
	return appendText(nil, r.val, r.typ)
}

// compareTextTo compares untyped text with y as y's type, when the text
// reads as one; false otherwise. lit is the string literal a DATE,
// TIMESTAMP or BOOLEAN y was read from (textLiteral; nil for DATE
// '2021-01-01', TRUE and other typed values): against it the text reads
// as y's type only in a form DuckDB's CSV sniffer reads as that type, a
// whole date or timestamp (not 2021-01-01x, which DuckDB's cast reads as
// a date), true, false, t, f, yes or no in any case (not y, n, 1 or 0). A
// text in any other form stands in a column DuckDB reads as VARCHAR (or
// BIGINT), where DuckDB compares it with the literal as text (or refuses
// the literal).
func compareTextTo(s []byte, y Value, lit []byte) (int, bool) {
	switch y.K {
	case KBigint:
		if d, ok := parseNumber(s); ok {
			return decimal.Cmp(d, decimal.FromInt(y.I)), true
		}
	case KDecimal:
		if d, ok := parseNumber(s); ok {
			return decimal.Cmp(d, y.D), true
		}
	case KDouble:
		if f, ok := parseDouble(s); ok {
			return compareFloat(f, y.F), true
		}
	case KDate:
		// A text with a time is a TIMESTAMP (DuckDB reads such a column
		// as one), against the date's midnight; one without is its date.
		if us, ok := parseTimestamp(s); ok && y.I >= minTimestampDay && y.I <= maxTimestampDay {
			return cmp.Compare(us, y.I*86_400_000_000), true
		}
		if lit != nil && !wholeDate(s) {
			return 0, false
		}
		if d, ok := parseDate(s); ok {
			return compareValues(Value{K: KDate, I: d}, y), true
		}
	case KTimestamp:
		if us, ok := parseTimestamp(s); ok {
			return cmp.Compare(us, y.I), true
		}
	case KTimestampNS:
		if ns, ok := parseTimestampNS(s); ok {
			return cmp.Compare(ns, y.I), true
		}
	case KInterval:
		if iv, ok := parseInterval(s); ok {
			return compareIntervals(iv, y), true
		}
	case KBool:
		if b, ok := parseBool(s); ok && (lit == nil || sniffedBool(s)) {
			return compareValues(boolValue(b), y), true
		}
	case KText:
		if d, ok := parseNumber(s); ok {
			if e, ok := parseNumber(y.S); ok {
				return decimal.Cmp(d, e), true
			}
		}
	}
	return 0, false
}

// wholeDate reports a text that is a date and nothing more (its " (BC)"
// and spaces around it aside), as DuckDB's CSV sniffer reads a DATE.
func wholeDate(s []byte) bool {
	_, rest, ok := parseDatePrefix(trimSpace(s))
	return ok && len(rest) == 0
}

// sniffedBool reports a text DuckDB's CSV sniffer reads as a BOOLEAN: true,
// false, t, f, yes or no, in any case (not y, n, 1 or 0: a column of those
// is VARCHAR or BIGINT to it).
func sniffedBool(s []byte) bool {
	s = trimSpace(s)
	switch len(s) {
	case 1:
		return s[0]|0x20 == 't' || s[0]|0x20 == 'f'
	case 2, 3, 4, 5:
		return bytes.EqualFold(s, []byte("no")) || bytes.EqualFold(s, []byte("yes")) ||
			bytes.EqualFold(s, []byte("true")) || bytes.EqualFold(s, []byte("false"))
	}
	return false
}

func compileFunc(n *node, c *compiler) evalFn {
	args := make([]evalFn, len(n.args))
	for i, a := range n.args {
		args[i] = compile(a, c)
	}
	s := args[0]
	var buf []byte
	switch n.name {
	case "lower", "upper":
		upper := n.name == "upper"
		return func(r *Row) Value {
			v := s(r)
			if v.K == KNull {
				return v
			}
			buf = changeCase(buf[:0], v.S, upper)
			return Value{K: KVarchar, S: buf}
		}
	case "trim":
		return func(r *Row) Value {
			v := s(r)
			if v.K == KNull {
				return v
			}
			return Value{K: KVarchar, S: bytes.Trim(v.S, " ")}
		}
	case "length":
		return func(r *Row) Value {
			v := s(r)
			if v.K == KNull {
				return v
			}
			return Value{K: KBigint, I: int64(utf8.RuneCount(v.S))}
		}
	case "substr":
		start := args[1]
		var length evalFn
		if len(args) > 2 {
			length = args[2]
		}
		return func(r *Row) Value {
			v, st := s(r), start(r)
			if v.K == KNull || st.K == KNull {
				return Null
			}
			n := int64(math.MaxInt64)
			if length != nil {
				l := length(r)
				if l.K == KNull {
					return Null
				}
				n = l.I
			}
			return Value{K: KVarchar, S: substr(v.S, st.I, n)}
		}
	}
	panic("sql: unknown function " + n.name)
}

// changeCase lower- or upper-cases UTF-8 text (ASCII in place of a copy)
// as DuckDB does: Unicode's simple case mapping, and ß upper-cased to ẞ.
func changeCase(dst, s []byte, upper bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			for _, r := range string(s[i:]) {
				if upper {
					r = unicode.ToUpper(r)
					if r == 'ß' {
						r = 'ẞ' // DuckDB's (utf8proc's) upper, where Unicode's simple mapping keeps ß
					}
				} else {
					r = unicode.ToLower(r)
				}
				dst = utf8.AppendRune(dst, r)
			}
			return dst
		}
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// substr is DuckDB's substring in characters: start is 1-based, a start of
// 0 or below counts from before the first character, a negative start
// counts from the end, and a negative length takes the characters before start.
func substr(s []byte, start, n int64) []byte {
	if start > 0 && n >= 0 {
		// ASCII up to the end of the slice: characters are bytes.
		if from := start - 1; from <= int64(len(s)) {
			to := from + min(n, int64(len(s))-from)
			if isASCII(s[:to]) {
				return s[from:to]
			}
		}
		// The common case needs no character count: skip start-1
		// characters, take n.
		i := 0
		for k := int64(1); k < start && i < len(s); k++ {
			i += charLen(s[i:])
		}
		j := i
		for k := int64(0); k < n && j < len(s); k++ {
			j += charLen(s[j:])
		}
		return s[i:j]
	}
	chars := int64(utf8.RuneCount(s))
	// A text is far shorter than 1<<40 characters, so past ±1<<40 the answer
	// does not change, and the sums below cannot overflow.
	const bound = 1 << 40
	start = max(min(start, bound), -bound)
	n = max(min(n, bound), -bound)
	var from, to int64 // 0-based, [from, to)
	if start < 0 {
		from = chars + start
	} else {
		from = start - 1
	}
	if n < 0 {
		to = from
		from = from + n
	} else {
		to = from + n
	}
	from = max(from, 0)
	to = min(to, chars)
	if from >= to {
		return nil
	}
	// Character positions to byte offsets.
	var bf, bt int
	k := int64(0)
	for i := range string(s) {
		if k == from {
			bf = i
		}
		if k == to {
			bt = i
			return s[bf:bt]
		}
		k++
	}
	return s[bf:]
}

// charLen is the length of the UTF-8 character s starts with (1 for a
// byte that starts none, as utf8.RuneCount counts it).
// isASCII reports whether every byte of s is below 0x80.
func isASCII(s []byte) bool {
	for len(s) >= 8 {
		if binary.LittleEndian.Uint64(s)&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func charLen(s []byte) int {
	if s[0] < utf8.RuneSelf {
		return 1
	}
	_, size := utf8.DecodeRune(s)
	return size
}

// convertValue converts v to n.typ (n's opConvert), failing the row when it
// does not convert.
func convertValue(r *Row, n *node, v Value) Value {
	if v.K == KNull {
		return v
	}
	t := n.typ
	col := ""
	if len(n.args) > 0 && n.args[0].op == opCol {
		col = n.args[0].name
	}
	switch t.Kind {
	case KVarchar:
		if v.K == KVarchar || v.K == KText {
			return Value{K: KVarchar, S: v.S}
		}
		src := Type{Kind: v.K, Scale: -1}
		if len(n.args) > 0 {
			src = n.args[0].typ
		}
		return Value{K: KVarchar, S: appendText(nil, v, src)}
	case KBigint:
		switch v.K {
		case KBigint, KBool:
			return Value{K: KBigint, I: v.I}
		case KDecimal:
			if i, ok := decimal.Int64(v.D); ok {
				return Value{K: KBigint, I: i}
			}
		case KDouble:
			f := math.RoundToEven(v.F)
			if f >= -9.223372036854775808e18 && f < 9.223372036854775808e18 {
				return Value{K: KBigint, I: int64(f)}
			}
		case KVarchar, KText:
			if i, ok := parseBigint(v.S); ok {
				return Value{K: KBigint, I: i}
			}
		}
	case KDouble:
		if t.isFloat() {
			if f, ok := toFloat32(v); ok {
				return Value{K: KDouble, F: f}
			}
			break
		}
		switch v.K {
		case KDouble:
			return v
		case KBigint, KBool:
			return Value{K: KDouble, F: float64(v.I)}
		case KDecimal:
			return Value{K: KDouble, F: decimal.Float64(v.D)}
		case KVarchar, KText:
			if f, ok := parseDouble(v.S); ok {
				return Value{K: KDouble, F: f}
			}
		}
	case KDecimal:
		var d decimal.Dec
		ok := true
		switch v.K {
		case KDecimal:
			d = v.D
		case KBigint:
			d = decimal.FromInt(v.I)
		case KDouble:
			sc := t.Scale
			if sc < 0 {
				sc = 17
			}
			d, ok = decimal.FromFloat(v.F, sc)
		case KVarchar:
			d, ok = parseNumber(v.S)
		case KText:
			if len(n.args) > 0 && n.args[0].op == opCol {
				d, ok = r.number(n.args[0].idx)
			} else {
				d, ok = parseNumber(v.S)
			}
		default:
			ok = false
		}
		if ok && t.Scale >= 0 {
			d = decimal.Round(d, t.Scale)
			ok = decimal.Digits(d) <= t.Width-t.Scale
		}
		if ok {
			return Value{K: KDecimal, D: d}
		}
	case KDate:
		switch v.K {
		case KDate:
			return v
		case KTimestamp: // the day it falls on
			return Value{K: KDate, I: floorDiv(v.I, 86_400_000_000)}
		case KTimestampNS: // as DuckDB: the day of its microsecond, cut toward 0
			return Value{K: KDate, I: floorDiv(v.I/1000, 86_400_000_000)}
		case KVarchar, KText:
			if d, ok := parseDate(v.S); ok {
				return Value{K: KDate, I: d}
			}
		}
	case KTimestamp:
		switch v.K {
		case KTimestamp:
			return v
		case KTimestampNS: // its microsecond, cut toward 0 as DuckDB casts it
			return Value{K: KTimestamp, I: v.I / 1000}
		case KDate: // its midnight
			if v.I >= minTimestampDay && v.I <= maxTimestampDay {
				return Value{K: KTimestamp, I: v.I * 86_400_000_000}
			}
		case KVarchar, KText:
			if us, ok := parseTimestamp(v.S); ok {
				return Value{K: KTimestamp, I: us}
			}
		}
	case KTimestampNS:
		if ns, ok := timestampNS(v); ok {
			return Value{K: KTimestampNS, I: ns}
		}
	case KInterval:
		switch v.K {
		case KInterval:
			return v
		case KVarchar, KText:
			if iv, ok := parseInterval(v.S); ok {
				return iv
			}
		}
	case KBool:
		switch v.K {
		case KBool:
			return v
		case KBigint:
			return boolValue(v.I != 0)
		case KVarchar, KText:
			if b, ok := parseBool(v.S); ok {
				return boolValue(b)
			}
		}
	}
	text := appendText(nil, v, Type{Kind: v.K, Scale: -1})
	if t == TNumber {
		return r.notNumber(col, text)
	}
	return r.fail(col, text, t, "")
}

// timestampNS is v (a TIMESTAMP_NS, a TIMESTAMP, a DATE's midnight or
// text) as nanoseconds, as DuckDB casts it to TIMESTAMP_NS; false when it
// is not one or is out of TIMESTAMP_NS's range.
func timestampNS(v Value) (int64, bool) {
	switch v.K {
	case KTimestampNS:
		return v.I, true
	case KDate:
		if v.I < minTimestampDay || v.I > maxTimestampDay {
			return 0, false
		}
		v = Value{K: KTimestamp, I: v.I * 86_400_000_000}
		fallthrough
	case KTimestamp:
		if v.I > math.MaxInt64/1000 || v.I < math.MinInt64/1000 {
			return 0, false
		}
		return v.I * 1000, true
	case KVarchar, KText:
		return parseTimestampNS(v.S)
	}
	return 0, false
}

// appendText writes v as text, as DuckDB casts it to VARCHAR: a DECIMAL
// with its type's scale, a DOUBLE in DuckDB's shortest form, a DATE as
// YYYY-MM-DD, a TIMESTAMP as YYYY-MM-DD HH:MM:SS[.ffffff] (the fraction
// without trailing zeros), a BOOLEAN as true or false.
func appendText(dst []byte, v Value, t Type) []byte {
	switch v.K {
	case KNull:
		return dst
	case KBool:
		if v.I != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case KBigint:
		return appendInt64(dst, v.I)
	case KDecimal:
		return appendDecimal(dst, v.D, t)
	case KDouble:
		return duckfmt.AppendFloat(dst, v.F, floatBits(t))
	case KDate:
		return duckfmt.AppendDate(dst, v.I)
	case KTimestamp:
		return duckfmt.AppendTimestamp(dst, v.I, 1e6)
	case KTimestampNS:
		return duckfmt.AppendTimestamp(dst, v.I, 1e9)
	case KInterval:
		m, d, us := intervalParts(v)
		return duckfmt.AppendInterval(dst, m, d, us)
	}
	return append(dst, v.S...)
}

// toFloat32 is v (a number, or text that reads as one) as a FLOAT: rounded
// to a 32-bit float, as DuckDB casts it; false when it is not a number, or
// a finite one past the largest float (DuckDB's cast fails).
func toFloat32(v Value) (float64, bool) {
	var f float64
	switch v.K {
	case KDouble:
		f = v.F
	case KBigint, KBool:
		return float64(float32(v.I)), true // rounded once
	case KDecimal:
		f = decimal.Float64(v.D)
	case KVarchar, KText:
		var ok bool
		if f, ok = parseDouble(v.S); !ok {
			return 0, false
		}
	default:
		return 0, false
	}
	r := float64(float32(f))
	return r, !math.IsInf(r, 0) || math.IsInf(f, 0)
}

// appendDecimal appends a DECIMAL value of type t (rounded to its scale
// when it has one) as DuckDB casts it to VARCHAR.
func appendDecimal(dst []byte, d decimal.Dec, t Type) []byte {
	if t.Kind == KDecimal && t.Scale >= 0 && d.Scale() != t.Scale {
		d = decimal.Round(d, t.Scale)
	}
	return d.Append(dst)
}

func appendInt64(dst []byte, v int64) []byte {
	var buf [20]byte
	i := len(buf)
	u := uint64(v)
	if v < 0 {
		u = uint64(-v)
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if v < 0 {
		dst = append(dst, '-')
	}
	return append(dst, buf[i:]...)
}

// compileLogic compiles AND (decisive 0: a false side is the answer) and OR
// (decisive 1: a true side is): a side that is the decisive boolean decides,
// else NULL if either side is NULL, else the second side.
func compileLogic(n *node, c *compiler, decisive int64) evalFn {
	a, b := compile(n.args[0], c), compile(n.args[1], c)
	return func(r *Row) Value {
		x := a(r)
		if x.K == KBool && x.I == decisive {
			return x
		}
		y := b(r)
		if y.K == KBool && y.I == decisive {
			return y
		}
		if x.K == KNull || y.K == KNull {
			return Null
		}
		return y
	}
}

// floorDiv divides rounding toward minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
