package sql

import (
	"bytes"
	"math"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// ParseExpr parses one expression of the subset (a WHERE condition).
func ParseExpr(text string) (Expr, error) {
	p := &parser{lex: lexer{src: text}}
	if err := p.advance(); err != nil {
		return nil, withQuery(err, text)
	}
	e, err := p.expr()
	if err != nil {
		return nil, withQuery(err, text)
	}
	if p.tok.kind != tEOF {
		return nil, withQuery(syntaxErr(p.tok.pos, "unexpected %s after the expression", p.describe()), text)
	}
	return e, nil
}

// CompileFilter checks a WHERE condition on its own (the --where of the
// select and groupby jobs) and returns a Scan plan whose Programs' Match
// evaluates it; the plan's Columns are the columns it reads.
func CompileFilter(text string, schema Schema) (*Plan, error) {
	e, err := ParseExpr(text)
	if err != nil {
		return nil, err
	}
	q := &Query{Where: e, Limit: -1}
	b := &binder{schema: schema, colIdx: map[string]int{}}
	w, err := b.bindCond(e, "WHERE")
	if err != nil {
		return nil, withQuery(err, text)
	}
	return &Plan{Query: q, Kind: Scan, Limit: -1, where: w, Columns: b.cols, ColumnTypes: b.colType}, nil
}

// textPred evaluates a condition on one column's text (null: the column is
// NULL) with no Row: a WHERE compiled on the field's bytes, which no value
// error can stop.
type textPred func(s []byte, null bool) tri

// compileTextPred compiles a WHERE whose every comparison reads the same
// column as it stands (untyped or VARCHAR), against a constant, to read
// that column's text: an untyped column against a number, a string, a
// DATE, a DOUBLE or a BOOLEAN, a VARCHAR against a string, LIKE, IS [NOT] NULL, AND, OR, NOT (and so
// BETWEEN and IN, bound as those). It returns the column's index, false
// for any other WHERE. The answers are compilePred's.
func compileTextPred(n *node) (int, textPred, bool) {
	switch n.op {
	case opNot:
		i, a, ok := compileTextPred(n.args[0])
		if !ok {
			return 0, nil, false
		}
		return i, notOf(a), true
	case opAnd, opOr:
		i, a, ok := compileTextPred(n.args[0])
		if !ok {
			return 0, nil, false
		}
		j, b, ok := compileTextPred(n.args[1])
		if !ok || i != j {
			return 0, nil, false
		}
		return i, junctionOf(a, b, n.op), true
	case opIsNull:
		col, neg := n.args[0], n.neg
		if !textColumn(col) {
			return 0, nil, false
		}
		return col.idx, func(_ []byte, null bool) tri { return triOf(null != neg) }, true
	case opLike:
		col, lp := n.args[0], n.like
		if !textColumn(col) {
			return 0, nil, false
		}
		return col.idx, func(s []byte, null bool) tri {
			if null {
				return triNull
			}
			return triOf(lp.match(s))
		}, true
	}
	if l, r, ok := textNumberCmp(n); ok {
		leaf := newNumberLeaf(r.val, r.typ, cmpTable(n.name))
		return l.idx, func(s []byte, null bool) tri {
			if null {
				return triNull
			}
			return leaf.eval(s)
		}, true
	}
	if n.op != opCmp && n.op != opCmpText {
		return 0, nil, false
	}
	l, r := n.args[0], n.args[1]
	if n.op == opCmpText && l.op == opCol && l.typ.Kind == KText && r.isConst() {
		switch c := r.val; c.K {
		case KDate, KTimestamp, KTimestampNS, KDouble, KBool, KInterval:
			// As compileCmpText: as c's type when the text reads as one,
			// else as bytes with c's text.
			res, text, lit := triTable(cmpTable(n.name)), constText(r), r.lit
			return l.idx, func(s []byte, null bool) tri {
				if null {
					return triNull
				}
				if x, ok := compareTextTo(s, c, lit); ok {
					return res[x+1]
				}
				return res[bytes.Compare(s, text)+1]
			}, true
		}
	}
	if !textColumn(l) || !r.isConst() || n.op == opCmp && l.typ.Kind != KVarchar {
		return 0, nil, false
	}
	if r.val.K == KVarchar && (n.name == "=" || n.name == "<>") {
		// Equal or not: the lengths first, then the bytes.
		eq, c := n.name == "=", r.val.S
		return l.idx, func(s []byte, null bool) tri {
			if null {
				return triNull
			}
			return triOf((string(s) == string(c)) == eq)
		}, true
	}
	if r.val.K == KVarchar {
		res, c := triTable(cmpTable(n.name)), r.val.S
		return l.idx, func(s []byte, null bool) tri {
			if null {
				return triNull
			}
			return res[bytes.Compare(s, c)+1]
		}, true
	}
	return 0, nil, false
}

// textColumn reports an input column read as it stands: untyped or VARCHAR.
func textColumn(n *node) bool {
	return n.op == opCol && (n.typ.Kind == KText || n.typ.Kind == KVarchar)
}

// notOf is NOT of a condition a (NULL stays NULL), whatever it reads.
func notOf[A, B any](a func(A, B) tri) func(A, B) tri {
	return func(x A, y B) tri {
		if t := a(x, y); t != triNull {
			return t ^ 1 // triFalse <-> triTrue
		}
		return triNull
	}
}

// junctionOf is a AND b (op opAnd) or a OR b (opOr), whatever they read,
// as junction is: an operand equal to stop (FALSE for AND, TRUE for OR)
// decides, b evaluated only when a does not; else NULL if either is NULL,
// else the other value.
func junctionOf[A, B any](a, b func(A, B) tri, op op) func(A, B) tri {
	stop := triFalse
	if op == opOr {
		stop = triTrue
	}
	return func(x A, y B) tri {
		u := a(x, y)
		if u == stop {
			return stop
		}
		v := b(x, y)
		if v == stop {
			return stop
		}
		return max(u, v) // NULL (the largest) if either is
	}
}

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// triTable is a cmpTable as tri values.
func triTable(tab [3]bool) [3]tri {
	return [3]tri{triOf(tab[0]), triOf(tab[1]), triOf(tab[2])}
}

// numberLeaf compares untyped text with a number constant: as numbers when
// the text reads as one (from its digits: decimal.Const), else as bytes
// with the constant's text.
type numberLeaf struct {
	k    decimal.Const
	text []byte
	res  [3]tri
}

func newNumberLeaf(c Value, t Type, tab [3]bool) *numberLeaf {
	cd := c.D
	if c.K == KBigint {
		cd = decimal.FromInt(c.I)
	}
	return &numberLeaf{k: decimal.NewConst(cd), text: appendText(nil, c, t), res: triTable(tab)}
}

// eval compares s, not NULL, with the constant.
func (l *numberLeaf) eval(s []byte) tri {
	if r, ok := l.k.CmpText(s); ok {
		return l.res[r+1]
	}
	return l.res[bytes.Compare(s, l.text)+1]
}

// NumberComparison reports a WHERE that is one comparison of an untyped
// column with a number constant (adRevenue > 990): the column's name, the
// operator (= <> < <= > >=) and the constant's text, with which a text
// that is not a number compares as bytes; false for any other WHERE.
//
// It also reports a comparison of a DOUBLE column (a Parquet DOUBLE the
// planner types) with a finite DOUBLE constant c (adRevenue > 990, the
// literal cast to DOUBLE), with c's shortest text: a finite double prints
// as the shortest decimal that reads back as it, which orders doubles as
// their values, so a finite x compares with c as its text does with c's.
// An infinity's or a NaN's text is no number; a pruner keeps what it
// cannot order.
func (p *Plan) NumberComparison() (col, op string, num []byte, ok bool) {
	if l, r, ok := textNumberCmp(p.where); ok {
		return p.Columns[l.idx], p.where.name, appendText(nil, r.val, r.typ), true
	}
	if n := p.where; n != nil && n.op == opCmp {
		l, r := n.args[0], n.args[1]
		if l.op == opCol && l.typ.Kind == KDouble && !l.typ.isFloat() && r.isConst() && r.val.K == KDouble &&
			!math.IsInf(r.val.F, 0) && !math.IsNaN(r.val.F) {
			return p.Columns[l.idx], n.name, appendText(nil, r.val, r.typ), true
		}
	}
	return "", "", nil, false
}

// textNumberCmp reports a comparison of an untyped column with a number
// constant (adRevenue > 990), where the column's text compares as a number
// when it reads as one, else as bytes with the constant's text: the column
// and the constant; false for any other node (nil included).
func textNumberCmp(n *node) (col, num *node, ok bool) {
	if n == nil || n.op != opCmpText {
		return nil, nil, false
	}
	l, r := n.args[0], n.args[1]
	if l.op != opCol || l.typ.Kind != KText || !r.isConst() || r.val.K != KDecimal && r.val.K != KBigint {
		return nil, nil, false
	}
	return l, r, true
}
