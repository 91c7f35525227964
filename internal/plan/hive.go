package plan

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/internal/hive"
	"github.com/scattergather/scattergather/internal/sql"
	jobpkg "github.com/scattergather/scattergather/job"
)

// partitionsOf is the Hive partition columns of objs (hive.Detect over
// their names), for a job that reads records with a schema (schemaJobs):
// as DuckDB's read_csv and read_parquet detect them by default, none
// unless every object's path has the same key=value directories. The
// job's hive-partitioning (jobpkg.HivePartitioningParam, or its query's
// hive_partitioning option) "false" reads none; "true" refuses objects
// whose keys differ (an InputError), as DuckDB does. The sql job's query
// may type them (hiveTyped: read_csv's and read_parquet's hive_types and
// hive_types_autocast).
func partitionsOf(job string, params map[string]string, objs []Object) ([]hive.Column, error) {
	mode, err := jobpkg.ParseHivePartitioning(params)
	if err != nil {
		return nil, err
	}
	var q *sql.Query
	if job == "sql" {
		q, _ = sql.Parse(params["query"]) // one that does not parse: the job refuses it
	}
	if q != nil && len(q.FromHiveTypes) > 0 {
		if mode == "false" {
			return nil, fmt.Errorf("cannot disable hive_partitioning when hive_types is enabled (the query's hive_types and --%s false)", jobpkg.HivePartitioningParam)
		}
		mode = "true" // hive_types implies hive_partitioning, as in DuckDB
	}
	if !schemaJobs[job] || mode == "false" {
		return nil, nil
	}
	paths := make([]string, len(objs))
	for i, o := range objs {
		paths[i] = o.Source
	}
	if mode == "true" {
		if err := hive.Mismatch(paths); err != nil {
			return nil, &InputError{Input: paths[0], Err: err}
		}
	}
	cols := hive.Detect(paths)
	if q == nil {
		return cols, nil
	}
	return hiveTyped(q, cols, paths[0])
}

// hiveTyped types cols as a query's options say, as DuckDB's do: with
// hive_types_autocast = false every column is VARCHAR, and hive_types
// gives a column (its key matched exactly) its type; a key that is no
// partition is refused with DuckDB's words.
func hiveTyped(q *sql.Query, cols []hive.Column, first string) ([]hive.Column, error) {
	if q.FromHiveAutocast == "false" {
		for i := range cols {
			cols[i].Type = "VARCHAR"
		}
	}
	for _, h := range q.FromHiveTypes {
		i := slices.IndexFunc(cols, func(c hive.Column) bool { return c.Name == h.Name })
		if i < 0 {
			return nil, &InputError{Input: first, Err: fmt.Errorf("Unknown hive_type: %q does not appear to be a partition", h.Name)}
		}
		cols[i].Type = h.Type
	}
	return cols, nil
}

// checkPartitionValues refuses, as DuckDB refuses it when it reads the
// file, an object whose path gives a partition column a value that is not
// of the column's type (a hive_types type: hive_types_autocast's always
// fit): "Unable to cast 'abc' (from hive partition column 'YEAR') to:
// 'INTEGER'". Only the objects read are checked: a file a filter pruned
// is not read, in DuckDB either.
func checkPartitionValues(parts []hive.Column, objs []Object) error {
	for _, p := range parts {
		if p.Type == "VARCHAR" {
			continue
		}
		t, err := sql.ParseType(p.Type)
		if err != nil {
			return err
		}
		for _, o := range objs {
			for _, pr := range hive.Parse(o.Source) {
				if pr.Key != p.Name {
					continue
				}
				text, null := hive.Value(pr.Value, p.Type)
				if !null && !sql.CastsTo([]byte(text), t) {
					return &InputError{Input: o.Source, Err: fmt.Errorf("Unable to cast '%s' (from hive partition column '%s') to: '%s'", text, strings.ToUpper(p.Name), p.Type)}
				}
			}
		}
	}
	return nil
}

