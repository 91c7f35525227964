package sql

import (
	"slices"
	"strconv"
	"strings"
)

// Parse parses one SELECT statement of the subset (the grammar is in
// docs/sql.md). A query DuckDB would accept but this subset does not gets
// an *Error of kind ErrUnsupported naming the feature; malformed text gets
// ErrSyntax. Both give the position.
func Parse(query string) (*Query, error) {
	p := &parser{lex: lexer{src: query}}
	q, err := p.parse()
	if err != nil {
		return nil, withQuery(err, query)
	}
	return q, nil
}

type parser struct {
	lex  lexer
	tok  token
	peek *token
}

// advance moves to the next token.
func (p *parser) advance() error {
	if p.peek != nil {
		p.tok, p.peek = *p.peek, nil
		return nil
	}
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// lookahead returns the token after the current one.
func (p *parser) lookahead() (token, error) {
	if p.peek == nil {
		t, err := p.lex.next()
		if err != nil {
			return token{}, err
		}
		p.peek = &t
	}
	return *p.peek, nil
}

// is reports whether the current token is the keyword kw (any case).
func (p *parser) is(kw string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw)
}

// isOp reports whether the current token is the operator op.
func (p *parser) isOp(op string) bool { return p.tok.kind == tOp && p.tok.text == op }

// accept advances past keyword kw when it is the current token.
func (p *parser) accept(kw string) (bool, error) {
	if !p.is(kw) {
		return false, nil
	}
	return true, p.advance()
}

func (p *parser) acceptOp(op string) (bool, error) {
	if !p.isOp(op) {
		return false, nil
	}
	return true, p.advance()
}

// expect advances past keyword kw or fails naming what was found.
func (p *parser) expect(kw string) error {
	if !p.is(kw) {
		return syntaxErr(p.tok.pos, "expected %s, found %s", kw, p.describe())
	}
	return p.advance()
}

func (p *parser) expectOp(op string) error {
	if !p.isOp(op) {
		return syntaxErr(p.tok.pos, "expected %q, found %s", op, p.describe())
	}
	return p.advance()
}

// describe names the current token for a message.
func (p *parser) describe() string {
	switch p.tok.kind {
	case tEOF:
		return "the end of the query"
	case tString:
		return "string '" + p.tok.text + "'"
	case tQIdent:
		return "name \"" + p.tok.text + "\""
	case tNumber:
		return "number " + p.tok.text
	}
	return strconvQuote(p.tok.text)
}

func strconvQuote(s string) string { return strconv.Quote(s) }

// reserved are the keywords that cannot be a bare alias or a column name.
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true,
	"LIMIT": true, "OFFSET": true, "UNION": true, "INTERSECT": true, "EXCEPT": true, "AND": true,
	"OR": true, "NOT": true, "AS": true, "ON": true, "JOIN": true, "INNER": true, "LEFT": true,
	"RIGHT": true, "FULL": true, "CROSS": true, "NATURAL": true, "USING": true, "WINDOW": true,
	"QUALIFY": true, "BETWEEN": true, "IN": true, "LIKE": true, "ILIKE": true, "IS": true,
	"NULL": true, "TRUE": true, "FALSE": true, "CASE": true, "WHEN": true, "THEN": true,
	"ELSE": true, "END": true, "DISTINCT": true, "ALL": true, "BY": true, "ASC": true,
	"DESC": true, "WITH": true, "CAST": true, "SIMILAR": true, "GLOB": true, "ANY": true,
	"SOME": true, "EXISTS": true, "LATERAL": true, "POSITIONAL": true, "ASOF": true,
	"ANTI": true, "SEMI": true, "SAMPLE": true, "TABLESAMPLE": true, "FETCH": true,
	"RETURNING": true, "NULLS": true, "ESCAPE": true, "FILTER": true, "OVER": true,
}

func (p *parser) isReserved() bool {
	return p.tok.kind == tIdent && reserved[strings.ToUpper(p.tok.text)]
}

