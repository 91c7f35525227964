package plan_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/scattergather/scattergather/internal/blob"
	_ "github.com/scattergather/scattergather/internal/jobs" // the built-in jobs, which ResolveJob configures
	"github.com/scattergather/scattergather/internal/jobs/csvline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil"
)

// TestSniffDelim: the delimiter DuckDB's sniffer picks (its sniff_csv, as
// csvcheck's TestSniffMatchesDuckDB checks against DuckDB itself): the one
// giving every record the same, largest number of fields; a tie to the
// first of , | ; tab; quoted delimiters and newlines do not count; a
// record the sample cuts is left out; ',' when no candidate splits.
func TestSniffDelim(t *testing.T) {
	for _, c := range []struct {
		name, data string
		eof        bool
		want       byte
	}{
		{"comma", "a,b\n1,2\n", true, ','},
		{"semicolon, CRLF", "a;b;c\r\n1;2;3\r\n", true, ';'},
		{"tab", "a\tb\n1\t2\n", true, '\t'},
		{"pipe", "a|b\n1|2\n", true, '|'},
		{"quoted delimiters and newlines", "city;amount\n\"Paris, FR\";5\n\"a;b\nc,d,e\";7\n", true, ';'},
		{"commas in every field, semicolons between", "a,x;b,y\n1,2;3,4\n5,6;7,8\n", true, ','},
		{"more fields wins", "a;b;c,d\n1;2;3,4\n", true, ';'},
		{"tie: comma before pipe", "a,b|c\n1,2|3\n", true, ','},
		{"tie: semicolon before tab", "a;b\tc\n1;2\t3\n", true, ';'},
		{"tie: pipe before semicolon", "a|b;c\n1|2;3\n", true, '|'},
		{"one column", "a\n1\n2\n", true, ','},
		{"a cut record is left out", "a;b\n1;2\n3", false, ';'},
		{"BOM and blank lines", "\ufeffa\tb\n\n1\t2\n\n", true, '\t'},
		{"bad quoting under the one that splits: left to the mappers", "a;b\nx\"y;1\n", true, ','},
		{"a quote open at the end: left to the mappers", "a,b\n1,x\n2,\"open\n", true, ','},
		{"ragged past the sample", "a;b\n1;2\n3", false, ';'},
		{"a one-column file with quotes", "a\n\"x\ny\"\n2\n", true, ','},
	} {
		if got, err := plan.SniffDelim([]byte(c.data), c.eof); got != c.want || err != nil {
			t.Errorf("%s: SniffDelim(%q) = %q, %v, want %q", c.name, c.data, got, err, c.want)
		}
	}
}

// TestSniffDelimRagged: a start that no candidate reads with one count of
// fields (DuckDB reads it as one column, or drops lines before a
// consistent run: csvcheck's TestRaggedAsDuckDB) is a *RaggedError naming
// the candidate whose first record has the most fields and the byte
// offset of the first record it cannot read.
func TestSniffDelimRagged(t *testing.T) {
	for _, c := range []struct {
		name, data string
		want       plan.RaggedError
	}{
		{"a short record", "a,b\n1,2\n3\n", plan.RaggedError{Delim: ',', Offset: 8, Fields: 1, Want: 2, Odd: 1, Records: 3}},
		{"a long record", "a;b\n1;2\n3;4;5\n6;7\n", plan.RaggedError{Delim: ';', Offset: 8, Fields: 3, Want: 2, Odd: 1, Records: 4}},
		{"all ragged", "a,b,c\n1\n2,3\n", plan.RaggedError{Delim: ',', Offset: 6, Fields: 1, Want: 3, Odd: 2, Records: 3}},
		{"a header after a preamble, but no row", "Report 2024\na|b\n", plan.RaggedError{Delim: '|', Offset: 12, Fields: 2, Want: 1, Odd: 1, Records: 2}},
		{"a long last record", "a,b\n1,2\n3,4,5\n", plan.RaggedError{Delim: ',', Offset: 8, Fields: 3, Want: 2, Odd: 1, Records: 3}},
		{"a short record after a preamble", "Report\na;b;c\n1;2;3\n4;5\n", plan.RaggedError{Delim: ';', Offset: 7, Fields: 3, Want: 1, Odd: 3, Records: 4}},
		{"text with a comma in one line", "name\nhi, there\nho\n", plan.RaggedError{Delim: ',', Offset: 5, Fields: 2, Want: 1, Odd: 1, Records: 3}},
		{"two short records of 21", "a,b\n" + strings.Repeat("1,2\n", 18) + "3\n4\n", plan.RaggedError{Delim: ',', Offset: 76, Fields: 1, Want: 2, Odd: 2, Records: 21}},
		{"CRLF and a BOM count in the offset", "\ufeffa\tb\r\n1\t2\r\n3\r\n", plan.RaggedError{Delim: '\t', Offset: 13, Fields: 1, Want: 2, Odd: 1, Records: 3}},
	} {
		_, err := plan.SniffDelim([]byte(c.data), true)
		var re *plan.RaggedError
		if !errors.As(err, &re) || *re != c.want {
			t.Errorf("%s: SniffDelim(%q): %v, want %+v", c.name, c.data, err, c.want)
		}
	}
}

