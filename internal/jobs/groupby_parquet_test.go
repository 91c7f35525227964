package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/scattergather/scattergather/internal/duckfmt"
	"github.com/scattergather/scattergather/internal/feed"
	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pq"
	"github.com/scattergather/scattergather/internal/pq/pqtest"
	"github.com/scattergather/scattergather/job"
)

// gbRow is a row of TestGroupbyParquetBatches's file: string keys plain and
// dictionary-encoded, doubles plain and dictionary-encoded, integers of 64
// and 32 bits, a date, a boolean, a decimal; every column has nulls.
type gbRow struct {
	Key   *string  `parquet:"key,optional,dict"`
	Plain *string  `parquet:"plain,optional"`
	Rev   *float64 `parquet:"rev,optional"`
	RevD  *float64 `parquet:"revd,optional,dict"`
	N     *int64   `parquet:"n,optional"`
	I32   *int32   `parquet:"i32,optional"`
	D     *int32   `parquet:"d,optional,date"`
	B     *bool    `parquet:"b,optional"`
	Dec   *int64   `parquet:"dec,optional,decimal(2:18)"`
}

// TestGroupbyParquetBatches: groupby fed a Parquet file a batch of column
// values at a time (feed.ColumnMapper) writes the same partial and counts
// the same records in and skipped as fed the same data as CSV a row at a
// time: keys plain and from a dictionary, doubles of few and of many
// places (the latter printed and parsed), nulls in the key and the values,
// infinities and NaN (skipped as non-numeric), min and max (which keep the
// text), pages and row groups cut mid-batch, a combine budget that spills.
func TestGroupbyParquetBatches(t *testing.T) {
	csv, path := gbData(t)
	for _, p := range []jobs.Params{
		{"key": "key", "agg": "sum:rev,count:*,avg:revd,sum:n"},
		{"key": "plain:3", "agg": "sum:revd,avg:rev,count:n"},
		{"key": "plain", "agg": "avg:rev,count:rev,sum:rev,sum:revd"}, // doubles only, one column twice
		{"key": "plain", "agg": "sum:n,avg:n,count:*"},
		{"key": "key:2", "agg": "sum:rev,avg:n"}, // USA and USB: one group
		// min and max keep the value's text
		{"key": "key", "agg": "sum:rev,max:rev"},
		{"key": "plain:2", "agg": "min:n,max:revd,min:rev,count:*"},
		// one sum or avg, with counts or not: its state in the table's
		// entry (sumState)
		{"key": "plain:3", "agg": "sum:revd"},
		{"key": "key", "agg": "count:*,avg:n"},
		{"key": "plain", "agg": "count:rev,sum:rev,count:*"},
		// keys that are not VARCHAR: their texts
		{"key": "n", "agg": "sum:rev,count:*"},
		{"key": "i32", "agg": "sum:rev,avg:dec,min:dec"},
		{"key": "d", "agg": "avg:rev,count:*"},
		{"key": "d:4", "agg": "sum:revd,sum:n"},
		{"key": "b", "agg": "sum:rev,sum:dec,max:n"},
		{"key": "dec", "agg": "count:*,sum:i32"},
	} {
		// the default combine budget, and for the first one that spills at
		// almost every new group (spills of the row path are tested elsewhere)
		budgets := []int64{0}
		if p["agg"] == "sum:rev,count:*,avg:revd,sum:n" || p["agg"] == "sum:revd" {
			budgets = append(budgets, jobs.SmallCombineBudget)
		}
		for _, budget := range budgets {
			t.Run(fmt.Sprintf("%s %s budget %d", p["key"], p["agg"], budget), func(t *testing.T) {
				if budget > 0 {
					defer jobs.SetCombineBudget(budget)()
				}
				groupbyParquetMatchesCSV(t, p, csv, path)
				if !takesBatches(t, p, path) {
					t.Fatal("the rows went to the row path")
				}
			})
		}
	}
}

