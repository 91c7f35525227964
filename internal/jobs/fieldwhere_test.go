package jobs_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/jobs/reference"
	"github.com/scattergather/scattergather/internal/sql"
)

// dateValue is a visit date as data has them: mostly dates, some written
// otherwise (one-digit month, slashes, a time after it), some that are not
// dates (February 30th, a word, a number).
func dateValue(r *rand.Rand) string {
	switch r.IntN(10) {
	case 0:
		return "2001-2-3"
	case 1:
		return "2001/07/04"
	case 2:
		return "2001-12-31 23:59:59"
	case 3:
		return "2001-02-30"
	case 4:
		return []string{"n/a", "12", "20010101"}[r.IntN(3)]
	}
	return fmt.Sprintf("%d-%02d-%02d", 2000+r.IntN(3), 1+r.IntN(12), 1+r.IntN(28))
}

// genWhereCSV is genCSV's data with a column d of dates (and texts that
// are not, and empty fields: NULL), and some malformed lines.
func genWhereCSV(r *rand.Rand) []reference.Input {
	var ins []reference.Input
	for i := r.IntN(3); i >= 0; i-- {
		cols := []string{"k", "n", "m", "s", "d"}
		r.Shuffle(len(cols), func(a, b int) { cols[a], cols[b] = cols[b], cols[a] })
		lines := []string{strings.Join(cols, ",")}
		for n := r.IntN(60); n > 0; n-- {
			if r.IntN(30) == 0 {
				lines = append(lines, `a,"unterminated,1,2,3`)
				continue
			}
			vals := make([]string, len(cols))
			for c, name := range cols {
				switch {
				case name == "d" && r.IntN(8) == 0:
					vals[c] = ""
				case name == "d":
					vals[c] = dateValue(r)
				default:
					vals[c] = csvValue(r, name == "n" || name == "m")
				}
			}
			lines = append(lines, strings.Join(vals, ","))
		}
		ins = append(ins, reference.Input{Source: fmt.Sprintf("t%d.csv", len(ins)), Data: joinLines(r, lines)})
	}
	return ins
}

// genWhereJSONL is genJSONL's data with a member d of dates (or not, or
// null, or missing).
func genWhereJSONL(r *rand.Rand) []reference.Input {
	var ins []reference.Input
	for i := r.IntN(3); i >= 0; i-- {
		var lines []string
		for n := r.IntN(60); n > 0; n-- {
			if r.IntN(30) == 0 {
				lines = append(lines, `{"k": "a", "n": 1`)
				continue
			}
			var members []string
			for _, name := range []string{"k", "n", "m", "s", "d"} {
				if r.IntN(8) == 0 {
					continue
				}
				v := jsonValue(r, name == "n" || name == "m")
				if name == "d" && r.IntN(6) > 0 {
					v = `"` + dateValue(r) + `"`
				}
				members = append(members, `"`+name+`": `+v)
			}
			r.Shuffle(len(members), func(a, b int) { members[a], members[b] = members[b], members[a] })
			lines = append(lines, "{"+strings.Join(members, ", ")+"}")
		}
		ins = append(ins, reference.Input{Source: fmt.Sprintf("t%d.jsonl", len(ins)), Data: joinLines(r, lines)})
	}
	return ins
}

// whereLeaves are conditions on one column each, of every kind the
// compiled WHERE takes: on untyped columns, and on n and d when the
// schema types them.
var whereLeaves = []string{
	"n > 100", "n >= 7.5", "n < -3", "n = 12", "n <> 0.10", "n BETWEEN 10 AND 500", "n IN (12, 0.10, -0)", "n IS NULL",
	"m > 500", "m <= 12", "m NOT BETWEEN 0 AND 100", "m IS NOT NULL", "m > 1e2",
	"k = 'a'", "k IN ('a', 'ab', 'über')", "k NOT IN ('b', NULL)", "k LIKE 'a%'", "k > 'A'", "k IS NULL",
	"s LIKE '%b%'", "s = ''", "s <> 'abc'", "s IS NOT NULL",
	"d BETWEEN DATE '2001-01-01' AND DATE '2001-12-31'", "d > DATE '2001-06-30'", "d IS NULL",
	"d NOT IN (DATE '2001-07-04', DATE '2002-01-01')", "DATE '2001-03-01' <= d", "d LIKE '2001%'",
	"NULL", "TRUE",
}

// whereSchemas type none of the columns, or n and d (so that a text that
// is not a number or a date is a value error), or m as a BIGINT.
var whereSchemas = []string{"", "n:DECIMAL(12,2),d:DATE", "m:BIGINT,d:DATE", "n:DOUBLE"}

// genWhere is a random AND, OR or NOT of whereLeaves, three levels deep at
// most (never one leaf alone, which --where reads as its historical
// comparison).
func genWhere(r *rand.Rand, depth int) string {
	if depth == 0 || depth < 3 && r.IntN(3) == 0 {
		l := whereLeaves[r.IntN(len(whereLeaves))]
		if strings.HasPrefix(l, "d LIKE") {
			l = "k LIKE 'b%'" // LIKE takes no DATE
		}
		return l
	}
	switch r.IntN(3) {
	case 0:
		return "NOT (" + genWhere(r, depth-1) + ")"
	case 1:
		return "(" + genWhere(r, depth-1) + ") AND (" + genWhere(r, depth-1) + ")"
	}
	return "(" + genWhere(r, depth-1) + ") OR (" + genWhere(r, depth-1) + ")"
}

