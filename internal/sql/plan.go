package sql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/internal/jobs/csvline"
)

// PlanKind is how a query runs as a scatter/gather job.
type PlanKind uint8

// The kinds of plans.
const (
	// Scan: each mapper filters and projects its rows; the gather
	// concatenates them in input order (the first LIMIT rows when limited).
	Scan PlanKind = iota + 1
	// Sort: ORDER BY: each mapper sorts its rows by their ORDER BY key (and
	// keeps the first LIMIT); the gather merges the sorted runs.
	Sort
	// Aggregate: GROUP BY, aggregates or DISTINCT: each mapper aggregates
	// its rows in a hash table by group key and writes the groups sorted by
	// key; the gather merges them, then applies HAVING, the select list,
	// ORDER BY and LIMIT.
	Aggregate
)

func (k PlanKind) String() string {
	switch k {
	case Scan:
		return "scan"
	case Sort:
		return "sort"
	}
	return "aggregate"
}

// Plan is a checked query, ready to compile into Programs.
type Plan struct {
	Query *Query
	Kind  PlanKind
	// Columns are the input columns the query reads, as it spells them
	// (names match a CSV header exactly, else case-insensitively), and
	// ColumnTypes their types (KText for untyped).
	Columns     []string
	ColumnTypes []Type
	// columnPos is the byte offset of each column's first reference in
	// the query, for MissingColumn.
	columnPos []int
	// Star reports a SELECT *: the plan was made for one header's
	// columns, StarHeader.
	Star       bool
	StarHeader []string
	// InputNames are the names whose binding depends on the input's
	// columns, when the plan was made without them (AnalyzeInputs): a
	// GROUP BY name that aliases another select item's expression, and a
	// name in a plain query's ORDER BY expression that is a select alias
	// (ORDER BY -k). DuckDB binds each to the input's column of that name
	// when there is one, else to the alias; the plan bound them to the
	// alias. Nil when the columns were given.
	InputNames []string
	// Names and Types are the output's columns.
	Names []string
	Types []Type
	// Limit is the LIMIT, -1 without one.
	Limit int64

	where  *node
	items  []*node // Scan, Sort: record level; Aggregate: group level
	order  []orderKey
	groups []*node // record level
	// groupNames are the GROUP BY expressions' texts, for errors.
	groupNames []string
	aggs       []*aggSpec
	having     *node
}

// orderKey is one ORDER BY key, bound.
type orderKey struct {
	n                *node
	desc, nullsFirst bool
}

// HasStar reports whether the select list holds *, so that the plan
// depends on the input's columns (give them to Compile).
func (q *Query) HasStar() bool {
	for _, it := range q.Items {
		if it.Star {
			return true
		}
	}
	return false
}

// Inputs returns the location a query reads (its FROM 'PATH'), for the
// CLI and the API to resolve as the job's inputs.
func Inputs(query string) ([]string, error) {
	q, err := Parse(query)
	if err != nil {
		return nil, err
	}
	return []string{q.From}, nil
}

// Compile parses and checks a query against a schema. header lists the
// input's columns; it is needed only when the query selects * (HasStar),
// and nil otherwise.
func Compile(query string, schema Schema, header []string) (*Plan, error) {
	return CompileInputs(query, schema, header, nil)
}

// CompileInputs is Compile given, when inputs is not nil, the input's
// columns among the plan's InputNames (those of its first object, as
// DuckDB takes a query's columns from the first file it reads), so that
// each of those names binds as DuckDB binds it. With *, header gives them.
func CompileInputs(query string, schema Schema, header, inputs []string) (*Plan, error) {
	q, err := Parse(query)
	if err != nil {
		return nil, err
	}
	p, err := AnalyzeInputs(q, schema, header, inputs)
	if err != nil {
		return nil, withQuery(err, query)
	}
	return p, nil
}

// Analyze checks a parsed query; see Compile.
func Analyze(q *Query, schema Schema, header []string) (*Plan, error) {
	return AnalyzeInputs(q, schema, header, nil)
}

