package sql

import (
	"path"
	"slices"
	"strings"

	"github.com/scattergather/scattergather/internal/codec"
	"github.com/scattergather/scattergather/record"
)

// tableFunc is a DuckDB table function FROM may name over a quoted
// location: read_csv('PATH', delim = ';') reads it as FROM 'PATH' does,
// with the job's CSV delimiter (job.DelimParam), quote and escape
// (job.QuoteParam, job.EscapeParam) given in the query.
type tableFunc struct {
	// name is the function's name, lower case.
	name string
	// csv: the function reads CSV and takes the delim (or sep), quote
	// and escape options.
	csv bool
	// refused are the extensions of locations the function does not read.
	refused []string
}

var (
	notParquet = []string{".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson"}
	notJSON    = []string{".csv", ".tsv", ".parquet"}
)

// tableFuncs are the table functions FROM takes, by name.
var tableFuncs = map[string]tableFunc{
	"read_csv":       {name: "read_csv", csv: true, refused: []string{".parquet"}},
	"read_csv_auto":  {name: "read_csv_auto", csv: true, refused: []string{".parquet"}},
	"read_parquet":   {name: "read_parquet", refused: notParquet},
	"read_json_auto": {name: "read_json_auto", refused: notJSON},
	"read_ndjson":    {name: "read_ndjson", refused: notJSON},
}

// tableFunc reads fn(LOC [, option = value]...) from the function's name,
// the current token, up to and past its closing parenthesis.
func (p *parser) tableFunc(q *Query, fn tableFunc) error {
	q.FromFunc = fn.name
	if err := p.advance(); err != nil { // the name
		return err
	}
	if err := p.advance(); err != nil { // (
		return err
	}
	q.FromPos = p.tok.pos
	switch {
	case p.isOp("["):
		return unsupported(p.tok.pos, "a list of locations in %s(...): name a directory or prefix instead", fn.name)
	case p.tok.kind != tString:
		return syntaxErr(p.tok.pos, "expected a quoted location in %s(...), found %s", fn.name, p.describe())
	case p.tok.text == "":
		return syntaxErr(p.tok.pos, "%s(''): an empty location", fn.name)
	}
	q.From = p.tok.text
	if ext := locationExt(q.From); ext != "" && slices.Contains(fn.refused, ext) {
		return unsupported(p.tok.pos, "%s over %s: a %s location is not read by %s", fn.name, quoteString(q.From), ext, fn.name)
	}
	if err := p.advance(); err != nil {
		return err
	}
	for !p.isOp(")") {
		if err := p.expectOp(","); err != nil {
			return err
		}
		if err := p.tableOption(q, fn); err != nil {
			return err
		}
	}
	if q.FromHive == "false" && len(q.FromHiveTypes) > 0 {
		return syntaxErr(p.tok.pos, "%s: cannot disable hive_partitioning when hive_types is enabled", fn.name)
	}
	return p.advance()
}

// tableOption reads one name = value option of a table function.
func (p *parser) tableOption(q *Query, fn tableFunc) error {
	if p.tok.kind != tIdent && p.tok.kind != tQIdent {
		return syntaxErr(p.tok.pos, "expected an option (name = value) in %s(...), found %s", fn.name, p.describe())
	}
	name, pos := strings.ToLower(p.tok.text), p.tok.pos
	switch name {
	case "hive_partitioning":
		return p.boolOption(&q.FromHive, name, fn)
	case "hive_types_autocast", "hive_type_autocast":
		return p.boolOption(&q.FromHiveAutocast, name, fn)
	case "hive_types", "hive_type":
		return p.hiveTypes(q, fn)
	}
	if fn.csv && (name == "quote" || name == "escape") {
		return p.quoteOption(q, name, fn)
	}
	if !fn.csv || (name != "delim" && name != "sep") {
		if fn.csv {
			return unsupported(pos, "%s option %s: the options taken are delim (or sep), quote, escape, hive_partitioning, hive_types and hive_types_autocast", fn.name, name)
		}
		return unsupported(pos, "%s option %s: the options taken are hive_partitioning, hive_types and hive_types_autocast", fn.name, name)
	}
	if q.FromDelim != "" {
		return syntaxErr(pos, "%s: the delimiter is given twice", fn.name)
	}
	if err := p.advance(); err != nil {
		return err
	}
	if err := p.expectOp("="); err != nil {
		return err
	}
	if p.tok.kind != tString {
		return syntaxErr(p.tok.pos, "expected a quoted delimiter after %s =, found %s", name, p.describe())
	}
	d, err := record.ParseDelim(p.tok.text)
	if err != nil {
		return unsupported(p.tok.pos, "%s %s: %v", fn.name, name, err)
	}
	q.FromDelim = string(d)
	if err := quoteNotDelim(q, fn); err != nil {
		return err
	}
	return p.advance()
}

