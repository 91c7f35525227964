package sql

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of query errors; every *Error wraps one, so callers can test
// with errors.Is.
var (
	// ErrSyntax: the text is not SQL (a misspelt keyword, an unclosed string,
	// a missing operand).
	ErrSyntax = errors.New("syntax error")
	// ErrUnsupported: valid SQL (DuckDB would run it) that this subset does
	// not: a join, a subquery, a window, a function outside the list.
	ErrUnsupported = errors.New("not supported")
	// ErrType: an operation on values of types it does not take, such as
	// sum over a VARCHAR column or lower of a number.
	ErrType = errors.New("type error")
	// ErrName: a column that is not in the input, or not allowed where it is
	// used (outside GROUP BY in an aggregate query).
	ErrName = errors.New("name error")
)

// Error is an error in a query: its kind (one of the Err* values above), the
// byte offset it points at and what is wrong. Its message gives the line
// and column (1-based, in characters) when the query is known.
type Error struct {
	Kind error
	Pos  int
	Msg  string

	query string
}

func (e *Error) Error() string {
	where := ""
	if e.query != "" || e.Pos > 0 {
		line, col := lineCol(e.query, e.Pos)
		where = fmt.Sprintf(" at line %d, column %d", line, col)
		if line == 1 {
			where = fmt.Sprintf(" at column %d", col)
		}
	}
	return fmt.Sprintf("sql: %s%s: %s", e.Kind, where, e.Msg)
}

// Unwrap returns the error's kind.
func (e *Error) Unwrap() error { return e.Kind }

// lineCol returns the 1-based line and column (in characters) of offset pos in q.
func lineCol(q string, pos int) (line, col int) {
	pos = min(pos, len(q))
	line = 1 + strings.Count(q[:pos], "\n")
	start := strings.LastIndexByte(q[:pos], '\n') + 1
	return line, 1 + len([]rune(q[start:pos]))
}

func syntaxErr(pos int, format string, args ...any) *Error {
	return &Error{Kind: ErrSyntax, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func unsupported(pos int, format string, args ...any) *Error {
	return &Error{Kind: ErrUnsupported, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func typeErr(pos int, format string, args ...any) *Error {
	return &Error{Kind: ErrType, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func nameErr(pos int, format string, args ...any) *Error {
	return &Error{Kind: ErrName, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// withQuery sets the query text of err when it is an *Error, for its position.
func withQuery(err error, q string) error {
	var e *Error
	if errors.As(err, &e) {
		e.query = q
	}
	return err
}
