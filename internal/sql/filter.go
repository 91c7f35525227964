package sql

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
	b := &binder{schema: schema, colIdx: map[string]int{}, where: "WHERE"}
	w, err := b.bindCond(e, "WHERE")
	if err != nil {
		return nil, withQuery(err, text)
	}
	return &Plan{Query: q, Kind: Scan, Limit: -1, where: w, Columns: b.cols, ColumnTypes: b.colType}, nil
}
