package sql

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"

	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// Program is a Plan compiled for one goroutine: its expressions are
// closures with their own scratch space. The caller fills Row.Text and
// Row.Null for each record (indexed as Plan.Columns), calls Reset, then
// the methods its plan kind uses; after each, Row.Err set means the record
// has a value error and must be skipped (or fail the job under strict).
type Program struct {
	Plan *Plan
	Row  Row

	where predFn
	// WHERE on one column's text (compileTextPred), textCol -1 when not.
	textWhere textPred
	textCol   int
	// WHERE on the record's fields (compileFieldPred), nil when not.
	fieldWhere fieldPred
	items      []evalFn
	order      []evalFn
	groups     []evalFn
	keys       []keyFn // per group: its key from the field bytes, nil for groups[i]
	key1       keyFn   // the one group's keys[0], when it has one
	aggArgs    []evalFn
	kernels    []aggKernel
	vals       []Value   // the aggregates' argument values of the record (generic kernels)
	saved      []savedIn // SaveFold's records, len(kernels) each
	savedText  []byte    // the texts of the batch's min and max values (savedIn)
	textEnd    []int32   // per record of the batch, where its texts end in savedText
	firstBest  int       // the first foldBest kernel, whose record starts its texts (startText); -1: none
	having     evalFn
	scratch    []byte
	keyBuf     []byte
	resultBuf  []byte // LoadGroup's results' texts
	// direct: AppendGroupRow writes the plan's rows (directRows);
	// groupVals is its scratch for the group's key values.
	direct    bool
	groupVals []Value
	// A group's counts and sums for appendDirect; oneText: the plan has
	// one group key, a VARCHAR (decodeGroupKey's fast case).
	directN []int64
	directD []decimal.Dec
	oneText bool
	// directSum: per aggregate, a sum (else a count); directItems: the
	// select list as appendDirect writes it.
	directSum   []bool
	directItems []directItem
	// keySum: the select list is the one VARCHAR group key, then the one
	// aggregate, an exact sum whose DECIMAL type has keySumScale digits
	// (-1: none to round to); appendKeySum writes its rows.
	keySum      bool
	keySumScale int
	// exact: every aggregate is a count or an exact sum or avg, whose
	// states AppendStates writes in one loop.
	exact bool
	// FieldAggregate's answer: the group key's column and prefix length
	// (appendPrefixKey), ok when the plan is one.
	field    FieldAggregate
	fieldLen int64
	fieldOK  bool
}

// NewProgram compiles the plan for one goroutine.
func (p *Plan) NewProgram() *Program {
	g := &Program{Plan: p}
	comp := &compiler{uses: p.numberUses()}
	n := len(p.Columns)
	g.Row.Text = make([][]byte, n)
	g.Row.Null = make([]bool, n)
	g.Row.numSeq = make([]uint64, n)
	g.Row.num = make([]decimal.Dec, n)
	g.Row.numOK = make([]bool, n)
	g.Row.seq = 1 // per-record caches start out stale
	g.Row.Slots = make([]Value, len(p.groups)+len(p.aggs))
	g.textCol = -1
	if p.where != nil {
		g.where = compilePred(p.where, comp)
		if i, f, ok := compileTextPred(p.where); ok {
			g.textCol, g.textWhere = i, f
		}
		g.fieldWhere, _ = compileFieldPred(p.where)
	}
	for _, it := range p.items {
		g.items = append(g.items, compile(it, comp))
	}
	for _, o := range p.order {
		g.order = append(g.order, compile(o.n, comp))
	}
	for _, gr := range p.groups {
		g.groups = append(g.groups, compile(gr, comp))
		g.keys = append(g.keys, fieldKey(gr))
	}
	if len(g.keys) == 1 {
		g.key1 = g.keys[0]
	}
	g.vals = make([]Value, len(p.aggs))
	for i, a := range p.aggs {
		var f evalFn
		if a.arg != nil {
			f = compile(a.arg, comp)
		}
		g.aggArgs = append(g.aggArgs, f)
		g.kernels = append(g.kernels, newKernel(a, f, &g.vals[i], comp.uses))
	}
	g.firstBest = slices.IndexFunc(g.kernels, func(k aggKernel) bool { return k.saved == foldBest })
	if p.having != nil {
		g.having = compile(p.having, comp)
	}
	g.direct = p.directRows()
	g.groupVals = make([]Value, len(p.groups))
	g.directN, g.directD = make([]int64, len(p.aggs)), make([]decimal.Dec, len(p.aggs))
	g.oneText = len(p.groups) == 1 && p.groups[0].typ.Kind == KVarchar
	if g.direct {
		g.setDirect()
	}
	g.exact = !slices.ContainsFunc(p.aggs, func(a *aggSpec) bool {
		switch a.fn {
		case aggCountStar, aggCount:
			return false
		case aggSum, aggAvg:
			return a.sumKind == KDouble
		}
		return true
	})
	g.setField()
	return g
}

