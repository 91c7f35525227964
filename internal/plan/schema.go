package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	jobpkg "github.com/scattergather/scattergather/job"

	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/internal/sql"
)

// SchemaFile is the name of the file beside a SQL query's input that gives
// its columns' types, as a JSON object {"column": "TYPE", ...}: DuckDB's
// read_csv(..., types={...}) for the sql job (docs/sql.md).
const SchemaFile = "schema.json"

// maxSchemaFile bounds what is read of a schema file: it travels in every
// chunk's event as the job's schema parameter.
const maxSchemaFile = 16 << 10

// ResolveJob is Resolve for a job. For the jobs that take a schema (sql,
// select and groupby, whose --where it types) a schema.json is never an
// input (a directory or prefix of CSV files may hold one), and when params
// have no schema, the schema.json beside the inputs gives it (to sql, and to
// select and groupby with a --where): the returned params are a copy with
// the file's content as "schema"; for sql, when the query's binding depends
// on the input's columns, the first input's as "input-columns"
// (InputColumnsParam); for select over Parquet inputs, the types of its
// columns there (InputTypesParam). For a job that reads CSV, the delimiter
// of its input when params give none and it is not ',' (withDelim,
// DelimParam); for sql, the one its query's read_csv(..., delim = 'X')
// gives (withQueryDelim). Every path that plans a job (the
// splitter, the request-time query, the API, resume) calls it, so they
// agree on the inputs and on the job's ID.
func ResolveJob(ctx context.Context, store blob.Store, job string, params map[string]string, sources []string) ([]Object, map[string]string, error) {
	return ResolveCompiled(ctx, store, job, nil, params, sources)
}

// ResolveCompiled is ResolveJob for a caller that has built the job already
// (compiled, nil when it has not): the delimiter's sniffing asks it how the
// job reads its input instead of building the job again.
func ResolveCompiled(ctx context.Context, store blob.Store, job string, compiled jobpkg.Job, params map[string]string, sources []string) ([]Object, map[string]string, error) {
	if job == "sql" {
		var err error
		if params, err = withQueryDelim(params); err != nil {
			return nil, params, err
		}
		if params, err = withQueryQuoting(params); err != nil {
			return nil, params, err
		}
		if params, err = withQueryHive(params); err != nil {
			return nil, params, err
		}
	}
	objs, err := resolveObjects(ctx, store, sources)
	if err != nil {
		return objs, params, err
	}
	if !schemaJobs[job] {
		if err := readFooters(ctx, store, objs); err != nil {
			return nil, params, err
		}
		params, err = withDelim(ctx, store, job, compiled, params, objs)
		return objs, params, err
	}
	kept := objs[:0:0]
	for _, o := range objs {
		if path.Base(filepath.ToSlash(o.URL)) != SchemaFile {
			o.Ordinal = len(kept)
			kept = append(kept, o)
		}
	}
	if len(kept) == 0 {
		return nil, nil, &InputError{Input: strings.Join(sources, ", "), Err: errors.New("no input but " + SchemaFile)}
	}
	// Partitions prune objects before their footers are read: a pruned
	// object is not read at all.
	parts, err := partitionsOf(job, params, kept)
	if err != nil {
		return nil, params, err
	}
	kept, pruned := prunePartitions(params, kept, parts)
	if err := checkPartitionValues(parts, kept); err != nil {
		return nil, params, err
	}
	if err := readFooters(ctx, store, kept); err != nil {
		return nil, params, err
	}
	out, err := withDelim(ctx, store, job, compiled, params, kept)
	if err != nil {
		return kept, params, err
	}
	if err := checkEmptyCSVColumns(job, compiled, out, kept); err != nil {
		return kept, params, err
	}
	if params["schema"] == "" && (job == "sql" || params["where"] != "") {
		text, err := findSchema(ctx, store, sources)
		if err != nil {
			return kept, params, err
		}
		if text != "" {
			out = withParam(out, "schema", text)
		}
	}
	if job == "select" {
		out = withInputTypes(out, strings.Split(out["columns"], ","), kept)
	}
	if job == "sql" {
		if text := withParquetTypes(out["schema"], out["query"], kept); text != out["schema"] {
			out = withParam(out, "schema", text)
		}
		typed, err := withCSVTypes(ctx, store, out["schema"], out["query"], out[DelimParam], kept)
		if err != nil {
			return kept, params, err
		}
		if typed != out["schema"] {
			out = withParam(out, "schema", typed)
		}
		out = withInputTypes(out, queryColumns(out["query"], out["schema"], kept), kept)
		out = withPartitionInputTypes(out, parts)
		text, err := withInputColumns(ctx, store, out["query"], out["schema"], out[DelimParam], kept, parts)
		if err != nil {
			return kept, params, err
		}
		if given := out[InputColumnsParam]; given != "" {
			// Set by the user (or by an earlier plan, on resume): it must
			// say what the input says, or the query would bind otherwise
			// than DuckDB does over this input.
			if err := checkInputColumns(given, text, kept); err != nil {
				return kept, params, err
			}
		} else if text != "" {
			out = withParam(out, InputColumnsParam, text)
		}
	}
	return kept, withPartitions(out, parts, pruned), nil
}

