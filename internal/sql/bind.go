package sql

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// op is the operation of a bound expression node.
type op uint8

const (
	opConst   op = iota + 1
	opCol        // an input column, read as its type
	opSlot       // a group-level value: a group key or an aggregate's result
	opNeg        // -x
	opArith      // x (+ - * / // %) y, both operands of the computing kind
	opCmp        // x cmp y, both operands of one kind
	opCmpText    // untyped text x cmp a typed y, by the rule of untyped text
	opAnd        // x AND y
	opOr         // x OR y
	opNot        // NOT x
	opIsNull     // x IS [NOT] NULL (neg)
	opIn         // x IN (list...) as ORs of equalities, args[0] = x
	opLike       // x LIKE constant pattern
	opFunc       // lower, upper, trim, length, substr
	opConvert    // x converted to typ (CAST, and the implicit conversions)
)

// node is a bound, typed expression.
type node struct {
	op   op
	typ  Type
	args []*node
	// opCol, opSlot: the column or slot index; opArith, opCmp: the operator;
	// opFunc: the function name; opConvert: implicitConv for a conversion
	// the binder made (not a CAST).
	idx  int
	name string // column name, operator or function
	val  Value  // opConst
	neg  bool   // opIsNull: IS NOT NULL
	like *likePattern
	pos  int
	// opConst: the string literal a DATE, TIMESTAMP or BOOLEAN was read
	// from (textLiteral), which untyped text compares with as DuckDB would
	// on the column it reads as VARCHAR (compareTextTo).
	lit []byte
	// form: opCol, a DATE's or TIMESTAMP's CSV format (Type's Form).
	form uint8
}

// isConst reports a constant node.
func (n *node) isConst() bool { return n.op == opConst }

// binder binds expressions of one query.
type binder struct {
	schema    Schema
	fromAlias string
	// Record level: the input columns read, by lower-case name.
	cols    []string
	colType []Type
	colPos  []int // the byte offset of each column's first reference
	colIdx  map[string]int
	// fixed: the columns are the header's (SELECT *), and a name that is
	// not one of them is an error, not a column read beyond them.
	fixed bool
	// open: the columns * stands for are not known yet (an empty header,
	// the check made before the input is read), so a position past the
	// select list's other items is not refused here.
	open bool
	// Group level (when grouping): the group key expressions' text, and aggregates.
	grouping  bool
	groupText []string
	groupNode []*node
	aggs      []*aggSpec
	aggText   []string
	inAgg     bool
	where     string // the clause being bound, for messages
	// aliases are the select items whose aliases a name of HAVING, or of an
	// aggregate query's ORDER BY expression, may stand for when it is not a
	// group key (DuckDB's HavingBinder and OrderBinder), or a name of a
	// plain query's ORDER BY expression when no input column has it (its
	// SelectBinder); nil elsewhere.
	aliases []SelectItem
	// inputs are the input's columns, for the names whose binding depends
	// on them (isInput); known reports that they are known. asked collects
	// the names isInput was asked about while they were not known
	// (Plan.InputNames).
	inputs []string
	known  bool
	asked  []string
}

// isInput reports whether name is one of the input's columns: the column
// of that name, else the one column equal to it ignoring case (as record
// matches a header's names). When the columns are not known, it notes the
// name (Plan.InputNames) and reports false: the name binds to the alias.
func (b *binder) isInput(name string) bool {
	if !b.known {
		for _, a := range b.asked {
			if colname.Equal(a, name) {
				return false
			}
		}
		b.asked = append(b.asked, name)
		return false
	}
	return colname.Index(b.inputs, name) >= 0
}

// column returns the index of an input column, adding it on first use.
func (b *binder) column(ref *ColumnRef) (*node, error) {
	if ref.Table != "" && !strings.EqualFold(ref.Table, b.fromAlias) {
		return nil, nameErr(ref.At, "%s.%s: no FROM item is named %q", ref.Table, ref.Name, ref.Table)
	}
	key := colname.Fold(ref.Name) // DuckDB's comparison: "É" and "é" are two columns
	i, ok := b.colIdx[key]
	if ok && ref.At < b.colPos[i] {
		b.colPos[i] = ref.At // the first in the text, whatever binds first
	}
	if !ok && b.fixed {
		return nil, nameErr(ref.At, "column %q is not in the input (its columns: %s)", ref.Name, strings.Join(b.cols, ", "))
	}
	if !ok {
		i = len(b.cols)
		b.colIdx[key] = i
		b.cols = append(b.cols, ref.Name)
		b.colPos = append(b.colPos, ref.At)
		t, ok := b.schema.Type(ref.Name)
		if !ok {
			t = TText
		}
		b.colType = append(b.colType, t)
	}
	t := b.colType[i]
	form := t.Form
	t.Form = 0
	return &node{op: opCol, typ: t, idx: i, name: b.cols[i], pos: ref.At, form: form}, nil
}