// Reset starts a record (or a group): it clears the row's error.
func (g *Program) Reset() {
	if g.Row.Err != nil { // a load where a store would check the write barrier
		g.Row.Err = nil
	}
	g.Row.seq++
}

// Match evaluates WHERE on the record: true when there is none.
func (g *Program) Match() bool {
	if g.where == nil {
		return true
	}
	return g.where(&g.Row) == triTrue
}

// TextColumn is the column (as Plan.Columns) of a WHERE that MatchText
// evaluates on that column's text alone; -1 when there is no WHERE, or it
// reads more columns, or reads one otherwise than as it stands (typed,
// through a function or arithmetic).
func (g *Program) TextColumn() int { return g.textCol }

// MatchText evaluates WHERE on the text of TextColumn (null: it is NULL),
// with Match's answer for a record whose column that is. No value error
// can occur; nothing else of the record is read.
func (g *Program) MatchText(text []byte, null bool) bool {
	return g.textWhere(text, null) == triTrue
}

// FieldWhere reports a WHERE that MatchFields evaluates: AND, OR and NOT
// over conditions that each compare one column with constants (BETWEEN,
// IN, LIKE and IS NULL among them), of any type; false when there is no
// WHERE or it reads a column otherwise (through a function, arithmetic,
// another column).
func (g *Program) FieldWhere() bool { return g.fieldWhere != nil }

// MatchFields evaluates WHERE on the record's fields, which f gives: Match's
// answer and Match's value error (Row.Err, after Reset, as Match leaves
// it). A field is read only when a condition needs it, and nothing of Row
// but Err is filled. Only when FieldWhere.
func (g *Program) MatchFields(f Fields) bool {
	return g.fieldWhere(f, &g.Row) == triTrue
}

// AppendRow appends the select list's values as one CSV row, "\n" ended:
// on the record (Scan, Sort) or on the loaded group (Aggregate).
func (g *Program) AppendRow(dst []byte) []byte {
	for i, f := range g.items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendField(dst, f(&g.Row), g.Plan.Types[i])
	}
	return append(dst, '\n')
}

// appendField writes a value as a CSV field: NULL as an empty field, an
// empty string as "", text quoted when it needs to be, anything else as
// DuckDB casts it to VARCHAR.
func appendField(dst []byte, v Value, t Type) []byte {
	switch v.K {
	case KNull:
		return dst
	case KVarchar, KText:
		if len(v.S) == 0 {
			return append(dst, '"', '"')
		}
		return csvline.AppendField(dst, v.S)
	}
	return appendText(dst, v, t)
}

// AppendOrderKey appends the ORDER BY key: of the record (Sort) or of the
// loaded group (Aggregate). Keys compare as bytes in the ORDER BY order.
func (g *Program) AppendOrderKey(dst []byte) []byte {
	for i, f := range g.order {
		o := g.Plan.order[i]
		dst = appendOrderKey(dst, o.n.typ, f(&g.Row), o.desc, o.nullsFirst)
	}
	return dst
}

// AppendGroupKey appends the record's group key (Aggregate).
func (g *Program) AppendGroupKey(dst []byte) []byte {
	if g.key1 != nil {
		return g.key1(dst, &g.Row)
	}
	for i, f := range g.groups {
		if k := g.keys[i]; k != nil {
			dst = k(dst, &g.Row)
			continue
		}
		dst = appendKey(dst, g.Plan.groups[i].typ, f(&g.Row), false, false)
	}
	return dst
}

// keyFn appends a group expression's key for the record: the bytes
// appendKey writes for the expression's value, without evaluating it.
type keyFn func(dst []byte, r *Row) []byte

