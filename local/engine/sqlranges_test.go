package engine_test

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/faults"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// sortRow is a row of the generated table of TestSQLSortRangeGatherProperty:
// id is its input position; a nil field is NULL (an empty CSV field).
type sortRow struct {
	id int
	a  *int64
	b  *string
	c  *float64
}

// genSortRows writes n rows "id,a,b,c" (a BIGINT, b VARCHAR, c DOUBLE, each
// NULL at times, with few distinct values so that keys tie) as CSV to path,
// ids from first on.
func genSortRows(t *testing.T, rng *rand.Rand, path string, first, n int) []sortRow {
	t.Helper()
	texts := []string{"a", "ab", "b", "x,y", `q"uote`, "Ünï", "zz", "A", "a b"}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "a", "b", "c"})
	rows := make([]sortRow, n)
	for i := range rows {
		r := sortRow{id: first + i}
		rec := []string{strconv.Itoa(r.id), "", "", ""}
		if rng.IntN(8) > 0 {
			v := int64(rng.IntN(41) - 20)
			r.a, rec[1] = &v, strconv.FormatInt(v, 10)
		}
		if rng.IntN(6) > 0 {
			s := texts[rng.IntN(len(texts))]
			r.b, rec[2] = &s, s
		}
		if rng.IntN(5) > 0 {
			f := float64(rng.IntN(200)-100) / 4
			r.c, rec[3] = &f, strconv.FormatFloat(f, 'g', -1, 64)
		}
		rows[i] = r
		w.Write(rec)
	}
	w.Flush()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return rows
}

// sortKey is one ORDER BY key of the generated queries.
type sortKey struct {
	col              string
	desc, nullsFirst bool
}

func (k sortKey) String() string {
	s := k.col
	if k.desc {
		s += " DESC"
	}
	if k.nullsFirst {
		s += " NULLS FIRST"
	} else if k.desc || k.col == "b" {
		s += " NULLS LAST"
	}
	return s
}

// compareNullable orders x and y as the key does: NULL last unless
// nullsFirst, in both directions; values by cmp, reversed for DESC.
func compareNullable[T cmp.Ordered](x, y *T, k sortKey) int {
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil || y == nil:
		if (x == nil) == k.nullsFirst {
			return -1
		}
		return 1
	}
	c := cmp.Compare(*x, *y)
	if k.desc {
		c = -c
	}
	return c
}