// withQueryHive returns the sql job's params with the hive_partitioning
// option of its query's FROM read_csv(...)/read_parquet(...) recorded
// (jobpkg.HivePartitioningParam); one params give already must be the
// same. A query that does not parse is left to the job to refuse.
func withQueryHive(params map[string]string) (map[string]string, error) {
	q, err := sql.Parse(params["query"])
	if err != nil || q.FromHive == "" {
		return params, nil
	}
	given := params[jobpkg.HivePartitioningParam]
	if given == "" {
		return withParam(params, jobpkg.HivePartitioningParam, q.FromHive), nil
	}
	if given != q.FromHive {
		return params, fmt.Errorf("the query's %s(..., hive_partitioning = %s) and --%s %s differ: give it once", q.FromFunc, q.FromHive, jobpkg.HivePartitioningParam, given)
	}
	return params, nil
}

// withPartitions sets the planner's Hive parameters of a job whose inputs'
// partition columns are parts (partitionsOf) and of which pruned were
// left out (prunePartitions): PartitionsParam, the columns' types in its
// schema (those it does not type already, as DuckDB types them:
// hive_types_autocast), and PrunedParam. A user's values of those
// parameters are dropped: the planner owns them.
func withPartitions(params map[string]string, parts []hive.Column, pruned pruning) map[string]string {
	if params[jobpkg.PartitionsParam] != "" || params[jobpkg.PrunedParam] != "" {
		params = maps.Clone(params)
		delete(params, jobpkg.PartitionsParam)
		delete(params, jobpkg.PrunedParam)
	}
	if len(parts) == 0 {
		return params
	}
	out := withParam(params, jobpkg.PartitionsParam, hive.Encode(parts))
	if schema, err := withPartitionTypes(params["schema"], parts); err == nil {
		out = withParam(out, "schema", schema)
	} // else the job refuses the schema, naming it
	if pruned.files > 0 {
		out = withParam(out, jobpkg.PrunedParam, fmt.Sprintf("%d %d", pruned.files, pruned.bytes))
	}
	return out
}

// pruning counts the objects prunePartitions left out, and their bytes.
type pruning struct {
	files int
	bytes int64
}

// prunePartitions leaves out of objs, whose partition columns are parts,
// those that cannot pass the job's filter (sql's WHERE, select's and
// groupby's --where), as DuckDB's filter pushdown on partition columns
// does: a conjunct of the filter that reads partition columns only, false
// or NULL on an object's partition values, is so for every record of it.
// A conjunct that reads another column, or that a value error stops,
// rules nothing out. It returns the objects kept, renumbered.
func prunePartitions(params map[string]string, objs []Object, parts []hive.Column) ([]Object, pruning) {
	if len(parts) == 0 {
		return objs, pruning{}
	}
	where := params["where"]
	if q, err := sql.Parse(params["query"]); err == nil && params["query"] != "" {
		where = ""
		if q.Where != nil {
			where = sql.SQL(q.Where)
		}
	}
	schema, err := withPartitionTypes(params["schema"], parts)
	if err != nil || where == "" {
		return objs, pruning{}
	}
	progs := partitionFilters(where, schema, parts)
	if len(progs) == 0 {
		return objs, pruning{}
	}
	kept := objs[:0:0]
	var p pruning
	for _, o := range objs {
		if partitionsRuleOut(progs, o, parts) {
			p.files++
			p.bytes += o.Size
			continue
		}
		o.Ordinal = len(kept)
		kept = append(kept, o)
	}
	return kept, p
}

// partitionFilters compiles the conjuncts of where that read partition
// columns only.
func partitionFilters(where, schema string, parts []hive.Column) []*sql.Program {
	e, err := sql.ParseExpr(where)
	if err != nil {
		return nil
	}
	s, err := sql.ParseSchema(schema)
	if err != nil {
		return nil
	}
	var progs []*sql.Program
	for _, c := range sql.Conjuncts(e) {
		p, err := sql.CompileFilter(sql.SQL(c), s)
		if err != nil || len(p.Columns) == 0 || !allPartitions(p.Columns, parts) {
			continue
		}
		progs = append(progs, p.NewProgram())
	}
	return progs
}

