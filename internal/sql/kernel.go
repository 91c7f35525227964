package sql

// aggKernel folds one aggregate's argument into a group's state. check
// (nil when nothing can fail) evaluates what can fail, setting Row.Err, so
// that no state changes for a record with a value error; fold reads what
// check left. The common arguments, a column as it stands and an untyped
// column read as a number, are folded from the record's field bytes and
// its once-per-record number without building a Value.
type aggKernel struct {
	check func(r *Row)
	fold  func(r *Row, s *AggState, scratch *[]byte) int64
	// saved (not foldAny) says the kernel can fold later from what
	// SaveFold keeps of the record (a NULL flag, a number) in place of
	// the record; col is the column it reads.
	saved foldKind
	col   int
	// A sum's column name, and whether nothing else reads it as a number
	// (Plan.numberUses), for SaveFold.
	name string
	once bool
	// untyped: a foldBest kernel's column is untyped text, which min and
	// max also read as a number.
	untyped bool
}

// foldKind is what a deferred fold keeps of the record.
type foldKind uint8

const (
	foldAny       foldKind = iota // needs the record: not deferred
	foldCountStar                 // count(*): nothing
	foldCount                     // count(col): the NULL flag
	foldSum                       // sum, avg of an untyped column: the number
	foldBest                      // min, max of a column as it stands: its text (and, untyped, its number)
	foldSumDouble                 // sum, avg of a DOUBLE column: the double
)

// newKernel compiles aggregate a, whose argument compiles to f, to a
// kernel; a generic kernel keeps the argument's value in *v between
// check and fold.
func newKernel(a *aggSpec, f evalFn, v *Value, uses []int) aggKernel {
	if a.fn == aggCountStar {
		return aggKernel{fold: func(_ *Row, s *AggState, _ *[]byte) int64 { s.n++; return 0 }, saved: foldCountStar}
	}
	arg := a.arg
	if arg.op == opCol && (arg.typ.Kind == KText || arg.typ.Kind == KVarchar) {
		i, k := arg.idx, arg.typ.Kind
		switch a.fn {
		case aggCount:
			return aggKernel{fold: func(r *Row, s *AggState, _ *[]byte) int64 {
				if !r.Null[i] {
					s.n++
				}
				return 0
			}, saved: foldCount, col: i}
		case aggMin, aggMax:
			return aggKernel{fold: func(r *Row, s *AggState, scratch *[]byte) int64 {
				if r.Null[i] {
					return 0
				}
				return a.accumulate(r, s, Value{K: k, S: r.Text[i]}, scratch)
			}, saved: foldBest, col: i, untyped: k == KText}
		}
	}
	if (a.fn == aggSum || a.fn == aggAvg) && arg.op == opConvert && arg.typ == TNumber &&
		arg.args[0].op == opCol && arg.args[0].typ.Kind == KText {
		i, name := arg.args[0].idx, arg.args[0].name
		return aggKernel{
			check: func(r *Row) {
				if !r.Null[i] {
					if _, ok := r.number(i); !ok {
						r.notNumber(name, r.Text[i])
					}
				}
			},
			fold: func(r *Row, s *AggState, _ *[]byte) int64 {
				if !r.Null[i] {
					d, _ := r.number(i)
					s.n++
					s.d.AddTo(d)
				}
				return 0
			},
			saved: foldSum, col: i, name: name, once: i < len(uses) && uses[i] == 1,
		}
	}
	k := aggKernel{
		check: func(r *Row) { *v = f(r) },
		fold: func(r *Row, s *AggState, scratch *[]byte) int64 {
			return a.accumulate(r, s, *v, scratch)
		},
	}
	if (a.fn == aggSum || a.fn == aggAvg) && a.sumKind == KDouble && arg.op == opCol && arg.typ == TDouble {
		// Folded now as any argument is; deferred, from the double
		// SaveFold parses (as compileColumn does) or SaveFloat is given
		// (not a FLOAT's, whose text reads rounded to a float).
		k.saved, k.col, k.name = foldSumDouble, arg.idx, arg.name
	}
	return k
}