// statementKeywords are statements other than SELECT.
var statementKeywords = []string{"INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "COPY",
	"ATTACH", "DETACH", "PRAGMA", "SET", "INSTALL", "LOAD", "EXPORT", "IMPORT", "CALL", "DESCRIBE",
	"SHOW", "SUMMARIZE", "EXPLAIN", "PIVOT", "UNPIVOT", "VALUES", "TABLE", "MERGE", "USE", "BEGIN",
	"COMMIT", "ROLLBACK", "CHECKPOINT", "VACUUM", "ANALYZE"}

func (p *parser) parse() (*Query, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	switch {
	case p.is("WITH"):
		return nil, unsupported(p.tok.pos, "WITH (common table expressions)")
	case p.is("FROM"):
		return nil, unsupported(p.tok.pos, "FROM-first queries: write SELECT ... FROM 'PATH'")
	case p.isOp("("):
		return nil, unsupported(p.tok.pos, "a parenthesised query")
	case p.tok.kind == tEOF:
		return nil, syntaxErr(p.tok.pos, "empty query: expected SELECT")
	}
	for _, kw := range statementKeywords {
		if p.is(kw) {
			return nil, unsupported(p.tok.pos, "%s statements: only SELECT queries run", strings.ToUpper(kw))
		}
	}
	if err := p.expect("SELECT"); err != nil {
		return nil, err
	}
	q := &Query{Limit: -1}
	var err error
	if q.Distinct, err = p.accept("DISTINCT"); err != nil {
		return nil, err
	}
	if p.is("ON") {
		return nil, unsupported(p.tok.pos, "DISTINCT ON")
	}
	if !q.Distinct {
		if _, err := p.accept("ALL"); err != nil {
			return nil, err
		}
	}
	if q.Items, err = p.selectList(); err != nil {
		return nil, err
	}
	if err := p.from(q); err != nil {
		return nil, err
	}
	if q.Where, err = p.clauseExpr("WHERE"); err != nil {
		return nil, err
	}
	if p.is("GROUP") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.expect("BY"); err != nil {
			return nil, err
		}
		for _, kw := range []string{"ALL", "CUBE", "ROLLUP", "GROUPING"} {
			if p.is(kw) {
				return nil, unsupported(p.tok.pos, "GROUP BY %s", strings.ToUpper(kw))
			}
		}
		if q.GroupBy, err = p.exprList(); err != nil {
			return nil, err
		}
	}
	if q.Having, err = p.clauseExpr("HAVING"); err != nil {
		return nil, err
	}
	if p.is("WINDOW") || p.is("QUALIFY") {
		return nil, unsupported(p.tok.pos, "%s (window functions)", strings.ToUpper(p.tok.text))
	}
	if p.is("USING") || p.is("TABLESAMPLE") {
		return nil, unsupported(p.tok.pos, "sampling")
	}
	if err := p.setOp(); err != nil {
		return nil, err
	}
	if p.is("ORDER") {
		if q.OrderBy, err = p.orderBy(); err != nil {
			return nil, err
		}
	}
	if ok, err := p.accept("LIMIT"); err != nil {
		return nil, err
	} else if ok {
		q.LimitPos = p.tok.pos
		if p.tok.kind != tNumber {
			if p.is("ALL") || p.tok.kind == tIdent || p.isOp("(") {
				return nil, unsupported(p.tok.pos, "LIMIT with anything but a whole number")
			}
			return nil, syntaxErr(p.tok.pos, "expected a number after LIMIT, found %s", p.describe())
		}
		n, perr := strconv.ParseInt(p.tok.text, 10, 64)
		if perr != nil || n < 0 {
			if strings.ContainsAny(p.tok.text, ".eE%") {
				return nil, unsupported(p.tok.pos, "LIMIT %s: only a whole number of rows", p.tok.text)
			}
			return nil, syntaxErr(p.tok.pos, "LIMIT %s: not a row count", p.tok.text)
		}
		q.Limit = n
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.isOp("%") {
			return nil, unsupported(p.tok.pos, "LIMIT as a percentage")
		}
	}
	if p.is("OFFSET") {
		return nil, unsupported(p.tok.pos, "OFFSET")
	}
	if err := p.setOp(); err != nil {
		return nil, err
	}
	if _, err := p.acceptOp(";"); err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		if p.is("SELECT") {
			return nil, unsupported(p.tok.pos, "several statements: run one query at a time")
		}
		return nil, syntaxErr(p.tok.pos, "unexpected %s", p.describe())
	}
	return q, nil
}