// AnalyzeInputs checks a parsed query; see CompileInputs.
func AnalyzeInputs(q *Query, schema Schema, header, inputs []string) (*Plan, error) {
	p := &Plan{Query: q, Limit: q.Limit, Star: q.HasStar()}
	if p.Star {
		p.StarHeader = header
	}
	if p.Star && header == nil {
		return nil, nameErr(q.Items[0].At, "SELECT * needs the input's columns")
	}
	b := &binder{schema: schema, fromAlias: q.FromAlias, colIdx: map[string]int{}, inputs: inputs, known: inputs != nil}
	if p.Star && header != nil {
		b.inputs, b.known = header, true
	}
	if p.Star {
		// * reads every column, in the header's order: column i of a row
		// is the header's column i, whatever the clauses name first.
		for _, h := range header {
			if _, err := b.column(&ColumnRef{Name: h, At: q.Items[0].At}); err != nil {
				return nil, err
			}
		}
		// An empty header checks all but the columns * stands for.
		b.fixed = len(header) > 0
		b.open = len(header) == 0
	}
	// Expand *.
	var items []SelectItem
	for _, it := range q.Items {
		if !it.Star {
			items = append(items, it)
			continue
		}
		for _, h := range header {
			items = append(items, SelectItem{Expr: &ColumnRef{Name: h, At: it.At}, At: it.At})
		}
	}
	for _, it := range items {
		name := it.Alias
		if name == "" {
			name = it.Expr.String()
		}
		p.Names = append(p.Names, name)
	}
	if q.Where != nil {
		w, err := b.bindCond(q.Where, "WHERE")
		if err != nil {
			return nil, err
		}
		p.where = w
	}
	hasAgg := q.Having != nil || len(q.GroupBy) > 0
	for _, it := range items {
		if containsAggregate(it.Expr) {
			hasAgg = true
		}
	}
	for _, o := range q.OrderBy {
		if containsAggregate(o.Expr) {
			hasAgg = true
		}
	}
	switch {
	case q.Distinct && hasAgg:
		return nil, unsupported(q.Items[0].At, "SELECT DISTINCT with GROUP BY or aggregates")
	case q.Distinct:
		p.Kind = Aggregate
		groupExprs := make([]Expr, len(items))
		for i, it := range items {
			groupExprs[i] = it.Expr
		}
		if err := p.bindGroups(b, groupExprs); err != nil {
			return nil, err
		}
	case hasAgg:
		p.Kind = Aggregate
		groupExprs := make([]Expr, len(q.GroupBy))
		for i, g := range q.GroupBy {
			e, err := b.resolveRef(g, items, "GROUP BY")
			if err != nil {
				return nil, err
			}
			if containsAggregate(e) {
				return nil, &Error{Kind: ErrName, Pos: g.Pos(), Msg: "GROUP BY cannot hold an aggregate"}
			}
			groupExprs[i] = e
		}
		if err := p.bindGroups(b, groupExprs); err != nil {
			return nil, err
		}
	case len(q.OrderBy) > 0:
		p.Kind = Sort
	default:
		p.Kind = Scan
	}
	b.where = "the select list"
	for _, it := range items {
		n, err := b.bind(it.Expr)
		if err != nil {
			return nil, err
		}
		p.items = append(p.items, n)
		p.Types = append(p.Types, n.typ)
	}
	// A name of HAVING, or of an aggregate's ORDER BY expression, that is
	// not a group key may be a select alias (HAVING n > 1, ORDER BY c + 1),
	// as in DuckDB.
	b.aliases = items
	if q.Having != nil {
		h, err := b.bindCond(q.Having, "HAVING")
		if err != nil {
			return nil, err
		}
		p.having = h
	}
	b.where = "ORDER BY"
	for _, o := range q.OrderBy {
		e, err := b.resolveRef(o.Expr, items, "ORDER BY")
		if err != nil {
			return nil, err
		}
		n, err := b.bind(e)
		if err != nil {
			return nil, err
		}
		p.order = append(p.order, orderKey{n: n, desc: o.Desc, nullsFirst: o.NullsFirst})
	}
	p.aggs = b.aggs
	p.Columns, p.ColumnTypes, p.columnPos = b.cols, b.colType, b.colPos
	p.InputNames = b.asked
	return p, nil
}

// bindGroups binds the group key expressions at record level and switches
// the binder to group level.
func (p *Plan) bindGroups(b *binder, exprs []Expr) error {
	b.where = "GROUP BY"
	for _, e := range exprs {
		n, err := b.bind(e)
		if err != nil {
			return err
		}
		p.groups = append(p.groups, n)
		p.groupNames = append(p.groupNames, e.String())
		b.groupText = append(b.groupText, exprKey(e))
		b.groupNode = append(b.groupNode, n)
	}
	b.grouping = true
	return nil
}

