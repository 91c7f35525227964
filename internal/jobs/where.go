package jobs

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/record"
)

// rowFilter is a --where: either the historical 'COL OP VALUE' condition
// (numeric when both sides are numbers, byte-wise otherwise; == accepted)
// or an expression of the sql job's language (AND, OR, NOT, BETWEEN, IN,
// LIKE, IS NULL, functions, ...), with its NULL rules: an empty CSV field
// or a missing or null JSON member is NULL and satisfies no comparison.
type rowFilter struct {
	cond *condition // the 'COL OP VALUE' form
	plan *sql.Plan  // an expression
	at   []int      // filter column -> position in the row reader's columns
}

// whereSchemaParam is the schema parameter of the jobs that take --where.
var whereSchemaParam = Param{Name: "schema", Usage: "column types for --where: name:TYPE[,name:TYPE...] or a JSON object {\"name\":\"TYPE\"}, as the sql job's (docs/sql.md); other columns are untyped"}

// parseFilter reads a --where, its columns typed by schema (the job's
// schema parameter, as the sql job's: a typed column reads as DuckDB's
// read_csv(types=...) would read it). A single comparison of an untyped
// column with a number, a string or a bare word keeps its historical
// meaning (VALUE unquoted, or in single or double quotes, is a value);
// with a typed column it is that comparison in SQL, VALUE a literal of
// the column's type; anything the SQL expression parser reads otherwise
// is an expression.
func parseFilter(s, schemaText string) (*rowFilter, error) {
	schema, err := sql.ParseSchema(schemaText)
	if err != nil {
		return nil, fmt.Errorf("--schema: %w", err)
	}
	e, sqlErr := sql.ParseExpr(s)
	if sqlErr == nil && !isSimpleComparison(s, e) {
		return compileFilter(s, schema)
	}
	c, err := parseWhere(s)
	if err != nil {
		return nil, fmt.Errorf("%w (nor is it a SQL expression: %w)", err, sqlErr)
	}
	if sqlErr != nil && (!errors.Is(sqlErr, sql.ErrSyntax) || looksLikeSQL(string(c.value))) {
		// 'a > 1 AND' is a broken expression, not a comparison with "1 AND";
		// SQL that parses but is wrong (a bad DATE, an unsupported feature) too.
		return nil, fmt.Errorf("--where: %w", sqlErr)
	}
	if _, typed := schema.Type(c.Column); typed {
		return compileFilter(c.sqlText(), schema)
	}
	return &rowFilter{cond: c}, nil
}

// whereParam is a tabular job's --where (p's where, typed by its schema),
// nil without one; its columns are added to set, the columns the job reads.
func whereParam(p Params, set *columnSet) (*rowFilter, error) {
	w := p["where"]
	if w == "" {
		return nil, nil
	}
	f, err := parseFilter(w, p["schema"])
	if err != nil {
		return nil, err
	}
	f.addColumns(set)
	return f, nil
}

func compileFilter(s string, schema sql.Schema) (*rowFilter, error) {
	p, err := sql.CompileFilter(s, schema)
	if err != nil {
		return nil, fmt.Errorf("--where: %w", err)
	}
	return &rowFilter{plan: p}, nil
}

// sqlCondition is the 'COL OP VALUE' condition a sql WHERE of one untyped
// column against a number (sql.Plan.NumberComparison) amounts to, for its
// Parquet predicate (parquetPredicate); nil for any other WHERE. The
// untyped comparison, as numbers when the text is one and as bytes
// otherwise, is the condition's; on a NULL, which no comparison matches in
// sql, the condition may match, so a predicate rules out no more than the
// WHERE would.
func sqlCondition(p *sql.Plan) *condition {
	col, opText, num, ok := p.NumberComparison()
	if !ok {
		return nil
	}
	w := &condition{Column: col, value: num}
	switch opText {
	case "=":
		w.op = opEQ
	case "<>":
		w.op = opNE
	default:
		for _, o := range operators {
			if o.text == opText {
				w.op = o.op
			}
		}
	}
	w.setValue(num)
	return w
}

// parquetPredicate is the filter's Parquet predicate: its 'COL OP VALUE'
// condition's, or that of an expression that amounts to one
// (sqlCondition); nil for no filter or another expression.
func (f *rowFilter) parquetPredicate() pq.Predicate {
	switch {
	case f == nil:
		return nil
	case f.cond != nil:
		return f.cond.parquetPredicate()
	}
	if w := sqlCondition(f.plan); w != nil {
		return w.parquetPredicate()
	}
	return nil
}

// sqlText is the condition as a SQL comparison: the column quoted as an
// identifier, the value as a string literal, which converts to the
// column's type.
func (w *condition) sqlText() string {
	op := ""
	for _, o := range operators {
		if o.op == w.op {
			op = o.text
		}
	}
	return `"` + strings.ReplaceAll(w.Column, `"`, `""`) + `" ` + op + ` '` + strings.ReplaceAll(string(w.value), "'", "''") + `'`
}

// looksLikeSQL reports a VALUE holding a SQL keyword as a word of its own.
func looksLikeSQL(v string) bool {
	for _, w := range strings.Fields(strings.ToUpper(v)) {
		switch w {
		case "AND", "OR", "NOT", "BETWEEN", "IN", "LIKE", "IS", "NULL", "DATE", "CAST":
			return true
		}
	}
	return false
}