// bind binds e. At group level (b.grouping), an expression equal to a
// GROUP BY expression becomes its slot, an aggregate call becomes its
// result's slot, and any other column is an error.
func (b *binder) bind(e Expr) (*node, error) {
	if b.grouping && !b.inAgg {
		key := exprKey(e)
		for i, g := range b.groupText {
			if g == key {
				return &node{op: opSlot, typ: b.groupNode[i].typ, idx: i, pos: e.Pos()}, nil
			}
		}
	}
	switch e := e.(type) {
	case *ColumnRef:
		if b.grouping && !b.inAgg {
			if it, ok := b.alias(e); ok && !(b.where == "ORDER BY" && !isItself(it, e.Name) && b.isInput(e.Name)) {
				// An ORDER BY expression's name that is also an input
				// column (not a group key) is that column in DuckDB,
				// which refuses it below; HAVING's is the alias.
				// The item's expression, bound without aliases: an alias
				// never stands for itself (SELECT count(*) + x AS x).
				saved := b.aliases
				b.aliases = nil
				n, err := b.bind(it.Expr)
				b.aliases = saved
				return n, err
			}
			return nil, nameErr(e.At, "column %q must appear in the GROUP BY clause or be used in an aggregate function", e.Name)
		}
		if !b.grouping && b.aliases != nil {
			// A plain query's ORDER BY expression (ORDER BY -k): as in
			// DuckDB, the input's column of that name first, else the
			// select alias.
			if it, ok := b.alias(e); ok && !isItself(it, e.Name) && !b.isInput(e.Name) {
				saved := b.aliases
				b.aliases = nil
				n, err := b.bind(it.Expr)
				b.aliases = saved
				return n, err
			}
		}
		return b.column(e)
	case *Literal:
		return bindLiteral(e)
	case *Unary:
		x, err := b.bind(e.X)
		if err != nil {
			return nil, err
		}
		if e.Op == "+" {
			if !x.typ.numeric() && x.typ.Kind != KText && x.typ.Kind != KNull {
				return nil, typeErr(e.At, "+%s: unary + takes a number", x.typ)
			}
			return toNumeric(x), nil
		}
		return negate(x, e.At)
	case *Binary:
		return b.binary(e)
	case *Not:
		x, err := b.bind(e.X)
		if err != nil {
			return nil, err
		}
		x, err = toBool(x, "NOT")
		if err != nil {
			return nil, err
		}
		return fold(&node{op: opNot, typ: TBool, args: []*node{x}, pos: e.At}), nil
	case *IsNull:
		x, err := b.bind(e.X)
		if err != nil {
			return nil, err
		}
		return fold(&node{op: opIsNull, typ: TBool, args: []*node{x}, neg: e.Neg, pos: e.At}), nil
	case *Between:
		lo := &Binary{Op: ">=", L: e.X, R: e.Lo, At: e.At}
		hi := &Binary{Op: "<=", L: e.X, R: e.Hi, At: e.At}
		var x Expr = &Binary{Op: "AND", L: lo, R: hi, At: e.At}
		if e.Neg {
			x = &Not{X: x, At: e.At}
		}
		return b.bind(x)
	case *In:
		return b.in(e)
	case *Like:
		return b.bindLike(e)
	case *Call:
		return b.call(e)
	case *Cast:
		x, err := b.bind(e.X)
		if err != nil {
			return nil, err
		}
		n, err := convert(x, e.Type, e.At, true)
		if err == nil && n.op == opConvert && n.args[0] == x {
			n.name = strings.Trim(e.TypeName, `"`) // DuckDB's name of the type (INTEGER, not BIGINT)
		}
		return n, err
	}
	return nil, unsupported(e.Pos(), "expression %s", e.String())
}

// alias returns the select item that an unqualified name outside an
// aggregate's argument stands for, when b.aliases allows aliases.
func (b *binder) alias(ref *ColumnRef) (SelectItem, bool) {
	if ref.Table != "" {
		return SelectItem{}, false
	}
	for _, it := range b.aliases {
		if it.Alias != "" && strings.EqualFold(it.Alias, ref.Name) {
			return it, true
		}
	}
	return SelectItem{}, false
}