// resolveRef resolves a GROUP BY or ORDER BY item that is a position (1 is
// the first select item) or a select alias, as DuckDB does: ORDER BY's name
// is the alias first; GROUP BY's is the input's column of that name first
// (DuckDB's GroupBinder), the alias when there is none.
func (b *binder) resolveRef(e Expr, items []SelectItem, clause string) (Expr, error) {
	switch x := e.(type) {
	case *Literal:
		if x.Kind == LitNumber {
			k, err := strconv.Atoi(x.Text)
			if err == nil && k > len(items) && b.open {
				return &Literal{Kind: LitNull, Text: "NULL", At: x.At}, nil // one of the columns * stands for
			}
			if err != nil || k < 1 || k > len(items) {
				return nil, nameErr(x.At, "%s %s: a position must be 1 to %d", clause, x.Text, len(items))
			}
			return items[k-1].Expr, nil
		}
	case *ColumnRef:
		if x.Table != "" {
			return e, nil
		}
		for _, it := range items {
			if it.Alias != "" && strings.EqualFold(it.Alias, x.Name) {
				if isItself(it, x.Name) {
					return e, nil
				}
				if clause == "GROUP BY" && (containsAggregate(it.Expr) || b.isInput(x.Name)) {
					// The input's column, which DuckDB binds first (and
					// not the alias of an aggregate, which GROUP BY
					// cannot hold).
					return e, nil
				}
				return it.Expr, nil
			}
		}
	}
	return e, nil
}

// isItself reports a select item that is the column name (SELECT k AS k),
// whose alias binds as the column does.
func isItself(it SelectItem, name string) bool {
	c, ok := it.Expr.(*ColumnRef)
	return ok && strings.EqualFold(c.Name, name)
}

// containsAggregate reports whether e calls an aggregate function.
func containsAggregate(e Expr) bool {
	switch e := e.(type) {
	case *Call:
		if aggNames[e.Name] {
			return true
		}
		for _, a := range e.Args {
			if containsAggregate(a) {
				return true
			}
		}
	case *Unary:
		return containsAggregate(e.X)
	case *Binary:
		return containsAggregate(e.L) || containsAggregate(e.R)
	case *Not:
		return containsAggregate(e.X)
	case *IsNull:
		return containsAggregate(e.X)
	case *Between:
		return containsAggregate(e.X) || containsAggregate(e.Lo) || containsAggregate(e.Hi)
	case *In:
		if containsAggregate(e.X) {
			return true
		}
		for _, a := range e.List {
			if containsAggregate(a) {
				return true
			}
		}
	case *Like:
		return containsAggregate(e.X) || containsAggregate(e.Pattern)
	case *Cast:
		return containsAggregate(e.X)
	}
	return false
}

// Header is the output's header row: the names, CSV-quoted where needed.
func (p *Plan) Header() []byte { return csvline.Header(p.Names) }

// Ordered reports whether the output follows an ORDER BY.
func (p *Plan) Ordered() bool { return len(p.order) > 0 }

// FullSort reports a sort of every selected row: ORDER BY without LIMIT
// (with *, the runs also carry the header that * stood for). Its partials
// are sorted runs keyed by the ORDER BY key, which the gather can merge by
// ranges of that key in parallel (docs/sql.md).
func (p *Plan) FullSort() bool { return p.Kind == Sort && p.Limit < 0 }

// PlainColumns returns, for a Scan or Sort whose select items are all
// untyped or VARCHAR input columns as they stand, the input column of each
// item; nil otherwise. Such a row's fields are its columns' texts, each
// written as appendField writes text (NULL empty, quoted when it needs to
// be), which a caller holding the fields' CSV bytes can often copy as they
// stand.
func (p *Plan) PlainColumns() []int {
	if p.Kind == Aggregate {
		return nil
	}
	cols := make([]int, len(p.items))
	for i, n := range p.items {
		if n.op != opCol || (n.typ.Kind != KText && n.typ.Kind != KVarchar) {
			return nil
		}
		cols[i] = n.idx
	}
	return cols
}

// ItemColumn returns the input column (an index into Columns) that select
// item i of a Scan or Sort is as it stands; false for any other item, and
// for every item of an Aggregate.
func (p *Plan) ItemColumn(i int) (int, bool) {
	if p.Kind == Aggregate || i < 0 || i >= len(p.items) || p.items[i].op != opCol {
		return 0, false
	}
	return p.items[i].idx, true
}

