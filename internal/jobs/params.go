package jobs

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/scattergather/scattergather/job"

	"github.com/scattergather/scattergather/internal/jobs/decimal"
)

// Formats of the tabular jobs.
const (
	formatCSV   = "csv"
	formatJSONL = "jsonl"
)

func parseFormat(p Params) (string, error) {
	switch v := p["format"]; v {
	case "", formatCSV:
		return formatCSV, nil
	case formatJSONL:
		return formatJSONL, nil
	default:
		return "", fmt.Errorf("--format must be csv or jsonl, not %q", v)
	}
}

// Comparison operators of --where.
type op uint8

const (
	opGT op = iota + 1
	opGE
	opLT
	opLE
	opEQ
	opNE
)

// Longest first, so that ">=" is not read as ">".
var operators = []struct {
	text string
	op   op
}{{">=", opGE}, {"<=", opLE}, {"==", opEQ}, {"!=", opNE}, {">", opGT}, {"<", opLT}}

// condition is a parsed --where 'COL OP VALUE' condition.
type condition struct {
	Column string

	op    op
	value []byte
	num   decimal.Dec
	isNum bool
	// numText compares a value with num from its digits.
	numText decimal.Const
}

// parseWhere parses 'COL OP VALUE': the operator is the first of > >= < <= ==
// != in the text (the longest at that position), COL and VALUE are trimmed of
// spaces, and VALUE loses one pair of surrounding single or double quotes.
func parseWhere(s string) (*condition, error) {
	at := strings.IndexAny(s, "<>=!")
	if at < 0 {
		return nil, fmt.Errorf("--where %q: want 'COLUMN OP VALUE' with OP one of > >= < <= == !=", s)
	}
	w := &condition{}
	var opText string
	for _, o := range operators {
		if strings.HasPrefix(s[at:], o.text) {
			opText, w.op = o.text, o.op
			break
		}
	}
	if w.op == 0 {
		return nil, fmt.Errorf("--where %q: unknown operator at %q (use > >= < <= == !=)", s, s[at:])
	}
	w.Column = strings.TrimSpace(s[:at])
	if w.Column == "" {
		return nil, fmt.Errorf("--where %q: no column before %s", s, opText)
	}
	v := strings.TrimSpace(s[at+len(opText):])
	if n := len(v); n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n-1] == v[0] {
		v = v[1 : n-1]
	}
	w.setValue([]byte(v))
	return w, nil
}

// setValue sets the condition's VALUE, and its number when it is one.
func (w *condition) setValue(v []byte) {
	w.value = v
	w.num, w.isNum = decimal.ParseText(v)
	w.numText = decimal.NewConst(w.num)
}

// match reports whether a value satisfies the condition: numerically when both
// the value and the condition's VALUE are numbers, byte-wise otherwise.
func (w *condition) match(v []byte) bool {
	c, ok := 0, false
	if w.isNum {
		c, ok = w.numText.CmpText(v)
	}
	if !ok {
		c = bytes.Compare(v, w.value)
	}
	return w.holds(c)
}

// holds reports whether a value that compares c (-1, 0, 1) with VALUE
// satisfies the condition.
func (w *condition) holds(c int) bool {
	switch w.op {
	case opGT:
		return c > 0
	case opGE:
		return c >= 0
	case opLT:
		return c < 0
	case opLE:
		return c <= 0
	case opEQ:
		return c == 0
	default:
		return c != 0
	}
}

// parseColumns splits a comma-separated list of column names, trimming spaces.
func parseColumns(flag, s string) ([]string, error) {
	var cols []string
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			return nil, fmt.Errorf("--%s %q: empty column name", flag, s)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// parseKey parses COL[:N]: when the text has a ":", what follows the last one
// must be a positive byte count.
func parseKey(s string) (col string, n int, err error) {
	s = strings.TrimSpace(s)
	col = s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		col = strings.TrimSpace(s[:i])
		num := strings.TrimSpace(s[i+1:])
		v, perr := strconv.Atoi(num)
		if perr != nil || v < 1 {
			return "", 0, fmt.Errorf("--key %q: N in COL:N must be a positive number of bytes, not %q", s, num)
		}
		n = v
	}
	if col == "" {
		return "", 0, fmt.Errorf("--key %q: no column", s)
	}
	return col, n, nil
}

// Aggregate functions of groupby.
type aggFunc uint8

const (
	aggCount aggFunc = iota + 1
	aggSum
	aggMin
	aggMax
	aggAvg
)

var aggNames = map[string]aggFunc{"count": aggCount, "sum": aggSum, "min": aggMin, "max": aggMax, "avg": aggAvg}

// aggSpec is one FUNC:COL of --agg.
type aggSpec struct {
	Func   string
	Column string
	fn     aggFunc
}

// Name is the output column name, FUNC_COL.
func (a aggSpec) Name() string { return a.Func + "_" + a.Column }

// parseAggs parses FUNC:COL[,FUNC:COL...]. count also accepts the column "*",
// which names no column.
func parseAggs(s string) ([]aggSpec, error) {
	var out []aggSpec
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		fn, col, ok := strings.Cut(part, ":")
		fn, col = strings.TrimSpace(fn), strings.TrimSpace(col)
		if !ok || fn == "" || col == "" {
			return nil, fmt.Errorf("--agg %q: want FUNC:COL[,FUNC:COL...], got %q", s, part)
		}
		f, known := aggNames[fn]
		if !known {
			return nil, fmt.Errorf("--agg %q: unknown function %q (use count, sum, min, max, avg)", s, fn)
		}
		if col == "*" && f != aggCount {
			return nil, fmt.Errorf("--agg %q: only count takes the column *", s)
		}
		out = append(out, aggSpec{Func: fn, Column: col, fn: f})
	}
	return out, nil
}

func parseK(s string) (int, error) {
	k, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || k < 1 {
		return 0, fmt.Errorf("--k must be a whole number >= 1, not %q", s)
	}
	return k, nil
}

// isWordSep reports the bytes that separate words: space \t \n \r \v \f.
var isWordSep = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\v': true, '\f': true}

// skip counts a malformed record, or returns it as an error under strict.
var skip = job.Skip

// columnParam is the line jobs' --column: the string column of a Parquet
// input whose values they read as lines (text inputs are read as lines
// whatever it says).
var columnParam = Param{Name: "column", Usage: "for a Parquet input: the string column whose values are the lines"}

// numericType reports whether a column of this type (as DuckDB names it)
// holds numbers.
func numericType(t string) bool {
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE":
		return true
	}
	return strings.HasPrefix(t, "DECIMAL")
}