// exprKey is the text by which an expression is matched with a GROUP BY
// expression or an aggregate call with another (text's asKey).
func exprKey(e Expr) string { return text(e, asKey) }

func bindLiteral(e *Literal) (*node, error) {
	n := &node{op: opConst, pos: e.At}
	switch e.Kind {
	case LitNull:
		n.typ, n.val = TNull, Null
	case LitBool:
		n.typ, n.val = TBool, boolValue(e.Text == "TRUE")
	case LitString:
		n.typ, n.val = TVarchar, Value{K: KVarchar, S: []byte(e.Text)}
	case LitDate:
		d, ok := parseDate([]byte(e.Text))
		if !ok {
			return nil, typeErr(e.At, "DATE '%s' is not a date", e.Text)
		}
		n.typ, n.val = TDate, Value{K: KDate, I: d}
	case LitTimestamp:
		us, ok := parseTimestamp([]byte(e.Text))
		if !ok {
			return nil, typeErr(e.At, "TIMESTAMP '%s' is not a timestamp", e.Text)
		}
		n.typ, n.val = TTimestamp, Value{K: KTimestamp, I: us}
	case LitNumber:
		v, ok := parseNumberLiteral(e.Text)
		if !ok {
			return nil, syntaxErr(e.At, "malformed number %q", e.Text)
		}
		n.val = v
		switch v.K {
		case KBigint:
			n.typ = TBigint
		case KDouble:
			n.typ = TDouble
		default:
			n.typ = Decimal(38, v.D.Scale())
		}
	}
	return n, nil
}

// toNumeric returns x as a number: untyped text becomes an exact decimal.
func toNumeric(x *node) *node {
	if x.typ.Kind == KText {
		return &node{op: opConvert, typ: TNumber, args: []*node{x}, pos: x.pos, name: implicitConv}
	}
	return x
}

func negate(x *node, at int) (*node, error) {
	x = toNumeric(x)
	switch x.typ.Kind {
	case KBigint, KDecimal, KDouble, KNull:
	default:
		return nil, typeErr(at, "-%s: unary - takes a number, not %s", exprName(x), x.typ)
	}
	return fold(&node{op: opNeg, typ: x.typ, args: []*node{x}, pos: at}), nil
}

// exprName names a node for a message: a column's name, else its type.
func exprName(n *node) string {
	if n.op == opCol {
		return "column " + n.name
	}
	if n.op == opConst {
		return string(appendText(nil, n.val, n.typ))
	}
	return "a " + n.typ.String()
}

func (b *binder) binary(e *Binary) (*node, error) {
	l, err := b.bind(e.L)
	if err != nil {
		return nil, err
	}
	r, err := b.bind(e.R)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case "AND", "OR":
		if l, err = toBool(l, e.Op); err != nil {
			return nil, err
		}
		if r, err = toBool(r, e.Op); err != nil {
			return nil, err
		}
		o := opAnd
		if e.Op == "OR" {
			o = opOr
		}
		return fold(&node{op: o, typ: TBool, args: []*node{l, r}, pos: e.At}), nil
	case "=", "<>", "<", "<=", ">", ">=":
		return compare(e.Op, l, r, e.At)
	}
	return arith(e.Op, l, r, e.At)
}

// bindCond binds the condition of clause what (WHERE, HAVING), which must be
// a BOOLEAN; what is also the clause its messages name.
func (b *binder) bindCond(e Expr, what string) (*node, error) {
	b.where = what
	x, err := b.bind(e)
	if err != nil {
		return nil, err
	}
	return toBool(x, what)
}

// toBool checks that x is a BOOLEAN (untyped text is read as one).
func toBool(x *node, what string) (*node, error) {
	switch x.typ.Kind {
	case KBool, KNull:
		return x, nil
	case KText:
		return &node{op: opConvert, typ: TBool, args: []*node{x}, pos: x.pos}, nil
	}
	return nil, typeErr(x.pos, "%s takes BOOLEAN operands, not %s (%s)", what, x.typ, exprName(x))
}

