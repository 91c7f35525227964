package sql

// Fields is a record's input columns as a WHERE compiled on them reads
// them (Program.MatchFields): straight from the record, with no Row filled.
type Fields interface {
	// Field returns the text of input column c (as Plan.Columns) and
	// whether it is NULL.
	Field(c int) (text []byte, null bool)
}

// fieldPred evaluates a WHERE on a record's fields. A value error (a typed
// column's text that is not of its type) goes to r.Err, the first one met
// kept, as the row's evaluation would record it; the leaf that met it is
// NULL. Nothing else of r is read or written.
type fieldPred func(f Fields, r *Row) tri

// compileFieldPred compiles a WHERE of AND, OR and NOT over conditions
// that each read one column against constants: what compileTextPred
// compiles on an untyped or VARCHAR column's text, and what
// compileTypedPred compiles on a typed column's value. Each condition
// reads its field only when it is evaluated. The three-valued logic is
// compilePred's, and so is the evaluation order wherever a value error
// can be met, so the same first one is; AND and OR of conditions that can
// meet none (on untyped and VARCHAR columns, which is all of them without
// a schema) evaluate the cheaper first (fieldCost), which changes no
// answer. False for any other WHERE (a function, arithmetic, two columns
// compared, an untyped column read as a BOOLEAN).
func compileFieldPred(n *node) (fieldPred, bool) {
	c, ok := compileField(n)
	return c.p, ok
}

// fieldCond is a compiled condition, its cost (fieldCost) and whether it
// is safe: no value error can stop it, so its evaluation may move.
type fieldCond struct {
	p    fieldPred
	cost int
	safe bool
}

func compileField(n *node) (fieldCond, bool) {
	if i, p, ok := compileTextPred(n); ok {
		return fieldCond{func(f Fields, _ *Row) tri { return p(f.Field(i)) }, fieldCost(n), true}, true
	}
	if col, p, ok := compileTypedPred(n); ok {
		return fieldCond{typedField(col, p), 0, false}, true
	}
	switch n.op {
	case opConst:
		var t tri
		switch v := n.val; v.K {
		case KNull:
			t = triNull
		case KBool:
			t = triOf(v.I == 1)
		default:
			return fieldCond{}, false
		}
		return fieldCond{func(Fields, *Row) tri { return t }, 0, true}, true
	case opNot:
		c, ok := compileField(n.args[0])
		if !ok {
			return fieldCond{}, false
		}
		c.p = notOf(c.p)
		return c, true
	case opAnd, opOr:
		a, ok := compileField(n.args[0])
		if !ok {
			return fieldCond{}, false
		}
		b, ok := compileField(n.args[1])
		if !ok {
			return fieldCond{}, false
		}
		if a.safe && b.safe && b.cost < a.cost {
			a, b = b, a
		}
		return fieldCond{junctionOf(a.p, b.p, n.op), a.cost + b.cost, a.safe && b.safe}, true
	}
	return fieldCond{}, false
}

// fieldCost is a rough cost of evaluating a condition compileTextPred
// compiles, in units of about ten instructions: IS NULL, a string compared
// or matched (LIKE), a number compared (its digits), a DATE, DOUBLE or
// BOOLEAN compared (its text parsed).
func fieldCost(n *node) int {
	switch n.op {
	case opNot:
		return fieldCost(n.args[0])
	case opAnd, opOr:
		return fieldCost(n.args[0]) + fieldCost(n.args[1])
	case opIsNull:
		return 1
	case opLike:
		return 3
	case opCmp, opCmpText:
		switch n.args[1].val.K {
		case KVarchar:
			return 2
		case KBigint, KDecimal:
			return 6
		}
		return 8
	}
	return 8
}

// typedPred evaluates a condition on one typed column's value v (nil: the
// column is NULL). r receives what a conversion of v fails with, as the
// row's evaluation would.
type typedPred func(v *Value, r *Row) tri

// typedField reads typed column col's text as its type and evaluates p on
// it: a text that is not of the type is the value error the row's
// evaluation meets reading it, and NULL.
func typedField(col *node, p typedPred) fieldPred {
	i, name, t := col.idx, col.name, col.typ
	t.Form = col.form
	var v Value // the column's value, p's argument: a view of no record's bytes
	return func(f Fields, r *Row) tri {
		s, null := f.Field(i)
		if null {
			return p(nil, r)
		}
		var ok bool
		if v, ok = parseTyped(s, t); !ok {
			r.fail(name, s, t, "")
			return triNull
		}
		return p(&v, r)
	}
}

// compileTypedPred compiles a condition of AND, OR and NOT over
// comparisons of the same typed column (BIGINT, DOUBLE, DECIMAL, DATE,
// BOOLEAN; as it stands or converted to another number type) with a
// constant, IS [NOT] NULL of it, and a BOOLEAN column as a condition: the column and the condition on its
// value, which is read once. Whatever leaf of the condition is evaluated
// first reads the column, so a value error reading it is met where the
// row's evaluation meets it. False for any other condition.
func compileTypedPred(n *node) (*node, typedPred, bool) {
	switch n.op {
	case opNot:
		col, a, ok := compileTypedPred(n.args[0])
		if !ok {
			return nil, nil, false
		}
		return col, notOf(a), true
	case opAnd, opOr:
		col, a, ok := compileTypedPred(n.args[0])
		if !ok {
			return nil, nil, false
		}
		c2, b, ok := compileTypedPred(n.args[1])
		if !ok || col.idx != c2.idx {
			return nil, nil, false
		}
		return col, junctionOf(a, b, n.op), true
	case opIsNull:
		col, neg := n.args[0], n.neg
		if !isTypedColumn(col) {
			return nil, nil, false
		}
		return col, func(v *Value, _ *Row) tri { return triOf((v == nil) != neg) }, true
	case opCmp:
		return typedCmp(n)
	case opCol:
		if n.typ.Kind != KBool {
			return nil, nil, false
		}
		return n, func(v *Value, _ *Row) tri {
			if v == nil {
				return triNull
			}
			return triOf(v.I == 1)
		}, true
	}
	return nil, nil, false
}

// typedCmp compiles a comparison of a typed column (or a conversion of
// one to another number type) with a constant, in either order.
func typedCmp(n *node) (*node, typedPred, bool) {
	x, c, o := n.args[0], n.args[1], n.name
	if x.isConst() {
		x, c, o = c, x, flip(o)
	}
	if !c.isConst() || c.val.K == KNull {
		return nil, nil, false
	}
	res, k := triTable(cmpTable(o)), c.val
	if isTypedColumn(x) {
		return x, func(v *Value, _ *Row) tri {
			if v == nil {
				return triNull
			}
			return res[compareValues(*v, k)+1]
		}, true
	}
	if x.op != opConvert || !isTypedColumn(x.args[0]) || !x.args[0].typ.numeric() || !x.typ.numeric() {
		return nil, nil, false
	}
	conv := x
	return x.args[0], func(v *Value, r *Row) tri {
		if v == nil {
			return triNull
		}
		w := convertValue(r, conv, *v)
		if w.K == KNull { // a conversion that failed (r.Err says why)
			return triNull
		}
		return res[compareValues(w, k)+1]
	}, true
}

// isTypedColumn reports an input column of a type its text is read as:
// BIGINT, DOUBLE, DECIMAL, DATE, TIMESTAMP or BOOLEAN.
func isTypedColumn(n *node) bool {
	if n.op != opCol {
		return false
	}
	switch n.typ.Kind {
	case KBigint, KDouble, KDecimal, KDate, KTimestamp, KTimestampNS, KBool, KInterval:
		return true
	}
	return false
}
