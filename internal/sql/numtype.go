package sql

import (
	"math"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// implicitConv names an opConvert the binder made (untyped text read as a
// number, a BIGINT widened to a DECIMAL in arithmetic), not a CAST.
const implicitConv = "implicit"

// NumType is one of DuckDB's integer or decimal types: Bits 8, 16, 32 or
// 64 for TINYINT, SMALLINT, INTEGER and BIGINT (UTINYINT to UBIGINT when
// Unsigned), 128 for HUGEINT (DuckDB's integer sum, a DOUBLE in its
// Parquet files); Bits 0 for DECIMAL(Width,Scale).
type NumType struct {
	Bits, Width, Scale int
	Unsigned           bool
}

// castNumTypes are the integer types a CAST names, by DuckDB's names
// (duckTypeName's: INT4 is INTEGER).
var castNumTypes = map[string]int{"INTEGER": 32, "SMALLINT": 16, "TINYINT": 8, "BIGINT": 64}

// ItemNumType is DuckDB's type of select item i (a group key's, in an
// aggregate) when it is arithmetic (+, -, *, and // and % of integers, and
// unary - of a signed one) or a CAST to an integer or DECIMAL type, over
// untyped columns of integer or decimal types, which colType gives by input
// column index, and integer or decimal constants, as DuckDB types that
// arithmetic: integers keep the widest operand's type (an integer constant
// takes the other's when it fits; a signed and an unsigned one the signed
// when it is wider, else BIGINT, or HUGEINT with a UBIGINT), decimals take
// DuckDB's widths (+ and -: the widest integer part and scale plus one
// digit; *: the widths and scales added; either capped at 18 digits when
// no operand is wider, and at 38); and of an aggregate's sum, min or max of
// such an expression: DuckDB's sum of an integer type is a HUGEINT, of a
// DECIMAL(p,s) a DECIMAL(38,s), min and max keep the type. False for any
// other item: a lone column, a division, a DOUBLE.
//
// The sql job computes such arithmetic exactly (as decimals, scale by
// scale as DuckDB's), so its values are DuckDB's where DuckDB's fit the
// type; where DuckDB fails the query (an overflow of INT32), the job's
// value is the exact one, wider than the type.
func (p *Plan) ItemNumType(i int, colType func(col int) (NumType, bool)) (NumType, bool) {
	if i < 0 || i >= len(p.items) {
		return NumType{}, false
	}
	n := p.items[i]
	sum := false
	if p.Kind == Aggregate {
		if n.op != opSlot {
			return NumType{}, false
		}
		if n.idx < len(p.groups) {
			n = p.groups[n.idx]
		} else {
			a := p.aggs[n.idx-len(p.groups)]
			if a.arg == nil || a.fn != aggSum && a.fn != aggMin && a.fn != aggMax {
				return NumType{}, false
			}
			n, sum = a.arg, a.fn == aggSum
			for n.op == opConvert && n.name == implicitConv {
				n = n.args[0] // sum reads untyped text as a number
			}
		}
	}
	if n.op != opArith && n.op != opNeg && (n.op != opConvert || n.name == implicitConv) {
		return NumType{}, false
	}
	t, ok := numTypeOf(n, colType)
	if !ok || t.lit {
		return NumType{}, false
	}
	if sum {
		if t.Bits > 0 {
			return NumType{Bits: 128}, true
		}
		return NumType{Width: 38, Scale: t.Scale}, true
	}
	return t.NumType, true
}

// numT is a NumType in numTypeOf's walk; lit marks an integer constant
// (of value v), whose type gives way to an integer column's when v fits
// it, as DuckDB's INTEGER_LITERAL does (a TINYINT column + 1 is a TINYINT).
type numT struct {
	NumType
	lit bool
	v   int64
}

// numTypeOf is ItemNumType's walk.
func numTypeOf(n *node, colType func(col int) (NumType, bool)) (numT, bool) {
	switch n.op {
	case opCol:
		if n.typ.Kind != KText {
			return numT{}, false
		}
		t, ok := colType(n.idx)
		return numT{NumType: t}, ok
	case opConvert:
		if n.name == implicitConv {
			return numTypeOf(n.args[0], colType)
		}
		if b, ok := castNumTypes[n.name]; ok {
			return numT{NumType: NumType{Bits: b}}, true
		}
		if n.typ.Kind == KDecimal && n.typ.Scale >= 0 {
			return numT{NumType: NumType{Width: n.typ.Width, Scale: n.typ.Scale}}, true
		}
		return numT{}, false
	case opConst:
		return constNumType(n)
	case opNeg:
		t, ok := numTypeOf(n.args[0], colType)
		t.v = -t.v
		// DuckDB's - of an unsigned value wraps around (-1 is 255 in a
		// UTINYINT): left to the values.
		return t, ok && !t.Unsigned
	case opArith:
		l, lok := numTypeOf(n.args[0], colType)
		r, rok := numTypeOf(n.args[1], colType)
		if !lok || !rok {
			return numT{}, false
		}
		return arithNumType(n.name, l, r)
	}
	return numT{}, false
}

// constNumType is DuckDB's type of a number constant: INTEGER, or BIGINT
// past it; a decimal's DECIMAL of its digits and scale (1.5 DECIMAL(2,1),
// 0.25 DECIMAL(2,2)).
func constNumType(n *node) (numT, bool) {
	switch n.val.K {
	case KBigint:
		if n.val.I >= math.MinInt32 && n.val.I <= math.MaxInt32 {
			return numT{NumType: NumType{Bits: 32}, lit: true, v: n.val.I}, true
		}
		return numT{NumType: NumType{Bits: 64}, lit: true, v: n.val.I}, true
	case KDecimal:
		s := n.val.D.Scale()
		if v, ok := decimal.Int64(n.val.D); ok && s == 0 {
			// An integer constant the binder made a decimal (n + 1).
			return constNumType(&node{op: opConst, val: Value{K: KBigint, I: v}})
		}
		w := 0
		for _, c := range appendText(nil, n.val, n.typ) {
			if c >= '1' && c <= '9' || c == '0' && w > 0 {
				w++
			}
		}
		w = max(w, s, 1)
		if w > 38 || s < 0 {
			return numT{}, false
		}
		return numT{NumType: NumType{Width: w, Scale: s}}, true
	}
	return numT{}, false
}

// intType is the type of an integer operand of an integer operation whose
// other operand is of type other: a constant's that fits it is other.
func intType(t numT, other NumType) NumType {
	switch {
	case !t.lit || other.Bits > 64:
		return t.NumType
	case other.Unsigned && t.v >= 0 && (other.Bits == 64 || t.v < 1<<other.Bits):
		return other
	case !other.Unsigned && t.v >= -1<<(other.Bits-1) && t.v <= 1<<(other.Bits-1)-1:
		return other
	}
	return t.NumType
}

// intMax is DuckDB's type of an operation on integers of types a and b:
// the wider when both are signed or both unsigned; a signed and an
// unsigned one the signed when it is wider, else a BIGINT, or a HUGEINT
// with a UBIGINT.
func intMax(a, b NumType) NumType {
	if a.Unsigned == b.Unsigned {
		return NumType{Bits: max(a.Bits, b.Bits), Unsigned: a.Unsigned}
	}
	if a.Unsigned {
		a, b = b, a
	}
	switch {
	case a.Bits > b.Bits:
		return a
	case b.Bits < 64:
		return NumType{Bits: 64}
	}
	return NumType{Bits: 128}
}

// arithNumType is DuckDB's type of l o r.
func arithNumType(o string, l, r numT) (numT, bool) {
	if l.Bits > 0 && r.Bits > 0 {
		if o == "/" {
			return numT{}, false // a DOUBLE
		}
		if l.lit && r.lit {
			return numT{NumType: NumType{Bits: max(l.Bits, r.Bits)}, lit: true}, true // folded
		}
		return numT{NumType: intMax(intType(l, r.NumType), intType(r, l.NumType))}, true
	}
	if o != "+" && o != "-" && o != "*" {
		return numT{}, false
	}
	a, b := asDecimal(l.NumType), asDecimal(r.NumType)
	if o == "*" {
		t := NumType{Width: a.Width + b.Width, Scale: a.Scale + b.Scale}
		if t.Scale > 38 {
			return numT{}, false // DuckDB refuses it
		}
		if t.Width > 18 && max(a.Width, b.Width) <= 18 && t.Scale < 18 {
			t.Width = 18
		}
		t.Width = min(t.Width, 38)
		return numT{NumType: t}, true
	}
	s := max(a.Scale, b.Scale)
	w := max(max(a.Width-a.Scale, b.Width-b.Scale)+s, a.Width, b.Width) + 1
	if w > 18 && max(a.Width, b.Width) <= 18 {
		w = 18
	}
	return numT{NumType: NumType{Width: min(w, 38), Scale: s}}, true
}

// asDecimal is an integer type's DECIMAL (INTEGER: DECIMAL(10,0), UBIGINT:
// DECIMAL(20,0)).
func asDecimal(t NumType) NumType {
	switch {
	case t.Bits == 0:
		return t
	case t.Unsigned && t.Bits == 64:
		return NumType{Width: 20}
	}
	return NumType{Width: map[int]int{8: 3, 16: 5, 32: 10, 64: 19, 128: 38}[t.Bits]}
}

// ScaleDecimals types each select item that ItemNumType types as a
// DECIMAL(w,s), and that the plan leaves an exact decimal of its value's
// scale, as that DECIMAL(w,s), so that its values print with s decimals as
// DuckDB prints them: a GROUP BY key d * 2 of a DECIMAL(9,2) d prints
// -80.00 and max(d * 2) 119.40 (their order-preserving keys keep no
// trailing zeros). Call it before the plan's programs are made.
func (p *Plan) ScaleDecimals(colType func(col int) (NumType, bool)) {
	for i, t := range p.Types {
		if t.Kind != KDecimal || t.Scale >= 0 {
			continue
		}
		if nt, ok := p.ItemNumType(i, colType); ok && nt.Bits == 0 {
			p.Types[i] = Decimal(nt.Width, nt.Scale)
		}
	}
}