// rowWhere is w with the program's row forced: a condition the compiled
// WHERE does not take (a function), true of every record and evaluated
// last, so the same records pass and the same value errors are met first.
func rowWhere(w string) string { return "(" + w + ") AND (length(k) >= 0 OR k IS NULL)" }

// TestFieldWhereSameAsRow runs random WHERE clauses over several columns
// (numbers, strings, dates; untyped and typed) through the sql job (a
// plain scan, a computed select list, an aggregate fed from the fields)
// and through select's and groupby's --where, compiled on the records'
// fields and through the program's row, over CSV and JSON Lines with
// NULLs, non-numbers and non-dates: the outputs and the skipped records
// (count, reasons and examples) are the same.
func TestFieldWhereSameAsRow(t *testing.T) {
	// kept and dropped: the output lines of select's --where and of its
	// complement (the records it drops, FALSE or NULL), over every
	// iteration: both must be many, or the clauses decide nothing and the
	// comparison proves little. (The count of clauses compiled on the
	// fields it replaces could not fail: each one is checked above.)
	kept, dropped, valueErrs := 0, 0, int64(0)
	for iter := 0; iter < 60; iter++ {
		r := rand.New(rand.NewPCG(17, uint64(iter)))
		w, schema := genWhere(r, 3), whereSchemas[r.IntN(len(whereSchemas))]
		sch, err := sql.ParseSchema(schema)
		if err != nil {
			t.Fatal(err)
		}
		p, err := sql.CompileFilter(w, sch)
		if err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		if !p.NewProgram().FieldWhere() {
			t.Fatalf("%s (schema %q): not compiled on the fields", w, schema)
		}
		jobsOf := []struct {
			job    string
			params func(where, format string) jobs.Params
		}{
			{"sql", func(where, format string) jobs.Params {
				return jobs.Params{"query": "SELECT k, n, d FROM 'x' WHERE " + where, "schema": schema}
			}},
			{"sql", func(where, format string) jobs.Params {
				return jobs.Params{"query": "SELECT lower(k) AS l, m FROM 'x' WHERE " + where + " ORDER BY l, m LIMIT 20", "schema": schema}
			}},
			{"sql", func(where, format string) jobs.Params {
				return jobs.Params{"query": "SELECT substr(s, 1, 1) AS p, count(*), count(m) FROM 'x' WHERE " + where + " GROUP BY p", "schema": schema}
			}},
			{"select", func(where, format string) jobs.Params {
				return jobs.Params{"where": where, "columns": "k,s,d", "schema": schema, "format": format}
			}},
			{"groupby", func(where, format string) jobs.Params {
				return jobs.Params{"where": where, "key": "k", "agg": "count:m,min:s", "schema": schema, "format": format}
			}},
		}
		for _, gen := range []struct {
			name string
			f    func(*rand.Rand) []reference.Input
		}{{"csv", genWhereCSV}, {"jsonl", genWhereJSONL}} {
			inputs := gen.f(r)
			for _, j := range jobsOf {
				fp, rp := j.params(w, gen.name), j.params(rowWhere(w), gen.name)
				want, err := runWhole(j.job, rp, inputs)
				if err != nil {
					t.Fatalf("%s %s: %v", j.job, rp, err)
				}
				got, err := runWhole(j.job, fp, inputs)
				if err != nil {
					t.Fatalf("%s %s: %v", j.job, fp, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s %s %s:\n got: %q\nwant: %q\ninputs: %q", gen.name, j.job, fp, got, want, inputs)
				}
				gs, ws := jobStats(t, j.job, fp, inputs[0]), jobStats(t, j.job, rp, inputs[0])
				for reason, n := range gs.SkipReason {
					if strings.HasPrefix(reason, "sql: column") {
						valueErrs += n
					}
				}
				if g, w := fmt.Sprint(gs.Skipped, gs.SkipReason, gs.SkipExamples), fmt.Sprint(ws.Skipped, ws.SkipReason, ws.SkipExamples); g != w {
					t.Fatalf("%s %s %s: skipped %s, want %s\ninput: %q", gen.name, j.job, fp, g, w, inputs[0])
				}
				if j.job == "select" {
					kept += bytes.Count(got, []byte("\n")) - 1 // the header
					np := j.params(rowWhere("NOT ("+w+") OR ("+w+") IS NULL"), gen.name)
					out, err := runWhole(j.job, np, inputs)
					if err != nil {
						t.Fatalf("%s %s: %v", j.job, np, err)
					}
					dropped += bytes.Count(out, []byte("\n")) - 1
				}
			}
		}
	}
	if kept < 1000 || dropped < 1000 || valueErrs < 100 {
		t.Fatalf("select kept %d records and dropped %d, %d records met a value error: the test proves little", kept, dropped, valueErrs)
	}
}

// jobStats runs one mapper of job over data (one object) and returns its
// stats.
func jobStats(t *testing.T, job string, p jobs.Params, data reference.Input) jobs.Stats {
	t.Helper()
	j, err := jobs.New(job, p)
	if err != nil {
		t.Fatal(err)
	}
	m := feeder(t, j, p)
	if err := m.Object(jobs.Part{Source: data.Source}, data.Data); err != nil {
		t.Fatal(err)
	}
	st, err := m.Finish(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}