// InputTypesParam is select's and sql's parameter that ResolveJob sets when
// every input is Parquet: a JSON object of the DuckDB types (pq.Column.Type)
// of the columns the job reads (select's --columns; the sql job's, with
// SELECT * every column of the first input) that every input has with one type, which a .parquet output
// keeps where an output column is such a column as it stands
// (pq.OutputForType); the other columns are typed by their values. The
// planner owns it: what a user gives is replaced.
const InputTypesParam = "input-types"

// queryColumns are the input columns a query reads, planned over the first
// input's columns (with SELECT *, all of them); none for a query that does
// not compile.
func queryColumns(query, schema string, objs []Object) []string {
	given, err := sql.ParseSchema(schema)
	if err != nil || len(objs) == 0 || objs[0].Parquet == nil {
		return nil
	}
	var header []string
	for _, c := range objs[0].Parquet.Columns {
		header = append(header, c.Name)
	}
	p, err := sql.Compile(query, given, header)
	if err != nil {
		return nil
	}
	return p.Columns
}

// withInputTypes sets InputTypesParam for the columns a job reads from its
// inputs' footers (each file's column of that name, else of it ignoring
// ASCII case, as the mapper reads it: pq.Footer.Column), or removes it when
// no column is typed so.
func withInputTypes(params map[string]string, columns []string, objs []Object) map[string]string {
	types := map[string]string{}
	for _, c := range columns {
		c = strings.TrimSpace(c)
		t := ""
		for i, o := range objs {
			ct := ""
			if o.Parquet != nil {
				// The column the mapper reads: of that name, else ignoring case.
				if fc, ok := o.Parquet.Column(c); ok && !fc.Nested {
					ct = fc.Type
				}
			}
			if ct == "" || (i > 0 && ct != t) {
				t = "" // not Parquet, not in this file, or the files disagree
				break
			}
			t = ct
		}
		if t != "" {
			types[c] = t
		}
	}
	if len(types) == 0 {
		if _, ok := params[InputTypesParam]; !ok {
			return params
		}
		out := maps.Clone(params)
		delete(out, InputTypesParam)
		return out
	}
	b, _ := json.Marshal(types) // sorted by name
	if params[InputTypesParam] == string(b) {
		return params
	}
	return withParam(params, InputTypesParam, string(b))
}

// withParam returns a copy of params with name set to value.
func withParam(params map[string]string, name, value string) map[string]string {
	out := maps.Clone(params)
	if out == nil {
		out = map[string]string{}
	}
	out[name] = value
	return out
}