// arith binds an arithmetic operation by DuckDB's rules: BIGINT with BIGINT
// stays BIGINT (except /, which is DOUBLE), a DECIMAL makes a DECIMAL
// (scale: the larger for + - %, the sum for *), a DOUBLE makes a DOUBLE;
// DATE ± BIGINT is a DATE and DATE - DATE a BIGINT.
func arith(o string, l, r *node, at int) (*node, error) {
	if l.typ.Kind == KVarchar && l.isConst() {
		var err error
		if l, err = castConst(l, TNumber, at); err != nil {
			return nil, err
		}
	}
	if r.typ.Kind == KVarchar && r.isConst() {
		var err error
		if r, err = castConst(r, TNumber, at); err != nil {
			return nil, err
		}
	}
	if o == "//" {
		// Integer division reads untyped text as BIGINT.
		for _, x := range []**node{&l, &r} {
			if (*x).typ.Kind == KText {
				*x = &node{op: opConvert, typ: TBigint, args: []*node{*x}, pos: (*x).pos, name: implicitConv}
			}
		}
	}
	l, r = toNumeric(l), toNumeric(r)
	if l.typ.Kind == KNull || r.typ.Kind == KNull {
		return &node{op: opConst, typ: TNull, val: Null, pos: at}, nil
	}
	if o == "-" && timeRank[l.typ.Kind] > 0 && timeRank[r.typ.Kind] > 0 && (l.typ.Kind != KDate || r.typ.Kind != KDate) {
		// An INTERVAL in DuckDB ('1 day 03:00:00'), a type this dialect
		// does not have.
		return nil, unsupported(at, "%s - %s: the difference of two timestamps is an INTERVAL, which is not supported (compare them, or subtract their CASTs AS DATE for days)", l.typ, r.typ)
	}
	if l.typ.Kind == KDate || r.typ.Kind == KDate {
		switch {
		case l.typ.Kind == KDate && r.typ.Kind == KBigint && (o == "+" || o == "-"),
			l.typ.Kind == KBigint && r.typ.Kind == KDate && o == "+":
			return fold(&node{op: opArith, typ: TDate, name: o, args: []*node{l, r}, pos: at}), nil
		case l.typ.Kind == KDate && r.typ.Kind == KDate && o == "-":
			return fold(&node{op: opArith, typ: TBigint, name: "date-", args: []*node{l, r}, pos: at}), nil
		}
		return nil, typeErr(at, "%s %s %s: no such operation on a DATE", l.typ, o, r.typ)
	}
	if !l.typ.numeric() || !r.typ.numeric() {
		bad := l
		if l.typ.numeric() {
			bad = r
		}
		return nil, typeErr(bad.pos, "%s %s %s: arithmetic takes numbers, and %s is %s", l.typ, o, r.typ, exprName(bad), bad.typ)
	}
	var t Type
	switch {
	case l.typ.isFloat() && (r.typ.Kind != KDouble || r.typ.isFloat()),
		r.typ.isFloat() && l.typ.Kind != KDouble:
		t = TFloat // DuckDB's FLOAT with an integer, decimal or FLOAT
	case l.typ.Kind == KDouble || r.typ.Kind == KDouble:
		t = TDouble
	case l.typ.Kind == KBigint && r.typ.Kind == KBigint:
		t = TBigint
		if o == "/" {
			t = TDouble
		}
	default:
		ls, rs := decScale(l.typ), decScale(r.typ)
		switch {
		case o == "/":
			t = TDouble
		case ls < 0 || rs < 0:
			t = TNumber
		case o == "*":
			t = Decimal(38, ls+rs)
		default:
			t = Decimal(38, max(ls, rs))
		}
	}
	if o == "//" && t.Kind != KBigint {
		return nil, unsupported(at, "// on %s and %s: integer division takes BIGINT operands", l.typ, r.typ)
	}
	// The operands in the computing kind.
	ck := t
	if o == "/" && !t.isFloat() {
		ck = TDouble
	}
	return fold(&node{op: opArith, typ: t, name: o, args: []*node{implicit(l, ck), implicit(r, ck)}, pos: at}), nil
}

// decScale is a numeric type's scale as a DECIMAL (BIGINT: 0).
func decScale(t Type) int {
	if t.Kind == KBigint {
		return 0
	}
	return t.Scale
}

// implicit converts a numeric node to the kind of t (no check: widening only).
func implicit(x *node, t Type) *node {
	if x.typ.Kind == t.Kind {
		return x
	}
	ct := Type{Kind: t.Kind, Width: 38, Scale: decScale(x.typ)}
	if t.isFloat() {
		ct = TFloat // an integer or decimal rounded once to a float, as DuckDB casts it
	}
	return fold(&node{op: opConvert, typ: ct, args: []*node{x}, pos: x.pos, name: implicitConv})
}