// ItemSource reports what select item i is as it stands, for typing an
// output by its input's types: an input column (an index into Columns),
// of a Scan or Sort, or an Aggregate's group key that is one (fn ""), or
// an aggregate of one (fn "min", "max", "sum", "avg" or "count"); false
// for any other item (an expression, count(*)).
func (p *Plan) ItemSource(i int) (col int, fn string, ok bool) {
	if i < 0 || i >= len(p.items) {
		return 0, "", false
	}
	n := p.items[i]
	if p.Kind != Aggregate {
		return n.idx, "", n.op == opCol
	}
	if n.op != opSlot {
		return 0, "", false
	}
	if n.idx < len(p.groups) {
		g := p.groups[n.idx]
		return g.idx, "", g.op == opCol
	}
	a := p.aggs[n.idx-len(p.groups)]
	arg := a.arg
	if arg != nil && arg.op == opConvert && len(arg.args) == 1 && arg.args[0].typ.Kind == KText {
		arg = arg.args[0] // sum and avg read untyped text as a number
	}
	if arg == nil || arg.op != opCol {
		return 0, "", false
	}
	names := map[aggFunc]string{aggCount: "count", aggCountDistinct: "count", aggSum: "sum", aggMin: "min", aggMax: "max", aggAvg: "avg"}
	return arg.idx, names[a.fn], true
}

// eachColumn calls fn with the input column of every column reference in
// the expression n (nil: none).
func eachColumn(n *node, fn func(c int)) {
	if n == nil {
		return
	}
	if n.op == opCol {
		fn(n.idx)
	}
	for _, a := range n.args {
		eachColumn(a, fn)
	}
}

// numberUses counts, per input column, the record-level expressions that
// may read it as a number: every reference but a select item that is the
// column as it stands (written as its text).
func (p *Plan) numberUses() []int {
	uses := make([]int, len(p.Columns))
	walk := func(n *node) { eachColumn(n, func(c int) { uses[c]++ }) }
	walk(p.where)
	for _, o := range p.order {
		walk(o.n)
	}
	for _, g := range p.groups {
		walk(g)
	}
	for _, a := range p.aggs {
		walk(a.arg)
	}
	if p.Kind != Aggregate {
		for _, it := range p.items {
			if it.op != opCol {
				walk(it)
			}
		}
	}
	return uses
}

// FilterColumns returns the input columns WHERE and ORDER BY read (at
// record level), each once, in column order.
func (p *Plan) FilterColumns() []int {
	seen := make([]bool, len(p.Columns))
	walk := func(n *node) { eachColumn(n, func(c int) { seen[c] = true }) }
	walk(p.where)
	if p.Kind != Aggregate {
		for _, o := range p.order {
			walk(o.n)
		}
	}
	var cols []int
	for c, ok := range seen {
		if ok {
			cols = append(cols, c)
		}
	}
	return cols
}

// GroupRuns reports an aggregate over groups without LIMIT. Its partials
// are sorted runs keyed by the group key, which the gather can merge by
// ranges of that key in parallel: without ORDER BY each range's rows are a
// part of the output (which is in group key order), assembled in order;
// with ORDER BY (GroupSort) they are sorted, and a second round merges
// them by spans of the ORDER BY key (docs/sql.md).
func (p *Plan) GroupRuns() bool {
	return p.Kind == Aggregate && p.Limit < 0 && len(p.groups) > 0 && !p.Star
}

// GroupSort reports an aggregate over groups sorted by ORDER BY without
// LIMIT (GroupRuns whose ranges' rows are sorted, then merged by spans of
// the ORDER BY key in a second round).
func (p *Plan) GroupSort() bool {
	return p.GroupRuns() && len(p.order) > 0
}

// Description says what a plan does, for `scatter plan --sql`.
type Description struct {
	From    string   `json:"from"`
	Kind    string   `json:"kind"`
	Columns []string `json:"columns"` // name TYPE
	Filter  string   `json:"filter,omitempty"`
	Output  []string `json:"output"` // name TYPE
	Stages  []string `json:"stages"`
	// SortedRuns is true when the partials are sorted runs that the gather
	// can merge by key ranges (FullSort, GroupRuns).
	SortedRuns bool `json:"sortedRuns,omitempty"`
	// SortRound is true when the ranges' rows are sorted runs of the
	// ORDER BY key, merged by spans of it in a second round (GroupSort).
	SortRound bool `json:"sortRound,omitempty"`
}