// quoteOption reads quote = 'C' or escape = 'C' (name) into q.FromQuote
// or q.FromEscape: one byte, as DuckDB takes it (record.ParseQuoteChar).
func (p *parser) quoteOption(q *Query, name string, fn tableFunc) error {
	dst := &q.FromQuote
	if name == "escape" {
		dst = &q.FromEscape
	}
	if *dst != "" {
		return syntaxErr(p.tok.pos, "%s: %s is given twice", fn.name, name)
	}
	if err := p.advance(); err != nil {
		return err
	}
	if err := p.expectOp("="); err != nil {
		return err
	}
	if p.tok.kind != tString {
		return syntaxErr(p.tok.pos, "expected a quoted character after %s =, found %s", name, p.describe())
	}
	c, err := record.ParseQuoteChar(name, p.tok.text)
	if err != nil {
		return unsupported(p.tok.pos, "%s %s: %v", fn.name, name, err)
	}
	*dst = string(c)
	if err := quoteNotDelim(q, fn); err != nil {
		return err
	}
	return p.advance()
}

// quoteNotDelim refuses a query's quote or escape that is its delimiter,
// as DuckDB's binder does (record.CheckQuoteDelim).
func quoteNotDelim(q *Query, fn tableFunc) error {
	d := byte(',')
	if q.FromDelim != "" {
		d = q.FromDelim[0]
	}
	for _, o := range []struct{ name, c string }{{"quote", q.FromQuote}, {"escape", q.FromEscape}} {
		if o.c == "" {
			continue
		}
		if err := record.CheckQuoteDelim(o.name, o.c[0], d, q.FromDelim != ""); err != nil {
			return unsupported(q.FromPos, "%s: %v", fn.name, err)
		}
	}
	return nil
}

// boolOption reads name = BOOLEAN (true, false, 1, 0, or one quoted) into
// *dst: "true" or "false".
func (p *parser) boolOption(dst *string, name string, fn tableFunc) error {
	pos := p.tok.pos
	if *dst != "" {
		return syntaxErr(pos, "%s: %s is given twice", fn.name, name)
	}
	if err := p.advance(); err != nil {
		return err
	}
	if err := p.expectOp("="); err != nil {
		return err
	}
	switch v := strings.ToLower(p.tok.text); {
	case p.tok.kind == tIdent && v == "true", p.tok.kind == tNumber && v == "1", p.tok.kind == tString && v == "true":
		*dst = "true"
	case p.tok.kind == tIdent && v == "false", p.tok.kind == tNumber && v == "0", p.tok.kind == tString && v == "false":
		*dst = "false"
	default:
		return syntaxErr(p.tok.pos, "expected true or false after %s =, found %s", name, p.describe())
	}
	return p.advance()
}

// HiveType is a partition column's type that a query's hive_types option
// gives: the key as written (matched exactly, as DuckDB matches it) and
// the type's name, upper case.
type HiveType struct {
	Name, Type string
}