// TestSniffDelimFewMalformed: a sample whose records all but a few (one
// in twenty at most) have the first record's count of fields with a
// candidate is read with it, not refused as ragged: those few are
// malformed records, which the mappers skip and count (or --strict
// refuses), the contract's rule for a record of the wrong count; a fully
// consistent candidate still wins over it.
func TestSniffDelimFewMalformed(t *testing.T) {
	for _, c := range []struct {
		name, data string
		want       byte
	}{
		{"one short record of 20", "a,b\n" + strings.Repeat("1,2\n", 18) + "3\n", ','},
		{"one long record of 21 with ';'", "a;b\n" + strings.Repeat("1;2\n", 19) + "3;4;5\n", ';'},
		{"a consistent '|' beats a mostly ',' one", "a|b,c\n" + strings.Repeat("1|2,3\n", 19) + "4|5\n", '|'},
	} {
		d, err := plan.SniffDelim([]byte(c.data), true)
		if err != nil || d != c.want {
			t.Errorf("%s: SniffDelim: %q, %v; want %q", c.name, d, err, c.want)
		}
	}
}

// TestSniffDialect: a start that no candidate reads with one count of
// fields from its first record, but one does from a later record of its
// largest count on (two records at least: a header and a row), has a
// preamble, as DuckDB's sniffer skips it (SkipRows; csvcheck's
// TestPreambleSniffedAsDuckDB checks against DuckDB itself): the header is
// that record. The one of the most fields wins, a tie the one skipping
// least. A start read from its first record has its header at 0.
func TestSniffDialect(t *testing.T) {
	for _, c := range []struct {
		name, data string
		eof        bool
		want       plan.Dialect
	}{
		{"no preamble", "a;b\n1;2\n", true, plan.Dialect{Delim: ';', Fields: 2}},
		{"a title line", "Report 2024\na|b\n1|2\n", true, plan.Dialect{Delim: '|', Fields: 2, Header: 12}},
		{"title lines and a blank one", "Report 2024\nby us\n\na,b,c\n1,2,3\n4,5,6\n", true, plan.Dialect{Delim: ',', Fields: 3, Header: 19}},
		{"Excel's sep=;", "sep=;\r\na;b;c\r\n1;2;3\r\n", true, plan.Dialect{Delim: ';', Fields: 3, Header: 7}},
		{"a title of two fields", "Report,2024\na,b,c\n1,2,3\n", true, plan.Dialect{Delim: ',', Fields: 3, Header: 12}},
		{"a quoted title holding delimiters and a newline", "\"Sales, Q1\n2024\"\na\tb\n1\t2\n", true, plan.Dialect{Delim: '\t', Fields: 2, Header: 17}},
		{"a BOM before the title", "\ufeffReport\na,b\n1,2\n", true, plan.Dialect{Delim: ',', Fields: 2, Header: 10}},
		{"a cut last record is left out", "Report\na;b\n1;2\n3", false, plan.Dialect{Delim: ';', Fields: 2, Header: 7}},
		{"more fields win", "Report\na;b;c,d\n1;2;3,4\n", true, plan.Dialect{Delim: ';', Fields: 3, Header: 7}},
		{"a tie: the one skipping least, not the first", "T\nx;y\na|b;c\n1|2;3\n", true, plan.Dialect{Delim: ';', Fields: 2, Header: 2}},
	} {
		c.want.Quoting = csvline.RFC4180
		if got, err := plan.SniffDialect([]byte(c.data), c.eof); got != c.want || err != nil {
			t.Errorf("%s: SniffDialect(%q) = %+v, %v, want %+v", c.name, c.data, got, err, c.want)
		}
	}
}