// fieldKey returns the key of a group expression that is a text column as
// it stands, or substr of one with constant start (1 or more) and length
// (0 or more): the field's bytes, sliced, are the value, so the key is
// written from them with no Value and no call through the expression's
// closures (the GROUP BY of Big Data Benchmark Q2 is substr(sourceIP,
// 1, 8)). nil for any other expression.
func fieldKey(n *node) keyFn {
	col, start, length, ok := textSlice(n)
	if !ok {
		return nil
	}
	i, t := col.idx, n.typ
	if t.Kind == KVarchar && start == 1 {
		return func(dst []byte, r *Row) []byte { return appendPrefixKey(dst, r.Text[i], r.Null[i], length) }
	}
	return func(dst []byte, r *Row) []byte {
		if r.Null[i] {
			return append(dst, keyNullLast)
		}
		s := r.Text[i]
		if length >= 0 {
			s = substr(s, start, length)
		}
		dst = append(dst, keyValue)
		if t.Kind == KVarchar {
			return appendString(dst, s)
		}
		return appendEncoding(dst, t, Value{K: t.Kind, S: s})
	}
}

// textSlice reports an expression that is a text column as it stands, or
// substr of one with constant start (1 or more) and length (0 or more):
// the column, the start, and the length in characters (-1: the column as
// it stands).
func textSlice(n *node) (col *node, start, length int64, ok bool) {
	col, start, length = n, 1, -1
	if n.op == opFunc && n.name == "substr" && n.typ.Kind == KVarchar {
		if len(n.args) < 2 || !constInt(n.args[1]) || n.args[1].val.I < 1 {
			return nil, 0, 0, false
		}
		start, length = n.args[1].val.I, math.MaxInt64
		if len(n.args) > 2 {
			if !constInt(n.args[2]) || n.args[2].val.I < 0 {
				return nil, 0, 0, false
			}
			length = n.args[2].val.I
		}
		col = n.args[0]
	}
	if col.op != opCol || (col.typ.Kind != KText && col.typ.Kind != KVarchar) {
		return nil, 0, 0, false
	}
	return col, start, length, true
}

// appendPrefixKey appends the key of a VARCHAR group expression that is
// the first length characters of a text (all of it when length < 0;
// null: the text is NULL). A prefix of ASCII without a 0 byte is the
// substr's value and needs no escape: one check of its words.
func appendPrefixKey(dst, text []byte, null bool, length int64) []byte {
	if null {
		return append(dst, keyNullLast)
	}
	s := text
	if length >= 0 && int64(len(s)) > length {
		s = s[:length]
	}
	if plainText(s) {
		// keyValue, s, 0x00 0x01 (appendString), grown once.
		n := len(dst)
		dst = slices.Grow(dst, len(s)+3)[:n+len(s)+3]
		dst[n] = keyValue
		copy(dst[n+1:], s)
		dst[n+1+len(s)], dst[n+2+len(s)] = 0x00, 0x01
		return dst
	}
	if length >= 0 {
		s = substr(text, 1, length)
	}
	return appendString(append(dst, keyValue), s)
}

// constInt reports a constant BIGINT (not NULL).
func constInt(n *node) bool { return n.isConst() && n.val.K == KBigint }

// NewStates returns the zero states of a new group.
func (g *Program) NewStates() []AggState { return make([]AggState, len(g.Plan.aggs)) }

// NumAggs is the number of aggregate states per group.
func (g *Program) NumAggs() int { return len(g.Plan.aggs) }

// Check evaluates what of the aggregates' arguments can fail on the
// record, so that a value error (Row.Err) is known before any state
// changes; Fold then folds the record into a group's states.
func (g *Program) Check() {
	for i := range g.kernels {
		if k := &g.kernels[i]; k.check != nil {
			k.check(&g.Row)
		}
	}
}

// Fold folds the record, after Check, into a group's states and returns
// how many bytes the states grew by beyond their structs.
func (g *Program) Fold(st []AggState) int64 {
	var grew int64
	for i := range g.kernels {
		grew += g.kernels[i].fold(&g.Row, &st[i], &g.scratch)
	}
	return grew
}

// savedIn is what SaveFold keeps of a record for one aggregate. A min's
// or max's (foldBest) text is savedText[t0:t1] (startText, saveBest); num
// says whether untyped text reads as the number d.
type savedIn struct {
	d      decimal.Dec
	f      float64 // a DOUBLE column's value (foldSumDouble)
	t0, t1 int32
	null   bool
	num    bool
}