// gbData is TestGroupbyParquetBatches's data, as CSV (doubles printed as
// the Parquet reader prints them) and as a Parquet file of small pages and
// row groups: 6000 rows of gbRow from a fixed seed.
func gbData(t *testing.T) (csv []byte, path string) {
	rng := rand.New(rand.NewPCG(3, 4))
	str := func(s string) *string { return &s }
	var rows []gbRow
	var buf bytes.Buffer
	buf.WriteString("key,plain,rev,revd,n,i32,d,b,dec\n")
	double := func() *float64 {
		var v float64
		switch rng.IntN(12) {
		case 0:
			return nil
		case 1:
			v = rng.Float64() * 1e4 // 16 or 17 digits: printed by strconv's shortest
		case 2:
			v = []float64{math.Inf(1), math.Inf(-1), math.NaN(), 0, math.Copysign(0, -1), 1e-7, 3e12}[rng.IntN(7)]
		default:
			v = float64(rng.IntN(200000)-50000) / 100
		}
		return &v
	}
	for i := 0; i < 6000; i++ {
		var r gbRow
		if rng.IntN(15) != 0 {
			r.Key = str([]string{"USA", "USB", "DEU", "FRA", "BRA", "IND", "CHN", "JPN"}[rng.IntN(8)])
		}
		if rng.IntN(20) != 0 {
			r.Plain = str(strconv.Itoa(rng.IntN(3000)) + "." + strconv.Itoa(rng.IntN(100)))
		}
		r.Rev = double()
		if v := double(); v != nil {
			w := math.Round(*v) // few distinct values: a dictionary
			r.RevD = &w
		}
		if rng.IntN(10) != 0 {
			n := int64(rng.IntN(1000) - 100)
			r.N = &n
		}
		if rng.IntN(10) != 0 {
			v := int32(rng.IntN(40) - 10)
			r.I32 = &v
		}
		if rng.IntN(10) != 0 {
			v := int32(rng.IntN(2000)*401 - 750000) // 84 BC to 2112 AD: years of 2, 3 and 4 digits
			r.D = &v
		}
		if rng.IntN(10) != 0 {
			v := rng.IntN(2) == 0
			r.B = &v
		}
		if rng.IntN(10) != 0 {
			v := int64(rng.IntN(20000) - 5000) // hundredths
			r.Dec = &v
		}
		rows = append(rows, r)
		text := func(p *float64) string {
			if p == nil {
				return ""
			}
			return string(duckfmt.AppendFloat(nil, *p, 64))
		}
		s := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		n, i32, d, b, dec := "", "", "", "", ""
		if r.N != nil {
			n = strconv.FormatInt(*r.N, 10)
		}
		if r.I32 != nil {
			i32 = strconv.Itoa(int(*r.I32))
		}
		if r.D != nil {
			d = string(duckfmt.AppendDate(nil, int64(*r.D)))
		}
		if r.B != nil {
			b = strconv.FormatBool(*r.B)
		}
		if r.Dec != nil {
			v := *r.Dec
			sign := ""
			if v < 0 {
				sign, v = "-", -v
			}
			dec = fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
		}
		fmt.Fprintf(&buf, "%s,%s,%s,%s,%s,%s,%s,%s,%s\n", s(r.Key), s(r.Plain), text(r.Rev), text(r.RevD), n, i32, d, b, dec)
	}
	path = filepath.Join(t.TempDir(), "g.parquet")
	pqtest.WriteGo(t, path, [][]gbRow{rows}, parquet.PageBufferSize(700), parquet.MaxRowsPerRowGroup(1300))
	return buf.Bytes(), path
}