// setOp refuses UNION, INTERSECT and EXCEPT.
func (p *parser) setOp() error {
	for _, kw := range []string{"UNION", "INTERSECT", "EXCEPT"} {
		if p.is(kw) {
			return unsupported(p.tok.pos, "%s (set operations)", kw)
		}
	}
	return nil
}

func (p *parser) selectList() ([]SelectItem, error) {
	var items []SelectItem
	for {
		if p.is("FROM") || p.tok.kind == tEOF {
			return nil, syntaxErr(p.tok.pos, "expected a select item, found %s", p.describe())
		}
		it := SelectItem{At: p.tok.pos}
		if p.isOp("*") {
			it.Star = true
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.is("EXCLUDE") || p.is("REPLACE") || p.is("RENAME") {
				return nil, unsupported(p.tok.pos, "* %s", strings.ToUpper(p.tok.text))
			}
		} else {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			it.Expr = e
			if it.Alias, err = p.alias(); err != nil {
				return nil, err
			}
		}
		items = append(items, it)
		if ok, err := p.acceptOp(","); err != nil || !ok {
			return items, err
		}
	}
}

// alias reads [AS] name after a select item or the FROM location.
func (p *parser) alias() (string, error) {
	as, err := p.accept("AS")
	if err != nil {
		return "", err
	}
	switch {
	case p.tok.kind == tQIdent, p.tok.kind == tIdent && !p.isReserved():
		name := p.tok.text
		return name, p.advance()
	case as && p.tok.kind == tString:
		name := p.tok.text
		return name, p.advance()
	case as:
		return "", syntaxErr(p.tok.pos, "expected a name after AS, found %s", p.describe())
	}
	return "", nil
}

// joinKeywords start a join after the FROM item.
var joinKeywords = []string{"JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL", "POSITIONAL", "ASOF", "ANTI", "SEMI", "LATERAL", "OUTER"}

func (p *parser) from(q *Query) error {
	if !p.is("FROM") {
		if p.tok.kind == tEOF {
			return syntaxErr(p.tok.pos, "expected FROM 'PATH'")
		}
		return syntaxErr(p.tok.pos, "expected FROM or a comma, found %s", p.describe())
	}
	if err := p.advance(); err != nil {
		return err
	}
	q.FromPos = p.tok.pos
	switch {
	case p.tok.kind == tString:
		q.From = p.tok.text
		if q.From == "" {
			return syntaxErr(p.tok.pos, "FROM '': an empty location")
		}
	case p.isOp("("):
		return unsupported(p.tok.pos, "subqueries (a query in FROM)")
	case p.isOp("["):
		return unsupported(p.tok.pos, "a list of locations in FROM: name a directory or prefix instead")
	case p.tok.kind == tIdent || p.tok.kind == tQIdent:
		name := p.tok.text
		if nx, err := p.lookahead(); err != nil {
			return err
		} else if nx.kind == tOp && nx.text == "(" {
			if fn, ok := tableFuncs[strings.ToLower(name)]; ok && p.tok.kind == tIdent {
				if err := p.tableFunc(q, fn); err != nil {
					return err
				}
				break
			}
			return unsupported(p.tok.pos, "table function %s(...): FROM takes a quoted location, FROM 'PATH', or read_csv, read_csv_auto, read_parquet, read_json_auto or read_ndjson of one", name)
		}
		return unsupported(p.tok.pos, "table %s: FROM takes a quoted location, FROM 'PATH'", name)
	default:
		return syntaxErr(p.tok.pos, "expected a quoted location after FROM, found %s", p.describe())
	}
	if q.FromFunc == "" {
		if err := p.advance(); err != nil {
			return err
		}
	}
	var err error
	if q.FromAlias, err = p.alias(); err != nil {
		return err
	}
	if p.isOp("(") && q.FromAlias != "" {
		return unsupported(p.tok.pos, "column aliases on the FROM item")
	}
	if p.isOp(",") {
		return unsupported(p.tok.pos, "joins (a second FROM item)")
	}
	for _, kw := range joinKeywords {
		if p.is(kw) {
			return unsupported(p.tok.pos, "joins (%s)", strings.ToUpper(p.tok.text))
		}
	}
	if p.is("TABLESAMPLE") || p.is("USING") {
		return unsupported(p.tok.pos, "sampling")
	}
	return nil
}