// CanDefer reports whether every aggregate can fold a record later, from
// what SaveFold keeps of it (count(*), count(x), sum and avg of an untyped
// or DOUBLE column, min and max of a column as it stands, untyped or VARCHAR, whose
// texts it copies): a mapper can then look the groups of a batch of
// records up together before folding them, in the order they came.
func (g *Program) CanDefer() bool {
	for i := range g.kernels {
		if g.kernels[i].saved == foldAny {
			return false
		}
	}
	return true
}

// FieldAggregate is an aggregate whose records a mapper can take
// straight from their fields, with no Row to fill: its one GROUP BY
// expression is a VARCHAR prefix of a text column (substr(x, 1, n), or a
// VARCHAR x), its aggregates CanDefer, and its WHERE, if any, is one
// MatchFields evaluates (the mapper evaluates it first). Per record the
// mapper calls SaveField for each aggregate with a column and FieldValue,
// then FoldSaved as after SaveFold; ReserveSaved first makes room for a
// batch.
type FieldAggregate struct {
	KeyCol int   // the group key's column, as Plan.Columns
	Cols   []int // per aggregate, the column SaveField reads; -1 for count(*)
}

// setField sets what FieldAggregate answers.
func (g *Program) setField() {
	p := g.Plan
	if p.Kind != Aggregate || len(p.groups) != 1 || !g.CanDefer() || (p.where != nil && g.fieldWhere == nil) {
		return
	}
	col, start, length, ok := textSlice(p.groups[0])
	if !ok || start != 1 || p.groups[0].typ.Kind != KVarchar {
		return
	}
	g.field.KeyCol, g.fieldLen, g.fieldOK = col.idx, length, true
	for i := range g.kernels {
		c := -1
		if g.kernels[i].saved != foldCountStar {
			c = g.kernels[i].col
		}
		g.field.Cols = append(g.field.Cols, c)
	}
}

// FieldAggregate reports whether the plan is an aggregate a mapper can
// feed with SaveField and FieldValue, and what columns they read.
func (g *Program) FieldAggregate() (FieldAggregate, bool) { return g.field, g.fieldOK }

// FieldValue returns the group's value of a record whose key column
// (FieldAggregate's KeyCol) is text, not NULL: its prefix, a view of text.
// A mapper can group records by these bytes as they stand (as groupby
// groups by a column's first bytes) and write each group's key once, with
// AppendFieldKey: values compare as their keys do (appendString's
// escaping keeps the order of the bytes), and the NULL group, whose key
// (AppendNullKey) sorts after every value's, is the mapper's to keep apart.
func (g *Program) FieldValue(text []byte) []byte {
	n := g.fieldLen
	if n < 0 || int64(len(text)) <= n {
		return text
	}
	if s := text[:n]; isASCII(s) {
		return s
	}
	return substr(text, 1, n)
}

// AppendFieldKey appends the group key of a group whose value is v
// (FieldValue's), the bytes AppendGroupKey writes for its records.
func (g *Program) AppendFieldKey(dst, v []byte) []byte {
	if noZero(v) { // nothing to escape: appendString's bytes
		dst = append(dst, keyValue)
		dst = append(dst, v...)
		return append(dst, 0x00, 0x01)
	}
	return appendString(append(dst, keyValue), v)
}

// AppendNullKey appends the group key of the NULL group, the bytes
// AppendGroupKey writes for a record whose key column is NULL.
func AppendNullKey(dst []byte) []byte { return append(dst, keyNullLast) }

// ReserveSaved makes room for the inputs of n records, for SaveField.
func (g *Program) ReserveSaved(n int) {
	if need := n * len(g.kernels); len(g.saved) < need {
		g.saved = append(g.saved, make([]savedIn, need-len(g.saved))...)
	}
	if g.firstBest >= 0 && len(g.textEnd) < n {
		g.textEnd = append(g.textEnd, make([]int32, n-len(g.textEnd))...)
	}
}

// SaveField keeps, as SaveFold does, aggregate a's input as the j-th
// record of a batch (j < ReserveSaved's n), from the text of its column
// (FieldAggregate's Cols; null: NULL). False when that text is not the
// number a sum needs: the value error is in Row.Err, which the caller
// clears with Reset.
func (g *Program) SaveField(j, a int, text []byte, null bool) bool {
	in := &g.saved[j*len(g.kernels)+a]
	if a == g.firstBest {
		g.startText(j)
	}
	if in.null = null; null {
		return true
	}
	switch k := &g.kernels[a]; k.saved {
	case foldSum:
		var ok bool
		if in.d, ok = parseNumber(text); !ok {
			g.Row.notNumber(k.name, text)
		}
		return ok
	case foldSumDouble:
		return g.saveDouble(k, in, text)
	case foldBest:
		g.saveBest(j, in, text)
		if k.untyped {
			in.d, in.num = parseNumber(text)
		}
	}
	return true
}