// TestGroupbyParquetWhereBatches: under a --where that compares a DOUBLE
// column with a number, groupby still takes a Parquet file's rows by
// batches, filtered on the batch's doubles (rows ruled out dropped, rows in
// doubt tested as a row), and writes the same partial and counts as the row
// path over the same data as CSV: plain and dictionary-encoded doubles with
// nulls, infinities and NaN, values equal to the condition's (the data are
// on a grid of hundredths, 1e-7 and 3e12 among them), a VALUE of more
// digits than a double holds, every operator, and the SQL form; likewise on
// an integer, decimal or DATE column (dates of years of 2 and 3 digits and
// before the common era in doubt, tested as rows). A --where on a string or
// boolean column takes the row path, pruned by statistics alone.
func TestGroupbyParquetWhereBatches(t *testing.T) {
	csv, path := gbData(t)
	skipless := 0 // cases whose rows meet no skip (too few rows kept)
	for _, tc := range []struct {
		where   string
		batches bool
		agg     string // sum:rev,count:*,avg:revd,sum:n when empty
	}{
		{"rev > 123.45", true, ""},
		{"rev >= 123.45", true, ""},
		{"rev < -20.5", true, ""},
		{"rev <= 0", true, ""},
		{"rev == 1e-7", true, ""},
		{"rev != 0", true, ""},
		{"rev > 0.1000000000000000001", true, ""},
		{"revd > 3000000000000.0000001", true, "sum:rev,count:*"}, // 3e12 is the VALUE's double, and fails; an infinity passes
		{"revd <= 2999999999999.9999999", true, ""},               // likewise
		{"revd = 3000000000000", true, ""},
		{"revd >= 300", true, ""},
		{"revd < -3", true, ""},
		{"rev <> 17.25", true, ""},
		{"rev > 9999999", true, ""}, // rules out almost every row, the infinities aside
		// min and max under a filter: the texts of the rows kept, by batches
		{"rev > 0.5", true, "min:rev,max:rev,count:*"},
		{"rev != 17.25", true, "max:revd,min:rev,sum:rev"},
		{"revd != 0", true, "min:revd,max:revd"},
		// integer, decimal and DATE columns: their values, not their texts
		{"n > 500", true, ""},
		{"n <= -50", true, ""},
		{"n == " + valueOf(t, csv, 4, "7"), true, ""},
		{"n != 7", true, ""},
		{"n >= 100.5", true, ""},
		{"i32 < 3.5", true, "sum:rev,min:dec,max:i32"},
		{"dec > 12.345", true, ""},
		{"dec == " + valueOf(t, csv, 8, "17."), true, "count:*"},
		{"dec < -10", true, "max:dec,count:*"},
		{"d >= '1500-06-01'", true, ""},
		{"d < '1999-12-31'", true, "count:*,min:n"},
		{"d > 2000", true, ""}, // a date's text is no number: compared byte-wise
		{"d != '0500-01-01'", true, ""},
		{"d == '" + valueOf(t, csv, 6, "1") + "'", true, ""}, // a date of a 4-digit year in the data
		{"n < abc", false, ""},                               // a VALUE that is no number: as text, row by row
		{"b == true", false, ""},
		{"key == USA", false, ""},
	} {
		p := jobs.Params{"key": "key", "agg": tc.agg, "where": tc.where}
		if tc.agg == "" {
			p["agg"] = "sum:rev,count:*,avg:revd,sum:n"
		}
		t.Run(tc.where, func(t *testing.T) {
			j, err := jobs.New("groupby", p)
			if err != nil {
				t.Fatal(err)
			}
			if got := takesBatches(t, p, path); got != tc.batches {
				t.Fatalf("ParquetBatches: %v, want %v", got, tc.batches)
			}
			// The row path over the same Parquet file: a null is no empty
			// field there (rev < -20.5 holds of a CSV's empty rev as bytes).
			wantSt, want := groupbyParquet(t, rowPathJob{j}, p, path)
			gotSt, got := groupbyParquet(t, j, p, path)
			if !reflect.DeepEqual(gotSt, wantSt) {
				t.Fatalf("batches: %+v, rows: %+v", gotSt, wantSt)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("the partial by batches (%d bytes) differs from the one by rows (%d bytes)", len(got), len(want))
			}
			if wantSt.RecordsOut == 0 {
				t.Fatalf("the data exercise no groups: %+v", wantSt)
			}
			if wantSt.Skipped == 0 {
				skipless++
			}
			// The CSV's rows by batches, without the statistics (seen once
			// while writing this test: a page holding 3e12 and NaN bounded by
			// max 5769; not reproduced since, over 300 random row groups of
			// nullable doubles with NaN and infinities, so it may have been
			// this test's own data; kept out of the comparison until known).
			if !strings.ContainsAny(tc.where, "<!") && wantSt.Skipped > 0 { // no empty field matches; skips to compare
				parquetMatchesCSV(t, struct{ jobs.Job }{j}, p, csv, path)
			}
		})
	}
	if skipless > 5 {
		t.Fatalf("%d cases meet no skip", skipless)
	}
}