func (p *parser) orderBy() ([]OrderItem, error) {
	if err := p.advance(); err != nil { // ORDER
		return nil, err
	}
	if err := p.expect("BY"); err != nil {
		return nil, err
	}
	if p.is("ALL") {
		return nil, unsupported(p.tok.pos, "ORDER BY ALL")
	}
	var items []OrderItem
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		it := OrderItem{Expr: e}
		if ok, err := p.accept("DESC"); err != nil {
			return nil, err
		} else if ok {
			it.Desc = true
		} else if _, err := p.accept("ASC"); err != nil {
			return nil, err
		}
		if ok, err := p.accept("NULLS"); err != nil {
			return nil, err
		} else if ok {
			switch {
			case p.is("FIRST"):
				it.NullsFirst = true
			case p.is("LAST"):
			default:
				return nil, syntaxErr(p.tok.pos, "expected FIRST or LAST after NULLS, found %s", p.describe())
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		items = append(items, it)
		if ok, err := p.acceptOp(","); err != nil || !ok {
			return items, err
		}
	}
}

func (p *parser) exprList() ([]Expr, error) {
	var list []Expr
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		if ok, err := p.acceptOp(","); err != nil || !ok {
			return list, err
		}
	}
}

// maxDepth bounds the nesting of expressions, so that a hostile query
// cannot exhaust the stack.
const maxDepth = 200

func (p *parser) expr() (Expr, error) { return p.or(0) }

// clauseExpr parses an optional clause of keyword kw and an expression
// (WHERE, HAVING): nil when the current token is not kw.
func (p *parser) clauseExpr(kw string) (Expr, error) {
	ok, err := p.accept(kw)
	if err != nil || !ok {
		return nil, err
	}
	return p.expr()
}

func (p *parser) or(depth int) (Expr, error) {
	if depth > maxDepth {
		return nil, syntaxErr(p.tok.pos, "expression nested deeper than %d levels", maxDepth)
	}
	return p.leftAssoc(depth, p.and, p.keyword("OR"))
}

func (p *parser) and(depth int) (Expr, error) {
	return p.leftAssoc(depth, p.not, p.keyword("AND"))
}

// leftAssoc parses one level of left-associative binary operators, operand
// (OP operand)*, op reporting whether the current token is one of the
// level's and which.
func (p *parser) leftAssoc(depth int, operand func(int) (Expr, error), op func() (string, bool)) (Expr, error) {
	l, err := operand(depth)
	if err != nil {
		return nil, err
	}
	for {
		o, ok := op()
		if !ok {
			return l, nil
		}
		at := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := operand(depth)
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: o, L: l, R: r, At: at}
	}
}

// keyword is the op of a leftAssoc level of one keyword (OR, AND).
func (p *parser) keyword(kw string) func() (string, bool) {
	return func() (string, bool) { return kw, p.is(kw) }
}

// operators is the op of a leftAssoc level of operators.
func (p *parser) operators(ops ...string) func() (string, bool) {
	return func() (string, bool) {
		for _, o := range ops {
			if p.isOp(o) {
				return o, true
			}
		}
		return "", false
	}
}

func (p *parser) not(depth int) (Expr, error) {
	if p.is("NOT") {
		at := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.is("EXISTS") {
			return nil, unsupported(p.tok.pos, "EXISTS (subqueries)")
		}
		x, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Not{X: x, At: at}, nil
	}
	return p.predicate(depth)
}