// compare binds a comparison. Untyped text against a typed value compares
// as that type when it reads as one, else as text; two untyped texts compare
// as numbers when both are, else as text. A string literal against a typed
// value is cast to that type, as DuckDB does.
func compare(o string, l, r *node, at int) (*node, error) {
	if l.typ.Kind == KNull || r.typ.Kind == KNull {
		return &node{op: opConst, typ: TNull, val: Null, pos: at}, nil
	}
	lt, rt := l.typ.Kind, r.typ.Kind
	switch {
	case lt == KText && rt == KText:
		return &node{op: opCmpText, typ: TBool, name: o, args: []*node{l, r}, pos: at}, nil
	case lt == KText:
		return &node{op: opCmpText, typ: TBool, name: o, args: []*node{l, textLiteral(r)}, pos: at}, nil
	case rt == KText:
		return &node{op: opCmpText, typ: TBool, name: flip(o), args: []*node{r, textLiteral(l)}, pos: at}, nil
	}
	var err error
	if lt == KVarchar && rt != KVarchar {
		if l, err = castForCompare(l, r, at); err != nil {
			return nil, err
		}
	} else if rt == KVarchar && lt != KVarchar {
		if r, err = castForCompare(r, l, at); err != nil {
			return nil, err
		}
	}
	lt, rt = l.typ.Kind, r.typ.Kind
	switch {
	case l.typ.numeric() && r.typ.numeric():
		var t Type
		switch {
		case l.typ.isFloat() && (rt != KDouble || r.typ.isFloat()), r.typ.isFloat() && lt != KDouble:
			t = TFloat // a number against a FLOAT is cast to FLOAT, as DuckDB does
		case lt == KDouble || rt == KDouble:
			t = TDouble
		case lt == KBigint && rt == KBigint:
			t = TBigint
		default:
			t = TNumber
		}
		l, r = implicit(l, t), implicit(r, t)
	case timeRank[lt] > 0 && timeRank[rt] > 0 && lt != rt:
		// A DATE against a TIMESTAMP is its midnight, and a TIMESTAMP
		// against a TIMESTAMP_NS its nanoseconds, as DuckDB casts them (a
		// constant out of the finer type's range is an error).
		if timeRank[lt] < timeRank[rt] {
			if l, err = convert(l, r.typ, l.pos, false); err != nil {
				return nil, err
			}
		} else if r, err = convert(r, l.typ, r.pos, false); err != nil {
			return nil, err
		}
	case lt != rt:
		return nil, typeErr(at, "cannot compare %s (%s) with %s (%s)", exprName(l), l.typ, exprName(r), r.typ)
	}
	return fold(&node{op: opCmp, typ: TBool, name: o, args: []*node{l, r}, pos: at}), nil
}

// timeRank orders DATE, TIMESTAMP and TIMESTAMP_NS by precision: compared,
// the coarser converts to the finer.
var timeRank = map[Kind]int{KDate: 1, KTimestamp: 2, KTimestampNS: 3}

// numberText returns a VARCHAR constant that reads as a number, written
// without an exponent, spaces or a leading zero before a digit ('15000',
// '-2.50', '+5', '.5', '-0', '5.'; not '1e4', ' 5' or '015'), as that
// number, so that untyped text compares with it as with 15000: as a number
// when the text reads as one, else as text with the same text. That is the
// COL OP VALUE rule of --where, and DuckDB's on a column it reads as
// numbers (a Parquet INT64, a CSV column it sniffs as BIGINT or DOUBLE,
// which casts the string to its type). A zero-padded '015' stays text:
// DuckDB's CSV reader sniffs a column of zero-padded numbers as VARCHAR
// and compares strings. Any other node is returned as is.
func numberText(x *node) *node {
	if !x.isConst() || x.val.K != KVarchar {
		return x
	}
	s := string(x.val.S)
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || len(digits) > 1 && digits[0] == '0' && isDigit(digits[1]) || strings.ContainsAny(s, " _eE") {
		return x
	}
	n, err := bindLiteral(&Literal{Kind: LitNumber, Text: s, At: x.pos})
	if err != nil || n.val.K == KDouble {
		return x
	}
	return n
}