// hiveTypes reads hive_types = {'key': 'TYPE', key: 'TYPE', ...} into
// q.FromHiveTypes, as DuckDB's option takes it: a struct of type names,
// each one the dialect has (a type it lacks refused as a CAST to it is).
func (p *parser) hiveTypes(q *Query, fn tableFunc) error {
	pos := p.tok.pos
	if q.FromHiveTypes != nil {
		return syntaxErr(pos, "%s: hive_types is given twice", fn.name)
	}
	if err := p.advance(); err != nil {
		return err
	}
	if err := p.expectOp("="); err != nil {
		return err
	}
	if !p.isOp("{") {
		return typeErr(p.tok.pos, "'hive_types' only accepts a STRUCT('name':VARCHAR, ...), but %s was provided", p.describe())
	}
	q.FromHiveTypes = []HiveType{}
	for first := true; first || p.isOp(","); first = false {
		if err := p.advance(); err != nil { // { or ,
			return err
		}
		if p.tok.kind != tString && p.tok.kind != tIdent && p.tok.kind != tQIdent {
			return syntaxErr(p.tok.pos, "expected a partition key in hive_types, found %s", p.describe())
		}
		key, keyPos := p.tok.text, p.tok.pos
		if slices.ContainsFunc(q.FromHiveTypes, func(h HiveType) bool { return h.Name == key }) {
			return syntaxErr(keyPos, "Duplicate struct entry name %q", key)
		}
		if err := p.advance(); err != nil {
			return err
		}
		if err := p.expectOp(":"); err != nil {
			return err
		}
		if p.tok.kind != tString {
			return typeErr(p.tok.pos, "hive_types: %s must be a VARCHAR, instead: %s was provided", key, p.describe())
		}
		if t, err := parseTypeText(p.tok.text); err != nil {
			return typeErr(p.tok.pos, "hive_types: %s: %v", key, err)
		} else if t.Kind == KInterval {
			// Partition values are not read as INTERVALs (yet).
			return unsupported(p.tok.pos, "hive_types: %s: type INTERVAL for a partition column", key)
		}
		q.FromHiveTypes = append(q.FromHiveTypes, HiveType{Name: key, Type: strings.ToUpper(strings.TrimSpace(p.tok.text))})
		if err := p.advance(); err != nil {
			return err
		}
	}
	return p.expectOp("}")
}

// locationExt is the extension of a location's name, lower case, without
// a compression suffix (.gz, .zst, ...); "" for a directory or prefix.
func locationExt(loc string) string {
	if strings.HasSuffix(loc, "/") {
		return ""
	}
	base := strings.ToLower(path.Base(loc))
	if codec.Of(base) != "" {
		base = strings.TrimSuffix(base, path.Ext(base))
	}
	return path.Ext(base)
}

// quoteString writes s as a string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// fromSQL writes the FROM item of q in its normal form.
func fromSQL(q *Query) string {
	loc := quoteString(q.From)
	if q.FromFunc == "" {
		return loc
	}
	opts := ""
	if d := q.FromDelim; d != "" {
		if d == "\t" {
			d = `\t`
		}
		opts += ", delim = " + quoteString(d)
	}
	if q.FromQuote != "" {
		opts += ", quote = " + quoteString(q.FromQuote)
	}
	if q.FromEscape != "" {
		opts += ", escape = " + quoteString(q.FromEscape)
	}
	if q.FromHive != "" {
		opts += ", hive_partitioning = " + q.FromHive
	}
	if q.FromHiveTypes != nil {
		var ts []string
		for _, h := range q.FromHiveTypes {
			ts = append(ts, quoteString(h.Name)+": "+quoteString(h.Type))
		}
		opts += ", hive_types = {" + strings.Join(ts, ", ") + "}"
	}
	if q.FromHiveAutocast != "" {
		opts += ", hive_types_autocast = " + q.FromHiveAutocast
	}
	return q.FromFunc + "(" + loc + opts + ")"
}