var comparisons = map[string]string{"=": "=", "==": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

func (p *parser) predicate(depth int) (Expr, error) {
	l, err := p.additive(depth)
	if err != nil {
		return nil, err
	}
	for {
		at := p.tok.pos
		if p.tok.kind == tOp {
			op, ok := comparisons[p.tok.text]
			if !ok {
				return l, nil
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.is("ANY") || p.is("ALL") || p.is("SOME") {
				return nil, unsupported(p.tok.pos, "%s (subquery comparisons)", strings.ToUpper(p.tok.text))
			}
			r, err := p.additive(depth)
			if err != nil {
				return nil, err
			}
			l = &Binary{Op: op, L: l, R: r, At: at}
			continue
		}
		if p.is("IS") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			neg, err := p.accept("NOT")
			if err != nil {
				return nil, err
			}
			switch {
			case p.is("NULL"):
			case p.is("DISTINCT"):
				return nil, unsupported(p.tok.pos, "IS [NOT] DISTINCT FROM")
			case p.is("TRUE") || p.is("FALSE"):
				return nil, unsupported(p.tok.pos, "IS [NOT] %s", strings.ToUpper(p.tok.text))
			default:
				return nil, syntaxErr(p.tok.pos, "expected NULL after IS, found %s", p.describe())
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			l = &IsNull{X: l, Neg: neg, At: at}
			continue
		}
		if p.is("ISNULL") || p.is("NOTNULL") {
			return nil, unsupported(p.tok.pos, "%s: write IS [NOT] NULL", strings.ToUpper(p.tok.text))
		}
		neg := false
		if p.is("NOT") {
			nx, err := p.lookahead()
			if err != nil {
				return nil, err
			}
			if nx.kind != tIdent || !slices.Contains([]string{"BETWEEN", "IN", "LIKE", "ILIKE", "SIMILAR", "GLOB"}, strings.ToUpper(nx.text)) {
				return l, nil
			}
			neg = true
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		switch {
		case p.is("BETWEEN"):
			if err := p.advance(); err != nil {
				return nil, err
			}
			lo, err := p.additive(depth)
			if err != nil {
				return nil, err
			}
			if err := p.expect("AND"); err != nil {
				return nil, err
			}
			hi, err := p.additive(depth)
			if err != nil {
				return nil, err
			}
			l = &Between{X: l, Lo: lo, Hi: hi, Neg: neg, At: at}
		case p.is("IN"):
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !p.isOp("(") {
				return nil, syntaxErr(p.tok.pos, "expected ( after IN, found %s", p.describe())
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.is("SELECT") || p.is("WITH") {
				return nil, unsupported(p.tok.pos, "subqueries (IN (SELECT ...))")
			}
			list, err := p.exprList()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			l = &In{X: l, List: list, Neg: neg, At: at}
		case p.is("LIKE"):
			if err := p.advance(); err != nil {
				return nil, err
			}
			pat, err := p.additive(depth)
			if err != nil {
				return nil, err
			}
			if p.is("ESCAPE") {
				return nil, unsupported(p.tok.pos, "LIKE ... ESCAPE")
			}
			l = &Like{X: l, Pattern: pat, Neg: neg, At: at}
		case p.is("ILIKE") || p.is("SIMILAR") || p.is("GLOB") || p.is("REGEXP") || p.is("RLIKE"):
			return nil, unsupported(p.tok.pos, "%s (only LIKE)", strings.ToUpper(p.tok.text))
		default:
			return l, nil
		}
	}
}

func (p *parser) additive(depth int) (Expr, error) {
	l, err := p.leftAssoc(depth, p.multiplicative, p.operators("+", "-"))
	if err == nil && p.isOp("||") {
		return nil, unsupported(p.tok.pos, "string concatenation ||")
	}
	return l, err
}

func (p *parser) multiplicative(depth int) (Expr, error) {
	return p.leftAssoc(depth, p.unary, p.operators("*", "/", "//", "%"))
}

func (p *parser) unary(depth int) (Expr, error) {
	if depth > maxDepth {
		return nil, syntaxErr(p.tok.pos, "expression nested deeper than %d levels", maxDepth)
	}
	if p.isOp("-") || p.isOp("+") {
		op, at := p.tok.text, p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Unary{Op: op, X: x, At: at}, nil
	}
	x, err := p.primary(depth)
	if err != nil {
		return nil, err
	}
	for p.isOp("::") {
		at := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		t, name, err := p.typeName()
		if err != nil {
			return nil, err
		}
		x = &Cast{X: x, Type: t, TypeName: name, At: at}
	}
	if p.isOp("[") {
		return nil, unsupported(p.tok.pos, "subscripts and slices")
	}
	return x, nil
}

func (p *parser) primary(depth int) (Expr, error) {
	t := p.tok
	switch t.kind {
	case tNumber:
		if _, ok := parseNumberLiteral(t.text); !ok {
			return nil, syntaxErr(t.pos, "malformed number %q", t.text)
		}
		return &Literal{Kind: LitNumber, Text: t.text, At: t.pos}, p.advance()
	case tString:
		return &Literal{Kind: LitString, Text: t.text, At: t.pos}, p.advance()
	case tQIdent:
		return p.name()
	case tOp:
		switch t.text {
		case "(":
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.is("SELECT") || p.is("WITH") {
				return nil, unsupported(p.tok.pos, "subqueries")
			}
			x, err := p.or(depth + 1)
			if err != nil {
				return nil, err
			}
			if p.isOp(",") {
				return nil, unsupported(p.tok.pos, "row values (a, b)")
			}
			return x, p.expectOp(")")
		case "[":
			return nil, unsupported(t.pos, "list literals")
		case "{":
			return nil, unsupported(t.pos, "struct literals")
		case "?", "$":
			return nil, unsupported(t.pos, "parameters")
		case "*":
			return nil, syntaxErr(t.pos, "* is only a select item or count(*)")
		}
		return nil, syntaxErr(t.pos, "expected an expression, found %s", p.describe())
	case tEOF:
		return nil, syntaxErr(t.pos, "expected an expression, found the end of the query")
	}
	// A bare word.
	switch strings.ToUpper(t.text) {
	case "NULL":
		return &Literal{Kind: LitNull, Text: "NULL", At: t.pos}, p.advance()
	case "TRUE", "FALSE":
		return &Literal{Kind: LitBool, Text: strings.ToUpper(t.text), At: t.pos}, p.advance()
	case "DATE":
		if lit, err := p.typedLiteral(LitDate, "a date (want YYYY-MM-DD)"); lit != nil || err != nil {
			return lit, err
		}
	case "TIMESTAMP", "DATETIME":
		if lit, err := p.typedLiteral(LitTimestamp, "a timestamp (want YYYY-MM-DD HH:MM:SS[.ffffff])"); lit != nil || err != nil {
			return lit, err
		}
	case "INTERVAL":
		// DuckDB's DATE ± INTERVAL is a TIMESTAMP; a date range says the
		// same in days with DATE ± BIGINT, a DATE in both dialects.
		return nil, unsupported(t.pos, "INTERVAL values (for a range of days, subtract a number of days from a date: DATE '2021-01-01' - 30)")
	case "TIME", "TIMESTAMPTZ":
		return nil, unsupported(t.pos, "%s values", strings.ToUpper(t.text))
	case "CAST", "TRY_CAST":
		return p.cast()
	case "CASE":
		return nil, unsupported(t.pos, "CASE expressions")
	case "EXISTS":
		return nil, unsupported(t.pos, "EXISTS (subqueries)")
	case "COLUMNS":
		return nil, unsupported(t.pos, "COLUMNS(...)")
	}
	if p.isReserved() {
		return nil, syntaxErr(t.pos, "expected an expression, found keyword %s", strings.ToUpper(t.text))
	}
	return p.name()
}

// typedLiteral reads TYPE 'text' (DATE, TIMESTAMP), the current token
// being the type's name: a literal of kind, or a type error naming what the
// text is not; nil when no string follows (the word is a name).
func (p *parser) typedLiteral(kind LitKind, what string) (Expr, error) {
	t := p.tok
	nx, err := p.lookahead()
	if err != nil || nx.kind != tString {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	ok := false
	if kind == LitDate {
		_, ok = parseDate([]byte(nx.text))
	} else {
		_, ok = parseTimestamp([]byte(nx.text))
	}
	if !ok {
		return nil, typeErr(nx.pos, "%s '%s' is not %s", strings.ToUpper(t.text), nx.text, what)
	}
	return &Literal{Kind: kind, Text: nx.text, At: t.pos}, p.advance()
}

// name reads a column reference (name or alias.name) or a function call.
func (p *parser) name() (Expr, error) {
	t := p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.isOp("(") && t.kind == tIdent {
		return p.call(t)
	}
	if p.isOp(".") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.isOp("*") {
			return nil, unsupported(p.tok.pos, "qualified star %s.*", t.text)
		}
		if p.tok.kind != tIdent && p.tok.kind != tQIdent {
			return nil, syntaxErr(p.tok.pos, "expected a column name after %s., found %s", t.text, p.describe())
		}
		col := p.tok
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.isOp("(") {
			return nil, unsupported(col.pos, "method-call syntax %s.%s(...)", t.text, col.text)
		}
		if p.isOp(".") {
			return nil, unsupported(p.tok.pos, "struct field access")
		}
		return &ColumnRef{Table: t.text, Name: col.text, At: t.pos}, nil
	}
	return &ColumnRef{Name: t.text, At: t.pos}, nil
}

func (p *parser) call(name token) (Expr, error) {
	c := &Call{Name: strings.ToLower(name.text), At: name.pos}
	if err := p.advance(); err != nil { // (
		return nil, err
	}
	if p.isOp("*") {
		if c.Name != "count" {
			return nil, syntaxErr(p.tok.pos, "%s(*): only count takes *", c.Name)
		}
		c.Star = true
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return c, p.afterCall()
	}
	var err error
	if c.Distinct, err = p.accept("DISTINCT"); err != nil {
		return nil, err
	}
	if !c.Distinct {
		if _, err := p.accept("ALL"); err != nil {
			return nil, err
		}
	}
	if !p.isOp(")") {
		if p.is("SELECT") {
			return nil, unsupported(p.tok.pos, "subqueries")
		}
		if c.Args, err = p.exprList(); err != nil {
			return nil, err
		}
	}
	if p.is("ORDER") {
		return nil, unsupported(p.tok.pos, "ORDER BY inside an aggregate")
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return c, p.afterCall()
}

// afterCall refuses what may follow a call in DuckDB but not here.
func (p *parser) afterCall() error {
	switch {
	case p.is("OVER"):
		return unsupported(p.tok.pos, "window functions (OVER)")
	case p.is("FILTER"):
		return unsupported(p.tok.pos, "aggregate FILTER clauses")
	case p.is("WITHIN"):
		return unsupported(p.tok.pos, "WITHIN GROUP")
	}
	return nil
}

func (p *parser) cast() (Expr, error) {
	at := p.tok.pos
	if strings.EqualFold(p.tok.text, "TRY_CAST") {
		return nil, unsupported(at, "TRY_CAST")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	x, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.expect("AS"); err != nil {
		return nil, err
	}
	t, name, err := p.typeName()
	if err != nil {
		return nil, err
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return &Cast{X: x, Type: t, TypeName: name, At: at}, nil
}

// typeName reads a type: NAME or DECIMAL(w[, s]). It returns the type and
// DuckDB's name for it as written (duckTypeName).
func (p *parser) typeName() (Type, string, error) {
	if p.tok.kind != tIdent {
		return Type{}, "", syntaxErr(p.tok.pos, "expected a type name, found %s", p.describe())
	}
	name, at := p.tok.text, p.tok.pos
	if err := p.advance(); err != nil {
		return Type{}, "", err
	}
	if strings.EqualFold(name, "DOUBLE") && p.is("PRECISION") {
		if err := p.advance(); err != nil {
			return Type{}, "", err
		}
	}
	var params []int
	if p.isOp("(") {
		if err := p.advance(); err != nil {
			return Type{}, "", err
		}
		for {
			if p.tok.kind != tNumber {
				return Type{}, "", syntaxErr(p.tok.pos, "expected a number in %s(...), found %s", name, p.describe())
			}
			n, err := strconv.Atoi(p.tok.text)
			if err != nil {
				return Type{}, "", syntaxErr(p.tok.pos, "%s(%s): not a whole number", name, p.tok.text)
			}
			params = append(params, n)
			if err := p.advance(); err != nil {
				return Type{}, "", err
			}
			if ok, err := p.acceptOp(","); err != nil {
				return Type{}, "", err
			} else if !ok {
				break
			}
		}
		if err := p.expectOp(")"); err != nil {
			return Type{}, "", err
		}
	}
	if p.isOp("[") {
		return Type{}, "", unsupported(p.tok.pos, "list types")
	}
	t, err := lookupType(name, params, at)
	return t, duckTypeName(name, params), err
}