// saveDouble keeps the double of a DOUBLE column's text (not NULL) in in,
// read as compileColumn reads it; false, with the value error in Row.Err,
// when the text is not a DOUBLE.
func (g *Program) saveDouble(k *aggKernel, in *savedIn, text []byte) bool {
	f, ok := parseDouble(text)
	if !ok {
		g.Row.fail(k.name, text, TDouble, "")
		return false
	}
	in.f = f
	return true
}

// DoubleFields reports a FieldAggregate whose every aggregate is count(*),
// or a count, sum or avg of a DOUBLE column: a mapper can then give the
// batch's j-th record's inputs as doubles with SaveFloat, in place of
// their texts (SaveField).
func (g *Program) DoubleFields() bool {
	if !g.fieldOK {
		return false
	}
	for i := range g.kernels {
		switch g.kernels[i].saved {
		case foldCountStar, foldCount, foldSumDouble:
		default:
			return false
		}
	}
	return true
}

// SaveFloat keeps, as SaveField does from the text, aggregate a's input
// as the j-th record of a batch when DoubleFields: f, the double of its
// DOUBLE column (null: NULL), which is what SaveField reads from the
// double's text. count(*) takes nothing and needs no call.
func (g *Program) SaveFloat(j, a int, f float64, null bool) {
	in := &g.saved[j*len(g.kernels)+a]
	in.null, in.f = null, f
}

// startText starts the texts of the batch's j-th record (its first
// foldBest aggregate's, NULL or not) where those of record j-1 end: the
// texts of a record taken again as the j-th (one that met a value error,
// or that a mapper folded at once) are dropped, and savedText holds no
// more than the batch's.
func (g *Program) startText(j int) {
	var start int32
	if j > 0 {
		start = g.textEnd[j-1]
	}
	g.savedText = g.savedText[:start]
	g.textEnd[j] = start
}

// saveBest keeps text, a min's or max's value (of the batch's j-th
// record), in savedText, after startText.
func (g *Program) saveBest(j int, in *savedIn, text []byte) {
	in.t0 = int32(len(g.savedText))
	g.savedText = append(g.savedText, text...)
	in.t1 = int32(len(g.savedText))
	g.textEnd[j] = in.t1
}

// savedAt returns the j-th record's input for aggregate a, growing the
// saved records to hold it.
func (g *Program) savedAt(j, a int) *savedIn {
	g.ReserveSaved(j + 1)
	return &g.saved[j*len(g.kernels)+a]
}

// SaveFold checks the record's aggregate arguments as Check does (a
// value error in Row.Err, the first one met) and keeps what FoldSaved
// needs of it as the j-th of a batch, in one pass: a number is parsed once,
// without the per-record cache when nothing else reads its column. Only
// when CanDefer, in place of Check.
func (g *Program) SaveFold(j int) {
	r := &g.Row
	for i := range g.kernels {
		k, in := &g.kernels[i], g.savedAt(j, i)
		if i == g.firstBest {
			g.startText(j)
		}
		switch k.saved {
		case foldCount:
			in.null = r.Null[k.col]
		case foldSum:
			if in.null = r.Null[k.col]; in.null {
				continue
			}
			var ok bool
			if k.once {
				in.d, ok = parseNumber(r.Text[k.col])
			} else {
				in.d, ok = r.number(k.col)
			}
			if !ok {
				r.notNumber(k.name, r.Text[k.col])
				return
			}
		case foldSumDouble:
			if in.null = r.Null[k.col]; !in.null && !g.saveDouble(k, in, r.Text[k.col]) {
				return
			}
		case foldBest:
			if in.null = r.Null[k.col]; in.null {
				continue
			}
			g.saveBest(j, in, r.Text[k.col])
			if k.untyped {
				in.d, in.num = r.number(k.col)
			}
		}
	}
}