// textLiteral returns a VARCHAR constant compared with untyped text as the
// value it reads as: a number (numberText), else a date as DuckDB casts
// text to a DATE ('2021-1-1', '2021/01/01'; a TIMESTAMP when a time
// follows it, '2021-01-01 10:00' or '2021-01-01T10:00'), else a boolean
// ('t', 'yes', 'FALSE'). An untyped text compares with it as its type
// only in a form DuckDB's CSV sniffer reads as that type (a whole date or
// timestamp, not 2021-01-01x; true, false, t, f, yes or no, not y or 1),
// else as bytes with the literal's text (compareTextTo). So `d >= '2021-01-01'` on an untyped column of
// dates compares dates, as DuckDB does on the column it sniffs as DATE (or
// TIMESTAMP), and the untyped text compares as the literal's type when it
// reads as one, else as bytes with its text (compileCmpText). Any other
// node, or a string that reads as none of them, is returned as is.
func textLiteral(x *node) *node {
	if n := numberText(x); n != x || !x.isConst() || x.val.K != KVarchar {
		return n
	}
	s := x.val.S
	if _, rest, ok := parseDatePrefix(trimSpace(s)); ok {
		if _, ok := parseDate(s); ok {
			t := TDate
			if len(bytes.TrimLeft(rest, " T")) > 0 && (rest[0] == ' ' || rest[0] == 'T') {
				if _, ok := parseTimestamp(s); ok {
					t = TTimestamp
				}
			}
			if c, err := castConst(x, t, x.pos); err == nil {
				c.lit = s
				return c
			}
		}
	}
	if _, ok := parseBool(s); ok {
		if c, err := castConst(x, TBool, x.pos); err == nil {
			c.lit = s
			return c
		}
	}
	return x
}

// castForCompare casts a VARCHAR x to the type of the other side: a
// constant now, as DuckDB casts a string literal to the type it is
// compared with ('2.5' against a BIGINT is 3, rounded half away from zero;
// '3.745' against a DECIMAL(10,2) is 3.75; an error names the value and
// the other side), a computed VARCHAR per row (not to a DATE or TIMESTAMP,
// which DuckDB refuses, nor a VARCHAR column to a number).
func castForCompare(x, other *node, at int) (*node, error) {
	t := other.typ
	if x.isConst() {
		c, err := castConst(x, t, at)
		if err != nil {
			want := t.String()
			if t == TNumber {
				want = "number"
			}
			return nil, typeErr(x.pos, "'%s' compared with %s (%s): %q is not a %s", x.val.S, exprName(other), other.typ, x.val.S, want)
		}
		return c, nil
	}
	if x.op == opCol && t.numeric() {
		// A VARCHAR column (a schema's, or a CSV column DuckDB's sniffer
		// reads as VARCHAR) against a number: DuckDB's Binder Error.
		return nil, typeErr(at, "cannot compare %s (VARCHAR) with %s (%s): an explicit CAST is required", exprName(x), exprName(other), other.typ)
	}
	if t.Kind == KDecimal || t.Kind == KBigint {
		t = TNumber
	}
	if timeRank[t.Kind] > 0 {
		// DuckDB casts only a string literal to a date or timestamp it is
		// compared with; a VARCHAR column or expression needs a CAST.
		return nil, typeErr(at, "cannot compare %s (VARCHAR) with %s (%s): an explicit CAST is required", exprName(x), exprName(other), other.typ)
	}
	return convert(x, t, at, true)
}

