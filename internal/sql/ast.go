package sql

import (
	"strconv"
	"strings"

	"github.com/scattergather/scattergather/internal/colname"
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
	LitTimestamp
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

// Cast is CAST(X AS Type) or X::Type; TypeName is DuckDB's name for the
// type as written (CAST(x AS INT) is CAST(x AS INTEGER) in DuckDB's name).
type Cast struct {
	X        Expr
	Type     Type
	TypeName string
	At       int
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

func (e *Literal) String() string { return text(e, duckName) }

// literalText writes a literal as SQL.
func literalText(e *Literal) string {
	switch e.Kind {
	case LitNull:
		return "NULL"
	case LitString:
		return "'" + strings.ReplaceAll(e.Text, "'", "''") + "'"
	case LitDate:
		return "CAST('" + e.Text + "' AS DATE)"
	case LitTimestamp:
		return "CAST('" + e.Text + "' AS TIMESTAMP)"
	case LitBool:
		return strings.ToLower(e.Text)
	}
	return e.Text
}

func (e *Unary) String() string   { return text(e, duckName) }
func (e *Binary) String() string  { return text(e, duckName) }
func (e *Not) String() string     { return text(e, duckName) }
func (e *IsNull) String() string  { return text(e, duckName) }
func (e *Between) String() string { return text(e, duckName) }
func (e *In) String() string      { return text(e, duckName) }
func (e *Like) String() string    { return text(e, duckName) }
func (e *Call) String() string    { return text(e, duckName) }
func (e *Cast) String() string    { return text(e, duckName) }

// SQL writes an expression back as SQL that parses to the same expression
// (String is DuckDB's name for it, which need not parse).
func SQL(e Expr) string { return text(e, asSQL) }

// notation is a way text writes an expression back.
type notation uint8

const (
	duckName notation = iota // as DuckDB names an unaliased select item (String)
	asSQL                    // as SQL that parses to the same expression (SQL)
	// asKey is asSQL with each column reference as "col:" and its name folded (colname.Fold),
	// without its table: the text by which an expression is matched with a GROUP BY
	// expression or another aggregate call (exprKey).
	asKey
)

// text writes e back in notation n. The notations differ in column references, a
// negative number, LIKE and count(*); the rest is written alike.
func text(e Expr, n notation) string {
	sub := func(x Expr) string { return text(x, n) }
	list := func(xs []Expr) string { return textList(xs, n) }
	not := func(neg bool) string {
		if neg {
			return "NOT "
		}
		return ""
	}
	switch e := e.(type) {
	case *ColumnRef:
		switch {
		case n == duckName && e.Table != "":
			// Inside an expression, as DuckDB writes a column reference:
			// a keyword or a name that is not a plain word quoted, the
			// table kept ((t."order" + 1)); a select item that is a column
			// alone is named by ColumnRef.String, the name as it is.
			return duckQuoted(e.Table) + "." + duckQuoted(e.Name)
		case n == duckName:
			return duckQuoted(e.Name)
		case n == asKey:
			return "col:" + colname.Fold(e.Name)
		case e.Table != "":
			return sqlName(e.Table) + "." + sqlName(e.Name)
		}
		return sqlName(e.Name)
	case *Unary:
		if l, ok := e.X.(*Literal); ok && n == duckName && e.Op == "-" && l.Kind == LitNumber {
			return "-" + l.Text
		}
		return e.Op + "(" + sub(e.X) + ")"
	case *Binary:
		if n == duckName && e.Op == "<>" {
			return "(" + sub(e.L) + " != " + sub(e.R) + ")"
		}
		return "(" + sub(e.L) + " " + e.Op + " " + sub(e.R) + ")"
	case *Not:
		if y := duckNegation(e.X); n == duckName && y != nil {
			return sub(y)
		}
		return "(NOT " + sub(e.X) + ")"
	case *IsNull:
		return "(" + sub(e.X) + " IS " + not(e.Neg) + "NULL)"
	case *Between:
		if n == duckName && e.Neg {
			return "(NOT " + sub(&Between{X: e.X, Lo: e.Lo, Hi: e.Hi, At: e.At}) + ")"
		}
		return "(" + sub(e.X) + " " + not(e.Neg) + "BETWEEN " + sub(e.Lo) + " AND " + sub(e.Hi) + ")"
	case *In:
		return "(" + sub(e.X) + " " + not(e.Neg) + "IN (" + list(e.List) + "))"
	case *Like:
		if n != duckName {
			return "(" + sub(e.X) + " " + not(e.Neg) + "LIKE " + sub(e.Pattern) + ")"
		}
		op := " ~~ "
		if e.Neg {
			op = " !~~ "
		}
		return "(" + sub(e.X) + op + sub(e.Pattern) + ")"
	case *Call:
		switch {
		case e.Star && n == duckName:
			return "count_star()"
		case e.Star:
			return "count(*)" // only count takes *
		}
		name := e.Name
		if n == duckName && duckKeywords[name] {
			name = `main."` + name + `"` // DuckDB's main."trim"(x), main."substring"(x, 1, 2)
		}
		if e.Distinct {
			return name + "(DISTINCT " + list(e.Args) + ")"
		}
		return name + "(" + list(e.Args) + ")"
	case *Cast:
		if n == duckName && e.TypeName != "" {
			return "CAST(" + sub(e.X) + " AS " + e.TypeName + ")"
		}
		return "CAST(" + sub(e.X) + " AS " + e.Type.String() + ")"
	case *Literal:
		switch {
		case n != duckName:
		case e.Kind == LitBool && e.Text == "TRUE":
			return "CAST('t' AS BOOLEAN)"
		case e.Kind == LitBool:
			return "CAST('f' AS BOOLEAN)"
		case e.Kind == LitDate:
			return "CAST('" + e.Text + `' AS "DATE")`
		case e.Kind == LitTimestamp:
			return "CAST('" + e.Text + "' AS TIMESTAMP)"
		}
		return literalText(e)
	}
	return e.String() // not reached: every kind of expression is written above
}

// duckNegation is NOT x as DuckDB names it when it names it otherwise: the
// opposite comparison (NOT a > 1 is (a <= 1)), NOT IN for IN, and so on
// inwards (NOT (NOT a > 1) is (a > 1)); nil when it names it (NOT x). As
// DuckDB's parser (transform_bool_expr.cpp) turns IN into NOT IN but
// leaves NOT of a NOT IN a NOT, NOT (a NOT IN (1)) is (NOT (a NOT IN (1))).
func duckNegation(x Expr) Expr {
	switch x := x.(type) {
	case *Binary:
		if op, ok := negatedCmp[x.Op]; ok {
			return &Binary{Op: op, L: x.L, R: x.R, At: x.At}
		}
	case *In:
		if !x.Neg {
			return &In{X: x.X, List: x.List, Neg: true, At: x.At}
		}
	case *Not:
		if y := duckNegation(x.X); y != nil {
			return duckNegation(y)
		}
	}
	return nil
}

// negatedCmp is the comparison that NOT of a comparison is.
var negatedCmp = map[string]string{"=": "!=", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}

// textList writes xs in notation n, separated by ", ".
func textList(xs []Expr, n notation) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = text(x, n)
	}
	return strings.Join(parts, ", ")
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
	// FromFunc is the table function FROM names over the location
	// (read_csv, read_csv_auto, read_parquet, read_json_auto, read_ndjson;
	// lower case), "" for FROM 'PATH'; FromDelim the CSV delimiter its
	// delim (or sep) option gives, one byte, "" when not given; FromHive
	// its hive_partitioning option, "true" or "false", "" when not given;
	// FromQuote and FromEscape its quote and escape options, one byte
	// each, "" when not given;
	// FromHiveTypes its hive_types (nil when not given), FromHiveAutocast
	// its hive_types_autocast ("true", "false" or "").
	FromFunc         string
	FromDelim        string
	FromQuote        string
	FromEscape       string
	FromHive         string
	FromHiveTypes    []HiveType
	FromHiveAutocast string
	Where            Expr
	GroupBy          []Expr
	Having           Expr
	OrderBy          []OrderItem
	Limit            int64 // -1 without LIMIT
	LimitPos         int
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
	b.WriteString(" FROM " + fromSQL(q))
	if q.FromAlias != "" {
		b.WriteString(" AS " + quoteName(q.FromAlias))
	}
	if q.Where != nil {
		b.WriteString(" WHERE " + SQL(q.Where))
	}
	if len(q.GroupBy) > 0 {
		b.WriteString(" GROUP BY " + textList(q.GroupBy, asSQL))
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
