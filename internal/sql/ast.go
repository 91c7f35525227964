package sql

import (
	"strconv"
	"strings"
)

// Expr is a parsed expression.
type Expr interface {
	// Pos is the byte offset of the expression's first token in the query.
	Pos() int
	// String is the expression as DuckDB names an unaliased select item.
	String() string
}

// ColumnRef names a column of the input, Table being the FROM alias it is
// qualified with, if any.
type ColumnRef struct {
	Table, Name string
	At          int
}

// LitKind is the kind of a literal.
type LitKind uint8

// The kinds of literals.
const (
	LitNull LitKind = iota + 1
	LitNumber
	LitString
	LitDate
	LitBool
)

// Literal is a constant: a number as written, a string's decoded text, a
// date's text ('1980-01-01'), NULL, TRUE or FALSE.
type Literal struct {
	Kind LitKind
	Text string
	At   int
}

// Unary is -X or +X.
type Unary struct {
	Op string
	X  Expr
	At int
}

// Binary is L Op R for the arithmetic operators + - * / // %, the
// comparisons = <> < <= > >= (!= and == are read as <> and =), AND and OR.
type Binary struct {
	Op   string
	L, R Expr
	At   int
}

// Not is NOT X.
type Not struct {
	X  Expr
	At int
}

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Neg bool
	At  int
}

// Between is X [NOT] BETWEEN Lo AND Hi.
type Between struct {
	X, Lo, Hi Expr
	Neg       bool
	At        int
}

// In is X [NOT] IN (List...).
type In struct {
	X    Expr
	List []Expr
	Neg  bool
	At   int
}

// Like is X [NOT] LIKE Pattern.
type Like struct {
	X, Pattern Expr
	Neg        bool
	At         int
}

// Call is a function call: Name(Args), Name(DISTINCT Args) or count(*).
type Call struct {
	Name     string // lower case
	Args     []Expr
	Distinct bool
	Star     bool
	At       int
}

// Cast is CAST(X AS Type) or X::Type.
type Cast struct {
	X    Expr
	Type Type
	At   int
}

// Pos implementations.
func (e *ColumnRef) Pos() int { return e.At }
func (e *Literal) Pos() int   { return e.At }
func (e *Unary) Pos() int     { return e.At }
func (e *Binary) Pos() int    { return e.At }
func (e *Not) Pos() int       { return e.At }
func (e *IsNull) Pos() int    { return e.At }
func (e *Between) Pos() int   { return e.At }
func (e *In) Pos() int        { return e.At }
func (e *Like) Pos() int      { return e.At }
func (e *Call) Pos() int      { return e.At }
func (e *Cast) Pos() int      { return e.At }

func (e *ColumnRef) String() string { return e.Name }

func (e *Literal) String() string {
	switch e.Kind {
	case LitNull:
		return "NULL"
	case LitString:
		return "'" + strings.ReplaceAll(e.Text, "'", "''") + "'"
	case LitDate:
		return "CAST('" + e.Text + "' AS DATE)"
	case LitBool:
		return strings.ToLower(e.Text)
	}
	return e.Text
}

func (e *Unary) String() string {
	if e.Op == "-" {
		if l, ok := e.X.(*Literal); ok && l.Kind == LitNumber {
			return "-" + l.Text
		}
	}
	return e.Op + "(" + e.X.String() + ")"
}

func (e *Binary) String() string {
	return "(" + e.L.String() + " " + e.Op + " " + e.R.String() + ")"
}

func (e *Not) String() string { return "(NOT " + e.X.String() + ")" }

func (e *IsNull) String() string {
	if e.Neg {
		return "(" + e.X.String() + " IS NOT NULL)"
	}
	return "(" + e.X.String() + " IS NULL)"
}

func (e *Between) String() string {
	not := ""
	if e.Neg {
		not = "NOT "
	}
	return "(" + e.X.String() + " " + not + "BETWEEN " + e.Lo.String() + " AND " + e.Hi.String() + ")"
}

func (e *In) String() string {
	parts := make([]string, len(e.List))
	for i, x := range e.List {
		parts[i] = x.String()
	}
	not := ""
	if e.Neg {
		not = "NOT "
	}
	return "(" + e.X.String() + " " + not + "IN (" + strings.Join(parts, ", ") + "))"
}

func (e *Like) String() string {
	op := " ~~ "
	if e.Neg {
		op = " !~~ "
	}
	return "(" + e.X.String() + op + e.Pattern.String() + ")"
}

func (e *Call) String() string {
	if e.Star {
		return "count_star()"
	}
	parts := make([]string, len(e.Args))
	for i, x := range e.Args {
		parts[i] = x.String()
	}
	d := ""
	if e.Distinct {
		d = "DISTINCT "
	}
	return e.Name + "(" + d + strings.Join(parts, ", ") + ")"
}

