package sql

import (
	"math"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// implicitConv names an opConvert the binder made (untyped text read as a
// number, a BIGINT widened to a DECIMAL in arithmetic), not a CAST.
const implicitConv = "implicit"

// NumType is one of DuckDB's signed integer or decimal types: Bits 8, 16,
// 32 or 64 for TINYINT, SMALLINT, INTEGER and BIGINT; Bits 0 for
// DECIMAL(Width,Scale).
type NumType struct {
	Bits, Width, Scale int
}

// ItemNumType is DuckDB's type of select item i (a group key's, in an
// aggregate) when it is arithmetic (+, -, *, and // and % of integers, and
// unary -) over untyped columns of integer or decimal types, which colType
// gives by input column index, and integer or decimal constants, as DuckDB
// types that arithmetic: integers keep the widest operand's type (an
// integer constant takes the other's when it fits), decimals take DuckDB's
// widths (+ and -: the widest integer part and scale plus one digit; *: the
// widths and scales added; either capped at 18 digits when no operand is
// wider, and at 38). False for any other item: a lone column, a division,
// a CAST, a DOUBLE.
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
	if p.Kind == Aggregate {
		if n.op != opSlot || n.idx >= len(p.groups) {
			return NumType{}, false
		}
		n = p.groups[n.idx]
	}
	if n.op != opArith && n.op != opNeg {
		return NumType{}, false
	}
	t, ok := numTypeOf(n, colType)
	return t.NumType, ok && !t.lit
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
		if n.name != implicitConv {
			return numT{}, false
		}
		return numTypeOf(n.args[0], colType)
	case opConst:
		return constNumType(n)
	case opNeg:
		t, ok := numTypeOf(n.args[0], colType)
		t.v = -t.v
		return t, ok
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

// intBits is the type of an integer operand of an integer operation whose
// other operand is of other bits: a constant's that fits them is theirs.
func intBits(t numT, other int) int {
	if t.lit && t.v >= -1<<(other-1) && t.v <= 1<<(other-1)-1 {
		return other
	}
	return t.Bits
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
		return numT{NumType: NumType{Bits: max(intBits(l, r.Bits), intBits(r, l.Bits))}}, true
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

// asDecimal is an integer type's DECIMAL (INTEGER: DECIMAL(10,0)).
func asDecimal(t NumType) NumType {
	if t.Bits == 0 {
		return t
	}
	return NumType{Width: map[int]int{8: 3, 16: 5, 32: 10, 64: 19}[t.Bits]}
}