// TestSniffQuoting: the quote and escape are sniffed as DuckDB's sniffer
// sniffs them (csvcheck's TestShapesAsDuckDB checks files of these shapes
// against DuckDB itself): the first of '"' doubled, '"' escaped by a
// backslash, '\” doubled and '\” escaped by a backslash that reads every
// record alike and quotes a field; else '"' doubled.
func TestSniffQuoting(t *testing.T) {
	bs := csvline.Quoting{Quote: '"', Escape: '\\'}
	sq := csvline.Quoting{Quote: '\'', Escape: '\''}
	sqbs := csvline.Quoting{Quote: '\'', Escape: '\\'}
	for _, c := range []struct {
		name, data string
		want       plan.Dialect
	}{
		{"doubled quotes", "a,b\n1,\"x \"\"y\"\", z\"\n", plan.Dialect{Delim: ',', Fields: 2, Quoting: csvline.RFC4180}},
		{"no quotes", "a,b\n1,it's\n", plan.Dialect{Delim: ',', Fields: 2, Quoting: csvline.RFC4180}},
		{"a backslash before a quote (MySQL)", "a,b\n1,\"x \\\"y\\\", z\"\n2,w\n", plan.Dialect{Delim: ',', Fields: 2, Quoting: bs}},
		{"a backslash before a quote and a newline", "a;b\n1;\"x \\\"y\n\\\"; z\"\n2;w\n", plan.Dialect{Delim: ';', Fields: 2, Quoting: bs}},
		{"backslashes alone are text", "a,b\n1,\"C:\\\\x, y\"\n", plan.Dialect{Delim: ',', Fields: 2, Quoting: csvline.RFC4180}},
		{"single quotes", "a,b\n1,'Oslo, NO'\n2,Rome\n", plan.Dialect{Delim: ',', Fields: 2, Quoting: sq}},
		{"single quotes with no delimiter inside", "a|b\n1|'Oslo NO'\n", plan.Dialect{Delim: '|', Fields: 2, Quoting: sq}},
		{"doubled single quotes", "a,b\n1,'it''s, NO'\n", plan.Dialect{Delim: ',', Fields: 2, Quoting: sq}},
		{"single quotes, backslash", "a,b\n1,'it\\'s, NO'\n", plan.Dialect{Delim: ',', Fields: 2, Quoting: sqbs}},
	} {
		if got, err := plan.SniffDialect([]byte(c.data), true); got != c.want || err != nil {
			t.Errorf("%s: SniffDialect(%q) = %+v, %v, want %+v", c.name, c.data, got, err, c.want)
		}
	}
}

// TestResolveJobDelim: the planner records the delimiter of a job's CSV
// input once, in its parameters: the user's (--delim) as given, a tab for a
// .tsv, a sniffed one other than ','; a comma file's parameters (and so its
// job ID) stay as they were, and a job of lines is not sniffed.
func TestResolveJobDelim(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string { return testutil.WriteFile(t, dir, name, []byte(data)) }
	semi := write("semi.csv", "city;amount\n\"a;b\";1\n")
	tsv := write("one.tsv", "city\n")
	comma := write("comma.csv", "city,amount\nx,1\n")
	big := write("big.csv", "city|amount\n"+strings.Repeat("\"p|q\nr\"|12345\n", 10000))
	groupby := map[string]string{"key": "city", "agg": "sum:amount"}
	for _, c := range []struct {
		name, job, input string
		params           map[string]string
		want             string
		set              bool
	}{
		{"sniffed", "groupby", semi, groupby, ";", true},
		{"sniffed past the sample", "groupby", big, groupby, "|", true},
		{"tsv by its name", "groupby", tsv, groupby, "\t", true},
		{"comma not recorded", "groupby", comma, groupby, "", false},
		{"given", "groupby", semi, map[string]string{"key": "city", "agg": "sum:amount", "delim": ","}, ",", true},
		{"sql", "sql", semi, map[string]string{"query": "SELECT city FROM '" + semi + "'"}, ";", true},
		{"lines are not sniffed", "grep", semi, map[string]string{"pattern": "a"}, "", false},
		{"the query's read_csv delim", "sql", comma, map[string]string{"query": "SELECT * FROM read_csv('" + comma + "', delim = '|')"}, "|", true},
		{"the query's ',' is recorded, not sniffed", "sql", semi, map[string]string{"query": "SELECT * FROM read_csv_auto('" + semi + "', sep = ',')"}, ",", true},
		{"the query's and --delim agree", "sql", semi, map[string]string{"query": "SELECT * FROM read_csv('" + semi + "', delim = 'tab')", "delim": `\t`}, `\t`, true},
	} {
		_, params, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), c.job, c.params, []string{c.input})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, set := params[plan.DelimParam]
		if got != c.want || set != c.set {
			t.Errorf("%s: delim %q (set %v), want %q (set %v)", c.name, got, set, c.want, c.set)
		}
	}
	if _, set := groupby[plan.DelimParam]; set {
		t.Error("ResolveJob changed its caller's params")
	}
	// A delimiter in the query and another beside it: refused.
	q := map[string]string{"query": "SELECT city FROM read_csv('" + semi + "', delim = ';')", "delim": ","}
	_, _, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "sql", q, []string{semi})
	if err == nil || !strings.Contains(err.Error(), `the query's read_csv(..., delim = ";") and --delim "," differ`) {
		t.Errorf("a query's delim ';' with --delim ',': %v", err)
	}
	// The sniffing reads one range of 64 KiB of a large object.
	store := &rangeStore{Store: blob.NewMux(nil)}
	if _, _, err := plan.ResolveJob(context.Background(), store, "groupby", groupby, []string{big}); err != nil {
		t.Fatal(err)
	}
	if len(store.opens) != 1 || store.opens[0] != [2]int64{0, 64 << 10} {
		t.Errorf("sniffing %s read %v, want one range [0, 64 KiB)", big, store.opens)
	}
}