// FoldSaved folds the j-th record SaveFold kept into a group's states, as
// Fold would have folded it, and returns how many bytes they grew by (a
// min's or max's longer best text).
func (g *Program) FoldSaved(j int, st []AggState) int64 {
	na := len(g.kernels)
	saved := g.saved[j*na : (j+1)*na]
	st = st[:na]
	var grew int64
	for i := range g.kernels {
		in, s := &saved[i], &st[i]
		switch g.kernels[i].saved {
		case foldCountStar:
			s.n++
		case foldCount:
			if !in.null {
				s.n++
			}
		case foldSum:
			switch {
			case in.null:
			case s.n == 0:
				// The first value: taken as it stands, as groupby's fold
				// takes it (a zero sum of scale 0 would be rescaled).
				s.n, s.d = 1, in.d
			default:
				s.n++
				s.d.AddTo(in.d)
			}
		case foldSumDouble:
			if !in.null {
				s.n++
				x, more := s.extraGrew()
				x.f.add(in.f)
				grew += more
			}
		case foldBest:
			if !in.null {
				a := g.Plan.aggs[i]
				v := Value{K: a.arg.typ.Kind, S: g.savedText[in.t0:in.t1]}
				grew += a.foldBest(s, v, in.num, in.d, &g.scratch)
			}
		}
	}
	return grew
}

// Merge folds the states o of a group into st.
func (g *Program) Merge(st, o []AggState) {
	for i, a := range g.Plan.aggs {
		a.merge(&st[i], &o[i])
	}
}

// AppendStates encodes a group's states.
func (g *Program) AppendStates(dst []byte, st []AggState) []byte {
	if g.exact {
		// appendState's bytes of counts and exact sums, with no call per
		// aggregate.
		for i, a := range g.Plan.aggs {
			s := &st[i]
			dst = binary.AppendUvarint(dst, uint64(s.n))
			if a.fn == aggSum || a.fn == aggAvg {
				dst = s.d.AppendBinary(dst)
			}
		}
		return dst
	}
	for i, a := range g.Plan.aggs {
		dst = a.appendState(dst, &st[i])
	}
	return dst
}

// DecodeStates decodes AppendStates' form into st.
func (g *Program) DecodeStates(src []byte, st []AggState) error {
	var err error
	for i, a := range g.Plan.aggs {
		if src, err = a.decodeState(src, &st[i]); err != nil {
			return err
		}
	}
	if len(src) != 0 {
		return errState
	}
	return nil
}

// LoadGroup sets the row's slots to a group's key values and aggregate
// results, for Having, AppendRow and AppendOrderKey.
func (g *Program) LoadGroup(key []byte, st []AggState) error {
	var err error
	rest := key
	for i, gr := range g.Plan.groups {
		if rest, g.keyBuf, err = decodeKey(rest, gr.typ, false, &g.Row.Slots[i], nil); err != nil {
			return err
		}
	}
	if len(rest) != 0 {
		return errKey
	}
	k := len(g.Plan.groups)
	// A result's text written into buf (a best that is d's text, an
	// escaped text) goes to its unused end, so that results do not share
	// bytes.
	buf := g.resultBuf[:0]
	for i, a := range g.Plan.aggs {
		var nb []byte
		if g.Row.Slots[k+i], nb, err = a.result(&st[i], buf[len(buf):]); err != nil {
			return err
		}
		buf = append(buf, nb...) // in place, unless nb was allocated
	}
	g.resultBuf = buf
	return nil
}