func flip(o string) string {
	switch o {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return o
}

// castConst converts a constant now.
func castConst(x *node, t Type, at int) (*node, error) {
	n, err := convert(x, t, at, true)
	if err != nil {
		return nil, err
	}
	if !n.isConst() {
		return nil, typeErr(at, "cannot convert %s to %s", exprName(x), t)
	}
	return n, nil
}

// convert converts x to t: CAST when explicit, else an implicit conversion.
// Constants are converted at once, so a bad literal is an error here.
func convert(x *node, t Type, at int, explicit bool) (*node, error) {
	if x.typ == t && (t.Kind != KDecimal || t.Scale == x.typ.Scale) {
		return x, nil
	}
	from := x.typ.Kind
	ok := false
	switch t.Kind {
	case KVarchar, KNull:
		ok = true
	case KBigint, KDouble, KDecimal:
		ok = from == KText || from == KVarchar || from == KNull || x.typ.numeric() || from == KBool && t.Kind != KDecimal
	case KDate, KTimestamp, KTimestampNS:
		ok = from == KText || from == KVarchar || from == KNull || timeRank[from] > 0
	case KBool:
		ok = from == KText || from == KVarchar || from == KNull || from == KBool || from == KBigint
	case KInterval:
		ok = from == KText || from == KVarchar || from == KNull || from == KInterval
	}
	if !ok {
		return nil, typeErr(at, "cannot cast %s (%s) to %s", exprName(x), x.typ, t)
	}
	n := &node{op: opConvert, typ: t, args: []*node{x}, pos: at}
	if x.isConst() {
		var r Row
		v := convertValue(&r, n, x.val)
		if r.Err != nil {
			return nil, typeErr(x.pos, "%s", r.Err.Error())
		}
		return &node{op: opConst, typ: t, val: v, pos: x.pos}, nil
	}
	return n, nil
}

func (b *binder) in(e *In) (*node, error) {
	x, err := b.bind(e.X)
	if err != nil {
		return nil, err
	}
	var ors *node
	for _, item := range e.List {
		v, err := b.bind(item)
		if err != nil {
			return nil, err
		}
		c, err := compare("=", x, v, item.Pos())
		if err != nil {
			return nil, err
		}
		if ors == nil {
			ors = c
		} else {
			ors = fold(&node{op: opOr, typ: TBool, args: []*node{ors, c}, pos: e.At})
		}
	}
	if e.Neg {
		ors = fold(&node{op: opNot, typ: TBool, args: []*node{ors}, pos: e.At})
	}
	return ors, nil
}

func (b *binder) bindLike(e *Like) (*node, error) {
	x, err := b.bind(e.X)
	if err != nil {
		return nil, err
	}
	p, err := b.bind(e.Pattern)
	if err != nil {
		return nil, err
	}
	if x.typ.Kind != KVarchar && x.typ.Kind != KText && x.typ.Kind != KNull {
		return nil, typeErr(e.At, "LIKE takes VARCHAR, and %s is %s", exprName(x), x.typ)
	}
	if !p.isConst() {
		return nil, unsupported(e.Pattern.Pos(), "LIKE with a pattern that is not a constant")
	}
	if p.typ.Kind == KNull || x.typ.Kind == KNull {
		return &node{op: opConst, typ: TNull, val: Null, pos: e.At}, nil
	}
	if p.typ.Kind != KVarchar {
		return nil, typeErr(e.Pattern.Pos(), "LIKE pattern must be a string, not %s", p.typ)
	}
	n := &node{op: opLike, typ: TBool, args: []*node{x}, like: compileLike(p.val.S), pos: e.At}
	if e.Neg {
		n = &node{op: opNot, typ: TBool, args: []*node{n}, pos: e.At}
	}
	return n, nil
}

// aggNames are the aggregate functions.
var aggNames = map[string]bool{"count": true, "sum": true, "min": true, "max": true, "avg": true}

// scalarFuncs are the scalar functions and their argument counts.
var scalarFuncs = map[string][2]int{"lower": {1, 1}, "upper": {1, 1}, "length": {1, 1}, "trim": {1, 1},
	"substr": {2, 3}, "substring": {2, 3}}

func (b *binder) call(e *Call) (*node, error) {
	if aggNames[e.Name] {
		return b.aggregate(e)
	}
	ar, ok := scalarFuncs[e.Name]
	if !ok {
		return nil, unsupported(e.At, "function %s (supported: lower, upper, length, trim, substr, substring, count, sum, min, max, avg, CAST)", e.Name)
	}
	if e.Distinct {
		return nil, syntaxErr(e.At, "DISTINCT is only for aggregates, not %s", e.Name)
	}
	if len(e.Args) < ar[0] || len(e.Args) > ar[1] {
		return nil, typeErr(e.At, "%s takes %s arguments, not %d", e.Name, arity(ar), len(e.Args))
	}
	args := make([]*node, len(e.Args))
	for i, a := range e.Args {
		n, err := b.bind(a)
		if err != nil {
			return nil, err
		}
		args[i] = n
	}
	s := args[0]
	if s.typ.Kind != KVarchar && s.typ.Kind != KText && s.typ.Kind != KNull {
		return nil, typeErr(e.At, "%s takes VARCHAR, and %s is %s (CAST it to VARCHAR)", e.Name, exprName(s), s.typ)
	}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a.typ.Kind == KText || a.typ.Kind == KVarchar && a.isConst() {
			var err error
			if a, err = convert(a, TBigint, a.pos, false); err != nil {
				return nil, err
			}
		}
		if a.typ.Kind != KBigint && a.typ.Kind != KNull {
			return nil, typeErr(a.pos, "%s: position and length must be BIGINT, not %s", e.Name, a.typ)
		}
		args[i] = a
	}
	t := TVarchar
	if e.Name == "length" {
		t = TBigint
	}
	name := e.Name
	if name == "substring" {
		name = "substr"
	}
	return fold(&node{op: opFunc, typ: t, name: name, args: args, pos: e.At}), nil
}