// lockedRangeStore counts the ranges opened, from any goroutine.
type lockedRangeStore struct {
	blob.Store
	mu    sync.Mutex
	opens [][2]int64 // off, n
}

func (s *lockedRangeStore) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	s.mu.Lock()
	s.opens = append(s.opens, [2]int64{off, n})
	s.mu.Unlock()
	return s.Store.Open(ctx, key, off, n)
}

// TestResolveJobDelimOfEveryInput: every CSV input is sniffed (one range
// of at most 64 KiB each), as DuckDB's read_csv sniffs each file of a list
// or glob, and read with its own dialect: the job's delimiter is the first
// input's of two fields or more (a one-column input agrees with any), an
// input whose delimiter differs has its own (Object.Delim, so each chunk
// part's), an input whose header follows a preamble its offset
// (Object.Header); a ragged input is refused naming it.
func TestResolveJobDelimOfEveryInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string { return testutil.WriteFile(t, dir, name, []byte(data)) }
	semi1 := write("semi1.csv", "city;amount\nx;1\n")
	semi2 := write("semi2.csv", "city;amount\n\"y;z\";2\n")
	one := write("one.csv", "city\nx\n")
	comma := write("comma.csv", "city,amount\nx,1\n")
	tsv := write("t.tsv", "city\tamount\n")
	titled := write("titled.csv", "Report\ncity|amount\nx|1\n")
	ragged := write("ragged.csv", "city;amount\nx;1\ny\n")
	big := write("big.csv", "city;amount\n"+strings.Repeat("x;1\n", 40000))
	groupby := map[string]string{"key": "city", "agg": "sum:amount"}
	for _, c := range []struct {
		name   string
		inputs []string
		want   string // the delim recorded, or the error's text
		err    bool
		objs   string // each input's own delimiter and header offset
	}{
		{"two alike", []string{semi1, semi2}, ";", false, `[{"" 0} {"" 0}]`},
		{"a one-column input agrees", []string{one, semi1, one}, ";", false, `[{"" 0} {"" 0} {"" 0}]`},
		{"comma files", []string{comma, one, comma}, "", false, `[{"" 0} {"" 0} {"" 0}]`},
		{"the second differs", []string{semi1, comma}, ";", false, `[{"" 0} {"," 0}]`},
		{"a one-column first, then two differ", []string{one, comma, semi2}, "", false, `[{"" 0} {"" 0} {";" 0}]`},
		{"a .tsv and a ';' file", []string{tsv, semi1}, "\t", false, `[{"" 0} {";" 0}]`},
		{"a preamble and another delimiter", []string{comma, titled}, "", false, `[{"" 0} {"|" 7}]`},
		{"a ragged later input", []string{semi1, ragged}, `input ` + ragged + `: ragged CSV`, true, ""},
	} {
		objs, params, err := plan.ResolveJob(context.Background(), blob.NewMux(nil), "groupby", groupby, c.inputs)
		var own []string
		for _, o := range objs {
			own = append(own, fmt.Sprintf("{%q %d}", o.Delim, o.Header))
		}
		switch {
		case c.err && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		case !c.err && (err != nil || params[plan.DelimParam] != c.want || fmt.Sprint(own) != c.objs):
			t.Errorf("%s: delim %q, inputs' own %v, %v; want %q, %s", c.name, params[plan.DelimParam], own, err, c.want, c.objs)
		}
		if !c.err {
			chunks := plan.Split(objs, 1<<20)
			if p := chunks[len(chunks)-1].Parts; p[len(p)-1].Delim != objs[len(objs)-1].Delim || p[len(p)-1].Header != objs[len(objs)-1].Header {
				t.Errorf("%s: the last part %+v does not carry its input's dialect %+v", c.name, p[len(p)-1], objs[len(objs)-1])
			}
		}
	}
	// Each input is read once, a range of at most 64 KiB.
	store := &lockedRangeStore{Store: blob.NewMux(nil)}
	if _, _, err := plan.ResolveJob(context.Background(), store, "groupby", groupby, []string{big, semi1, big, semi2}); err != nil {
		t.Fatal(err)
	}
	sort.Slice(store.opens, func(i, j int) bool { return store.opens[i][1] < store.opens[j][1] })
	if fmt.Sprint(store.opens) != "[[0 16] [0 20] [0 65536] [0 65536]]" {
		t.Errorf("sniffing 4 inputs read %v, want one range each, of at most 64 KiB", store.opens)
	}
}