// TestSQLSortRangeGatherProperty: for random tables (two CSV files, typed
// BIGINT, VARCHAR and DOUBLE columns with NULLs and ties), random ORDER BY
// keys (one to three, ASC or DESC, NULLS FIRST or LAST), chunk sizes and
// partition counts, a sql ORDER BY without LIMIT (a projection, or *)
// gathered by ranges of the ORDER BY key is byte-identical to the one reducer's output, its rows are in
// the order a stable sort of the table gives (ties in input order), and left
// as part files the parts are non-empty and in order that output.
func TestSQLSortRangeGatherProperty(t *testing.T) {
	cols := []string{"a", "b", "c"}
	for seed := range 8 {
		rng := rand.New(rand.NewPCG(uint64(seed), 17))
		chunk := int64(512 + rng.IntN(12<<10))
		p := 2 + rng.IntN(7)
		var keys []sortKey
		for _, c := range rng.Perm(len(cols))[:1+rng.IntN(len(cols))] {
			keys = append(keys, sortKey{col: cols[c], desc: rng.IntN(2) == 0, nullsFirst: rng.IntN(3) == 0})
		}
		var order []string
		for _, k := range keys {
			order = append(order, k.String())
		}
		sel := "id, b, c, a"
		if seed%2 == 1 {
			sel = "*" // the runs carry the header * stood for
		}
		query := "SELECT " + sel + " FROM 'in' ORDER BY " + strings.Join(order, ", ")
		t.Run(fmt.Sprintf("seed%d-chunk%d-p%d", seed, chunk, p), func(t *testing.T) {
			local, dir := enginetest.Open(t, engine.Options{})
			n1 := 500 + rng.IntN(2500)
			rows := genSortRows(t, rng, filepath.Join(dir, "in1.csv"), 1, n1)
			rows = append(rows, genSortRows(t, rng, filepath.Join(dir, "in2.csv"), 1+n1, 300+rng.IntN(2000))...)
			sort.SliceStable(rows, func(i, j int) bool {
				x, y := rows[i], rows[j]
				for _, k := range keys {
					var c int
					switch k.col {
					case "a":
						c = compareNullable(x.a, y.a, k)
					case "b":
						c = compareNullable(x.b, y.b, k)
					case "c":
						c = compareNullable(x.c, y.c, k)
					}
					if c != 0 {
						return c < 0
					}
				}
				return false
			})
			params := job.Params{"query": query, "schema": "a:BIGINT,b:VARCHAR,c:DOUBLE"}
			inputs := []string{filepath.Join(dir, "in1.csv"), filepath.Join(dir, "in2.csv")}
			run := func(out string, p int, parts bool) pipeline.Summary {
				_, sum := enginetest.Run(t, local, pipeline.PlanInput{Job: "sql", Params: params, Inputs: inputs, Output: filepath.Join(dir, out), ChunkSize: chunk, Partitions: p, OutputParts: parts})
				return sum
			}
			one, ranged := run("one.csv", 1, false), run("ranged.csv", p, false)
			if one.Partitions != 0 || ranged.Partitions < 2 || ranged.Partitions > p || ranged.Chunks < 2 {
				t.Fatalf("%s: one reducer gathered in %d ranges, the partitioned run in %d of %d asked over %d chunks", query, one.Partitions, ranged.Partitions, p, ranged.Chunks)
			}
			got1, gotP := testutil.ReadFile(t, one.Output), testutil.ReadFile(t, ranged.Output)
			if !bytes.Equal(gotP, got1) {
				t.Fatalf("%s: %d key ranges: output differs from the one reducer's (%d vs %d bytes)", query, ranged.Partitions, len(gotP), len(got1))
			}
			recs, err := csv.NewReader(bytes.NewReader(got1)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(rows)+1 || ranged.RecordsOut != int64(len(rows)) {
				t.Fatalf("%s: %d lines and %d records out for %d rows", query, len(recs)-1, ranged.RecordsOut, len(rows))
			}
			for i, r := range rows {
				if recs[i+1][0] != strconv.Itoa(r.id) {
					t.Fatalf("%s: row %d is id %s, a stable sort of the table has id %d there", query, i, recs[i+1][0], r.id)
				}
			}
			parts := run("parts", p, true)
			joined := enginetest.ReadParts(t, parts.Output, parts.Parts)
			if parts.Parts < 2 || !bytes.Equal(joined, got1) {
				t.Fatalf("%s: %d part files; joined they differ from the output", query, parts.Parts)
			}
			t.Logf("%s: %d rows, %d chunks, %d ranges", query, len(rows), ranged.Chunks, ranged.Partitions)
		})
	}
}

// TestSQLSortRangeGatherFaults: range reducers of a sql full sort (of rows,
// or of groups) that die
// halfway through a range, die before committing it, or run twice at once,
// with ledger and store timeouts, leave the output the one reducer's: each
// range is committed once.
func TestSQLSortRangeGatherFaults(t *testing.T) {
	const spec = "reducer.range.crash.mid-range=0.3,reducer.range.crash.before-commit=0.3,reducer.range.duplicate=0.5,ledger.timeout=0.1,blob.timeout=0.05"
	sqlRangeFaults(t, spec, 3, 5, 5, func(seed uint64) string {
		if seed == 2 { // groups: ranges of the group key, each sorted, then the sort round
			return "SELECT a, b, count(*) AS n, sum(c) AS s FROM 'in' GROUP BY a, b ORDER BY n DESC, s NULLS FIRST"
		}
		return "SELECT id, a, b FROM 'in' ORDER BY b DESC, a NULLS FIRST"
	})
}

// TestSQLSortRoundFaults: a sql aggregate's ORDER BY without LIMIT gathered
// by 3 ranges, then the sort round, whose writers die halfway through their
// span, die before committing it, or run twice at once, while range reducers
// of the first round run twice too, with ledger and store timeouts, writes
// the one reducer's bytes: each range and each span is committed once.
func TestSQLSortRoundFaults(t *testing.T) {
	// Eight seeds of at most three spans each: every fault fires somewhere,
	// and no span fails all its attempts.
	const spec = "reducer.sort.crash.mid-span=0.2,reducer.sort.crash.before-commit=0.2,reducer.sort.duplicate=0.4,reducer.range.duplicate=0.3,ledger.timeout=0.1,blob.timeout=0.05"
	sqlRangeFaults(t, spec, 8, 3, 7, func(uint64) string {
		return "SELECT a, b, count(*) AS n, sum(c) AS s FROM 'in' GROUP BY a, b ORDER BY s DESC NULLS FIRST, n"
	})
}

// sqlRangeFaults runs, for seeds seeds, the query of each over generated
// rows (random stream stream) by p key ranges with the faults of spec, and
// checks its output against the one reducer's, run without faults; an
// aggregate's ORDER BY must have taken the sort round.
func sqlRangeFaults(t *testing.T, spec string, seeds uint64, p int, stream uint64, query func(seed uint64) string) {
	t.Helper()
	seededRangeFaults(t, spec, seeds, func(seed uint64, fs *faults.Set) {
		clean, dir := enginetest.Open(t, engine.Options{})
		local, _ := enginetest.Open(t, engine.Options{Faults: fs})
		genSortRows(t, rand.New(rand.NewPCG(seed, stream)), filepath.Join(dir, "in.csv"), 1, 3000)
		enginetest.Replayable(t, dir, "in.csv") // the seed's faults replay: the same job ID every run
		q := query(seed)
		in := pipeline.PlanInput{Job: "sql", Params: job.Params{"query": q}, Inputs: []string{"in.csv"}, ChunkSize: 4 << 10}
		in.Output, in.Partitions = "one.csv", 1
		want, _ := enginetest.Run(t, clean, in)
		in.Output, in.Partitions = "ranged.csv", p
		got, sum := enginetest.Run(t, local, in)
		if sum.Partitions < 2 || (sum.Spans >= 1) != strings.Contains(q, "GROUP BY") || !bytes.Equal(got, want) {
			t.Fatalf("seed %d, %d ranges, %d spans, faults %s: output differs from the one reducer's (%d vs %d bytes)", seed, sum.Partitions, sum.Spans, fs, len(got), len(want))
		}
	})
}

// TestSQLGroupRangeGather: a sql aggregate over groups without LIMIT, over
// random tables and chunk sizes, gathered by 2, 3 and 5 ranges of the group
// key is byte-identical to the one reducer's output, with as many records
// out; HAVING drops groups in the ranges as in the one reducer. Without
// ORDER BY (output in group key order) each range's rows are a part of the
// output, assembled in order, and left as part files the parts joined are
// that output; with ORDER BY each range's rows are sorted and the ranges
// merged, and part files are refused (the ranges are not in output order).
// A range whose groups HAVING all drops is an empty part (the first keeps
// the header).
func TestSQLGroupRangeGather(t *testing.T) {
	queries := []string{
		"SELECT b, a, count(*) AS n, sum(c) AS s FROM 'in' GROUP BY b, a ORDER BY n DESC, b",
		"SELECT a, c, count(*) AS n FROM 'in' GROUP BY a, c HAVING count(*) > 1 ORDER BY 3 DESC, c NULLS FIRST",
		"SELECT DISTINCT c FROM 'in' ORDER BY c DESC",
		"SELECT id % 50 AS m, max(b) AS hi, avg(c) AS v FROM 'in' GROUP BY m ORDER BY hi NULLS FIRST, v DESC",
		"SELECT b, a, count(*) AS n, sum(c) AS s FROM 'in' GROUP BY b, a",
		"SELECT a, c, count(*) AS n FROM 'in' GROUP BY a, c HAVING count(*) > 1",
		"SELECT DISTINCT c, b FROM 'in'",
		"SELECT id % 50 AS m, max(b) AS hi, avg(c) AS v, count(DISTINCT a) AS k FROM 'in' GROUP BY m HAVING max(b) <> 'zz'",
		// HAVING drops every group of the first ranges: their parts are empty
		// but for the header of the first.
		"SELECT id, count(*) AS n, max(b) AS hi FROM 'in' GROUP BY id HAVING id > 1800",
	}
	for seed, query := range queries {
		rng := rand.New(rand.NewPCG(uint64(seed), 29))
		chunk := int64(1<<10 + rng.IntN(8<<10))
		ordered := strings.Contains(query, "ORDER BY")
		t.Run(fmt.Sprintf("seed%d-chunk%d", seed, chunk), func(t *testing.T) {
			local, dir := enginetest.Open(t, engine.Options{})
			n1 := 1000 + rng.IntN(2000)
			genSortRows(t, rng, filepath.Join(dir, "in1.csv"), 1, n1)
			genSortRows(t, rng, filepath.Join(dir, "in2.csv"), 1+n1, 500+rng.IntN(2000))
			params := job.Params{"query": query, "schema": "a:BIGINT,b:VARCHAR,c:DOUBLE"}
			in := pipeline.PlanInput{Job: "sql", Params: params, Inputs: []string{filepath.Join(dir, "in1.csv"), filepath.Join(dir, "in2.csv")}, ChunkSize: chunk}
			in.Output, in.Partitions = filepath.Join(dir, "one.csv"), 1
			want, one := enginetest.Run(t, local, in)
			if one.Partitions != 0 || one.Chunks < 2 || bytes.Count(want, []byte("\n")) < 4 || one.RecordsOut != int64(bytes.Count(want, []byte("\n"))-1) {
				t.Fatalf("%s: one reducer in %d ranges over %d chunks, %d records out\n%s", query, one.Partitions, one.Chunks, one.RecordsOut, want)
			}
			for _, p := range []int{2, 3, 5} {
				in.Output, in.Partitions, in.OutputParts = filepath.Join(dir, fmt.Sprintf("ranged%d.csv", p)), p, false
				got, ranged := enginetest.Run(t, local, in)
				if ranged.Partitions < 2 || ranged.Partitions > p || !bytes.Equal(got, want) || ranged.RecordsOut != one.RecordsOut {
					t.Fatalf("%s: %d ranges of %d asked: %d bytes and %d records out, the one reducer %d bytes and %d records\n%s", query, ranged.Partitions, p, len(got), ranged.RecordsOut, len(want), one.RecordsOut, got)
				}
				if ordered != (ranged.Spans >= 1) {
					t.Fatalf("%s: %d ranges, then %d spans of the sort round; want spans only with ORDER BY", query, ranged.Partitions, ranged.Spans)
				}
				in.Output, in.OutputParts = filepath.Join(dir, fmt.Sprintf("parts%d", p)), true
				_, parts := enginetest.Run(t, local, in)
				var joined []byte
				for r := range parts.Parts {
					part := testutil.ReadFile(t, pipeline.PartLocation(parts.Output, r))
					if r == 0 && p == 5 && strings.Contains(query, "HAVING id >") && bytes.Count(part, []byte("\n")) != 1 {
						t.Fatalf("%s: the first of 5 parts holds %q; want the header alone (HAVING drops its groups)", query, part)
					}
					joined = append(joined, part...)
				}
				if parts.Parts < 2 && !ordered || ordered && parts.Parts != parts.Spans || !bytes.Equal(joined, want) || parts.RecordsOut != one.RecordsOut {
					t.Fatalf("%s: %d part files, %d records out; joined they differ from the one reducer's output", query, parts.Parts, parts.RecordsOut)
				}
			}
		})
	}
}