// isSimpleComparison reports COLUMN OP (number | 'string' | word | "word")
// with OP one of the historical operators > >= < <= == !=. SQL's own = and
// <> (which the historical form never had) keep their SQL meaning, NULLs
// included: "a = 1" is the expression, "a == 1" the historical comparison.
func isSimpleComparison(text string, e sql.Expr) bool {
	b, ok := e.(*sql.Binary)
	if !ok || !slices.Contains([]string{"=", "<>", "<", "<=", ">", ">="}, b.Op) {
		return false
	}
	if op := text[b.At:]; b.Op == "=" && !strings.HasPrefix(op, "==") || b.Op == "<>" && !strings.HasPrefix(op, "!=") {
		return false
	}
	if l, ok := b.L.(*sql.ColumnRef); !ok || l.Table != "" {
		return false
	}
	switch r := b.R.(type) {
	case *sql.Literal:
		return r.Kind == sql.LitNumber || r.Kind == sql.LitString
	case *sql.ColumnRef:
		return r.Table == ""
	case *sql.Unary:
		l, ok := r.X.(*sql.Literal)
		return ok && l.Kind == sql.LitNumber
	}
	return false
}

// columns are the columns the filter reads.
func (f *rowFilter) columns() []string {
	if f.cond != nil {
		return []string{f.cond.Column}
	}
	return f.plan.Columns
}

// addColumns adds the filter's columns to the set a job's row reader reads.
func (f *rowFilter) addColumns(set *columnSet) {
	for _, c := range f.columns() {
		f.at = append(f.at, set.add(c))
	}
}

// rowMatcher evaluates a filter for one mapper.
type rowMatcher struct {
	f    *rowFilter
	prog *sql.Program
	// text is the filter column whose text alone decides (the program's
	// TextColumn), -1 when the program evaluates the row.
	text int
	// fieldWhere: else the program evaluates the filter on the row's
	// fields (Program.MatchFields), which fields gives it.
	fieldWhere bool
	fields     rowFields
	// source is the object whose rows are matched (the mapper's StartPart
	// sets it), named by a skipped record's example.
	source string
}

// newMatcher compiles f for one mapper; nil for no filter.
func (f *rowFilter) newMatcher() *rowMatcher {
	if f == nil {
		return nil
	}
	m := &rowMatcher{f: f, text: -1}
	if f.plan != nil {
		m.prog = f.plan.NewProgram()
		m.text = m.prog.TextColumn()
		m.fieldWhere = m.text < 0 && m.prog.FieldWhere()
		m.fields.at = f.at
	}
	return m
}

// match reports whether a row passes; a value error (a typed column that
// does not parse) is returned, and the row does not pass.
func (m *rowMatcher) match(row *record.Row) (bool, *sql.ValueError) {
	if m.f.cond != nil {
		c := m.f.at[0]
		return row.Present(c) && m.f.cond.match(row.Value(c)), nil
	}
	if m.text >= 0 {
		v, null := sqlValue(row, m.f.at[m.text])
		return m.prog.MatchText(v, null), nil
	}
	r := &m.prog.Row
	if m.fieldWhere {
		m.prog.Reset()
		m.fields.row = row
		if ok := m.prog.MatchFields(&m.fields); r.Err == nil {
			return ok, nil
		}
		return false, r.Err
	}
	for i, c := range m.f.at {
		r.Text[i], r.Null[i] = sqlValue(row, c)
	}
	m.prog.Reset()
	ok := m.prog.Match()
	if r.Err != nil {
		return false, r.Err
	}
	return ok, nil
}

// keep reports whether row r passes the filter (every row passes a nil
// matcher). A row whose filter cannot be evaluated (a typed column that does
// not parse) is a malformed record: counted in st under a reason naming the
// column and its type, and skipped; or with strict an error naming the
// offset, the column and the value.
func (m *rowMatcher) keep(r *record.Row, st *Stats, strict bool) (bool, error) {
	if m == nil {
		return true, nil
	}
	ok, verr := m.match(r)
	if verr != nil {
		return false, skipValue(st, strict, m.source, r.Offset, verr)
	}
	return ok, nil
}

// skipValue handles a record of source with a value error as skip does:
// counted under the error's value-free reason (the column and the type),
// the first of a reason kept as its example naming the source, the byte
// offset, the column and the value; or under strict a RecordError whose
// reason names the column and the value.
func skipValue(st *Stats, strict bool, source string, offset int64, e *sql.ValueError) error {
	if strict {
		return &RecordError{Offset: offset, Reason: "sql: " + e.Error()}
	}
	skipFirst(st, e.Reason, source, offset, func() string { return "sql: " + e.Error() })
	return nil
}

// skipFirst counts a record skipped for reason. The first of a reason is kept
// as its example, with what example formats; example is called only then, so
// nothing is formatted for the millions of skips that may follow.
func skipFirst(st *Stats, reason, source string, offset int64, example func() string) {
	if _, seen := st.SkipExamples[reason]; seen {
		st.Skip(reason)
		return
	}
	st.SkipAt(reason, source, offset, example())
}

// setSource names the object the matcher's rows come from (nil: no filter).
func (m *rowMatcher) setSource(source string) {
	if m != nil {
		m.source = source
	}
}

// rowFields gives a sql program the fields of a record (sql.Fields): the
// program's column c is column at[c] of row.
type rowFields struct {
	row *record.Row
	at  []int
}

// Field is column c's text and whether it is NULL (sqlValue).
func (f *rowFields) Field(c int) ([]byte, bool) { return sqlValue(f.row, f.at[c]) }

// identity is [0, n).
func identity(n int) []int {
	at := make([]int, n)
	for i := range at {
		at[i] = i
	}
	return at
}

// sqlValue is column c of row as the sql package sees it: its text, and
// whether it is NULL (a missing or null JSON member, a Parquet NULL, or, as
// DuckDB reads CSV, an empty field, quoted or not).
func sqlValue(row *record.Row, c int) ([]byte, bool) {
	v := row.Value(c)
	if row.Format() == record.CSV {
		return v, len(v) == 0
	}
	return v, row.Null(c)
}
