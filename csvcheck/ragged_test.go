package csvcheck

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scattergather/scattergather/internal/jobs"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/local/engine"
	"github.com/scattergather/scattergather/local/engine/enginetest"
)

// runErr runs a job over files through the local engine and returns its
// error (nil when it ran).
func runErr(t *testing.T, job string, params jobs.Params, files []string, chunk int64) error {
	t.Helper()
	local, dir := enginetest.Open(t, engine.Options{})
	eng := &engine.Engine{Handler: local.Handler, MaxParallel: 4, NoBackups: true, Sleep: func(context.Context, time.Duration) error { return nil }}
	_, err := eng.Run(context.Background(), pipeline.PlanInput{Job: job, Params: params, Inputs: files, Output: filepath.Join(dir, "out.csv"), ChunkSize: chunk})
	return err
}

// raggedJobs are the jobs the ragged tests run: groupby, select and sql
// over the columns city and amount.
var raggedJobs = []struct {
	job    string
	params jobs.Params
}{
	{"groupby", jobs.Params{"key": "city", "agg": "sum:amount,count:amount"}},
	{"select", jobs.Params{"where": "amount > 6", "columns": "id,city,note"}},
	{"sql", jobs.Params{"query": "SELECT city, count(*) AS n FROM 'IN' GROUP BY city"}},
}

// withInput returns params with IN in the sql query replaced by file, and
// the delimiter d when d is not "".
func withInput(p jobs.Params, file, d string) jobs.Params {
	out := jobs.Params{}
	for k, v := range p {
		out[k] = strings.ReplaceAll(v, "'IN'", "'"+file+"'")
	}
	if d != "" {
		out["delim"] = d
	}
	return out
}

// TestRaggedAsDuckDB: a CSV file whose records no candidate delimiter
// reads with one count of fields (short records, long ones, every one
// ragged, one-column text with a comma in a line; a preamble is read:
// TestPreambleAsDuckDB) is one
// DuckDB's read_csv does not read by its delimiter: its sniffer falls back
// to one column of whole lines, or skips the lines before a consistent run
// (and then has no header). groupby, select and sql refuse it at planning,
// naming the file and the byte offset of the first record of another
// count, where they skipped those records and answered (a ',' file's
// groups without its short rows).
func TestRaggedAsDuckDB(t *testing.T) {
	db := openDuck(t)
	files := writeFiles(t, map[string][]byte{
		"short.csv":      []byte("id,city,amount,note\n1,Oslo,7,a\n2,Oslo\n3,Rome,8,b\n"),
		"long.csv":       []byte("id;city;amount;note\n1;Oslo;7;a\n2;Oslo;9;b;extra\n3;Rome;8;c\n"),
		"all-ragged.csv": []byte("id,city,amount,note\n1\n2,Oslo\n3,Rome,8\n4,Oslo,9,x,y\n"),
		"long-last.csv":  []byte("id,city,amount,note\n1,Oslo,7,a\n2,Rome,8,b\n3,Rome,8,b,c\n"),
		"text.csv":       []byte("city\nOslo\nRome, Italy\n"),
	})
	offsets := map[string]int{"short.csv": 31, "long.csv": 31, "all-ragged.csv": 20, "long-last.csv": 42, "text.csv": 10}
	for name, file := range files {
		got := duck(t, db, fmt.Sprintf("SELECT len(Columns)::VARCHAR, SkipRows::VARCHAR, HasHeader::VARCHAR FROM sniff_csv('%s')", file))
		if len(got) != 1 || (got[0][0] != "1" && got[0][1] == "0") {
			t.Fatalf("%s: DuckDB sniffs %q (columns, skipped lines, header): not one column nor lines skipped", name, got)
		}
		t.Logf("%s: DuckDB reads %s column(s), skipping %s line(s), header %s", name, got[0][0], got[0][1], got[0][2])
		for _, j := range raggedJobs {
			err := runErr(t, j.job, withInput(j.params, file, ""), []string{file}, 1<<20)
			want := fmt.Sprintf("the record at byte %d ", offsets[name])
			if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "ragged CSV") {
				t.Errorf("%s: %s: %v, want a ragged CSV error naming %s and %q", name, j.job, err, file, want)
			}
		}
	}
}