// valueOf is the first value of column col of gbData's CSV that starts
// with prefix.
func valueOf(t *testing.T, csv []byte, col int, prefix string) string {
	for _, line := range strings.Split(string(csv), "\n")[1:] {
		if f := strings.Split(line, ","); len(f) > col && strings.HasPrefix(f[col], prefix) {
			return f[col]
		}
	}
	t.Fatalf("no value of column %d starts with %q", col, prefix)
	return ""
}

// takesBatches reports whether groupby with p takes the Parquet file at
// path by batches (feed.ColumnMapper.ParquetBatches).
func takesBatches(t *testing.T, p jobs.Params, path string) bool {
	t.Helper()
	j, err := jobs.New("groupby", p)
	if err != nil {
		t.Fatal(err)
	}
	span, store := pqtest.WholeFile(t, path)
	r, err := pq.Open(context.Background(), store, span, j.Input().Columns, pq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return j.NewMapper().(feed.ColumnMapper).ParquetBatches(r)
}

// rowPathJob is a job whose mapper takes no column batches: the feeder
// gives it a Parquet file's rows one at a time (with the job's predicate).
type rowPathJob struct{ jobs.Job }

func (j rowPathJob) NewMapper() jobs.Mapper {
	return rowsOnly{j.Job.NewMapper().(job.RowMapper)}
}

func (j rowPathJob) ParquetPredicate() pq.Predicate {
	return j.Job.(feed.Pruner).ParquetPredicate()
}

// rowsOnly hides a mapper's feed.ColumnMapper.
type rowsOnly struct{ job.RowMapper }

// groupbyParquet runs j with p over the Parquet file at path and returns the
// counts and the partial.
func groupbyParquet(t *testing.T, j jobs.Job, p jobs.Params, path string) (jobs.Stats, []byte) {
	t.Helper()
	span, store := pqtest.WholeFile(t, path)
	f := feeder(t, j, p)
	if _, err := f.Parquet(context.Background(), store, span, 0, nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	st, err := f.Finish(&out)
	if err != nil {
		t.Fatal(err)
	}
	return st, out.Bytes()
}

// groupbyParquetMatchesCSV runs groupby with p over the same data as CSV
// and as the Parquet file at path, and compares the partials and counts.
func groupbyParquetMatchesCSV(t *testing.T, p jobs.Params, csv []byte, path string) {
	t.Helper()
	j, err := jobs.New("groupby", p)
	if err != nil {
		t.Fatal(err)
	}
	parquetMatchesCSV(t, j, p, csv, path)
}

// parquetMatchesCSV runs the groupby job j with p over the same data as CSV
// and as the Parquet file at path, and compares the partials and counts.
func parquetMatchesCSV(t *testing.T, j jobs.Job, p jobs.Params, csv []byte, path string) {
	t.Helper()
	var want bytes.Buffer
	fc := feeder(t, j, p)
	if err := fc.Object(jobs.Part{Source: "g.csv"}, csv); err != nil {
		t.Fatal(err)
	}
	wantSt, err := fc.Finish(&want)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := j.NewMapper().(feed.ColumnMapper); !ok {
		t.Fatal("groupby's mapper takes no column batches")
	}
	gotSt, got := groupbyParquet(t, j, p, path)
	// The skip examples name each format's own source and place; the first
	// record skipped under each reason, its column and value, are the same.
	gotEx, wantEx := gotSt.SkipExamples, wantSt.SkipExamples
	gotSt.SkipExamples, wantSt.SkipExamples = nil, nil
	if !reflect.DeepEqual(gotSt, wantSt) {
		t.Fatalf("Parquet: %+v, CSV: %+v", gotSt, wantSt)
	}
	if len(gotEx) != len(wantEx) {
		t.Fatalf("skip examples from Parquet %q, from CSV %q", gotEx, wantEx)
	}
	for reason, w := range wantEx {
		_, wd, _ := strings.Cut(w, ": ")
		if _, gd, _ := strings.Cut(gotEx[reason], ": "); gd != wd {
			t.Errorf("the example of %q from Parquet is %q, from CSV %q", reason, gotEx[reason], w)
		}
	}
	if wantSt.Skipped == 0 || wantSt.RecordsOut == 0 {
		t.Fatalf("the data exercise no skips or no groups: %+v", wantSt)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("the partial from Parquet (%d bytes) differs from the one from CSV (%d bytes)", len(got), want.Len())
	}
}