// withPartitionTypes adds to a schema (ParseSchema's text) the partition
// columns it does not type, with their types; a schema in JSON stays JSON.
func withPartitionTypes(schema string, parts []hive.Column) (string, error) {
	given, err := sql.ParseSchema(schema)
	if err != nil {
		return schema, err
	}
	var add []hive.Column
	for _, p := range parts {
		if _, typed := given.Type(p.Name); !typed {
			add = append(add, p)
		}
	}
	if len(add) == 0 {
		return schema, nil
	}
	text := strings.TrimSpace(schema)
	if text != "" && !strings.HasPrefix(text, "{") {
		for _, p := range add {
			text += "," + p.Name + ":" + p.Type
		}
		return text, nil
	}
	m := map[string]string{}
	if text != "" {
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			return schema, err
		}
	}
	for _, p := range add {
		m[p.Name] = p.Type
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// allPartitions reports whether every column is a partition column.
func allPartitions(cols []string, parts []hive.Column) bool {
	for _, c := range cols {
		if partitionIndex(parts, c) < 0 {
			return false
		}
	}
	return true
}

// partitionIndex is the partition column a name binds to (as a query's
// names bind: colname.Equal), -1 for none.
func partitionIndex(parts []hive.Column, name string) int {
	for i, p := range parts {
		if p.Name == name {
			return i
		}
	}
	for i, p := range parts {
		if colname.Equal(p.Name, name) {
			return i
		}
	}
	return -1
}

// partitionsRuleOut reports whether a conjunct's program is false or NULL
// on the object's partition values.
func partitionsRuleOut(progs []*sql.Program, o Object, parts []hive.Column) bool {
	pairs := hive.Parse(o.Source)
	for _, g := range progs {
		g.Reset()
		for i, col := range g.Plan.Columns {
			p := parts[partitionIndex(parts, col)]
			text, null := "", true
			for _, pr := range pairs {
				if pr.Key == p.Name {
					text, null = hive.Value(pr.Value, p.Type)
				}
			}
			g.Row.Text[i], g.Row.Null[i] = []byte(text), null
		}
		if !g.Match() && g.Row.Err == nil {
			return true
		}
	}
	return false
}

// narrowInts are DuckDB's names of the integer types narrower than BIGINT
// by the names a query's hive_types may give them.
var narrowInts = map[string]string{
	"INTEGER": "INTEGER", "INT": "INTEGER", "INT4": "INTEGER", "SIGNED": "INTEGER",
	"SMALLINT": "SMALLINT", "INT2": "SMALLINT", "SHORT": "SMALLINT", "TINYINT": "TINYINT", "INT1": "TINYINT",
}

// withPartitionInputTypes records in the sql job's InputTypesParam the
// partition columns a query's hive_types gives an integer type narrower
// than BIGINT (which the dialect reads as BIGINT), so that a .parquet
// output keeps DuckDB's type of them (INTEGER, SMALLINT, TINYINT) and of
// arithmetic on them, as for a Parquet input's column of that type.
func withPartitionInputTypes(params map[string]string, parts []hive.Column) map[string]string {
	types := map[string]string{}
	for _, p := range parts {
		if t, ok := narrowInts[p.Type]; ok {
			types[p.Name] = t
		}
	}
	if len(types) == 0 {
		return params
	}
	if given := params[InputTypesParam]; given != "" {
		var m map[string]string
		if json.Unmarshal([]byte(given), &m) == nil {
			for k, v := range m {
				if _, ok := types[k]; !ok {
					types[k] = v
				}
			}
		}
	}
	b, _ := json.Marshal(types) // sorted by name
	return withParam(params, InputTypesParam, string(b))
}