// Describe returns what the plan reads, computes and how it gathers.
func (p *Plan) Describe() Description {
	d := Description{From: p.Query.From, Kind: p.Kind.String(), SortedRuns: p.FullSort() || p.GroupRuns(), SortRound: p.GroupSort()}
	for i, c := range p.Columns {
		d.Columns = append(d.Columns, c+" "+p.ColumnTypes[i].String())
	}
	if p.Query.Where != nil {
		d.Filter = p.Query.Where.String()
	}
	for i, n := range p.Names {
		d.Output = append(d.Output, n+" "+p.Types[i].String())
	}
	lim := ""
	if p.Limit >= 0 {
		lim = fmt.Sprintf(", first %d", p.Limit)
	}
	var keys []string
	for _, o := range p.Query.OrderBy {
		k := o.Expr.String()
		if o.Desc {
			k += " DESC"
		}
		keys = append(keys, k)
	}
	read := "read " + strings.Join(p.Columns, ", ")
	if len(p.Columns) == 0 {
		read = "read no column"
	}
	if d.Filter != "" {
		read += "; filter " + d.Filter
	}
	switch p.Kind {
	case Scan:
		d.Stages = []string{
			"map: " + read + "; project the select list; keep input order" + lim,
			"gather: concatenate the chunks' rows in input order" + lim,
		}
	case Sort:
		top := "sort the chunk's rows by " + strings.Join(keys, ", ")
		if p.Limit >= 0 {
			top = fmt.Sprintf("keep the chunk's top %d rows by %s", p.Limit, strings.Join(keys, ", "))
		}
		gather := "gather: merge the sorted runs" + lim
		if p.FullSort() {
			gather = "gather: merge the sorted runs, by ranges of the ORDER BY key in parallel when the partials are large or --partitions asks (each range a part of the output, assembled in order), else in one reducer"
		}
		d.Stages = []string{
			"map: " + read + "; project the select list; " + top,
			gather,
		}
	case Aggregate:
		var gk []string
		for _, g := range p.Query.GroupBy {
			gk = append(gk, g.String())
		}
		if p.Query.Distinct {
			gk = append(gk, "the select list (DISTINCT)")
		}
		by := "one group"
		if len(gk) > 0 {
			by = "group by " + strings.Join(gk, ", ")
		}
		var aggs []string
		for _, a := range p.aggText() {
			aggs = append(aggs, a)
		}
		agg := ""
		if len(aggs) > 0 {
			agg = "; aggregate " + strings.Join(aggs, ", ")
		}
		gather := "gather: merge the groups by key"
		if p.Query.Having != nil {
			gather += "; HAVING " + p.Query.Having.String()
		}
		gather += "; project the select list"
		if p.GroupSort() {
			gather = "gather: merge the groups by key, by ranges of the group key in parallel when the partials are large or --partitions asks, else in one reducer" + strings.TrimPrefix(gather, "gather: merge the groups by key") +
				"; sort each range's rows by " + strings.Join(keys, ", ") + " (sorted runs spilled past its memory budget); then cut the ranges' sorted rows into spans of that key, each span's rows merged in parallel (a part of the output, assembled in order)"
		} else if len(keys) > 0 {
			gather += "; sort by " + strings.Join(keys, ", ") + " in the one reducer (sorted runs spilled past its memory budget)"
		} else if p.GroupRuns() {
			gather = "gather: merge the groups by key, by ranges of the group key in parallel when the partials are large or --partitions asks (each range a part of the output, assembled in order), else in one reducer" + strings.TrimPrefix(gather, "gather: merge the groups by key") + "; in group key order"
		} else {
			gather += "; in group key order"
		}
		d.Stages = []string{
			"map: " + read + "; hash " + by + agg + " (spilling sorted runs past the memory budget)",
			gather + lim,
		}
	}
	return d
}

// aggText names the plan's aggregates.
func (p *Plan) aggText() []string {
	names := map[aggFunc]string{aggCountStar: "count", aggCount: "count", aggCountDistinct: "count", aggSum: "sum", aggMin: "min", aggMax: "max", aggAvg: "avg"}
	var out []string
	for _, a := range p.aggs {
		switch a.fn {
		case aggCountStar:
			out = append(out, "count(*)")
		case aggCountDistinct:
			out = append(out, "count(DISTINCT "+describeNode(a.arg)+")")
		default:
			out = append(out, names[a.fn]+"("+describeNode(a.arg)+")")
		}
	}
	return out
}

func describeNode(n *node) string {
	for n.op == opConvert && len(n.args) == 1 {
		n = n.args[0]
	}
	if n.op == opCol {
		return n.name
	}
	return "an expression"
}

// MissingColumn checks the plan's columns against an input's (a CSV
// header's names, a Parquet file's columns), matched as the record reader
// matches them (colname.Index): it returns nil when the input has each,
// else an ErrName at the first reference to the first column it lacks,
// naming the column and the input's columns, as DuckDB's binder refuses a
// column that is not in the FROM clause before it reads a row. query is
// the query's text, for the position.
func (p *Plan) MissingColumn(query string, columns []string) error {
	for i, c := range p.Columns {
		if colname.Index(columns, c) >= 0 {
			continue
		}
		pos := 0
		if i < len(p.columnPos) {
			pos = p.columnPos[i]
		}
		return withQuery(nameErr(pos, "column %q is not in the input (its columns: %s)", c, strings.Join(columns, ", ")), query)
	}
	return nil
}