func (e *Cast) String() string { return "CAST(" + e.X.String() + " AS " + e.Type.String() + ")" }

// SQL writes an expression back as SQL that parses to the same expression
// (String is DuckDB's name for it, which need not parse).
func SQL(e Expr) string {
	switch e := e.(type) {
	case *ColumnRef:
		if e.Table != "" {
			return sqlName(e.Table) + "." + sqlName(e.Name)
		}
		return sqlName(e.Name)
	case *Unary:
		return e.Op + "(" + SQL(e.X) + ")"
	case *Binary:
		return "(" + SQL(e.L) + " " + e.Op + " " + SQL(e.R) + ")"
	case *Not:
		return "(NOT " + SQL(e.X) + ")"
	case *IsNull:
		if e.Neg {
			return "(" + SQL(e.X) + " IS NOT NULL)"
		}
		return "(" + SQL(e.X) + " IS NULL)"
	case *Between:
		not := ""
		if e.Neg {
			not = "NOT "
		}
		return "(" + SQL(e.X) + " " + not + "BETWEEN " + SQL(e.Lo) + " AND " + SQL(e.Hi) + ")"
	case *In:
		parts := make([]string, len(e.List))
		for i, x := range e.List {
			parts[i] = SQL(x)
		}
		not := ""
		if e.Neg {
			not = "NOT "
		}
		return "(" + SQL(e.X) + " " + not + "IN (" + strings.Join(parts, ", ") + "))"
	case *Like:
		not := ""
		if e.Neg {
			not = "NOT "
		}
		return "(" + SQL(e.X) + " " + not + "LIKE " + SQL(e.Pattern) + ")"
	case *Call:
		if e.Star {
			return "count(*)"
		}
		parts := make([]string, len(e.Args))
		for i, x := range e.Args {
			parts[i] = SQL(x)
		}
		d := ""
		if e.Distinct {
			d = "DISTINCT "
		}
		return e.Name + "(" + d + strings.Join(parts, ", ") + ")"
	case *Cast:
		return "CAST(" + SQL(e.X) + " AS " + e.Type.String() + ")"
	}
	return e.String()
}

// sqlName writes a name bare when it can be, else quoted.
func sqlName(n string) string {
	plain := n != "" && !reserved[strings.ToUpper(n)] && isIdentStart(n[0])
	for i := 0; plain && i < len(n); i++ {
		plain = isIdentByte(n[i]) && n[i] < 0x80
	}
	if plain {
		return n
	}
	return quoteName(n)
}

// SelectItem is one item of the select list: * or an expression with an
// optional alias.
type SelectItem struct {
	Star  bool
	Expr  Expr
	Alias string
	At    int
}

// OrderItem is one ORDER BY key.
type OrderItem struct {
	Expr Expr
	Desc bool
	// NullsFirst is DuckDB's default (false: NULLS LAST, whatever the direction)
	// unless the query says NULLS FIRST.
	NullsFirst bool
}

// Query is a parsed SELECT statement.
type Query struct {
	Distinct bool
	Items    []SelectItem
	// From is the location named in FROM 'PATH' (a file, a directory, or an
	// s3://bucket/key or s3://bucket/prefix/); FromAlias its alias, if any.
	From      string
	FromAlias string
	FromPos   int
	Where     Expr
	GroupBy   []Expr
	Having    Expr
	OrderBy   []OrderItem
	Limit     int64 // -1 without LIMIT
	LimitPos  int
}

// String writes the query back as SQL (normalised: upper-case keywords,
// parenthesised operations).
func (q *Query) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if q.Distinct {
		b.WriteString("DISTINCT ")
	}
	for i, it := range q.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		if it.Star {
			b.WriteString("*")
			continue
		}
		b.WriteString(SQL(it.Expr))
		if it.Alias != "" {
			b.WriteString(" AS " + quoteName(it.Alias))
		}
	}
	b.WriteString(" FROM '" + strings.ReplaceAll(q.From, "'", "''") + "'")
	if q.FromAlias != "" {
		b.WriteString(" AS " + quoteName(q.FromAlias))
	}
	if q.Where != nil {
		b.WriteString(" WHERE " + SQL(q.Where))
	}
	for i, g := range q.GroupBy {
		if i == 0 {
			b.WriteString(" GROUP BY ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(SQL(g))
	}
	if q.Having != nil {
		b.WriteString(" HAVING " + SQL(q.Having))
	}
	for i, o := range q.OrderBy {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(SQL(o.Expr))
		if o.Desc {
			b.WriteString(" DESC")
		}
		if o.NullsFirst {
			b.WriteString(" NULLS FIRST")
		}
	}
	if q.Limit >= 0 {
		b.WriteString(" LIMIT " + strconv.FormatInt(q.Limit, 10))
	}
	return b.String()
}

// quoteName returns a name as a "quoted" identifier.
func quoteName(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