// directRows reports an aggregate over groups whose rows AppendGroupRow
// writes: no HAVING and no ORDER BY, and a select list of group keys and
// aggregates as they stand (count, count(*), and sum that is exact), whose
// results need no expression and can meet no value error.
func (p *Plan) directRows() bool {
	if p.Kind != Aggregate || len(p.groups) == 0 || p.having != nil || len(p.order) > 0 {
		return false
	}
	for _, it := range p.items {
		if it.op != opSlot {
			return false
		}
		if i := it.idx - len(p.groups); i >= 0 {
			switch a := p.aggs[i]; a.fn {
			case aggCountStar, aggCount:
			case aggSum:
				if a.sumKind != KDecimal {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

// Direct reports whether AppendGroupRow writes this plan's rows.
func (g *Program) Direct() bool { return g.direct }

// AppendGroupRow appends a group's row (as Direct plans allow) from its
// key and states: the bytes LoadGroup, Having and AppendRow would write,
// with no slot, closure or aggregate result in between. A group key is
// appended as appendField does; a count as a BIGINT and a sum as its
// DECIMAL (appendDecimal), or nothing (NULL) over no values.
func (g *Program) AppendGroupRow(dst, key []byte, st []AggState) ([]byte, error) {
	for i := range st {
		g.directN[i], g.directD[i] = st[i].n, st[i].d
	}
	return g.appendDirect(dst, key, g.directN, g.directD)
}

// AppendGroupRowValues is AppendGroupRow of a group whose states are
// values, AppendStates' encodings from one run or more (in run order):
// each count and exact sum is decoded from the bytes and added as it comes,
// with no AggState (Direct plans' aggregates are count, count(*) and exact
// sum only), as groupby's combine adds its runs' values.
func (g *Program) AppendGroupRowValues(dst, key []byte, values [][]byte) ([]byte, error) {
	if len(values) == 0 {
		// A group with no states: the counts and sums are set by the
		// first value, so without one they would be the last group's.
		return dst, errState
	}
	if len(g.directSum) == 1 && g.directSum[0] {
		return g.appendOneSum(dst, key, values)
	}
	ns, ds := g.directN, g.directD
	for vi, v := range values {
		for i, sum := range g.directSum {
			n, k := binary.Uvarint(v)
			if k <= 0 || n > math.MaxInt64 {
				return dst, errState
			}
			v = v[k:]
			if !sum {
				if vi == 0 {
					ns[i] = int64(n)
				} else {
					ns[i] += int64(n)
				}
				continue
			}
			d, k, ok := decimal.DecodeBinary(v)
			if !ok {
				return dst, errState
			}
			v = v[k:]
			if vi == 0 {
				ns[i], ds[i] = int64(n), d
				continue
			}
			ns[i] += int64(n)
			ds[i].AddTo(d)
		}
		if len(v) != 0 {
			return dst, errState
		}
	}
	return g.appendDirect(dst, key, ns, ds)
}

// appendOneSum is AppendGroupRowValues of a plan whose one aggregate is
// an exact sum (as groupby's lone sum): each value is its count and sum,
// added up in locals, which the program's directN and directD would hold
// (a store of a sum into those, on the heap, is one with a write barrier
// while the GC marks).
func (g *Program) appendOneSum(dst, key []byte, values [][]byte) ([]byte, error) {
	var sn int64
	var sd decimal.Dec
	for vi, v := range values {
		n, k := binary.Uvarint(v)
		if k <= 0 || n > math.MaxInt64 {
			return dst, errState
		}
		d, kd, ok := decimal.DecodeBinary(v[k:])
		if !ok || k+kd != len(v) {
			return dst, errState
		}
		if vi == 0 {
			sn, sd = int64(n), d
			continue
		}
		sn += int64(n)
		sd.AddTo(d)
	}
	if g.keySum {
		if text, ok := keyText(key); ok {
			return g.appendKeySum(dst, text, sn, sd), nil
		}
	}
	ns, ds := [1]int64{sn}, [1]decimal.Dec{sd}
	return g.appendDirect(dst, key, ns[:], ds[:])
}

// appendKeySum is appendDirect of a keySum plan's group whose key's text
// is text (keyText's) and whose sum is d over n values: the key as a CSV
// field, a comma and the sum, with no loop over the select list.
func (g *Program) appendKeySum(dst, text []byte, n int64, d decimal.Dec) []byte {
	dst = csvline.AppendField(dst, text)
	dst = append(dst, ',')
	if n != 0 { // else NULL: a sum of no values
		if s := g.keySumScale; s >= 0 && d.Scale() != s {
			d = decimal.Round(d, s)
		}
		dst = d.Append(dst)
	}
	return append(dst, '\n')
}

// directItem is a select item of a Direct plan: group key group, or
// aggregate agg (>= 0), a sum when sum, whose DECIMAL type has scale
// digits (-1: none to round to).
type directItem struct {
	group, agg, scale int
	sum               bool
}

// setDirect lays out a Direct plan's aggregates and items for
// AppendGroupRowValues and appendDirect.
func (g *Program) setDirect() {
	p := g.Plan
	for _, a := range p.aggs {
		g.directSum = append(g.directSum, a.fn == aggSum)
	}
	k := len(p.groups)
	for i, it := range p.items {
		d := directItem{group: it.idx, agg: -1, scale: -1}
		if it.idx >= k {
			d.group, d.agg = -1, it.idx-k
			d.sum = g.directSum[d.agg]
			if t := p.Types[i]; t.Kind == KDecimal && t.Scale >= 0 {
				d.scale = t.Scale
			}
		}
		g.directItems = append(g.directItems, d)
	}
	if it := g.directItems; g.oneText && len(g.directSum) == 1 && len(it) == 2 && it[0].agg < 0 && it[1].sum {
		g.keySum, g.keySumScale = true, it[1].scale
	}
}

// appendDirect appends the row of a group of key whose counts and sums
// are ns and ds.
func (g *Program) appendDirect(dst, key []byte, ns []int64, ds []decimal.Dec) ([]byte, error) {
	// text: the one VARCHAR key's text as it stands in key, when it is
	// neither NULL nor escaped (appendPrefixKey's ASCII case); else the
	// keys are decoded into groupVals.
	var text []byte
	if g.oneText {
		text, _ = keyText(key)
	}
	if text == nil {
		if err := g.decodeGroupKey(key); err != nil {
			return dst, err
		}
	}
	for i, it := range g.directItems {
		if i > 0 {
			dst = append(dst, ',')
		}
		switch {
		case it.agg < 0:
			if text != nil {
				dst = csvline.AppendField(dst, text) // appendField's case, without a Value
			} else {
				dst = appendField(dst, g.groupVals[it.group], g.Plan.Types[i])
			}
		case !it.sum: // count, count(*)
			dst = appendInt64(dst, ns[it.agg])
		case ns[it.agg] != 0: // exact sum, as appendDecimal writes it
			d := ds[it.agg]
			if it.scale >= 0 && d.Scale() != it.scale {
				d = decimal.Round(d, it.scale)
			}
			dst = d.Append(dst)
		}
	}
	return append(dst, '\n'), nil
}

// keyText returns the text of a key of one VARCHAR as it stands in
// key, when it is neither NULL nor escaped (appendPrefixKey's ASCII case).
func keyText(key []byte) ([]byte, bool) {
	if n := len(key); n > 3 && key[0] == keyValue && key[n-2] == 0 && key[n-1] == 0x01 && noZero(key[1:n-2]) {
		return key[1 : n-2 : n-2], true
	}
	return nil, false
}

// noZero reports whether s has no byte 0, a word at a time.
func noZero(s []byte) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for len(s) >= 8 {
		w := binary.LittleEndian.Uint64(s)
		if (w-lo)&^w&hi != 0 {
			return false
		}
		s = s[8:]
	}
	for _, c := range s {
		if c == 0 {
			return false
		}
	}
	return true
}

// decodeGroupKey decodes a group's key into groupVals.
func (g *Program) decodeGroupKey(key []byte) error {
	var err error
	rest := key
	// An escaped text is unescaped into the unused end of buf, so that
	// the texts of several keys do not share its bytes.
	buf := g.keyBuf[:0]
	for i, gr := range g.Plan.groups {
		var nb []byte
		if rest, nb, err = decodeKey(rest, gr.typ, false, &g.groupVals[i], buf[len(buf):]); err != nil {
			return err
		}
		buf = append(buf, nb...) // in place, unless nb was allocated
	}
	g.keyBuf = buf
	if len(rest) != 0 {
		return errKey
	}
	return nil
}

// AppendGroup appends the loaded group's GROUP BY values ("b = 3, c = NULL",
// a text quoted), for an error met in the gather to name its group.
func (g *Program) AppendGroup(dst []byte) []byte {
	for i, gr := range g.Plan.groups {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(append(dst, g.Plan.groupNames[i]...), " = "...)
		switch v := g.Row.Slots[i]; {
		case v.K == KNull:
			dst = append(dst, "NULL"...)
		case v.K == KVarchar || v.K == KText:
			dst = strconv.AppendQuote(dst, string(appendText(nil, v, gr.typ)))
		default:
			dst = appendText(dst, v, gr.typ)
		}
	}
	return dst
}

// Having evaluates HAVING on the loaded group: true when there is none.
func (g *Program) Having() bool {
	if g.having == nil {
		return true
	}
	v := g.having(&g.Row)
	return v.K == KBool && v.I == 1
}

// Global reports an aggregate without GROUP BY, which outputs one row even
// when no record matched.
func (g *Program) Global() bool {
	return g.Plan.Kind == Aggregate && len(g.Plan.groups) == 0
}