// raggedFile writes a ',' file of the columns id, city, amount, note in
// which every seventh record lacks its note and every eleventh has one
// field more, with quoted newlines and commas in the others.
func raggedFile(seed uint64, rows int) []byte {
	r := rand.New(rand.NewPCG(seed, 18))
	cities := []string{`"Washington, D.C."`, "Boston", `"Springfield ""IL"""`, `"multi` + "\n" + `line"`}
	var b bytes.Buffer
	b.WriteString("id,city,amount,note\n")
	for i := 0; i < rows; i++ {
		fields := []string{fmt.Sprint(i), cities[r.IntN(len(cities))], fmt.Sprint(r.IntN(20)), fmt.Sprintf("\"n,%d\nx\"", i)}
		switch {
		case i%7 == 3:
			fields = fields[:3]
		case i%11 == 5:
			fields = append(fields, "extra")
		}
		b.WriteString(strings.Join(fields, ",") + "\n")
	}
	return b.Bytes()
}

// TestRaggedWithDelimAsDuckDB: given the delimiter (--delim ','), a ragged
// file is read with it and the records of another count are skipped, as
// DuckDB's read_csv(delim = ',', ignore_errors = true) skips them: groupby,
// select and sql give its answers at every chunk size.
func TestRaggedWithDelimAsDuckDB(t *testing.T) {
	db := openDuck(t)
	file := writeFiles(t, map[string][]byte{"ragged.csv": raggedFile(1, 800)})["ragged.csv"]
	from := fmt.Sprintf("read_csv('%s', header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', ignore_errors = true)", file)
	groups := duckGroups(t, db, from)
	selected := duck(t, db, fmt.Sprintf(`SELECT id, city, note FROM %s WHERE TRY_CAST(amount AS DECIMAL(38,6)) > 6`, from))
	counts := duck(t, db, fmt.Sprintf(`SELECT city, count(*)::VARCHAR FROM %s GROUP BY city ORDER BY city`, from))
	if n := duck(t, db, "SELECT count(*)::VARCHAR FROM "+from); len(groups) != 4 || n[0][0] == "800" || len(selected) < 100 {
		t.Fatalf("DuckDB read %q rows into %d groups, selected %d: no ragged record skipped", n, len(groups), len(selected))
	}
	for _, chunk := range []int64{1 << 20, 97, 1000} {
		got := rows(t, db, run(t, "groupby", withInput(raggedJobs[0].params, file, ","), file, chunk))
		if len(got) != len(groups) {
			t.Fatalf("groupby at chunk size %d: %q, DuckDB %q", chunk, got, groups)
		}
		for i := range got {
			if got[i][0] != groups[i][0] || !sameNumber(got[i][1], groups[i][1]) || got[i][2] != groups[i][2] {
				t.Fatalf("groupby at chunk size %d: group %d is %q, DuckDB %q", chunk, i, got[i], groups[i])
			}
		}
		if got := rows(t, db, run(t, "select", withInput(raggedJobs[1].params, file, ","), file, chunk)); fmt.Sprint(got) != fmt.Sprint(selected) {
			t.Fatalf("select at chunk size %d: %d rows, DuckDB %d", chunk, len(got), len(selected))
		}
		q := jobs.Params{"query": fmt.Sprintf("SELECT city, count(*) AS n FROM '%s' GROUP BY city ORDER BY city", file), "delim": ","}
		if got := rows(t, db, run(t, "sql", q, file, chunk)); fmt.Sprint(got) != fmt.Sprint(counts) {
			t.Fatalf("sql at chunk size %d: %q, DuckDB %q", chunk, got, counts)
		}
	}
}