func arity(a [2]int) string {
	if a[0] == a[1] {
		return strconv.Itoa(a[0])
	}
	return fmt.Sprintf("%d or %d", a[0], a[1])
}

// aggFunc is an aggregate function.
type aggFunc uint8

// The aggregate functions.
const (
	aggCountStar aggFunc = iota + 1
	aggCount
	aggCountDistinct
	aggSum
	aggMin
	aggMax
	aggAvg
)

// aggSpec is one distinct aggregate of a query.
type aggSpec struct {
	fn  aggFunc
	arg *node // record level; nil for count(*)
	typ Type  // the result's type
	// sumKind is how sum and avg accumulate: KDecimal (exact) or KDouble.
	sumKind Kind
}

func (b *binder) aggregate(e *Call) (*node, error) {
	if !b.grouping {
		return nil, &Error{Kind: ErrName, Pos: e.At, Msg: fmt.Sprintf("aggregate %s is not allowed in %s", e.Name, b.where)}
	}
	if b.inAgg {
		return nil, &Error{Kind: ErrName, Pos: e.At, Msg: "aggregate function calls cannot be nested"}
	}
	key := exprKey(e)
	for i, k := range b.aggText {
		if k == key {
			return &node{op: opSlot, typ: b.aggs[i].typ, idx: len(b.groupNode) + i, pos: e.At}, nil
		}
	}
	spec := &aggSpec{}
	if e.Star {
		spec.fn, spec.typ = aggCountStar, TBigint
	} else {
		if len(e.Args) != 1 {
			return nil, typeErr(e.At, "%s takes one argument, not %d", e.Name, len(e.Args))
		}
		b.inAgg = true
		arg, err := b.bind(e.Args[0])
		b.inAgg = false
		if err != nil {
			return nil, err
		}
		spec.arg = arg
		if e.Distinct && e.Name != "count" {
			return nil, unsupported(e.At, "%s(DISTINCT ...): only count takes DISTINCT", e.Name)
		}
		switch e.Name {
		case "count":
			spec.fn, spec.typ = aggCount, TBigint
			if e.Distinct {
				spec.fn = aggCountDistinct
			}
		case "min", "max":
			spec.fn, spec.typ = aggMin, arg.typ
			if e.Name == "max" {
				spec.fn = aggMax
			}
		case "sum", "avg":
			arg = toNumeric(arg)
			spec.arg = arg
			switch arg.typ.Kind {
			case KBigint:
				spec.sumKind, spec.typ = KDecimal, Decimal(38, 0)
			case KDecimal:
				spec.sumKind, spec.typ = KDecimal, Decimal(38, arg.typ.Scale)
			case KDouble:
				spec.sumKind, spec.typ = KDouble, TDouble
			case KNull:
				spec.sumKind, spec.typ = KDecimal, Decimal(38, 0)
			default:
				return nil, typeErr(e.At, "%s takes a number, and %s is %s", e.Name, exprName(arg), arg.typ)
			}
			spec.fn = aggSum
			if e.Name == "avg" {
				spec.fn, spec.typ = aggAvg, TDouble
			}
		}
	}
	b.aggs = append(b.aggs, spec)
	b.aggText = append(b.aggText, key)
	return &node{op: opSlot, typ: spec.typ, idx: len(b.groupNode) + len(b.aggs) - 1, pos: e.At}, nil
}

// fold evaluates a node whose operands are all constants.
func fold(n *node) *node {
	for _, a := range n.args {
		if !a.isConst() {
			return n
		}
	}
	var r Row
	ev := compile(n, nil)
	v := ev(&r)
	if r.Err != nil {
		return n // the error shows per row, as the type error it is
	}
	if v.K == KVarchar || v.K == KText {
		v.S = bytes.Clone(v.S)
	}
	if v.K == KDecimal {
		v.D = decimal.Add(v.D, decimal.Dec{})
	}
	return &node{op: opConst, typ: n.typ, val: v, pos: n.pos}
}