// withParquetTypes gives the sql job's schema, when every input is Parquet,
// the DATE, TIMESTAMP, TIMESTAMP_NS, DOUBLE or FLOAT type of the columns of those
// types the query reads and does not type already, as DuckDB types them when
// it reads the files, so that date arithmetic works (d + 1, d - DATE
// '2001-01-01'), timestamps compare by value, and doubles add, multiply and
// sum as DuckDB's DOUBLE (inf and nan included), and floats as its FLOAT
// (32-bit arithmetic and text). Only those: an untyped
// number's arithmetic is exact decimal, as over the same data in CSV. A
// column the files disagree on, or whose statistics do not show every value
// within DuckDB's range (which the dialect's types hold, years before 1
// included; not its infinities), stays untyped (Footer.DatesInRange,
// TimestampsInRange, NanoTimestampsInRange).
// It returns schema unchanged when there is nothing to add, or when the
// result would pass the bound of a schema file.
func withParquetTypes(schema, query string, objs []Object) string {
	given, err := sql.ParseSchema(schema)
	if err != nil || len(objs) == 0 {
		return schema // the job refuses it, naming it
	}
	types := map[string]string{}
	for i, o := range objs {
		if o.Parquet == nil {
			return schema
		}
		seen := map[string]bool{}
		for _, c := range o.Parquet.Columns {
			t := ""
			switch {
			case c.Type == "DATE" && o.Parquet.DatesInRange(c.Name):
				t = "DATE"
			case c.Type == "TIMESTAMP" && o.Parquet.TimestampsInRange(c.Name, sql.MinTimestamp, sql.MaxTimestamp):
				t = "TIMESTAMP"
			case c.Type == "TIMESTAMP_NS" && o.Parquet.NanoTimestampsInRange(c.Name):
				t = "TIMESTAMP_NS"
			case c.Type == "DOUBLE", c.Type == "FLOAT":
				t = c.Type
			case c.Type == "INTERVAL":
				t = "INTERVAL" // compared as DuckDB compares INTERVALs
			}
			name := colname.Fold(c.Name) // as a query's names match
			if prev, ok := types[name]; i > 0 && (!ok || prev != t) {
				t = "" // the files disagree
			}
			types[name], seen[name] = t, true
		}
		for n := range types {
			if !seen[n] {
				types[n] = ""
			}
		}
	}
	var header []string
	for _, c := range objs[0].Parquet.Columns {
		header = append(header, c.Name)
	}
	// The columns the query reads, found with every candidate typed (a use
	// such as d - DATE '2001-01-01' checks only so).
	all := maps.Clone(given)
	if all == nil {
		all = sql.Schema{}
	}
	for n, t := range types {
		if _, typed := given.Type(n); !typed && t != "" {
			all[n] = map[string]sql.Type{"DATE": sql.TDate, "TIMESTAMP": sql.TTimestamp, "TIMESTAMP_NS": sql.TTimestampNS, "DOUBLE": sql.TDouble, "FLOAT": sql.TFloat, "INTERVAL": sql.TInterval}[t]
		}
	}
	var read []string
	if p, err := sql.Compile(query, all, header); err == nil {
		read = p.Columns
	} else if errors.Is(err, sql.ErrType) {
		return schema
	} else {
		// The query fails whatever the types (year(d), a column not in
		// the files): type every candidate, so that it fails with that
		// error, not with a type error the types would cure.
		for n := range all {
			read = append(read, n)
		}
		slices.Sort(read)
	}
	out := map[string]string{}
	for n, t := range given {
		out[n] = t.SchemaText()
	}
	added := false
	for _, n := range read {
		if _, typed := given.Type(n); !typed && types[colname.Fold(n)] != "" {
			out[n], added = types[colname.Fold(n)], true
		}
	}
	if !added {
		return schema
	}
	b, err := json.Marshal(out)
	if err != nil || len(b) > maxSchemaFile {
		return schema
	}
	return string(b)
}

// schemaJobs are the jobs with a schema parameter.
var schemaJobs = map[string]bool{"sql": true, "select": true, "groupby": true}

// schemaBeside is where a source's schema.json would be: in the directory or
// under the prefix it names, else beside the file or object; for a pattern
// (IsGlob), in the directory its fixed segments name (tbl/ for
// tbl/*/*.parquet).
func schemaBeside(src string) string {
	if IsGlob(src) {
		fixed := fixedPrefix(src)
		src = fixed[:strings.LastIndexByte(fixed, '/')+1]
		if src == "" {
			return SchemaFile
		}
		if blob.IsS3(src) {
			return src + SchemaFile
		}
		return filepath.Join(src, SchemaFile)
	}
	if blob.IsS3(src) {
		if strings.HasSuffix(src, "/") {
			return src + SchemaFile
		}
		return src[:strings.LastIndexByte(src, '/')+1] + SchemaFile
	}
	if fi, err := os.Stat(src); err == nil && fi.IsDir() {
		return filepath.Join(src, SchemaFile)
	}
	return filepath.Join(filepath.Dir(src), SchemaFile)
}

// findSchema reads the schema.json beside the sources: "" when there is none;
// two that differ, or one that is not a schema, are an InputError naming them.
func findSchema(ctx context.Context, store blob.Store, sources []string) (string, error) {
	var text, from string
	for _, src := range sources {
		loc := schemaBeside(src)
		if loc == from {
			continue
		}
		t, err := readSchema(ctx, store, loc)
		switch {
		case errors.Is(err, blob.ErrNotFound):
			continue
		case err != nil:
			return "", err
		case from != "" && t != text:
			return "", &InputError{Input: loc, Err: fmt.Errorf("differs from %s: the inputs of one query take one schema", from)}
		}
		text, from = t, loc
	}
	return text, nil
}

// readSchema reads and checks the schema file at loc.
func readSchema(ctx context.Context, store blob.Store, loc string) (string, error) {
	info, err := store.Stat(ctx, loc)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return "", err
		}
		return "", storeError(loc, err)
	}
	if info.Size > maxSchemaFile {
		return "", &InputError{Input: loc, Err: fmt.Errorf("%d bytes: a schema file holds at most %d", info.Size, maxSchemaFile)}
	}
	r, err := store.Open(ctx, loc, 0, -1)
	if err != nil {
		return "", storeError(loc, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return "", storeError(loc, err)
	}
	text := strings.TrimSpace(string(b))
	if !strings.HasPrefix(text, "{") {
		return "", &InputError{Input: loc, Err: errors.New(`want a JSON object {"column": "TYPE", ...}`)}
	}
	if _, err := sql.ParseSchema(text); err != nil {
		return "", &InputError{Input: loc, Err: err}
	}
	return text, nil
}
